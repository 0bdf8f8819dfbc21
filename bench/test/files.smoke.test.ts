/**
 * The files rows' smoke run (`bench/run.ts --only=files --smoke --no-write`: 8 MiB, one round, the
 * dev server and fresh processes included), so that they cannot rot. It asserts that both variants
 * ran and their downloads matched the upload (the run fails otherwise), never anything about speed.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const runScript = fileURLToPath(new URL("../run.ts", import.meta.url))

describe("bench files rows", () => {
  it("uploads and downloads a file both ways, checksums compared", async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--expose-gc", runScript, "--only=files", "--smoke", "--no-write"],
        { timeout: 90_000 },
        (error, out, stderr) => (error === null ? resolve(out) : reject(new Error(`${error.message}\n${out}\n${stderr}`)))
      )
    })
    expect(stdout).toContain("8 MiB file, 1 rounds")
    for (const row of ["upload throughput", "download throughput", "peak RSS growth"]) {
      expect(stdout).toMatch(new RegExp(`\\| ${row}[^|]*\\| \\d+\\.\\d MB(/s)? \\(`))
    }
  }, 100_000)
})
