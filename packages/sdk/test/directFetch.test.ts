/**
 * `FlowLike.layer` sends JSON calls straight to `fetch` (the fast path) and everything else through
 * the `HttpClient`: the fast path must keep every rule of the other one.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Stream, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { DevServer, DevServerService } from "@flow-like/testing"
import { CallOptions, Execution, FlowLike, Workflows } from "../src/index.ts"

const PAT = "pat_direct.fetch-test-secret"
const STATUS = { run_id: "r1", status: "Running", progress: 40, current_step: null, error: null }

interface Call {
  readonly url: string
  readonly init: RequestInit | undefined
}

/** A `fetch` that records its calls and answers with `answer`. */
const fakeFetch = (answer: (call: Call) => Promise<Response>) => {
  const calls: Array<Call> = []
  const fetch: typeof globalThis.fetch = (input, init) => {
    const call = { url: String(input), init }
    calls.push(call)
    return answer(call)
  }
  return { calls, fetch }
}

/** Never answers; rejects once its signal aborts, as `fetch` does. */
const hanging = (called: Deferred.Deferred<AbortSignal>) => (call: Call) =>
  new Promise<Response>((_, reject) => {
    const signal = call.init?.signal
    if (signal) {
      Deferred.doneUnsafe(called, Effect.succeed(signal))
      signal.addEventListener("abort", () => reject(signal.reason), { once: true })
    }
  })

const layerWith = (fetch: typeof globalThis.fetch, options: { readonly timeout?: number } = {}) =>
  FlowLike.layer({ baseUrl: "https://flow.test", pat: PAT, fetch, maxRetries: 0, ...options })

