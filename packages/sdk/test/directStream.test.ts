/**
 * `FlowLike.layer` reads event streams straight from `node:http` on Node (`internal/directStream.ts`):
 * the same requests, errors, limits and timeouts as the `HttpClient` path, with backpressure the
 * SDK controls. Real loopback servers; a custom or replaced `fetch` and a tracer keep the
 * `HttpClient` path.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Stream, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { once } from "node:events"
import { Readable } from "node:stream"
import { MockHttpClient } from "@flow-like/testing"
import { Execution, FlowLike, FlowLikeHttp, Workflows } from "../src/index.ts"
import type { Config } from "../src/index.ts"
import { Body, HIGH_WATER_BYTES } from "../src/internal/directStream.ts"
import { PAT } from "./utils/mock.ts"
import { giantError, hangingServer, loopback } from "./utils/loopback.ts"

const sdk = (baseUrl: string, options: Config.Options = {}) => FlowLike.layer({ baseUrl, pat: PAT, maxRetries: 0, ...options })

const trigger = Stream.unwrap(Effect.map(Effect.service(Workflows.Workflows), (w) => w.triggerWorkflow("app", "board", "node", { n: 1 })))

const logFrame = (message: string) => MockHttpClient.eventFrame("log", { message })
const completedFrame = MockHttpClient.eventFrame("completed", { run_id: "r1", status: "completed", duration_ms: 1, log_level: 1 })

/** An SSE answer of `frames` and then `completed`. */
const sseAnswer = (frames: ReadonlyArray<string>) =>
  new Response([...frames, completedFrame].join(""), { headers: { "content-type": "text/event-stream" } })

describe("FlowLike.layer's direct event streams", () => {
  it.live("events arrive over node:http with the request's headers and body; fetch's own headers are absent", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.end([logFrame("one"), logFrame("two"), completedFrame].join(""))
      })
      const events = yield* Stream.runCollect(trigger).pipe(Effect.provide(sdk(api.url, { headers: { "x-team": "core" } })))
      assert.deepStrictEqual(events.map((event) => event._tag), ["Log", "Log", "Completed"])
      const [received] = api.received
      assert.strictEqual(received?.method, "POST")
      assert.strictEqual(received?.url, "/api/v1/apps/app/board/board/invoke")
      assert.strictEqual(received?.headers["authorization"], PAT)
      assert.strictEqual(received?.headers["accept"], "text/event-stream")
      assert.strictEqual(received?.headers["x-team"], "core")
      assert.strictEqual(received?.headers["content-type"], "application/json")
      assert.isUndefined(received?.headers["sec-fetch-mode"], "fetch adds sec-fetch-mode; node:http does not")
      assert.deepStrictEqual(JSON.parse(received?.body ?? ""), { node_id: "node", payload: { n: 1 }, stream_state: true })
    }).pipe(Effect.scoped))

  it.effect("a passed fetch and a replaced globalThis.fetch see event streams; the original fetch is used again once restored", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const fetch: typeof globalThis.fetch = (input) => {
        calls.push(String(input))
        return Promise.resolve(sseAnswer([logFrame("hi")]))
      }
      const passed = yield* Stream.runCollect(trigger).pipe(Effect.provide(sdk("https://flow.test", { fetch })))
      assert.strictEqual(passed.length, 2)
      assert.strictEqual(calls.length, 1)

      const original = globalThis.fetch
      globalThis.fetch = fetch
      const replaced = yield* Stream.runCollect(trigger).pipe(
        Effect.provide(sdk("https://flow.test")),
        Effect.ensuring(Effect.sync(() => {
          globalThis.fetch = original
        }))
      )
      assert.strictEqual(replaced.length, 2)
      assert.strictEqual(calls.length, 2)
      // Files go through the HttpClient: after the restore, a signed URL no longer reaches the fake.
      const restored = yield* Effect.exit(
        Effect.flatMap(Effect.service(FlowLikeHttp.FlowLikeHttp), (http) => http.execute({ method: "GET", path: "", url: "http://127.0.0.1:9/x" })).pipe(
          Effect.provide(sdk("https://flow.test"))
        )
      )
      assert.strictEqual(restored._tag, "Failure")
      assert.strictEqual(calls.length, 2)
    }))

  it.live("with a tracer installed, a stream goes through the HttpClient (on fetch) and gets its client span", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.end([logFrame("traced"), completedFrame].join(""))
      })
      const spans: Array<string> = []
      const tracer = Tracer.make({
        span: (options) => {
          spans.push(options.name)
          return Tracer.nativeTracer.span(options)
        }
      })
      const events = yield* Stream.runCollect(trigger).pipe(Effect.provide(Layer.merge(sdk(api.url), Layer.succeed(Tracer.Tracer, tracer))))
      assert.strictEqual(events.length, 2)
      assert.strictEqual(api.received[0]?.headers["sec-fetch-mode"], "cors", "fetch sent it")
      assert.include(spans, "POST", "the HttpClient's client span, named after the method")
    }).pipe(Effect.scoped))

  it.live("an error status is the typed error of the envelope; a giant error body is read only in part", () =>
    Effect.gen(function*() {
      let outcome: Promise<boolean> = Promise.resolve(true)
      const api = yield* loopback((request, response) => {
        if (request.url?.includes("/board/missing/")) {
          response.writeHead(404, { "content-type": "application/json" })
          return response.end(JSON.stringify({ error: "Board not found", code: "NOT_FOUND" }))
        }
        outcome = giantError(response)
      })
      const workflows = Effect.service(Workflows.Workflows)
      const missing = yield* Effect.flip(
        Stream.runDrain(Stream.unwrap(Effect.map(workflows, (w) => w.triggerWorkflow("app", "missing", "node")))).pipe(Effect.provide(sdk(api.url)))
      )
      assert.strictEqual(missing.reason._tag, "NotFoundError")
      assert.include(missing.message, "Board not found")
      const giant = yield* Effect.flip(Stream.runDrain(trigger).pipe(Effect.provide(sdk(api.url))))
      assert.strictEqual(giant.reason._tag, "ServerError")
      assert.isBelow(giant.message.length, 4_000)
      assert.isFalse(yield* Effect.promise(() => outcome), "the 16 MiB body was not read to its end")
    }).pipe(Effect.scoped))

  it.live("a 2xx that is not an event stream is a DecodeError naming what came", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify({ run_id: "r1" }))
      })
      const error = yield* Effect.flip(Stream.runDrain(trigger).pipe(Effect.provide(sdk(api.url))))
      assert.strictEqual(error.reason._tag, "DecodeError")
      assert.include(error.message, `expected an event stream, got "application/json"`)
    }).pipe(Effect.scoped))

  it.live("a connection dropped mid-stream delivers the events before it, then a NetworkError", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.write(logFrame("before"), () => response.socket?.destroy())
      })
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(trigger, (event) => Effect.sync(() => seen.push(event._tag))).pipe(Effect.provide(sdk(api.url)))
      )
      assert.deepStrictEqual(seen, ["Log"])
      assert.strictEqual(error.reason._tag, "NetworkError")
      assert.include(error.message, "the connection dropped while reading the response")
    }).pipe(Effect.scoped))

  it.live("a consumer that stops early closes the connection", () =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<void>()
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.on("close", () => Deferred.doneUnsafe(closed, Effect.void))
        let index = 0
        const pump = () => {
          while (!response.destroyed) {
            if (!response.write(logFrame(`event ${index++}`))) return void response.once("drain", pump)
          }
        }
        pump()
      })
      const first = yield* Stream.runCollect(Stream.take(trigger, 3)).pipe(Effect.provide(sdk(api.url)))
      assert.strictEqual(first.length, 3)
      yield* Deferred.await(closed)
    }).pipe(Effect.scoped))

  it.effect("an answer that never starts times out on the test clock and closes the connection", () =>
    Effect.gen(function*() {
      const { api, closed, received } = yield* hangingServer
      const fiber = yield* Stream.runDrain(trigger).pipe(
        Effect.provide(sdk(api.url, { timeout: "10 seconds" })),
        Effect.flip,
        Effect.forkChild
      )
      yield* Deferred.await(received)
      yield* TestClock.adjust("11 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimeoutError")
      yield* Deferred.await(closed)
    }).pipe(Effect.scoped))

  it.effect("a stream that goes silent fails after streamIdleTimeout, on the test clock", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.write(logFrame("then nothing"))
      })
      const first = yield* Deferred.make<void>()
      const fiber = yield* Stream.runForEach(trigger, () => Deferred.succeed(first, undefined)).pipe(
        Effect.provide(sdk(api.url, { streamIdleTimeout: "30 seconds" })),
        Effect.flip,
        Effect.forkChild
      )
      yield* Deferred.await(first)
      yield* TestClock.adjust("31 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimeoutError")
      assert.include(error.message, "the stream sent nothing after 30s")
    }).pipe(Effect.scoped))
})

