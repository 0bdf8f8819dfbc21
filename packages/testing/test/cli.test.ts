/** The `flow-like-dev-server` command, run as a real process from source (Node strips the types). */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const cli = fileURLToPath(new URL("../src/bin/flow-like-dev-server.ts", import.meta.url))

const run = (args: ReadonlyArray<string>) => spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] })

describe("flow-like-dev-server", () => {
  it("prints one JSON line with the URL, a PAT and the seeded ids, serves them, and stops on SIGTERM", async () => {
    const child = run(["--port", "0"])
    const exited = once(child, "exit")
    try {
      const lines = createInterface({ input: child.stdout })
      const [first] = await once(lines, "line") as [string]
      const info = JSON.parse(first) as Record<string, string>
      expect(Object.keys(info).sort()).toEqual(
        ["apiKey", "apiUrl", "appId", "boardId", "eventId", "failingBoardId", "nodeId", "pat", "slowBoardId", "url"]
      )
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const health = await fetch(`${info.apiUrl}/health`)
      expect(await health.json()).toEqual({ status: "ok" })
      const invoke = await fetch(`${info.apiUrl}/apps/${info.appId}/board/${info.boardId}/invoke/async`, {
        method: "POST",
        headers: { authorization: info.pat ?? "", "content-type": "application/json" },
        body: JSON.stringify({ node_id: info.nodeId })
      })
      expect(invoke.status).toBe(200)
      expect(Object.keys(await invoke.json()).sort()).toEqual(["backend", "poll_token", "run_id", "status"])
    } finally {
      child.kill("SIGTERM")
      await exited
    }
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true)
  })

  it("refuses a non-loopback host without --allow-remote", async () => {
    const child = run(["--host", "0.0.0.0"])
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const [code] = await once(child, "exit") as [number | null]
    expect(code).toBe(2)
    expect(stderr).toContain("non-loopback")
  })
})
