import { describe, expect, it } from "vitest"
import { inspect } from "node:util"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"

const PAT = "pat_user1.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"
const PAT_SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"

const frame = (eventType: string, payload: unknown) =>
  `event: ${eventType}\ndata: ${
    JSON.stringify({
      event_id: `id-${eventType}`,
      event_type: eventType,
      payload,
      timestamp: { secs_since_epoch: 1, nanos_since_epoch: 0 }
    })
  }\n\n`

interface FakeFetch {
  readonly fetch: typeof globalThis.fetch
  readonly calls: Array<{ readonly url: string; readonly init: RequestInit | undefined }>
  /** Resolves when a request's signal aborts. */
  readonly aborted: Promise<void>
  /** Resolves when a streamed body is cancelled by the reader. */
  readonly cancelled: Promise<void>
  /** Resolves when the first request arrives. */
  readonly requested: Promise<void>
}

/** A `fetch` that answers from `respond`, and records aborts of the request and cancels of a body it streams. */
const fakeFetch = (respond: (url: string) => Response | "hang" | "stream"): FakeFetch => {
  const calls: FakeFetch["calls"] = []
  let onAborted: () => void = () => {}
  let onCancelled: () => void = () => {}
  let onRequested: () => void = () => {}
  const requested = new Promise<void>((resolve) => (onRequested = resolve))
  const aborted = new Promise<void>((resolve) => (onAborted = resolve))
  const cancelled = new Promise<void>((resolve) => (onCancelled = resolve))
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    calls.push({ url, init })
    onRequested()
    init?.signal?.addEventListener("abort", () => onAborted(), { once: true })
    const answer = respond(url)
    if (answer === "hang") {
      return new Promise((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true })
      )
    }
    if (answer === "stream") {
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 3) controller.enqueue(new TextEncoder().encode(frame("log", { message: `line ${sent}` })))
          else return new Promise<void>(() => {})
        },
        cancel() {
          onCancelled()
        }
      })
      return Promise.resolve(new Response(body, { headers: { "content-type": "text/event-stream" } }))
    }
    return Promise.resolve(answer)
  }
  return { fetch, calls, aborted, cancelled, requested }
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