describe("FlowLike.layer's direct JSON calls on node:http", () => {
  const getRunStatus = Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1"))

  it.live("time out on the real clock and close the connection", () =>
    Effect.gen(function*() {
      const { api, closed } = yield* hangingServer
      const error = yield* Effect.flip(getRunStatus.pipe(Effect.provide(sdk(api.url, { timeout: 200 }))))
      assert.strictEqual(error.reason._tag, "TimeoutError")
      yield* Deferred.await(closed)
    }).pipe(Effect.scoped))

  it.live("an interrupted call closes the connection", () =>
    Effect.gen(function*() {
      const { api, closed, received } = yield* hangingServer
      const fiber = yield* Effect.forkChild(getRunStatus.pipe(Effect.provide(sdk(api.url))))
      yield* Deferred.await(received)
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(closed)
    }).pipe(Effect.scoped))
})

describe("directStream's body", () => {
  it.live("pauses the socket once HIGH_WATER_BYTES wait unread, and resumes when they are taken", () =>
    Effect.gen(function*() {
      const chunk = Buffer.alloc(64 * 1024, 1)
      const total = 64
      const source = new Readable({ read() {} })
      for (let index = 0; index < total; index++) source.push(chunk)
      source.push(null)
      const body = new Body(Object.assign(source, { complete: true }) as never)
      yield* Effect.promise(() => once(source, "pause"))
      const pull = body.pull((cause) => cause as never)
      const firstBatch = yield* pull
      const firstBytes = firstBatch.reduce((sum, part) => sum + part.length, 0)
      assert.isAtLeast(firstBytes, HIGH_WATER_BYTES)
      assert.isAtMost(firstBytes, HIGH_WATER_BYTES + chunk.length, "no more than the high-water mark and one chunk wait unread")
      assert.isFalse(source.isPaused(), "taking the chunks resumes the socket")
      let bytes = firstBytes
      for (;;) {
        const next = yield* Effect.result(pull)
        if (next._tag === "Failure") break
        bytes += next.success.reduce((sum, part) => sum + part.length, 0)
      }
      assert.strictEqual(bytes, total * chunk.length, "every byte arrives, in order of the stream's end")
    }))
})
