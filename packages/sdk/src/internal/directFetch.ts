/**
 * The default transport's fast path for API requests that answer JSON: `fetch` called directly and
 * the whole answer read in one promise, without the `HttpClient` request/response wrappers (which
 * cost as much as `fetch` itself per small request). Used only by `FlowLike.layer` (whose transport
 * is `fetch` anyway) and only when no tracer is installed; streams, raw bodies, signed URLs and any
 * user-provided `HttpClient` take the `HttpClient` path.
 */
import * as Headers from "effect/http/Headers"

/** What one exchange produced. A rejected promise means the request failed before any answer. */
export type Answer =
  /** A 2xx whose body was read whole. */
  | { readonly _tag: "Ok"; readonly status: number; readonly headers: Headers.Headers; readonly text: string }
  /** A non-2xx; `body` is at most `errorLimit` bytes of it. */
  | { readonly _tag: "Failed"; readonly status: number; readonly headers: Headers.Headers; readonly body: string }
  /** A 2xx larger than the limit; not read. */
  | { readonly _tag: "TooLarge"; readonly status: number; readonly limit: number }
  /** The connection broke while the body was read. */
  | { readonly _tag: "Broken"; readonly cause: unknown }
  /** No complete answer within the timeout; the request was aborted. */
  | { readonly _tag: "TimedOut" }

const decoder = new TextDecoder()

/** Reads at most `limit` bytes; `undefined` when there were more (and the rest is cancelled). */
const readCapped = async (response: globalThis.Response, limit: number, truncate: boolean): Promise<string | undefined> => {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN)
  if (Number.isFinite(declared) && declared <= limit) return response.text()
  if (response.body === null) return ""
  if (Number.isFinite(declared) && !truncate) {
    await response.body.cancel().catch(() => undefined)
    return undefined
  }
  const reader = response.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      if (!truncate) return undefined
      chunks.push(value)
      break
    }
    chunks.push(value)
  }
  const text = decoder.decode(Buffer.concat(chunks))
  return size > limit ? text.slice(0, limit) : text
}

/** The longest delay `setTimeout` takes; beyond it the timer would fire at once. */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

/**
 * Sends one request and reads its answer: whole for a 2xx (up to `limit`), the first `errorLimit`
 * bytes otherwise; aborted by `controller`, and after `timeoutMillis` (headers and body together).
 */
export const exchange = async (
  fetchImpl: typeof globalThis.fetch,
  url: string,
  init: globalThis.RequestInit,
  options: {
    readonly limit: number
    readonly errorLimit: number
    readonly timeoutMillis: number
    readonly controller: AbortController
  }
): Promise<Answer> => {
  const { controller } = options
  let timedOut = false
  const timer = options.timeoutMillis <= MAX_TIMER_MILLIS
    ? setTimeout(() => {
      timedOut = true
      controller.abort()
    }, options.timeoutMillis)
    : undefined
  try {
    let response: globalThis.Response
    try {
      response = await fetchImpl(url, { ...init, signal: controller.signal })
    } catch (cause) {
      if (timedOut) return { _tag: "TimedOut" }
      throw cause
    }
    const status = response.status
    try {
      if (status >= 200 && status < 300) {
        const text = await readCapped(response, options.limit, false)
        return text === undefined
          ? { _tag: "TooLarge", status, limit: options.limit }
          : { _tag: "Ok", status, headers: Headers.fromInput(response.headers), text }
      }
      const body = await readCapped(response, options.errorLimit, true).catch(() => "")
      return { _tag: "Failed", status, headers: Headers.fromInput(response.headers), body: body ?? "" }
    } catch (cause) {
      return timedOut ? { _tag: "TimedOut" } : { _tag: "Broken", cause }
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}
