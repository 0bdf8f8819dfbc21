/**
 * Attacks a user's network can mount, reproduced over loopback with small misbehaving `node:http`
 * servers and a lossy proxy in front of the dev server: redirects, lost poll answers, hostile
 * credentials and ids, giant answers, long Retry-After, unreachable servers, lost invocations.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Schedule, Stream } from "effect"
import { inspect } from "node:util"
import { DevServer } from "@flow-like/testing"
import { Config, Execution, FlowLike, FlowLikeHttp, Workflows } from "../src/index.ts"
import type { FlowLikeError } from "../src/index.ts"
import { captureLogs, PAT, PAT_SECRET } from "./utils/mock.ts"
import { giantError, loopback, lossyProxy, refusingUrl } from "./utils/loopback.ts"

const sdk = (baseUrl: string, options: Config.Options = {}) => FlowLike.layer({ baseUrl, pat: PAT, ...options })

const workflows = Effect.service(Workflows.Workflows)
const execution = Effect.service(Execution.Execution)

/** Every text a user could see of an error. */
const visible = (error: FlowLikeError.FlowLikeError) => [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), String(error.stack)]

const devServer = Effect.acquireRelease(Effect.promise(() => DevServer.start({ seed: "empty" })), (server) => Effect.promise(() => server.close()))

