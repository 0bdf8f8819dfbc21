/**
 * Node's HTTP client as the direct transport uses it (`directFetch.ts`, `directStream.ts`): a
 * request sent again on a new socket when a kept-alive one turns out to be closed before any
 * answer, and answer bodies decoded as `fetch` decodes them.
 */
import type * as Http from "node:http"
import type { Readable } from "node:stream"
import type * as Zlib from "node:zlib"
import { requestFor } from "./streamingFetch.ts"

/** A request: method, headers and an optional text body. */
export interface Outgoing {
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | null
}

/**
 * How one exchange is aborted (a timeout, an interrupted caller). Cheaper than an `AbortController`
 * per request: `node:http` with a `signal` costs about 40 µs more CPU per request (its abort
 * listener), so the `node:http` senders destroy their request themselves; the `fetch` sender makes
 * a controller from it.
 */
export class Abort {
  private onAbort: (() => void) | undefined = undefined
  isAborted = false
  abort(): void {
    if (this.isAborted) return
    this.isAborted = true
    const onAbort = this.onAbort
    this.onAbort = undefined
    onAbort?.()
  }
  /** Calls `f` on abort (at once if already aborted); one handler at a time. */
  listen(f: () => void): void {
    if (this.isAborted) f()
    else this.onAbort = f
  }
  /** An `AbortSignal` that follows this handle. */
  signal(): AbortSignal {
    const controller = new AbortController()
    this.listen(() => controller.abort())
    return controller.signal
  }
}

/** The error a request aborted through an `Abort` fails with, as `fetch`'s would. */
export const abortError = (): Error => Object.assign(new Error("This operation was aborted"), { name: "AbortError", code: "ABORT_ERR" })

/**
 * How many times a request is sent again after a kept-alive socket failed before any answer: the
 * server had closed it (its keep-alive timeout ran out) while it waited in the pool, so the request
 * never reached it. Node's documented `reusedSocket` check; `fetch` does the same.
 */
const STALE_SOCKET_RETRIES = 3

const isStaleSocketError = (error: unknown): boolean => {
  const code = (error as { readonly code?: unknown } | null)?.code
  return code === "ECONNRESET" || code === "EPIPE"
}

/** Sends the request; resolves with the answer's head. */
export const send = (url: string, outgoing: Outgoing, abort: Abort): Promise<Http.IncomingMessage> =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...outgoing.headers }
    if (outgoing.body !== null) headers["content-length"] = String(Buffer.byteLength(outgoing.body))
    const request = requestFor(url.startsWith("https:") ? "https:" : "http:")
    const attempt = (retries: number) => {
      let isAnswered = false
      const sent = request(url, { method: outgoing.method, headers })
      sent.on("error", (error) => {
        if (!isAnswered && sent.reusedSocket && retries > 0 && !abort.isAborted && isStaleSocketError(error)) {
          return attempt(retries - 1)
        }
        reject(error)
      })
      abort.listen(() => sent.destroy(abortError()))
      sent.on("response", (response) => {
        isAnswered = true
        resolve(response)
      })
      sent.end(outgoing.body ?? undefined)
    }
    attempt(STALE_SOCKET_RETRIES)
  })

/** An answer's body that could not be decoded: an encoding the SDK does not know, or corrupt data. */
export class EncodingError extends Error {}

const encodingOf = (response: Http.IncomingMessage): string =>
  String(response.headers["content-encoding"] ?? "").trim().toLowerCase()

/**
 * The answer's body as `fetch` hands it over: gzip, deflate and br undone (the SDK does not ask for
 * them, but a server or proxy may send them anyway). Throws `EncodingError` for another encoding.
 */
export const decodedBody = (response: Http.IncomingMessage): Readable => {
  const encoding = encodingOf(response)
  if (encoding === "" || encoding === "identity" || response.statusCode === 204 || response.statusCode === 304) return response
  const zlib = process.getBuiltinModule("node:zlib") as typeof Zlib
  const decoder = encoding === "gzip" || encoding === "x-gzip" || encoding === "deflate"
    ? zlib.createUnzip()
    : encoding === "br"
    ? zlib.createBrotliDecompress()
    : undefined
  if (decoder === undefined) throw new EncodingError(`the answer is encoded with "${encoding}", which the SDK cannot decode`)
  response.pipe(decoder)
  return decoder
}

/** An error of a body read through `decodedBody`: the decoder's as an `EncodingError`, the connection's as it came. */
export const bodyError = (response: Http.IncomingMessage, body: Readable, error: unknown): unknown =>
  body === response || error instanceof EncodingError
    ? error
    : new EncodingError(`the answer's ${encodingOf(response)} encoding is corrupt: ${error instanceof Error ? error.message : String(error)}`)
