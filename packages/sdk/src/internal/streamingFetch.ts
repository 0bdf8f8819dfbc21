/**
 * A `fetch` for streamed uploads to signed storage URLs, over `node:http`/`node:https`.
 *
 * Node's own `fetch` (undici, Node 24) sends a `ReadableStream` body without waiting for the socket
 * to drain: when storage reads slower than the disk, the whole body piles up in memory (a 1 GiB
 * upload grew RSS by about 1.1 GB here, with or without an explicit `Content-Length`). This sender
 * writes each chunk only after the previous one drained, with the body's declared
 * `Content-Length`, so memory stays flat. Everything else about the call (the response, the
 * abort signal, network errors as `TypeError("fetch failed")`) behaves as `fetch` does.
 */
import { once } from "node:events"
import type * as Http from "node:http"
import { Readable } from "node:stream"

/** `node:http` or `node:https`, loaded on first use (not at start-up: `https` brings TLS with it). */
export const requestFor = (protocol: string): typeof Http.request =>
  (process.getBuiltinModule(protocol === "https:" ? "node:https" : "node:http") as typeof Http).request

const headersOf = (incoming: Http.IncomingHttpHeaders): Headers => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  return headers
}

/** `fetch` over `node:http` that sends a streamed body of `contentLength` bytes with backpressure. */
export const streamingFetch = (contentLength: number): typeof globalThis.fetch => (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const headers: Record<string, string> = Object.fromEntries(new Headers(init?.headers).entries())
    headers["content-length"] = String(contentLength)
    const method = init?.method ?? "PUT"
    const signal = init?.signal ?? undefined
    const send = requestFor(url.protocol)
    const request = send(url, { method, headers, ...(signal === undefined ? {} : { signal }) }, (response) => {
      const status = response.statusCode ?? 500
      const hasBody = method !== "HEAD" && status !== 204 && status !== 304
      resolve(
        new Response(hasBody ? Readable.toWeb(response) as ReadableStream<Uint8Array> : null, {
          status,
          statusText: response.statusMessage ?? "",
          headers: headersOf(response.headers)
        })
      )
      if (!hasBody) response.resume()
    })
    request.once("error", (error) => reject(new TypeError("fetch failed", { cause: error })))
    const body = init?.body
    if (body instanceof ReadableStream) {
      const reader = (body as ReadableStream<Uint8Array>).getReader()
      const pump = async () => {
        for (;;) {
          const next = await reader.read()
          if (next.done) break
          if (!request.write(next.value)) await once(request, "drain")
        }
        request.end()
      }
      pump().catch((error: unknown) => {
        request.destroy(error instanceof Error ? error : new Error(String(error)))
        void reader.cancel(error).catch(() => undefined)
      })
    } else if (body === undefined || body === null) {
      request.end()
    } else if (typeof body === "string" || body instanceof Uint8Array) {
      request.end(body)
    } else {
      request.destroy(new Error("streamingFetch sends only streams, bytes or text"))
    }
  })

/**
 * `fetch` that sends a streamed body with its `Content-Length`. Effect's fetch client drops the
 * header and sends a stream chunked, which S3 refuses for presigned PUTs (501); `fetch` itself
 * sends a stream with the length it is given.
 */
const withContentLength = (fetch: typeof globalThis.fetch, length: number): typeof globalThis.fetch =>
  (input, init) =>
    fetch(input, {
      ...init,
      headers: { ...Object.fromEntries(new globalThis.Headers(init?.headers).entries()), "content-length": String(length) }
    })

/**
 * The `fetch` a streamed upload runs on: Node's own `fetch` buffers a stream body without bound when
 * the receiver is slower (see `streamingFetch` above), so it is replaced by a `node:http` sender with
 * backpressure; a custom `fetch` (passed, or one that replaced `globalThis.fetch`) is kept, given
 * the `Content-Length`.
 */
export const uploadFetch = (fetch: typeof globalThis.fetch, length: number): typeof globalThis.fetch =>
  fetch === nodeFetch ? streamingFetch(length) : withContentLength(fetch, length)

/** Node's own `fetch`, as it was when the SDK loaded: a `fetch` that replaced it later is called as given. */
const nodeFetch = globalThis.fetch