describe("attacks", () => {
  it.live("a redirect from the API is refused, naming status and Location, and nothing reaches the other host", () =>
    Effect.gen(function*() {
      const elsewhere = yield* loopback((_, response) => response.end("{}"))
      const api = yield* loopback((_, response) => {
        response.writeHead(307, { location: `${elsewhere.url}/steal?token=${PAT_SECRET}` })
        response.end()
      })
      const layer = sdk(api.url, { maxRetries: 0 })
      const invoke = yield* Effect.flip(Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync("app", "board", "node", { secret: 1 })).pipe(Effect.provide(layer)))
      const read = yield* Effect.flip(Effect.flatMap(execution, (e) => e.getRunStatus("run")).pipe(Effect.provide(layer)))
      for (const error of [invoke, read]) {
        assert.strictEqual(error.reason._tag, "InvalidRequestError")
        assert.strictEqual(error.status, 307)
        assert.include(error.message, `redirect (307) to ${elsewhere.url}/steal`)
        for (const text of visible(error)) assert.notInclude(text, PAT_SECRET)
      }
      assert.strictEqual(elsewhere.received.length, 0)
      assert.strictEqual(api.received.length, 2)
    }).pipe(Effect.scoped))

  it.live("a signed storage URL follows its redirect, without any Flow-Like credential", () =>
    Effect.gen(function*() {
      const storage = yield* loopback((_, response) => response.end("file bytes"))
      const signer = yield* loopback((_, response) => {
        response.writeHead(302, { location: `${storage.url}/object` })
        response.end()
      })
      const http = yield* Effect.service(FlowLikeHttp.FlowLikeHttp)
      const chunks = yield* Stream.runCollect(http.bytes({ method: "GET", path: "", url: `${signer.url}/signed` }))
      assert.strictEqual(Buffer.concat(Array.from(chunks)).toString("utf8"), "file bytes")
      for (const request of [...signer.received, ...storage.received]) {
        assert.isUndefined(request.headers["authorization"])
        assert.isUndefined(request.headers["x-api-key"])
      }
      assert.strictEqual(storage.received.length, 1)
    }).pipe(Effect.scoped, Effect.provide(sdk("http://127.0.0.1:9"))))

  describe("lost poll answers", () => {
    /** A run of 300 events whose second poll answer (events 101..150) is lost after the server handed them out. */
    const lossyRun = Effect.gen(function*() {
      const dev = yield* devServer
      dev.boards.add({
        id: "long",
        steps: [
          ...Array.from({ length: 150 }, (_, i) => ({ type: "log" as const, message: `a${i}` })),
          { type: "await", gate: "rest" },
          ...Array.from({ length: 150 }, (_, i) => ({ type: "log" as const, message: `b${i}` }))
        ]
      })
      let polls = 0
      const proxy = yield* lossyProxy(dev.url, (request) => {
        if (!request.url.startsWith("/api/v1/execution/poll")) return false
        polls++
        if (polls !== 2) return false
        dev.gates.open("rest")
        return true
      })
      const layer = sdk(proxy.url, { pat: dev.pat })
      const run = yield* Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync(dev.appId, "long", "start")).pipe(Effect.provide(layer))
      return { layer, run }
    })

    it.live("watchRun fails with the missing range and the last sequence delivered", () =>
      Effect.gen(function*() {
        const { layer, run } = yield* lossyRun
        const seen: Array<number> = []
        const error = yield* Effect.flip(
          Stream.runForEach(
            Stream.unwrap(Effect.map(execution, (e) => e.watchRun(run.pollToken, { retry: Schedule.recurs(3) }))),
            (event) => Effect.sync(() => seen.push(event._tag === "Gap" ? -1 : event.sequence))
          ).pipe(Effect.provide(layer))
        )
        assert.strictEqual(error.reason._tag, "MissedEventsError")
        if (error.reason._tag !== "MissedEventsError") return
        assert.strictEqual(error.reason.missingFrom, 101)
        assert.strictEqual(error.reason.missingTo, 150)
        assert.strictEqual(error.lastSequence, 100)
        assert.strictEqual(seen.length, 100)
        assert.strictEqual(seen.at(-1), 100)
      }).pipe(Effect.scoped))

    it.live("awaitRun's error carries the events collected so far", () =>
      Effect.gen(function*() {
        const { layer, run } = yield* lossyRun
        const error = yield* Effect.flip(
          Effect.flatMap(execution, (e) => e.awaitRun(run.pollToken, { retry: Schedule.recurs(3) })).pipe(Effect.provide(layer))
        )
        assert.strictEqual(error.reason._tag, "MissedEventsError")
        assert.strictEqual(error.lastSequence, 100)
        assert.strictEqual(error.events?.length, 100)
      }).pipe(Effect.scoped))

    it.live("with onGap: continue, the stream marks the gap and goes on to the end", () =>
      Effect.gen(function*() {
        const { layer, run } = yield* lossyRun
        const events = yield* Stream.runCollect(
          Stream.unwrap(Effect.map(execution, (e) => e.watchRun(run.pollToken, { retry: Schedule.recurs(3), onGap: "continue" })))
        ).pipe(Effect.provide(layer))
        const gaps = Array.from(events).filter((event) => event._tag === "Gap")
        assert.deepStrictEqual(gaps.map((gap) => gap._tag === "Gap" ? [gap.missingFrom, gap.missingTo, gap.sequence] : []), [[101, 150, 150]])
        const sequences = Array.from(events).flatMap((event) => event._tag === "Gap" ? [] : [event.sequence])
        const last = sequences.at(-1) ?? 0
        assert.isAtLeast(last, 300)
        assert.deepStrictEqual(sequences, [...Array.from({ length: 100 }, (_, i) => i + 1), ...Array.from({ length: last - 150 }, (_, i) => i + 151)])
        assert.strictEqual(events.at(100)?._tag, "Gap")
      }).pipe(Effect.scoped))
  })

  it.live("credentials with a control character are refused by name, never echoed, before any request", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => response.end("{}"))
      for (const [options, name] of [
        [{ pat: `${PAT}\n` }, "pat"],
        [{ pat: `${PAT.slice(0, 10)}\r\n${PAT.slice(10)}` }, "pat"],
        [{ token: `${PAT}\u0000` }, "token"]
      ] as const) {
        const error = yield* Effect.flip(Config.make({ baseUrl: api.url, ...options }))
        assert.strictEqual(error.reason._tag, "ConfigurationError")
        assert.include(error.message, name)
        for (const text of visible(error)) assert.notInclude(text, PAT_SECRET.slice(0, 12))
      }
      const pollError = yield* Effect.flip(
        Effect.flatMap(execution, (e) => e.pollExecution(`token\r\nX-Injected: 1`)).pipe(Effect.provide(sdk(api.url)))
      )
      assert.strictEqual(pollError.reason._tag, "InvalidArgumentError")
      assert.include(pollError.message, "pollToken contains a carriage return")
      assert.notInclude(pollError.message, "X-Injected")
      const password = "hunter2-secret"
      const urlError = yield* Effect.flip(Config.make({ baseUrl: `https://user:${password}@[bad`, pat: PAT }))
      for (const text of visible(urlError)) assert.notInclude(text, password)
      assert.strictEqual(api.received.length, 0)
    }).pipe(Effect.scoped))

  it.live("ids that URL normalisation would remove, or that cannot be encoded, fail before any request", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => response.end("{}"))
      const layer = sdk(api.url)
      for (const id of ["..", ".", "\uD800", ""]) {
        const run = yield* Effect.flip(Effect.flatMap(execution, (e) => e.getRunStatus(id)).pipe(Effect.provide(layer)))
        assert.strictEqual(run.reason._tag, "InvalidArgumentError")
        assert.strictEqual(run.operation, "Execution.getRunStatus")
        const event = yield* Effect.flip(Effect.flatMap(workflows, (w) => w.triggerEventAsync("app", id)).pipe(Effect.provide(layer)))
        assert.strictEqual(event.reason._tag, "InvalidArgumentError")
      }
      assert.strictEqual(api.received.length, 0)
    }).pipe(Effect.scoped))

  it.live("an answer larger than maxResponseBytes fails with DecodeError, with or without a Content-Length", () =>
    Effect.gen(function*() {
      const big = JSON.stringify({ run_id: "r", status: "Running", padding: "x".repeat(200_000) })
      const api = yield* loopback((request, response) => {
        if (request.url?.includes("chunked") === true) {
          response.writeHead(200, { "content-type": "application/json" })
          response.write(big.slice(0, 100_000))
          response.end(big.slice(100_000))
        } else {
          response.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(big)) })
          response.end(big)
        }
      })
      const layer = sdk(api.url, { maxResponseBytes: 64 * 1024 })
      for (const id of ["sized", "chunked"]) {
        const error = yield* Effect.flip(Effect.flatMap(execution, (e) => e.getRunStatus(id)).pipe(Effect.provide(layer)))
        assert.strictEqual(error.reason._tag, "DecodeError")
        assert.include(error.message, "larger than 65536 bytes (maxResponseBytes)")
      }
      const fits = yield* Effect.flatMap(execution, (e) => e.getRunStatus("sized")).pipe(Effect.provide(sdk(api.url)))
      assert.strictEqual(fits.status, "Running")
    }).pipe(Effect.scoped))

  it.live("a giant error body is read only in part: the client stops reading and closes the connection", () =>
    Effect.gen(function*() {
      let outcome: Promise<boolean> = Promise.resolve(true)
      const api = yield* loopback((_, response) => {
        outcome = giantError(response)
      })
      const error = yield* Effect.flip(Effect.flatMap(execution, (e) => e.getRunStatus("r")).pipe(Effect.provide(sdk(api.url, { maxRetries: 0 }))))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.isBelow(error.message.length, 4_000)
      assert.isFalse(yield* Effect.promise(() => outcome), "the 16 MiB body was not read to its end")
    }).pipe(Effect.scoped))

  it.live("an SSE frame larger than 10 MiB fails the stream with StreamError", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.write("event: log\ndata: ")
        response.write("x".repeat(11 * 1024 * 1024))
        response.end("\n\n")
      })
      const error = yield* Effect.flip(
        Stream.runDrain(Stream.unwrap(Effect.map(workflows, (w) => w.triggerWorkflow("app", "board", "node")))).pipe(Effect.provide(sdk(api.url)))
      )
      assert.strictEqual(error.reason._tag, "StreamError")
    }).pipe(Effect.scoped))

  it.live("extra headers that no HTTP header can carry are refused by name when configured", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Config.make({ baseUrl: "https://h.example", pat: PAT, headers: { "x-team": "blue\r\nx-secret: s3cr3t" } }))
      assert.strictEqual(error.reason._tag, "ConfigurationError")
      assert.include(error.message, "x-team")
      assert.notInclude(error.message, "s3cr3t")
    }))

  it.live("a Retry-After longer than maxRetryDelay is not waited for: the call fails at once with the hint", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(503, { "retry-after": "3600", "content-type": "application/json" })
        response.end("{\"error\":{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"Service Unavailable\"}}")
      })
      const error = yield* Effect.flip(Effect.flatMap(execution, (e) => e.getRunStatus("r")).pipe(Effect.provide(sdk(api.url))))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(api.received.length, 1)
      const hint = error.reason._tag === "ServerError" ? error.reason.retryAfter : undefined
      assert.strictEqual(hint === undefined ? 0 : Duration.toMillis(hint), 3_600_000)
    }).pipe(Effect.scoped))

  it.live("retries stop at maxRetryTime, and the error says how many attempts over how long", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => {
        response.writeHead(503, { "retry-after": "0", "content-type": "application/json" })
        response.end("{\"error\":{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"Service Unavailable\"}}")
      })
      const error = yield* Effect.flip(
        Effect.flatMap(execution, (e) => e.getRunStatus("r")).pipe(
          Effect.provide(sdk(api.url, { maxRetries: 50, maxRetryTime: "1200 millis" }))
        )
      )
      assert.isAtMost(api.received.length, 4)
      assert.isAtLeast(api.received.length, 2)
      assert.strictEqual(error.attempts, api.received.length)
      assert.match(error.message, /gave up after \d attempts over \d/)
    }).pipe(Effect.scoped))

  it.live("an unreachable base URL fails every method at once, naming the URL", () =>
    Effect.gen(function*() {
      const url = yield* refusingUrl
      const layer = sdk(url)
      const calls: ReadonlyArray<Effect.Effect<unknown, FlowLikeError.FlowLikeError, Workflows.Workflows | Execution.Execution>> = [
        Effect.flatMap(execution, (e) => e.getRunStatus("r")),
        Effect.flatMap(execution, (e) => e.awaitRun("token")),
        Effect.flatMap(execution, (e) => Stream.runDrain(e.watchRun("token"))),
        Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync("app", "board", "node"))
      ]
      for (const call of calls) {
        const [error, lines] = yield* captureLogs(Effect.flip(call.pipe(Effect.provide(layer))))
        assert.strictEqual(error.reason._tag, "NetworkError")
        assert.include(error.message, `${url}/api/v1/`)
        assert.strictEqual(error.reason._tag === "NetworkError" ? error.reason.code : "", "ECONNREFUSED")
        assert.strictEqual(lines.filter((line) => line.includes("flow-like retry")).length, 0)
      }
    }).pipe(Effect.scoped))

  it.live("an invocation says whether it may have reached the server: only one that certainly did not is retryable", () =>
    Effect.gen(function*() {
      const dropping = yield* loopback((request) => {
        request.socket.destroy()
      })
      const dropped = yield* Effect.flip(
        Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync("app", "board", "node")).pipe(Effect.provide(sdk(dropping.url)))
      )
      assert.strictEqual(dropped.reason._tag, "NetworkError")
      assert.isFalse(dropped.isRetryable)
      assert.strictEqual(dropping.received.length, 1)
      const hanging = yield* loopback(() => undefined)
      const timedOut = yield* Effect.flip(
        Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync("app", "board", "node")).pipe(
          Effect.provide(sdk(hanging.url, { timeout: "100 millis" }))
        )
      )
      assert.strictEqual(timedOut.reason._tag, "TimeoutError")
      assert.isFalse(timedOut.isRetryable)
      const refused = yield* Effect.flip(
        Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync("app", "board", "node")).pipe(Effect.provide(sdk(yield* refusingUrl)))
      )
      assert.strictEqual(refused.reason._tag, "NetworkError")
      assert.isTrue(refused.isRetryable)
      assert.isFalse(refused.reason._tag === "NetworkError" ? refused.reason.mayHaveReachedServer : true)
    }).pipe(Effect.scoped))

  it.live("a payload that is not JSON names the cause and where; bad watch retries are refused", () =>
    Effect.gen(function*() {
      const api = yield* loopback((_, response) => response.end("{}"))
      const layer = sdk(api.url)
      const error = yield* Effect.flip(
        Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync("app", "board", "node", { amount: 10n })).pipe(Effect.provide(layer))
      )
      assert.strictEqual(error.reason._tag, "InvalidArgumentError")
      assert.include(error.message, "a BigInt at payload.amount")
      const cyclic: Record<string, unknown> = {}
      cyclic["self"] = cyclic
      const circular = yield* Effect.flip(
        Effect.flatMap(workflows, (w) => w.triggerWorkflowAsync("app", "board", "node", cyclic)).pipe(Effect.provide(layer))
      )
      assert.include(circular.message, "a circular reference at payload.self")
      for (const retries of [Number.NaN, -1, 1.5]) {
        const bad = yield* Effect.flip(
          Effect.flatMap(execution, (e) => Stream.runDrain(e.watchRun("token", { retries }))).pipe(Effect.provide(layer))
        )
        assert.strictEqual(bad.reason._tag, "InvalidArgumentError")
        assert.include(bad.message, "retries must be a whole number")
      }
      assert.strictEqual(api.received.length, 0)
    }).pipe(Effect.scoped))
})


