/** The `flow-like-dev-server` command, run as a real process from source (Node strips the types). */
import { spawn } from "node:child_process"
import { once } from "node:events"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const cli = fileURLToPath(new URL("../src/bin/flow-like-dev-server.ts", import.meta.url))

const run = (args: ReadonlyArray<string>) => spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] })

/** Runs the command to its end and returns its exit code and output. */
const runToEnd = async (args: ReadonlyArray<string>) => {
  const child = run(args)
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = await once(child, "close") as [number | null]
  return { code, stdout, stderr }
}

type Info = Record<string, string>

/** A running server process: its JSON line, its stderr lines as they come, and a way to stop it. */
const startServer = (args: ReadonlyArray<string>) => {
  const child = run(args)
  const closed = once(child, "close")
  const stderrLines: Array<string> = []
  const waiters = new Set<{ readonly predicate: (line: string) => boolean; readonly resolve: (line: string) => void }>()
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderrLines.push(line)
    for (const waiter of waiters) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter)
        waiter.resolve(line)
      }
    }
  })
  const exitedEarly = (what: string) =>
    closed.then(() => {
      throw new Error(`the command exited before ${what}; stderr:\n${stderrLines.join("\n")}`)
    })
  const info: Promise<Info> = Promise.race([
    once(createInterface({ input: child.stdout }), "line").then(([line]) => JSON.parse(line as string) as Info),
    exitedEarly("printing its JSON line")
  ])
  /** The first stderr line (already printed or still to come) that matches. */
  const waitForStderr = (predicate: (line: string) => boolean): Promise<string> => {
    const seen = stderrLines.find(predicate)
    if (seen !== undefined) return Promise.resolve(seen)
    return Promise.race([
      new Promise<string>((resolve) => waiters.add({ predicate, resolve })),
      exitedEarly("printing the expected stderr line")
    ])
  }
  /** SIGTERM, then every byte of output read. */
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    await closed
  }
  return { child, info, stderrLines, waitForStderr, stop }
}

/** `METHOD /path STATUS N.N ms`: one line per answered request. */
const requestLine = /^([A-Z]+) (\/\S*) (\d{3}) (\d+(?:\.\d+)?) ms$/

const bannerEnd = (line: string) => line.includes("Ctrl-C to stop")

describe("flow-like-dev-server", () => {
  it("prints one JSON line with the URL, a PAT and the seeded ids, serves them, and stops on SIGTERM", async () => {
    const server = startServer(["--port", "0"])
    try {
      const info = await server.info
      expect(Object.keys(info).sort()).toEqual(
        ["apiKey", "apiUrl", "appId", "boardId", "embeddingBitId", "eventId", "failingBoardId", "llmBitId", "nodeId", "pat", "slowBoardId", "url"]
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
      const chat = await fetch(`${info.apiUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: info.pat ?? "", "content-type": "application/json" },
        body: JSON.stringify({ model: info.llmBitId, messages: [{ role: "user", content: "ping" }] })
      })
      expect((await chat.json()).choices[0].message.content).toBe("You said: ping")
    } finally {
      await server.stop()
    }
    expect(server.child.exitCode !== null || server.child.signalCode !== null).toBe(true)
  })

  it("prints a banner on stderr: URL, docs, the PAT, seeded ids and a curl that streams the seeded board", async () => {
    const server = startServer(["--port", "0"])
    try {
      const info = await server.info
      await server.waitForStderr(bannerEnd)
      const banner = server.stderrLines.join("\n")
      expect(banner).toContain(info.url)
      expect(banner).toContain(`${info.url}/docs`)
      expect(banner).toContain(`${info.url}/api-doc/openapi.json`)
      expect(banner).toContain(info.pat)
      expect(banner).toContain(info.apiKey)
      expect(banner).toContain(info.eventId)
      expect(banner).toContain(
        `curl -N -X POST "${info.apiUrl}/apps/${info.appId}/board/${info.boardId}/invoke" -H "Authorization: ${info.pat}"` +
          ` -H "content-type: application/json" -d '{"node_id":"${info.nodeId}"}'`
      )
      // The banner is for people: stdout still has the JSON line only.
      expect(server.stderrLines.some((line) => line.startsWith("{"))).toBe(false)
    } finally {
      await server.stop()
    }
  })

  it("logs one stderr line per request: method, path, status and milliseconds", async () => {
    const server = startServer(["--port", "0"])
    try {
      const info = await server.info
      const health = await fetch(`${info.apiUrl}/health?probe=1`)
      expect(health.status).toBe(200)
      await health.text()
      const healthLine = await server.waitForStderr((line) => line.startsWith("GET /api/v1/health "))
      const [, method, path, status, millis] = requestLine.exec(healthLine) ?? []
      expect({ method, path, status }).toEqual({ method: "GET", path: "/api/v1/health", status: "200" })
      expect(Number(millis)).toBeGreaterThanOrEqual(0)

      const missing = await fetch(`${info.apiUrl}/apps/${info.appId}/board/${info.boardId}/invoke/async`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ node_id: info.nodeId })
      })
      await missing.text()
      const postLine = await server.waitForStderr((line) => line.startsWith("POST "))
      expect(postLine).toMatch(
        new RegExp(`^POST /api/v1/apps/${info.appId}/board/${info.boardId}/invoke/async ${missing.status} \\d+(\\.\\d+)? ms$`)
      )
    } finally {
      await server.stop()
    }
    expect(server.stderrLines.filter((line) => requestLine.test(line))).toHaveLength(2)
  })

  it("--quiet: the banner but no request lines", async () => {
    const server = startServer(["--port", "0", "--quiet"])
    try {
      const info = await server.info
      const health = await fetch(`${info.apiUrl}/health`)
      expect(health.status).toBe(200)
      await health.text()
      await server.waitForStderr(bannerEnd)
    } finally {
      // Stopping the process and reading its stderr to the end: a request line would be there.
      await server.stop()
    }
    expect(server.stderrLines.join("\n")).toContain("Flow-Like dev server listening on")
    expect(server.stderrLines.filter((line) => requestLine.test(line))).toEqual([])
  })

  it("--help prints the usage on stdout and exits 0", async () => {
    const { code, stdout, stderr } = await runToEnd(["--help"])
    expect(code).toBe(0)
    expect(stdout).toContain("Usage: flow-like-dev-server")
    for (const option of ["--port", "--host", "--allow-remote", "--quiet", "--help"]) expect(stdout).toContain(option)
    expect(stderr).toBe("")
  })

  it("says which port is taken and exits 1 when it cannot listen", async () => {
    const blocker = createServer()
    blocker.listen(0, "127.0.0.1")
    await once(blocker, "listening")
    const { port } = blocker.address() as AddressInfo
    try {
      const { code, stdout, stderr } = await runToEnd(["--port", String(port)])
      expect(code).toBe(1)
      expect(stdout).toBe("")
      expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`)
      expect(stderr).toContain("--port 0")
      expect(stderr).not.toContain("ServeError")
    } finally {
      blocker.close()
      await once(blocker, "close")
    }
  })

  it("refuses a non-loopback host without --allow-remote", async () => {
    const { code, stderr } = await runToEnd(["--host", "0.0.0.0"])
    expect(code).toBe(2)
    expect(stderr).toContain("non-loopback")
  })
})
