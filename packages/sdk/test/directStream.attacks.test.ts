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
import * as Http from "node:http"
import { createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"
import { inspect } from "node:util"
import { MockHttpClient } from "@flow-like/testing"
import { Execution, FlowLike, Workflows } from "../src/index.ts"
import type { Config, FlowLikeError, WorkflowEvent } from "../src/index.ts"
import { HIGH_WATER_BYTES } from "../src/internal/directStream.ts"
import { PAT, PAT_SECRET } from "./utils/mock.ts"
import { loopback } from "./utils/loopback.ts"

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

/** A raw TCP server: `answer` gets the socket once a whole request (head and `content-length` body) arrived. */
const rawServer = (answer: (socket: Socket) => void) =>
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
            answer(socket)
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
    name: "TEXT/EVENT-STREAM is refused as not an event stream, naming it",
    answer: (s) => s.end(head("200 OK", { "content-type": "TEXT/EVENT-STREAM", connection: "close" }) + BODY),
    expected: { events: [], tag: "DecodeError", status: 200, message: `got "TEXT/EVENT-STREAM"` }
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
