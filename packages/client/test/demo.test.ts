/** The README's demo commands: both demos run against the embedded dev server and show what the README says. */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))

const run = (script: string) =>
  new Promise<{ readonly code: number | null; readonly stdout: string }>((resolve) => {
    execFile(process.execPath, [script], { cwd: root, timeout: 60_000 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout })
    })
  })

describe("demos", () => {
  it("the Promise demo streams a workflow, follows a run, shows typed errors, streams a chat, picks a document by embeddings, runs a small RAG flow through LanceDB and moves a file", async () => {
    const { code, stdout } = await run("examples/demo.ts")
    expect(code).toBe(0)
    expect(stdout).toContain("=== 1. Stream a workflow (SSE) ===")
    expect(stdout).toMatch(/completed \(completed\)/)
    expect(stdout).toMatch(/final status: Completed \(progress 100%\)/)
    expect(stdout).toContain("RunError:")
    expect(stdout).toContain("NotFoundError (HTTP 404, code NOT_FOUND)")
    expect(stdout).toContain("You said: Say hello to the demo")
    expect(stdout).toContain("how do I follow a run? -> \"Runs can be followed by long polling\"")
    expect(stdout).toContain("stored 3 notes; tables: notes")
    expect(stdout).toContain("rag: when do LanceDB credentials expire? -> \"Credentials for LanceDB expire after one hour\"")
    expect(stdout).toContain("=== 7. Files: upload with progress, list, download, delete ===")
    expect(stdout).toMatch(/\[#{30}\] 100% 16777216 of 16777216 bytes/)
    expect(stdout).toMatch(/file reports\/demo\.bin 16777216 bytes, \d{4}-\d{2}-\d{2}T/)
    expect(stdout).toContain("downloaded 16777216 bytes, identical: true")
    expect(stdout).toContain("deleted; files left: 0")
    expect(stdout.trimEnd().endsWith("Done.")).toBe(true)
  }, 70_000)

  it("the Effect demo streams, awaits a run, handles a NotFoundError and calls generateText", async () => {
    const { code, stdout } = await run("examples/effect.ts")
    expect(code).toBe(0)
    expect(stdout).toMatch(/run \w+: Completed after \d+ events/)
    expect(stdout).toMatch(/not found: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/execution\/run\/no-such-run/)
    expect(stdout).toContain("generateText: You said: Hello from Effect AI")
  }, 70_000)
})
