/**
 * Attacks on `FlowLike.layer`'s direct event streams (`internal/directStream.ts`) by a hostile or
 * broken server, over real loopback sockets (raw `node:net` where `node:http` cannot misbehave
 * enough). Each case is compared with the `HttpClient` path (a passed `fetch`) where both apply:
 * the direct path must do as well or better.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { subscribe, unsubscribe } from "node:diagnostics_channel"
import { once } from "node:events"
import * as Http from "node:http"
import { createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"
import { inspect } from "node:util"
import { MockHttpClient } from "@flow-like/testing"
import { Execution, FlowLike, Models, Workflows } from "../src/index.ts"
import type { Config, FlowLikeError, WorkflowEvent } from "../src/index.ts"
import { HIGH_WATER_BYTES } from "../src/internal/directStream.ts"
import { PAT, PAT_SECRET, RUN_STATUS_TEXT } from "./utils/mock.ts"
import { hangingServer, loopback } from "./utils/loopback.ts"

const direct = (baseUrl: string, options: Config.Options = {}) => FlowLike.layer({ baseUrl, pat: PAT, maxRetries: 0, ...options })
const viaFetch = (baseUrl: string) => FlowLike.layer({ baseUrl, pat: PAT, maxRetries: 0, fetch: globalThis.fetch.bind(globalThis) })

const trigger = Stream.unwrap(Effect.map(Effect.service(Workflows.Workflows), (w) => w.triggerWorkflow("app", "board", "node", { n: 1 })))
const getRunStatus = Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1"))

const logFrame = (message: string) => MockHttpClient.eventFrame("log", { message })
const completedFrame = MockHttpClient.eventFrame("completed", { run_id: "r1", status: "completed", duration_ms: 1, log_level: 1 })
const BODY = logFrame("one") + logFrame("twö €") + completedFrame
const ALL = ["Log(one)", "Log(twö €)", "Completed"]

/** Every text a user could see of an error. */
const visible = (error: FlowLikeError.FlowLikeError) => [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), String(error.stack)]

const describeEvent = (event: WorkflowEvent.WorkflowEvent) => event._tag === "Log" ? `Log(${event.message})` : event._tag

/** What a user gets from a stream: the events seen, then the error's kind, status and Retry-After if it failed. */
interface Outcome {
  readonly events: ReadonlyArray<string>
  readonly error?: { readonly tag: string; readonly status: number | undefined; readonly retryAfter: number | undefined; readonly message: string } | undefined
}

const outcomeOf = (layer: ReturnType<typeof direct>) =>
  Effect.gen(function*() {
    const events: Array<string> = []
    const exit = yield* Effect.exit(
      Stream.runForEach(trigger, (event) => Effect.sync(() => events.push(describeEvent(event)))).pipe(Effect.provide(layer))
    )
    if (exit._tag === "Success") return { events } satisfies Outcome
    const error = yield* Effect.flip(exit)
    for (const text of visible(error)) assert.notInclude(text, PAT_SECRET)
    const retryAfter = "retryAfter" in error.reason && error.reason.retryAfter !== undefined ? Duration.toMillis(error.reason.retryAfter) : undefined
    return { events, error: { tag: error.reason._tag, status: error.status, retryAfter, message: error.message } } satisfies Outcome
  })

/**
 * A raw TCP server: `answer` gets the socket and the request's head once the first whole request
 * (head and `content-length` body) on a connection arrived; later requests on it get no answer.
 */
