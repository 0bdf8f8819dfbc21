/**
 * The bench's smoke run: the whole suite (`bench/run.ts --smoke`: one round, tiny sizes, its server
 * and fresh processes included), so that the bench cannot rot. It asserts that every path ran and
 * produced a value per variant, never anything about speed. It runs the built packages (`dist`),
 * which the root `test` script builds first.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const runScript = fileURLToPath(new URL("../run.ts", import.meta.url))

interface Report {
  readonly smoke: boolean
  readonly results: ReadonlyArray<{
    readonly id: string
    readonly variants: ReadonlyArray<{ readonly name: string; readonly role: string; readonly values: ReadonlyArray<number> }>
  }>
}

const runSmoke = (jsonFile: string) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", runScript, "--smoke", `--json=${jsonFile}`],
      { timeout: 60_000 },
      (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stdout}\n${stderr}`)))
    )
  })

describe("bench", () => {
  it("runs every path once with tiny sizes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flow-like-bench-"))
    try {
      const stdout = await runSmoke(join(dir, "smoke.json"))
      const report = JSON.parse(readFileSync(join(dir, "smoke.json"), "utf8")) as Report
      expect(report.smoke).toBe(true)
      expect(report.results.map((path) => path.id)).toEqual(["1", "2", "3a", "3b", "4", "5", "6", "7a", "7b", "8a", "8b", "8c", "9a", "9b", "9c"])
      for (const path of report.results) {
        expect(path.variants.filter((variant) => variant.role === "baseline")).toHaveLength(1)
        expect(path.variants.some((variant) => variant.role === "sdk")).toBe(true)
        for (const variant of path.variants) {
          expect(variant.values, `${path.id} ${variant.name}`).toHaveLength(1)
          expect(Number.isFinite(variant.values[0]), `${path.id} ${variant.name}`).toBe(true)
        }
        // The printed table has a row per variant of every path.
        expect(stdout.split("\n").filter((line) => line.startsWith(`| ${path.id} |`))).toHaveLength(path.variants.length)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