describe("FlowLike.layer's direct fetch path", () => {
  it.effect("sends the same request as the HttpClient path: URL, method, headers, no redirects, a signal", () =>
    Effect.gen(function*() {
      const fake = fakeFetch(() => Promise.resolve(Response.json(STATUS)))
      const status = yield* Effect.flatMap(Effect.service(Execution.Execution), (execution) =>
        execution.getRunStatus("r 1").pipe(CallOptions.with({ headers: { "x-trace": "t1" } }))).pipe(
          Effect.provide(layerWith(fake.fetch))
        )
      assert.strictEqual(status.status, "Running")
      assert.strictEqual(status.progress, 40)
      assert.isUndefined(status.currentStep)
      const [call] = fake.calls
      assert.strictEqual(call?.url, "https://flow.test/api/v1/execution/run/r%201")
      assert.strictEqual(call?.init?.method, "GET")
      assert.strictEqual(call?.init?.redirect, "manual")
      assert.instanceOf(call?.init?.signal, AbortSignal)
      const headers = new Headers(call?.init?.headers)
      assert.strictEqual(headers.get("authorization"), PAT)
      assert.strictEqual(headers.get("x-trace"), "t1")
      assert.strictEqual(headers.get("accept"), "application/json")
      assert.match(headers.get("user-agent") ?? "", /^flow-like-effect\//)
    }))

  it.effect("tells onResponse the status and headers of the answer", () =>
    Effect.gen(function*() {
      const fake = fakeFetch(() => Promise.resolve(Response.json(STATUS, { headers: { "x-request-id": "req-7" } })))
      const seen: Array<{ status: number; requestId: string | undefined }> = []
      yield* Effect.flatMap(Effect.service(Execution.Execution), (execution) =>
        execution.getRunStatus("r1").pipe(CallOptions.with({
          onResponse: (response) => seen.push({ status: response.status, requestId: response.headers["x-request-id"] })
        }))).pipe(Effect.provide(layerWith(fake.fetch)))
      assert.deepStrictEqual(seen, [{ status: 200, requestId: "req-7" }])
    }))

  it.effect("a connection that drops mid-answer is a NetworkError that may have reached the server", () =>
    Effect.gen(function*() {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("{\"run_id\":"))
          controller.error(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
        }
      })
      const fake = fakeFetch(() => Promise.resolve(new Response(body, { headers: { "content-type": "application/json" } })))
      const error = yield* Effect.flip(
        Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
          Effect.provide(layerWith(fake.fetch))
        )
      )
      assert.strictEqual(error.reason._tag, "NetworkError")
      assert.include(error.message, "dropped while reading")
      assert.isTrue(error.reason._tag === "NetworkError" && error.reason.mayHaveReachedServer)
    }))

  it.effect("a server error keeps its envelope, status and code", () =>
    Effect.gen(function*() {
      const fake = fakeFetch(() =>
        Promise.resolve(Response.json({ error: { code: "NOT_FOUND", message: "no such run", id: "e1" } }, { status: 404 }))
      )
      const error = yield* Effect.flip(
        Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
          Effect.provide(layerWith(fake.fetch))
        )
      )
      assert.strictEqual(error.reason._tag, "NotFoundError")
      assert.include(error.message, "no such run")
      assert.include(error.message, "error id e1")
    }))

  it.effect("under a test clock the timeout follows the test clock, and aborts the request", () =>
    Effect.gen(function*() {
      const called = yield* Deferred.make<AbortSignal>()
      const fake = fakeFetch(hanging(called))
      const fiber = yield* Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
        Effect.provide(layerWith(fake.fetch, { timeout: 5_000 })),
        Effect.flip,
        Effect.forkChild
      )
      const signal = yield* Deferred.await(called)
      assert.isFalse(signal.aborted)
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimeoutError")
      assert.isTrue(signal.aborted)
    }))

  it.live("on the real clock the request times itself out and is aborted", () =>
    Effect.gen(function*() {
      const called = yield* Deferred.make<AbortSignal>()
      const fake = fakeFetch(hanging(called))
      const error = yield* Effect.flip(
        Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
          Effect.provide(layerWith(fake.fetch, { timeout: 20 }))
        )
      )
      assert.strictEqual(error.reason._tag, "TimeoutError")
      assert.isTrue((yield* Deferred.await(called)).aborted)
    }))

  it.effect("interrupting the call aborts the request", () =>
    Effect.gen(function*() {
      const called = yield* Deferred.make<AbortSignal>()
      const fake = fakeFetch(hanging(called))
      const fiber = yield* Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
        Effect.provide(layerWith(fake.fetch)),
        Effect.forkChild
      )
      const signal = yield* Deferred.await(called)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(signal.aborted)
    }))

  it.effect("with a tracer installed, calls go through the HttpClient and get its client span", () =>
    Effect.gen(function*() {
      const spans: Array<string> = []
      const tracer = Tracer.make({
        span: (options) => {
          spans.push(options.name)
          return Tracer.nativeTracer.span(options)
        }
      })
      const fake = fakeFetch(() => Promise.resolve(Response.json(STATUS)))
      yield* Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
        Effect.provide(Layer.merge(layerWith(fake.fetch), Layer.succeed(Tracer.Tracer, tracer)))
      )
      assert.include(spans, "Execution.getRunStatus")
      assert.include(spans, "GET", "the HttpClient's client span, named after the method")
      assert.strictEqual(fake.calls.length, 1)
    }))

  it.effect("a replaced globalThis.fetch sees every JSON call of the default transport", () =>
    Effect.gen(function*() {
      const fake = fakeFetch(() => Promise.resolve(Response.json(STATUS)))
      const original = globalThis.fetch
      globalThis.fetch = fake.fetch
      const status = yield* Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
        Effect.provide(FlowLike.layer({ baseUrl: "https://flow.test", pat: PAT, maxRetries: 0 })),
        Effect.ensuring(Effect.sync(() => {
          globalThis.fetch = original
        }))
      )
      assert.strictEqual(status.runId, "r1")
      assert.strictEqual(fake.calls[0]?.url, "https://flow.test/api/v1/execution/run/r1")
    }))

  it.effect("on Node, JSON calls and event streams go over node:http (without the sec-fetch-mode header fetch adds)", () =>
    Effect.gen(function*() {
      const server = yield* DevServerService
      const execution = yield* Execution.Execution
      const workflows = yield* Workflows.Workflows
      yield* Stream.runDrain(workflows.triggerWorkflow(server.seed.appId, server.seed.boardId, server.seed.nodeId, { name: "Ada" }))
      const started = yield* workflows.triggerWorkflowAsync(server.seed.appId, server.seed.boardId, server.seed.nodeId, { name: "Ada" })
      yield* execution.getRunStatus(started.runId)
      const requests = server.requests.filter((request) => request.path.startsWith("/api/v1/"))
      const invoke = requests.find((request) => request.path.endsWith("/invoke"))
      const status = requests.find((request) => request.path.startsWith("/api/v1/execution/run/"))
      assert.isDefined(invoke)
      assert.isUndefined(invoke?.headers["sec-fetch-mode"])
      assert.isDefined(status)
      assert.isUndefined(status?.headers["sec-fetch-mode"])
      assert.strictEqual(status?.headers["authorization"], server.pat)
    }).pipe(
      Effect.provide(
        Layer.unwrap(Effect.map(DevServerService, (server) => FlowLike.layer({ baseUrl: server.url, pat: server.pat }))).pipe(
          Layer.provideMerge(DevServer.layer())
        )
      )
    ))
})