const rawServer = (answer: (socket: Socket, requestHead: string) => void) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly url: string; readonly close: () => Promise<void> }>((resolve) => {
        const sockets = new Set<Socket>()
        const server = createServer((socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => {})
          let received = Buffer.alloc(0)
          let isAnswered = false
          socket.on("data", (data: Buffer) => {
            received = Buffer.concat([received, data])
            const end = received.indexOf("\r\n\r\n")
            if (isAnswered || end === -1) return
            const length = Number(/content-length: (\d+)/i.exec(received.subarray(0, end).toString("latin1"))?.[1] ?? 0)
            if (received.length - end - 4 < length) return
            isAnswered = true
            answer(socket, received.subarray(0, end).toString("latin1"))
          })
        })
        server.listen(0, "127.0.0.1", () =>
          resolve({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            close: () =>
              new Promise<void>((done) => {
                for (const socket of sockets) socket.destroy()
                server.close(() => done())
              })
          }))
      })
    ),
    (server) => Effect.promise(() => server.close())
  )

const head = (status: string, headers: Record<string, string | number>) =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`
const SSE = { "content-type": "text/event-stream" }
const chunk = (data: string | Uint8Array) => {
  const bytes = Buffer.from(data)
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from("\r\n")])
}
const CHUNKED_HEAD = head("200 OK", { ...SSE, "transfer-encoding": "chunked" })

/** Raw answers, and what both paths must give the user for each. */
const sameOnBothPaths: ReadonlyArray<{
  readonly name: string
  readonly answer: (socket: Socket) => void
  readonly expected: { readonly events: ReadonlyArray<string>; readonly tag?: string; readonly status?: number; readonly retryAfter?: number; readonly message?: string }
}> = [
  {
    name: "103 Early Hints before the 200 are skipped",
    answer: (s) => s.end(head("103 Early Hints", { link: "</x>; rel=preload" }) + head("200 OK", { ...SSE, connection: "close" }) + BODY),
    expected: { events: ALL }
  },
  {
    name: "a 204 on the stream route is a DecodeError naming the missing content type",
    answer: (s) => s.end(head("204 No Content", {})),
    expected: { events: [], tag: "DecodeError", status: 204, message: `expected an event stream, got "no content type"` }
  },
  {
    name: "a 304 is a refused redirect",
    answer: (s) => s.end(head("304 Not Modified", {})),
    expected: { events: [], tag: "InvalidRequestError", status: 304, message: "redirect (304) to no Location" }
  },
  {
    name: "a 302 with Location is refused, naming where it led (without its query)",
    answer: (s) => s.end(head("302 Found", { location: "http://127.0.0.1:9/elsewhere?token=x", "content-length": 0 })),
    expected: { events: [], tag: "InvalidRequestError", status: 302, message: "redirect (302) to http://127.0.0.1:9/elsewhere;" }
  },
  {
    name: "a 302 without Location is refused",
    answer: (s) => s.end(head("302 Found", { "content-length": 0 })),
    expected: { events: [], tag: "InvalidRequestError", status: 302, message: "redirect (302) to no Location" }
  },
  {
    name: "a 401 with the error envelope is an AuthenticationError",
    answer: (s) => {
      const envelope = JSON.stringify({ error: "bad token", code: "UNAUTHORIZED" })
      s.end(head("401 Unauthorized", { "content-type": "application/json", "content-length": envelope.length }) + envelope)
    },
    expected: { events: [], tag: "AuthenticationError", status: 401, message: "bad token" }
  },
  {
    name: "a 429 with Retry-After is a RateLimitError carrying it",
    answer: (s) => s.end(head("429 Too Many Requests", { "retry-after": 5, "content-length": 0 })),
    expected: { events: [], tag: "RateLimitError", status: 429, retryAfter: 5000 }
  },
  {
    name: "a 503 with Retry-After is a ServerError carrying it",
    answer: (s) => s.end(head("503 Service Unavailable", { "retry-after": 7, "content-length": 0 })),
    expected: { events: [], tag: "ServerError", status: 503, retryAfter: 7000 }
  },
  {
    name: "text/event-stream with a charset is an event stream",
    answer: (s) => s.end(head("200 OK", { "content-type": "text/event-stream; charset=utf-8", connection: "close" }) + BODY),
    expected: { events: ALL }
  },
  {
    name: "TEXT/EVENT-STREAM is an event stream too (media types are case-insensitive)",
    answer: (s) => s.end(head("200 OK", { "content-type": "TEXT/EVENT-STREAM", connection: "close" }) + BODY),
    expected: { events: ALL }
  },
  {
    name: "a 200 without a content type is refused",
    answer: (s) => s.end(head("200 OK", { connection: "close" }) + BODY),
    expected: { events: [], tag: "DecodeError", status: 200, message: `got "no content type"` }
  },
  {
    name: "a bad chunk size after a frame: the frame, then a NetworkError",
    answer: (s) => s.end(Buffer.concat([Buffer.from(CHUNKED_HEAD), chunk(logFrame("one")), Buffer.from("ZZ\r\nhello\r\n")])),
    expected: { events: ["Log(one)"], tag: "NetworkError", message: "the connection dropped while reading the response" }
  },
  {
    name: "a Content-Length shorter than the body cuts the stream: a StreamError",
    answer: (s) => s.end(head("200 OK", { ...SSE, "content-length": Buffer.byteLength(BODY) - 10 }) + BODY),
    expected: { events: ["Log(one)", "Log(twö €)"], tag: "StreamError", message: "the stream ended before the run completed" }
  },
  {
    name: "a Content-Length longer than the body: the events up to completed",
    answer: (s) => {
      const body = Buffer.from(BODY)
      s.end(Buffer.concat([Buffer.from(head("200 OK", { ...SSE, "content-length": body.length + 100 })), body]))
    },
    expected: { events: ALL }
  },
  {
    name: "a reset mid-frame: the whole frames, then a NetworkError",
    answer: (s) => s.write(Buffer.concat([Buffer.from(CHUNKED_HEAD), chunk(logFrame("one") + logFrame("two").slice(0, 20))]), () => s.resetAndDestroy()),
    expected: { events: ["Log(one)"], tag: "NetworkError", message: "the connection dropped while reading the response" }
  },
  {
    name: "a reset mid-UTF-8 sequence: the whole frames, then a NetworkError",
    answer: (s) => {
      const bytes = Buffer.from(`${logFrame("one")}event: log\ndata: {"x":"€`)
      s.write(Buffer.concat([Buffer.from(CHUNKED_HEAD), chunk(bytes.subarray(0, bytes.length - 1))]), () => s.resetAndDestroy())
    },
    expected: { events: ["Log(one)"], tag: "NetworkError", message: "the connection dropped while reading the response" }
  },
  {
    name: "a close mid-frame (FIN, no last chunk): a NetworkError",
    answer: (s) => s.end(Buffer.concat([Buffer.from(CHUNKED_HEAD), chunk(logFrame("one") + logFrame("two").slice(0, 20))])),
    expected: { events: ["Log(one)"], tag: "NetworkError", message: "the connection dropped while reading the response" }
  },
  {
    name: "a reset after the completed frame loses nothing",
    answer: (s) => s.write(Buffer.concat([Buffer.from(CHUNKED_HEAD), chunk(BODY)]), () => s.resetAndDestroy()),
    expected: { events: ALL }
  },
  {
    name: "an answer trickled one byte at a time decodes whole (UTF-8 split across writes)",
    answer: (s) => {
      const bytes = Buffer.from(head("200 OK", { ...SSE, connection: "close" }) + BODY)
      let index = 0
      const next = (): void => {
        if (index >= bytes.length) return void s.end()
        s.write(bytes.subarray(index, ++index), () => setImmediate(next))
      }
      next()
    },
    expected: { events: ALL }
  },
  {
    name: "an HTTP/1.0 answer delimited by close",
    answer: (s) => s.end(head("200 OK", SSE).replace("HTTP/1.1", "HTTP/1.0") + BODY),
    expected: { events: ALL }
  },
  {
    name: "a garbage status line is a NetworkError",
    answer: (s) => s.end(`HTTP/1.1 2OO OK\r\n\r\n${BODY}`),
    expected: { events: [], tag: "NetworkError", message: "connection failed" }
  },
  {
    name: "not HTTP at all is a NetworkError",
    answer: (s) => s.end("SSH-2.0-OpenSSH_9.6\r\n"),
    expected: { events: [], tag: "NetworkError", message: "connection failed" }
  },
  {
    name: "a close before any answer is a NetworkError",
    answer: (s) => s.destroy(),
    expected: { events: [], tag: "NetworkError", message: "connection failed" }
  },
  {
    name: "a 100 KB header is a NetworkError",
    answer: (s) => s.end(head("200 OK", { ...SSE, "x-big": "a".repeat(100_000) }) + BODY),
    expected: { events: [], tag: "NetworkError", message: "connection failed" }
  },
  {
    name: "two Content-Lengths are a NetworkError",
    answer: (s) => s.end(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 5\r\ncontent-length: 9\r\n\r\n${BODY}`),
    expected: { events: [], tag: "NetworkError", message: "connection failed" }
  },
  {
    name: "Content-Length with chunked encoding is a NetworkError",
    answer: (s) => s.end(Buffer.concat([Buffer.from(head("200 OK", { ...SSE, "transfer-encoding": "chunked", "content-length": 3 })), chunk(BODY), Buffer.from("0\r\n\r\n")])),
    expected: { events: [], tag: "NetworkError", message: "connection failed" }
  }
]

describe("direct event streams against a broken server, as the HttpClient path", () => {
  for (const { answer, expected, name } of sameOnBothPaths) {
    it.live(name, () =>
      Effect.gen(function*() {
        const server = yield* rawServer(answer)
        const [onDirect, onFetch] = [yield* outcomeOf(direct(server.url)), yield* outcomeOf(viaFetch(server.url))]
        for (const outcome of [onDirect, onFetch]) {
          assert.deepStrictEqual(outcome.events, expected.events)
          assert.strictEqual(outcome.error?.tag, expected.tag)
          if (expected.status !== undefined) assert.strictEqual(outcome.error?.status, expected.status)
          assert.strictEqual(outcome.error?.retryAfter, expected.retryAfter)
          if (expected.message !== undefined) assert.include(outcome.error?.message, expected.message)
        }
      }).pipe(Effect.scoped))
  }

  it.live("100 Continue before the 200 is skipped on the direct path (Node's fetch fails on it)", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((s) => s.end(head("100 Continue", {}) + head("200 OK", { ...SSE, connection: "close" }) + BODY))
      assert.deepStrictEqual(yield* outcomeOf(direct(server.url)), { events: ALL })
      const onFetch = yield* outcomeOf(viaFetch(server.url))
      assert.strictEqual(onFetch.error?.tag, "NetworkError", "if fetch learns 100 Continue, this comparison can go")
    }).pipe(Effect.scoped))
})

/** The client side of the next `node:http` response to arrive, from Node's diagnostics channel. */
const nextClientResponse = Effect.gen(function*() {
  const seen = yield* Deferred.make<Http.IncomingMessage>()
  const onResponse = (message: unknown) => Deferred.doneUnsafe(seen, Effect.succeed((message as { response: Http.IncomingMessage }).response))
  yield* Effect.acquireRelease(
    Effect.sync(() => subscribe("http.client.response.finish", onResponse)),
    () => Effect.sync(() => unsubscribe("http.client.response.finish", onResponse))
  )
  return seen
})


/** Writes numbered log frames as fast as the connection takes them, until it closes. */
const flood = (response: Http.ServerResponse, written: { bytes: number }) => {
  response.writeHead(200, { "content-type": "text/event-stream" })
  let index = 0
  const pump = () => {
    while (!response.destroyed) {
      const frame = logFrame(`event ${index++} ${"x".repeat(1000)}`)
      written.bytes += frame.length
      if (!response.write(frame)) return void response.once("drain", pump)
    }
  }
  pump()
}

describe("direct event streams against a hostile server", () => {
  it.effect("headers then nothing: the idle timeout fires on the test clock and the connection closes", () =>
    Effect.gen(function*() {
      const headSent = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const api = yield* loopback((_, response) => {
        response.on("close", () => Deferred.doneUnsafe(closed, Effect.void))
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.flushHeaders()
        Deferred.doneUnsafe(headSent, Effect.void)
      })
      const opened = yield* nextClientResponse
      const fiber = yield* Stream.runDrain(trigger).pipe(
        Effect.provide(direct(api.url, { streamIdleTimeout: "30 seconds" })),
        Effect.flip,
        Effect.forkChild
      )
      yield* Deferred.await(headSent)
      yield* Deferred.await(opened)
      yield* TestClock.adjust("29 seconds")
      assert.isUndefined(fiber.pollUnsafe(), "still waiting before the idle timeout")
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimeoutError")
      assert.include(error.message, "the stream sent nothing after 30s")
      yield* Deferred.await(closed)
    }).pipe(Effect.scoped))

  it.live("a server faster than the consumer: the socket pauses near HIGH_WATER_BYTES, resumes, and every event arrives in order", () =>
    Effect.gen(function*() {
      const written = { bytes: 0 }
      const api = yield* loopback((_, response) => flood(response, written))
      const opened = yield* nextClientResponse
      const blocked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const count = 2_000
      let taken = 0
      const messages: Array<string> = []
      const fiber = yield* Stream.runForEach(Stream.take(trigger, count), (event) =>
        Effect.gen(function*() {
          taken++
          if (event._tag === "Log") messages.push(event.message.split(" ").slice(0, 2).join(" "))
          if (taken === 1) {
            yield* Deferred.succeed(blocked, undefined)
            yield* Deferred.await(release)
          }
        })).pipe(Effect.provide(direct(api.url)), Effect.forkChild)
      const response = yield* Deferred.await(opened)
      yield* Deferred.await(blocked)
      // With the consumer blocked, the socket is paused now or will be once the high-water mark is reached.
      const readWhenPaused = yield* Effect.callback<number>((resume) => {
        const paused = () => resume(Effect.succeed(response.socket?.bytesRead ?? Infinity))
        if (response.isPaused()) paused()
        else response.once("pause", paused)
      })
      assert.strictEqual(taken, 1, "the consumer is still on the first event")
      assert.isTrue(response.isPaused(), "the response is paused")
      // Read so far: the batch the consumer took, the unread one that paused the socket (each up to
      // the high-water mark and a socket read) and what was in flight; the flood itself is endless.
      assert.isAtMost(readWhenPaused, 3 * (HIGH_WATER_BYTES + 64 * 1024), "a few batches at most came in")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(fiber)
      assert.strictEqual(taken, count)
      assert.deepStrictEqual(messages, Array.from({ length: count }, (_, index) => `event ${index}`))
      assert.isAbove(written.bytes, readWhenPaused, "the server wrote past what was read at the pause")
    }).pipe(Effect.scoped))

  it.live("a consumer that stops after the first event: the connection closes, and the next JSON call on the layer gets its own answer", () =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<void>()
      const connections: Array<number> = []
      const api = yield* loopback((request, response) => {
        connections.push(request.socket.remotePort ?? -1)
        if (request.url?.endsWith("/invoke")) {
          response.on("close", () => Deferred.doneUnsafe(closed, Effect.void))
          return flood(response, { bytes: 0 })
        }
        response.writeHead(200, { "content-type": "application/json" })
        response.end(RUN_STATUS_TEXT)
      })
      const layer = direct(api.url)
      const [status, first] = yield* Effect.gen(function*() {
        const first = yield* Stream.runCollect(Stream.take(trigger, 1))
        yield* Deferred.await(closed)
        const status = yield* getRunStatus
        return [status, first] as const
      }).pipe(Effect.provide(layer))
      assert.strictEqual(first.length, 1)
      assert.strictEqual(status.runId, "r1")
      assert.strictEqual(status.progress, 40)
      assert.strictEqual(connections.length, 2)
      assert.notStrictEqual(connections[0], connections[1], "the half-read socket was not reused")
    }).pipe(Effect.scoped))

  it.live("an interrupt while waiting for the head closes the connection", () =>
    Effect.gen(function*() {
      const { api, closed, received } = yield* hangingServer
      const fiber = yield* Effect.forkChild(Stream.runDrain(trigger).pipe(Effect.provide(direct(api.url))))
      yield* Deferred.await(received)
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(closed)
      assert.strictEqual(api.received.length, 1)
    }).pipe(Effect.scoped))

  it.live("an interrupt while reading closes the connection", () =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<void>()
      const first = yield* Deferred.make<void>()
      const api = yield* loopback((_, response) => {
        response.on("close", () => Deferred.doneUnsafe(closed, Effect.void))
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.write(logFrame("one"))
      })
      const fiber = yield* Effect.forkChild(
        Stream.runForEach(trigger, () => Deferred.succeed(first, undefined)).pipe(Effect.provide(direct(api.url)))
      )
      yield* Deferred.await(first)
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(closed)
    }).pipe(Effect.scoped))

  it.live("50 concurrent streams on one layer all complete, with no listener warnings and no socket left busy", () =>
    Effect.gen(function*() {
      const warnings: Array<string> = []
      const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
      yield* Effect.acquireRelease(Effect.sync(() => process.on("warning", onWarning)), () => Effect.sync(() => process.off("warning", onWarning)))
      const gate = yield* Deferred.make<void>()
      let waiting = 0
      const api = yield* loopback((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" })
        response.write(logFrame("one"))
        if (++waiting === 50) Deferred.doneUnsafe(gate, Effect.void)
        void Effect.runPromise(Deferred.await(gate)).then(() => response.end(logFrame("two") + completedFrame))
      })
      const results = yield* Effect.forEach(
        Array.from({ length: 50 }),
        () => Stream.runCollect(trigger),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(direct(api.url)))
      assert.deepStrictEqual(results.map((events) => events.map(describeEvent)), Array.from({ length: 50 }, () => ["Log(one)", "Log(two)", "Completed"]))
      assert.deepStrictEqual(warnings, [])
      const name = `${new URL(api.url).host}:`
      const busyNow = () => Object.entries(Http.globalAgent.sockets).filter(([key]) => key.startsWith(name)).flatMap(([, sockets]) => sockets ?? [])
      // A stream ends at its completed frame, before the answer's end: its socket is destroyed and
      // leaves the agent a few turns of the event loop after it closed. A socket a finished stream
      // still held would never close, and this would time out.
      yield* Effect.promise(() => Promise.all(busyNow().map((socket) => socket.closed ? undefined : once(socket, "close"))))
      yield* Effect.promise(async () => {
        while (busyNow().length > 0) await new Promise((turn) => setImmediate(turn))
      })
      assert.strictEqual(busyNow().length, 0, "no socket is still held by a request")
    }).pipe(Effect.scoped))

  it.live("no PAT in errors of refused, reset, error-status, silent or malformed streams", () =>
    Effect.gen(function*() {
      const servers = [
        yield* rawServer((s) => s.destroy()),
        yield* rawServer((s) => s.write(Buffer.concat([Buffer.from(CHUNKED_HEAD), chunk(logFrame("one"))]), () => s.resetAndDestroy())),
        yield* rawServer((s) => s.end(head("401 Unauthorized", { "content-length": 2 }) + "no")),
        yield* rawServer((s) => s.end(head("200 OK", { ...SSE, connection: "close" }) + "retry: 10\n\n")),
        yield* rawServer((s) => s.end(head("200 OK", { connection: "close" }) + BODY))
      ]
      for (const server of servers) {
        const outcome = yield* outcomeOf(direct(server.url))
        assert.isDefined(outcome.error, "each of these fails")
        assert.notInclude(outcome.error?.message ?? "", PAT_SECRET)
      }
    }).pipe(Effect.scoped))
})

const chatFrame = (content: string) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`
const chatStream = Stream.unwrap(
  Effect.map(Effect.service(Models.Models), (models) => models.chatCompletionsStream({ bitId: "bit1", messages: [{ role: "user", content: "hi" }] }))
)
/** The chat's text, or the error's kind and message. */
const chatOutcome = (layer: ReturnType<typeof direct>) =>
  Stream.runCollect(chatStream).pipe(
    Effect.map((chunks) => ({ text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), error: undefined })),
    Effect.catch((error) => Effect.succeed({ text: undefined, error: `${error.reason._tag}: ${error.message.replace(/127\.0\.0\.1:\d+/, "host")}` })),
    Effect.provide(layer)
  )

describe("direct chat streams and keep-alive, as the HttpClient path", () => {
  it.live("a chat stream decodes whole, and one that closes before [DONE] is a StreamError", () =>
    Effect.gen(function*() {
      const whole = yield* rawServer((s) => s.end(head("200 OK", { ...SSE, connection: "close" }) + chatFrame("a") + chatFrame("b") + "data: [DONE]\n\n"))
      const cut = yield* rawServer((s) => s.end(head("200 OK", { ...SSE, connection: "close" }) + chatFrame("a")))
      for (const layer of [direct, viaFetch]) {
        assert.deepStrictEqual(yield* chatOutcome(layer(whole.url)), { text: "ab", error: undefined })
        const incomplete = yield* chatOutcome(layer(cut.url))
        assert.strictEqual(incomplete.text, undefined)
        assert.include(incomplete.error, "StreamError: Models.chatCompletionsStream: POST http://host/api/v1/chat/completions: the stream ended before data: [DONE]")
      }
    }).pipe(Effect.scoped))

  it.live("bytes after a stream's declared end are not taken as the next JSON call's answer", () =>
    Effect.gen(function*() {
      const answer = (id: string) => RUN_STATUS_TEXT.replace(`"run_id":"r1"`, `"run_id":"${id}"`)
      const json = (id: string) => head("200 OK", { "content-type": "application/json", "content-length": answer(id).length }) + answer(id)
      let connections = 0
      const server = yield* rawServer((s, requestHead) => {
        connections++
        // The stream's answer smuggles a second response after its declared length; a connection
        // reused after it would read that one as the next call's answer.
        if (requestHead.includes("/invoke")) {
          s.write(head("200 OK", { ...SSE, "content-length": Buffer.byteLength(completedFrame) }) + completedFrame + json("FAKE"))
        } else s.write(json("r1"))
      })
      for (const layer of [direct(server.url), viaFetch(server.url)]) {
        const [events, status] = yield* Effect.all([Stream.runCollect(trigger), getRunStatus]).pipe(Effect.provide(layer))
        assert.deepStrictEqual(events.map(describeEvent), ["Completed"])
        assert.strictEqual(status.runId, "r1", "the smuggled FAKE answer was never read as the status")
      }
      assert.strictEqual(connections, 4, "each call had its own connection")
    }).pipe(Effect.scoped))

  it.live("100 Continue before a JSON answer is skipped on the direct path (Node's fetch fails on it)", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((s) => s.write(head("100 Continue", {}) + head("200 OK", { "content-type": "application/json", "content-length": RUN_STATUS_TEXT.length }) + RUN_STATUS_TEXT))
      const status = yield* getRunStatus.pipe(Effect.provide(direct(server.url)))
      assert.strictEqual(status.runId, "r1")
      const onFetch = yield* Effect.flip(getRunStatus.pipe(Effect.provide(viaFetch(server.url))))
      assert.strictEqual(onFetch.reason._tag, "NetworkError", "if fetch learns 100 Continue, this comparison can go")
    }).pipe(Effect.scoped))
})
