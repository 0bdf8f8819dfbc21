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
})
