/** The Promise client end to end, over real HTTP on loopback against the dev server. */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import type { WorkflowEvent } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance
let client: FlowLikeClient

beforeEach(async () => {
  server = await DevServer.start({ keepAliveMillis: 50 })
  client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
})

afterEach(async () => {
  await client.close()
  await server.close()
})

const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const items: Array<A> = []
  for await (const item of iterable) items.push(item)
  return items
}

describe("FlowLikeClient end to end", () => {
  it("streams the seeded demo board with raw SSE names and data", async () => {
    const events: Array<WorkflowEvent> = await collect(
      client.triggerWorkflow(server.seed.appId, server.seed.boardId, server.seed.nodeId, { greeting: "hi" })
    )
    expect(events[0]?._tag).toBe("RunInitiated")
    expect(events.at(-1)?._tag).toBe("Completed")
    for (const event of events) {
      expect(event.event).toBe(event.eventType)
      expect(JSON.parse(event.data).event_type).toBe(event.eventType)
    }
  })

  it("starts the slow board asynchronously, watches its progress to 100 and awaits its end", async () => {
    const started = await client.triggerWorkflowAsync(server.seed.appId, server.seed.slowBoardId, server.seed.nodeId)
    expect(typeof started.pollToken).toBe("string")
    const events = await collect(client.watchRun(started.pollToken))
    const progress = events.flatMap((event) => (event._tag === "Progress" && event.progress !== undefined ? [event.progress] : []))
    expect(progress.at(-1)).toBe(100)
    expect(events.map((event) => event._tag === "Gap" ? -1 : event.sequence)).toEqual(events.map((_, index) => index + 1))
    const status = await client.getRunStatus(started.runId)
    expect(status.status).toBe("Completed")
    const outcome = await client.awaitRun(started.pollToken)
    expect(outcome.done).toBe(true)
    expect(outcome.events).toEqual([])
  })

  it("fires an event asynchronously and polls it by hand", async () => {
    const started = await client.triggerEventAsync(server.seed.appId, server.seed.eventId, { user: "u1" })
    let afterSequence = 0
    let done = false
    const sequences: Array<number> = []
    while (!done) {
      const poll = await client.pollExecution(started.pollToken, { afterSequence, waitSeconds: 5 })
      sequences.push(...poll.events.map((event) => event.sequence))
      afterSequence = poll.lastSequence
      done = poll.done
    }
    expect(sequences).toEqual(sequences.map((_, index) => index + 1))
    expect(sequences.length).toBeGreaterThan(0)
  })

  it("throws FlowLikeError with the server's details, catchable with instanceof", async () => {
    const streamed = await collect(client.triggerWorkflow(server.seed.appId, server.seed.failingBoardId, server.seed.nodeId))
      .catch((error: unknown) => error)
    expect(streamed).toBeInstanceOf(FlowLikeError)
    expect((streamed as FlowLikeError).reason._tag).toBe("RunError")
    const missing = await client.getRunStatus("no-such-run").catch((error: unknown) => error)
    expect(missing).toBeInstanceOf(FlowLikeError)
    expect((missing as FlowLikeError).status).toBe(404)
  })

  it("closes the connection when the loop is left early, and the server sees it", async () => {
    server.boards.add({ id: "gated", steps: [{ type: "log", message: "one" }, { type: "await", gate: "never" }] })
    const closed = server.nextStreamClosed()
    const seen: Array<string> = []
    for await (const event of client.triggerWorkflow(server.appId, "gated", "start")) {
      seen.push(event.eventType)
      if (seen.length === 2) break
    }
    expect(seen).toEqual(["run_initiated", "log"])
    expect((await closed).byClient).toBe(true)
  })

  it("aborts a stream with an AbortSignal, closing the connection", async () => {
    server.boards.add({ id: "gated", steps: [{ type: "log", message: "one" }, { type: "await", gate: "never" }] })
    const closed = server.nextStreamClosed()
    const controller = new AbortController()
    const error = await (async () => {
      for await (const event of client.triggerWorkflow(server.appId, "gated", "start", undefined, { signal: controller.signal })) {
        if (event._tag === "Log") controller.abort()
      }
    })().catch((e: unknown) => e)
    expect((error as FlowLikeError).reason._tag).toBe("AbortedError")
    expect((await closed).byClient).toBe(true)
  })

  it("close() ends a running stream and a pending watch with AbortedError; the server sees the stream closed", async () => {
    server.boards.add({ id: "gated", steps: [{ type: "log", message: "one" }, { type: "await", gate: "never" }] })
    const closed = server.nextStreamClosed()
    const started = await client.triggerWorkflowAsync(server.appId, "gated", "start")
    const watching = collect(client.watchRun(started.pollToken, { waitSeconds: 30 })).catch((e: unknown) => e)
    const streaming = (async () => {
      for await (const event of client.triggerWorkflow(server.appId, "gated", "start")) {
        if (event._tag === "Log") void client.close()
      }
    })().catch((e: unknown) => e)
    const [streamError, watchError] = await Promise.all([streaming, watching])
    expect((streamError as FlowLikeError).reason._tag).toBe("AbortedError")
    expect((watchError as FlowLikeError).reason._tag).toBe("AbortedError")
    expect((await closed).byClient).toBe(true)
    const requestsAfterClose = server.requests.length
    const after = await client.getRunStatus(started.runId).catch((e: unknown) => e)
    expect((after as FlowLikeError).reason._tag).toBe("AbortedError")
    expect(server.requests.length).toBe(requestsAfterClose)
  })

  it("takes a per-call timeout and maxRetries", async () => {
    server.faults.inject({ path: "/api/v1/execution/run/", fault: { kind: "latency", millis: 600 } })
    const timedOut = await client.getRunStatus("slow-run", { timeout: 100, maxRetries: 0 }).catch((e: unknown) => e)
    expect((timedOut as FlowLikeError).reason._tag).toBe("TimeoutError")
    server.faults.clear()
    server.faults.inject({ path: "/api/v1/execution/run/", times: Infinity, fault: { kind: "status", status: 503, retryAfter: "0" } })
    const before = server.requests.length
    const failed = await client.getRunStatus("any-run", { maxRetries: 0 }).catch((e: unknown) => e)
    expect((failed as FlowLikeError).reason._tag).toBe("ServerError")
    expect(server.requests.length - before).toBe(1)
    const retried = await client.getRunStatus("any-run", { maxRetries: 1 }).catch((e: unknown) => e)
    expect((retried as FlowLikeError).attempts).toBe(2)
    expect(server.requests.length - before).toBe(3)
  })

  it("rejects an awaited stream at once on an HTTP error, and resolves a good one with its events", async () => {
    server.faults.inject({ method: "POST", path: /\/invoke$/, fault: { kind: "status", status: 404 } })
    const error = await client.triggerWorkflow(server.appId, server.seed.boardId, server.seed.nodeId).then(
      () => undefined,
      (e: unknown) => e
    )
    expect((error as FlowLikeError).reason._tag).toBe("NotFoundError")
    const events = await client.triggerWorkflow(server.appId, server.seed.boardId, server.seed.nodeId)
    const all = await collect(events)
    expect(all.at(-1)?._tag).toBe("Completed")
  })

  it("fails a failed run with RunError in every path, after delivering its events", async () => {
    server.boards.add({ id: "bad", steps: [{ type: "log", message: "about to fail" }, { type: "fail", message: "boom" }] })
    const streamed: Array<string> = []
    const streamError = await (async () => {
      for await (const event of client.triggerWorkflow(server.appId, "bad", "start")) streamed.push(event.eventType)
    })().catch((e: unknown) => e)
    expect((streamError as FlowLikeError).reason._tag).toBe("RunError")
    expect(streamed).toContain("log")
    const watched: Array<string> = []
    const first = await client.triggerWorkflowAsync(server.appId, "bad", "start")
    const watchError = await (async () => {
      for await (const event of client.watchRun(first.pollToken)) watched.push(event._tag)
    })().catch((e: unknown) => e)
    expect((watchError as FlowLikeError).reason._tag).toBe("RunError")
    expect((watchError as FlowLikeError).lastSequence).toBe(watched.length)
    const second = await client.triggerWorkflowAsync(server.appId, "bad", "start")
    const awaitError = await client.awaitRun(second.pollToken).catch((e: unknown) => e)
    const typed = awaitError as FlowLikeError
    expect(typed.reason._tag).toBe("RunError")
    expect(typed.reason._tag === "RunError" ? typed.reason.runStatus : undefined).toBe("Failed")
    expect(typed.reason._tag === "RunError" ? typed.reason.runId : undefined).toBe(second.runId)
    expect(typed.events?.length).toBeGreaterThan(0)
  })

  it("reads the environment when each client is made", async () => {
    const other = await DevServer.start({ seed: "empty" })
    const saved = { url: process.env["FLOW_LIKE_BASE_URL"], pat: process.env["FLOW_LIKE_PAT"] }
    try {
      process.env["FLOW_LIKE_PAT"] = server.pat
      process.env["FLOW_LIKE_BASE_URL"] = server.url
      await using first = new FlowLikeClient()
      process.env["FLOW_LIKE_BASE_URL"] = other.url
      process.env["FLOW_LIKE_PAT"] = other.pat
      await using second = new FlowLikeClient()
      await first.getRunStatus("r1").catch(() => undefined)
      await second.getRunStatus("r2").catch(() => undefined)
      expect(server.requests.map((request) => request.path)).toContain("/api/v1/execution/run/r1")
      expect(other.requests.map((request) => request.path)).toEqual(["/api/v1/execution/run/r2"])
    } finally {
      for (const [name, value] of [["FLOW_LIKE_BASE_URL", saved.url], ["FLOW_LIKE_PAT", saved.pat]] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      await other.close()
    }
  })
})
