import { Deferred, Effect } from "effect"
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** A request a loopback server received. */
export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: string
}

/** A small `node:http` server on 127.0.0.1 that misbehaves on purpose. */
export interface Loopback {
  readonly url: string
  readonly received: ReadonlyArray<Received>
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

/** Starts a server for the test's scope; `handle` answers each request (its body already read). */
export const loopback = (
  handle: (request: IncomingMessage, response: ServerResponse, body: Buffer) => unknown
) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<Loopback & { readonly close: () => Promise<void> }>((resolve) => {
        const received: Array<Received> = []
        const server = createServer((request, response) => {
          void readBody(request).then((body) => {
            received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: body.toString("utf8") })
            return handle(request, response, body)
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          resolve({
            url: `http://127.0.0.1:${port}`,
            received,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections()
                server.close(() => done())
              })
          })
        })
      })
    ),
    (server) => Effect.promise(() => server.close())
  )

/**
 * A server that never answers: `received` completes when a request arrived, `closed` when the
 * client closed its connection.
 */
export const hangingServer = Effect.gen(function*() {
  const received = yield* Deferred.make<void>()
  const closed = yield* Deferred.make<void>()
  const api = yield* loopback((_, response) => {
    response.on("close", () => Deferred.doneUnsafe(closed, Effect.void))
    Deferred.doneUnsafe(received, Effect.void)
  })
  return { api, received, closed }
})

/**
 * Answers a 500 of 16 MiB, written only as fast as the client reads it; resolves, once the
 * connection closes, with whether the whole body was sent.
 */
export const giantError = (response: ServerResponse): Promise<boolean> =>
  new Promise((resolve) => {
    response.writeHead(500, { "content-type": "text/plain" })
    response.on("close", () => resolve(response.writableFinished))
    const chunk = "e".repeat(64 * 1024)
    let sent = 0
    const pump = () => {
      while (sent < 256) {
        sent++
        if (!response.write(chunk)) return void response.once("drain", pump)
      }
      response.end()
    }
    pump()
  })

/**
 * A proxy to `target` that forwards every request and, when `destroy` says so for an answer, reads
 * the upstream answer whole (so the upstream has done its work) and then drops the connection
 * instead of passing it on.
 */
export const lossyProxy = (target: string, destroy: (request: Received, index: number) => boolean) => {
  let index = 0
  return loopback(async (request, response, body) => {
    const upstream = await fetch(`${target}${request.url ?? ""}`, {
      method: request.method ?? "GET",
      headers: Object.fromEntries(
        Object.entries(request.headers).flatMap(([name, value]) =>
          typeof value === "string" && name !== "host" && name !== "connection" ? [[name, value]] : []
        )
      ),
      ...(body.length > 0 ? { body: new Uint8Array(body) } : {})
    })
    const answer = Buffer.from(await upstream.arrayBuffer())
    const seen: Received = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: body.toString("utf8") }
    if (destroy(seen, index++)) {
      response.socket?.destroy()
      return
    }
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" })
    response.end(answer)
  })
}

/** A loopback URL where nothing listens (a port that was free a moment ago): connections are refused. */
export const refusingUrl = Effect.promise(() =>
  new Promise<string>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(`http://127.0.0.1:${port}`))
    })
  })
)
