/**
 * The direct `node:http` transport against answers `fetch` handles by itself: bodies compressed
 * though nobody asked (gzip, deflate, br decoded; another encoding or corrupt data a clear
 * `DecodeError`), and a kept-alive socket the server closed right after its last answer (the next
 * request goes out again on a new connection). Raw `node:net` servers, every request answered.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { createServer } from "node:net"
import type { AddressInfo, Socket } from "node:net"
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib"
import { MockHttpClient } from "@flow-like/testing"
import { Execution, FlowLike, Models, Workflows } from "../src/index.ts"
import { PAT, RUN_STATUS_TEXT } from "./utils/mock.ts"

const SSE = MockHttpClient.eventFrame("log", { message: "one" }) +
  MockHttpClient.eventFrame("completed", { run_id: "r1", status: "completed", duration_ms: 1, log_level: 1 })
const CHAT = `data: ${
  JSON.stringify({
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }]
  })
}\n\ndata: [DONE]\n\n`

interface Answer {
  readonly contentType: string
  readonly body: Buffer
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A raw HTTP/1.1 server that answers every request of a connection with `answer(requestHead)`,
 * and with `closeAfter` ends the connection right after each answer without `Connection: close`.
 */
const server = (answer: (head: string) => Answer, options: { readonly closeAfter?: boolean } = {}) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly url: string; readonly connections: () => number; readonly close: () => void }>((resolve) => {
        const sockets = new Set<Socket>()
        let connections = 0
        const tcp = createServer((socket) => {
          connections++
          sockets.add(socket)
          socket.on("error", () => {})
          let received = Buffer.alloc(0)
          socket.on("data", (data: Buffer) => {
            received = Buffer.concat([received, data])
            for (;;) {
              const end = received.indexOf("\r\n\r\n")
              if (end === -1) return
              const head = received.subarray(0, end).toString("latin1")
              const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
              if (received.length - end - 4 < length) return
              received = received.subarray(end + 4 + length)
              const { body, contentType, headers = {} } = answer(head)
              const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")
              const bytes = Buffer.concat([
                Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\n${extra}content-length: ${body.length}\r\n\r\n`),
                body
              ])
              if (options.closeAfter === true) socket.end(bytes)
              else socket.write(bytes)
            }
          })
        })
        tcp.listen(0, "127.0.0.1", () =>
          resolve({
            url: `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`,
            connections: () => connections,
            close: () => {
              for (const socket of sockets) socket.destroy()
              tcp.close()
            }
          }))
      })
    ),
    (running) => Effect.sync(() => running.close())
  )

const compress = {
  gzip: (text: string) => gzipSync(text),
  deflate: (text: string) => deflateSync(text),
  br: (text: string) => brotliCompressSync(text)
} as const

const trigger = Stream.unwrap(Effect.map(Effect.service(Workflows.Workflows), (w) => w.triggerWorkflow("app", "board", "node")))
const chat = Stream.unwrap(
  Effect.map(Effect.service(Models.Models), (m) => m.chatCompletionsStream({ bitId: "bit1", messages: [{ role: "user", content: "hi" }] }))
)
const getRunStatus = Effect.flatMap(Effect.service(Execution.Execution), (e) => e.getRunStatus("r1"))
const direct = (baseUrl: string) => FlowLike.layer({ baseUrl, pat: PAT, maxRetries: 0 })

describe("a compressed answer nobody asked for, on the direct transport", () => {
  for (const encoding of ["gzip", "deflate", "br"] as const) {
    it.live(`${encoding} on an event stream is decoded, as fetch decodes it`, () =>
      Effect.gen(function*() {
        const api = yield* server(() => ({
          contentType: "text/event-stream",
          body: compress[encoding](SSE),
          headers: { "content-encoding": encoding }
        }))
        const events = yield* Stream.runCollect(trigger).pipe(Effect.provide(direct(api.url)))
        assert.deepStrictEqual(events.map((event) => event._tag), ["Log", "Completed"])
      }).pipe(Effect.scoped))
  }

  it.live("gzip on a chat stream and on a JSON answer is decoded", () =>
    Effect.gen(function*() {
      const api = yield* server((head) =>
        head.startsWith("POST")
          ? { contentType: "text/event-stream", body: gzipSync(CHAT), headers: { "content-encoding": "gzip" } }
          : { contentType: "application/json", body: gzipSync(RUN_STATUS_TEXT), headers: { "content-encoding": "gzip" } }
      )
      const chunks = yield* Stream.runCollect(chat).pipe(Effect.provide(direct(api.url)))
      assert.strictEqual(chunks[0]?.choices[0]?.delta.content, "a")
      const status = yield* getRunStatus.pipe(Effect.provide(direct(api.url)))
      assert.strictEqual(status.runId, "r1")
      assert.strictEqual(status.progress, 40)
    }).pipe(Effect.scoped))

  it.live("an encoding the SDK cannot decode, or corrupt gzip, is a DecodeError naming it", () =>
    Effect.gen(function*() {
      const unknown = yield* server(() => ({
        contentType: "text/event-stream",
        body: Buffer.from(SSE),
        headers: { "content-encoding": "snappy" }
      }))
      const onStream = yield* Effect.flip(Stream.runDrain(trigger).pipe(Effect.provide(direct(unknown.url))))
      assert.strictEqual(onStream.reason._tag, "DecodeError")
      assert.include(onStream.message, `the answer is encoded with "snappy", which the SDK cannot decode`)
      const onJson = yield* Effect.flip(getRunStatus.pipe(Effect.provide(direct(unknown.url))))
      assert.strictEqual(onJson.reason._tag, "DecodeError")
      assert.include(onJson.message, `"snappy"`)

      const corrupt = yield* server(() => ({
        contentType: "text/event-stream",
        body: Buffer.concat([gzipSync(SSE).subarray(0, 10), Buffer.from("not gzip at all")]),
        headers: { "content-encoding": "gzip" }
      }))
      const broken = yield* Effect.flip(Stream.runDrain(trigger).pipe(Effect.provide(direct(corrupt.url))))
      assert.strictEqual(broken.reason._tag, "DecodeError")
      assert.include(broken.message, "the answer's gzip encoding is corrupt")
    }).pipe(Effect.scoped))
})

describe("a kept-alive socket the server closed after its answer", () => {
  it.live("the next request (a JSON call, then a stream) goes out again on a new connection", () =>
    Effect.gen(function*() {
      const api = yield* server(
        (head) =>
          head.startsWith("POST")
            ? { contentType: "text/event-stream", body: Buffer.from(SSE) }
            : { contentType: "application/json", body: Buffer.from(RUN_STATUS_TEXT) },
        { closeAfter: true }
      )
      const layer = direct(api.url)
      const program = Effect.gen(function*() {
        const first = yield* getRunStatus
        const second = yield* getRunStatus
        const events = yield* Stream.runCollect(trigger)
        return [first.runId, second.runId, ...events.map((event) => event._tag)]
      })
      assert.deepStrictEqual(yield* program.pipe(Effect.provide(layer)), ["r1", "r1", "Log", "Completed"])
      assert.strictEqual(api.connections(), 3, "one connection per answer: the closed ones were not used again")
    }).pipe(Effect.scoped))
})