describe("FlowLikeClient", () => {
  it("throws a typed configuration error from the constructor, before any request", () => {
    const fake = fakeFetch(() => json({}))
    let thrown: unknown
    try {
      new FlowLikeClient({ baseUrl: "https://flow.test", token: "nope_123", fetch: fake.fetch })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(FlowLikeError)
    expect((thrown as FlowLikeError).reason._tag).toBe("ConfigurationError")
    expect(fake.calls).toHaveLength(0)
  })

  it("rejects with the original FlowLikeError, never a wrapper", async () => {
    const fake = fakeFetch(() =>
      json({ error: { code: "NOT_FOUND", message: "Not Found" } }, 404)
    )
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const error = await client.getRunStatus("missing").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLikeError)
    const typed = error as FlowLikeError
    expect(typed.reason._tag).toBe("NotFoundError")
    expect(typed.status).toBe(404)
    expect(typed.code).toBe("NOT_FOUND")
    expect(typed.constructor.name).toBe("FlowLikeError")
    expect(inspect(typed)).not.toContain(PAT_SECRET)
    expect(inspect(client, { depth: 10 })).not.toContain(PAT_SECRET)
    expect(JSON.stringify(client.config)).not.toContain(PAT_SECRET)
    expect(fake.calls[0]?.url).toBe("https://flow.test/api/v1/execution/run/missing")
  })

  it("returns the poll token as a string and polls with it as bearer", async () => {
    const fake = fakeFetch((url) =>
      url.includes("/invoke/async")
        ? json({ run_id: "r1", status: "dispatched", poll_token: "tok.en.sig", backend: "http" })
        : json({
          run_id: "r1",
          status: "Completed",
          progress: 100,
          current_step: null,
          error: null,
          events: [{ sequence: 1, event_type: "log", payload: { message: "done" }, created_at: "2026-11-24T00:00:00Z" }],
          started_at: null,
          completed_at: null
        })
    )
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const started = await client.triggerWorkflowAsync("app", "board", "node", { n: 1 })
    expect(started).toEqual({
      runId: "r1",
      pollToken: "tok.en.sig",
      status: "dispatched",
      backend: "http",
      raw: { run_id: "r1", status: "dispatched", backend: "http" }
    })
    const poll = await client.pollExecution(started.pollToken)
    expect(poll.done).toBe(true)
    expect(poll.lastSequence).toBe(1)
    const headers = new Headers(fake.calls[1]?.init?.headers)
    expect(headers.get("authorization")).toBe("Bearer tok.en.sig")
  })

  it("rejects with AbortedError when the signal is already aborted, without a request", async () => {
    const fake = fakeFetch(() => json({}))
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const controller = new AbortController()
    controller.abort()
    const error = await client.getRunStatus("r1", { signal: controller.signal }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("AbortedError")
    expect(fake.calls).toHaveLength(0)
  })

  it("aborts an in-flight request when the signal fires", async () => {
    const fake = fakeFetch(() => "hang")
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const controller = new AbortController()
    const pending = client.getRunStatus("r1", { signal: controller.signal }).catch((e: unknown) => e)
    await fake.requested
    controller.abort(new Error("user pressed stop"))
    const error = await pending
    await fake.aborted
    expect((error as FlowLikeError).reason._tag).toBe("AbortedError")
    expect((error as FlowLikeError).message).toContain("user pressed stop")
  })

  it("closes the connection when a for-await loop is left early", async () => {
    const fake = fakeFetch(() => "stream")
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const seen: Array<string> = []
    for await (const event of client.triggerWorkflow("app", "board", "node")) {
      seen.push(event._tag === "Log" ? event.message : event.eventType)
      if (seen.length === 2) break
    }
    expect(seen).toEqual(["line 1", "line 2"])
    await Promise.race([fake.aborted, fake.cancelled])
  })

  it("fails the iteration with AbortedError when the signal fires mid-stream", async () => {
    const fake = fakeFetch(() => "stream")
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const controller = new AbortController()
    const seen: Array<string> = []
    const error = await (async () => {
      for await (const event of client.triggerWorkflow("app", "board", "node", undefined, { signal: controller.signal })) {
        seen.push(event.eventType)
        if (seen.length === 3) controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(seen).toHaveLength(3)
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("AbortedError")
    await Promise.race([fake.aborted, fake.cancelled])
  })

  it("rejects calls after close()", async () => {
    const fake = fakeFetch(() => json({}))
    const client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    await client.close()
    const error = await client.getRunStatus("r1").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLikeError)
    expect(fake.calls).toHaveLength(0)
  })

  it("ends a running for-await loop and pending calls with AbortedError on close(), and sends nothing after", async () => {
    const fake = fakeFetch((url) => url.includes("/invoke") ? "stream" : "hang")
    const client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const pending = client.getRunStatus("r1").catch((e: unknown) => e)
    const seen: Array<string> = []
    const looped = (async () => {
      for await (const event of client.triggerWorkflow("app", "board", "node")) {
        seen.push(event.eventType)
        if (seen.length === 1) void client.close()
      }
    })().catch((e: unknown) => e)
    const [loopError, callError] = await Promise.all([looped, pending])
    expect((loopError as FlowLikeError).reason._tag).toBe("AbortedError")
    expect((loopError as FlowLikeError).message).toContain("closed")
    expect((callError as FlowLikeError).reason._tag).toBe("AbortedError")
    await client.close()
    const callsBefore = fake.calls.length
    const after = await client.getRunStatus("r2").catch((e: unknown) => e)
    expect((after as FlowLikeError).reason._tag).toBe("AbortedError")
    const afterStream = await (async () => {
      for await (const _ of client.watchRun("tok.en.sig")) break
    })().catch((e: unknown) => e)
    expect((afterStream as FlowLikeError).reason._tag).toBe("AbortedError")
    expect(fake.calls).toHaveLength(callsBefore)
  })

  it("takes per-call timeout, maxRetries and headers", async () => {
    let status = 503
    const fake = fakeFetch((url) => url.endsWith("/slow") ? "hang" : json({ error: { code: "X", message: "busy" } }, status))
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch, maxRetries: 5 })
    const timedOut = await client.getRunStatus("slow", { timeout: 30, maxRetries: 0 }).catch((e: unknown) => e)
    expect((timedOut as FlowLikeError).reason._tag).toBe("TimeoutError")
    expect((timedOut as FlowLikeError).message).toContain("30ms")
    const before = fake.calls.length
    const failed = await client.getRunStatus("r1", { maxRetries: 0, headers: { "X-Trace": "abc" } }).catch((e: unknown) => e)
    expect((failed as FlowLikeError).reason._tag).toBe("ServerError")
    expect(fake.calls.length - before).toBe(1)
    expect(new Headers(fake.calls.at(-1)?.init?.headers).get("x-trace")).toBe("abc")
    status = 404
    const other = await client.getRunStatus("r1").catch((e: unknown) => e)
    expect(new Headers(fake.calls.at(-1)?.init?.headers).get("x-trace")).toBeNull()
    expect((other as FlowLikeError).reason._tag).toBe("NotFoundError")
  })

  it("makes a stream awaitable: it rejects on an HTTP error, and resolves with the events once the head arrived", async () => {
    const fake = fakeFetch((url) =>
      url.includes("/missing/") ? json({ error: { code: "NOT_FOUND", message: "Not Found" } }, 404) : "stream"
    )
    await using client = new FlowLikeClient({ baseUrl: "https://flow.test", pat: PAT, fetch: fake.fetch })
    const error = await client.triggerWorkflow("app", "missing", "node").then(() => undefined, (e: unknown) => e)
    expect((error as FlowLikeError).reason._tag).toBe("NotFoundError")
    const events = await client.triggerWorkflow("app", "board", "node")
    const seen: Array<string> = []
    for await (const event of events) {
      seen.push(event._tag === "Log" ? event.message : event.eventType)
      if (seen.length === 2) break
    }
    expect(seen).toEqual(["line 1", "line 2"])
  })

  it("reads the environment for each new client", () => {
    const saved = { url: process.env["FLOW_LIKE_BASE_URL"], pat: process.env["FLOW_LIKE_PAT"] }
    try {
      process.env["FLOW_LIKE_PAT"] = PAT
      process.env["FLOW_LIKE_BASE_URL"] = "https://one.test"
      const first = new FlowLikeClient()
      process.env["FLOW_LIKE_BASE_URL"] = "https://two.test"
      const second = new FlowLikeClient()
      expect(first.config.baseUrl).toBe("https://one.test")
      expect(second.config.baseUrl).toBe("https://two.test")
      void first.close()
      void second.close()
    } finally {
      for (const [name, value] of [["FLOW_LIKE_BASE_URL", saved.url], ["FLOW_LIKE_PAT", saved.pat]] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
  })

  it("recognises a FlowLikeError from another copy of the package by its type id", () => {
    const foreign = { [Symbol.for("@flow-like/effect/FlowLikeError")]: Symbol.for("@flow-like/effect/FlowLikeError"), reason: {} }
    expect(foreign).toBeInstanceOf(FlowLikeError)
    expect({ reason: {} }).not.toBeInstanceOf(FlowLikeError)
  })

  it("types every method's arguments and options", () => {
    const calls = (client: FlowLikeClient) => [
      // @ts-expect-error an app id is a string
      client.triggerWorkflow(1, "board", "node"),
      // @ts-expect-error streamState is a boolean
      client.triggerWorkflow("app", "board", "node", {}, { streamState: "yes" }),
      // @ts-expect-error the event invoke's version is a string
      client.triggerEventAsync("app", "event", {}, { version: [1, 0, 0] }),
      // @ts-expect-error timeout is milliseconds, a number
      client.getRunStatus("run", { timeout: "5 seconds" }),
      client.triggerWorkflowAsync("app", "board", "node", undefined, { version: [1, 0, 3], timeout: 1_000, maxRetries: 0 }),
      client.watchRun("token", { waitSeconds: 5, onGap: "continue", headers: { "x-a": "b" } })
    ]
    expect(typeof calls).toBe("function")
  })
})