describe("transport bodies", () => {
  it.live("sends JSON, bytes, a Blob and a byte stream of known length to an absolute URL, without credentials", () =>
    Effect.gen(function*() {
      const storage = yield* loopback((_, response) => response.end())
      const http = yield* Effect.service(FlowLikeHttp.FlowLikeHttp)
      const bodies = [
        FlowLikeHttp.jsonBody({ a: 1 }),
        FlowLikeHttp.bytesBody(new TextEncoder().encode("bytes!"), "application/x-test"),
        FlowLikeHttp.blobBody(new Blob(["a blob"], { type: "text/plain" })),
        FlowLikeHttp.streamBody(Stream.make(new TextEncoder().encode("str"), new TextEncoder().encode("eam")), {
          contentLength: 6,
          contentType: "application/octet-stream"
        })
      ]
      for (const body of bodies) {
        yield* http.execute({ method: "PUT", path: "", url: `${storage.url}/object`, body })
      }
      assert.deepStrictEqual(storage.received.map((request) => request.body), ["{\"a\":1}", "bytes!", "a blob", "stream"])
      assert.deepStrictEqual(storage.received.map((request) => request.headers["content-type"]), [
        "application/json",
        "application/x-test",
        "text/plain",
        "application/octet-stream"
      ])
      assert.deepStrictEqual(storage.received.slice(0, 3).map((request) => request.headers["content-length"]), ["7", "6", "6"])
      for (const request of storage.received) {
        assert.isUndefined(request.headers["authorization"])
        assert.isUndefined(request.headers["x-api-key"])
      }
    }).pipe(Effect.scoped, Effect.provide(sdk("http://127.0.0.1:9", { headers: { "x-team": "blue" } }))))

  it.live("a fetch that replaced globalThis.fetch sends streamed bodies too", () =>
    Effect.gen(function*() {
      const storage = yield* loopback((_, response) => response.end())
      const original = globalThis.fetch
      const seen: Array<string | null> = []
      globalThis.fetch = (input, init) => {
        seen.push(new Headers(init?.headers).get("content-length"))
        return original(input, init)
      }
      const body = FlowLikeHttp.streamBody(Stream.make(new TextEncoder().encode("str"), new TextEncoder().encode("eam")), { contentLength: 6 })
      yield* Effect.flatMap(Effect.service(FlowLikeHttp.FlowLikeHttp), (http) =>
        http.execute({ method: "PUT", path: "", url: `${storage.url}/object`, body })).pipe(
          Effect.provide(sdk("http://127.0.0.1:9")),
          Effect.ensuring(Effect.sync(() => {
            globalThis.fetch = original
          }))
        )
      assert.deepStrictEqual(seen, ["6"])
      assert.strictEqual(storage.received[0]?.body, "stream")
    }).pipe(Effect.scoped))

  it.live("a fetch passed in options sends streamed bodies too, with their Content-Length", () =>
    Effect.gen(function*() {
      const storage = yield* loopback((_, response) => response.end())
      const seen: Array<string | null> = []
      const fetch: typeof globalThis.fetch = (input, init) => {
        seen.push(new Headers(init?.headers).get("content-length"))
        return globalThis.fetch(input, init)
      }
      const http = yield* Effect.service(FlowLikeHttp.FlowLikeHttp).pipe(Effect.provide(sdk("http://127.0.0.1:9", { fetch })))
      const body = FlowLikeHttp.streamBody(Stream.make(new TextEncoder().encode("str"), new TextEncoder().encode("eam")), { contentLength: 6 })
      yield* http.execute({ method: "PUT", path: "", url: `${storage.url}/object`, body })
      assert.deepStrictEqual(seen, ["6"])
      assert.strictEqual(storage.received[0]?.body, "stream")
    }).pipe(Effect.scoped))
})
