/**
 * The default transport's fast path for API requests that answer JSON: one request and its whole
 * answer in one promise, without the `HttpClient` request/response wrappers (which cost as much as
 * `fetch` itself per small request). On Node, with neither a custom `fetch` nor a replaced
 * `globalThis.fetch`, it runs on `node:http`/`node:https` (a quarter less CPU per request than
 * Node's `fetch`); otherwise on `fetch`. Used only by `FlowLike.layer` and only when no tracer is
 * installed; event streams have their own direct path (`directStream.ts`), and raw bodies, signed
 * URLs and any user-provided `HttpClient` take the `HttpClient` path.
 */
import type * as Http from "node:http"
import type { Readable } from "node:stream"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Headers from "effect/http/Headers"
import type * as FlowLikeError from "../FlowLikeError.ts"
import * as Errors from "./errors.ts"
import { Abort, bodyError, decodedBody, EncodingError, send } from "./nodeHttp.ts"
import type { Outgoing } from "./nodeHttp.ts"

export type { Outgoing } from "./nodeHttp.ts"

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

export interface Limits {
  readonly limit: number
  readonly errorLimit: number
  readonly timeoutMillis: number
  readonly abort: Abort
}

/** How a request is sent: `fetch`, or Node's own HTTP modules. */
export type Sender = (url: string, outgoing: Outgoing, limits: Limits) => Promise<Answer>

/** Reads chunks, keeping at most `limit` bytes; `undefined` when there were more and `truncate` is off. */
class Collector {
  readonly chunks: Array<Uint8Array> = []
  size = 0
  isOver = false
  readonly limit: number
  readonly truncate: boolean
  constructor(limit: number, truncate: boolean) {
    this.limit = limit
    this.truncate = truncate
  }
  /** Adds a chunk; false once enough was read (over the limit). */
  add(chunk: Uint8Array): boolean {
    this.size += chunk.length
    if (this.size > this.limit) {
      this.isOver = true
      if (this.truncate) this.chunks.push(chunk)
      return false
    }
    this.chunks.push(chunk)
    return true
  }
  text(): string | undefined {
    if (this.isOver && !this.truncate) return undefined
    const text = decoder.decode(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks))
    return this.isOver ? text.slice(0, this.limit) : text
  }
}

const decoder = new TextDecoder()

/** The longest delay `setTimeout` takes; beyond it the timer would fire at once. */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

/** Runs `send` with the request's timeout: aborts the exchange, and answers `TimedOut`. */
const timed = async (limits: Limits, send: () => Promise<Answer>): Promise<Answer> => {
  let timedOut = false
  const timer = limits.timeoutMillis <= MAX_TIMER_MILLIS
    ? setTimeout(() => {
      timedOut = true
      limits.abort.abort()
    }, limits.timeoutMillis)
    : undefined
  try {
    const answer = await send()
    return timedOut && answer._tag === "Broken" ? { _tag: "TimedOut" } : answer
  } catch (cause) {
    if (timedOut) return { _tag: "TimedOut" }
    throw cause
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

// ---- fetch ---------------------------------------------------------------------------------------

const readWeb = async (response: globalThis.Response, collector: Collector): Promise<string | undefined> => {
  if (response.body === null) return ""
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (!collector.add(value)) {
      await reader.cancel().catch(() => undefined)
      break
    }
  }
  return collector.text()
}

/** Sends with a `fetch`. */
export const fetchSender = (fetchImpl: typeof globalThis.fetch): Sender => (url, outgoing, limits) =>
  timed(limits, async () => {
    const response = await fetchImpl(url, {
      method: outgoing.method,
      headers: outgoing.headers,
      body: outgoing.body,
      redirect: "manual",
      signal: limits.abort.signal()
    })
    const status = response.status
    try {
      if (status >= 200 && status < 300) {
        const declared = Number(response.headers.get("content-length") ?? Number.NaN)
        if (Number.isFinite(declared) && declared > limits.limit) {
          await response.body?.cancel().catch(() => undefined)
          return { _tag: "TooLarge", status, limit: limits.limit }
        }
        const text = Number.isFinite(declared) ? await response.text() : await readWeb(response, new Collector(limits.limit, false))
        return text === undefined
          ? { _tag: "TooLarge", status, limit: limits.limit }
          : { _tag: "Ok", status, headers: Headers.fromInput(response.headers), text }
      }
      const body = await readWeb(response, new Collector(limits.errorLimit, true)).catch(() => "")
      return { _tag: "Failed", status, headers: Headers.fromInput(response.headers), body: body ?? "" }
    } catch (cause) {
      return { _tag: "Broken", cause }
    }
  })

// ---- node:http -----------------------------------------------------------------------------------

/** Node's response headers as Effect's: lower-case names, repeated values joined. */
export const nodeHeaders = (headers: Http.IncomingHttpHeaders): Headers.Headers => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return Headers.fromInput(out)
}

const nodeSend: Sender = (url, outgoing, limits) =>
  timed(limits, () =>
    send(url, outgoing, limits.abort).then((response) =>
      new Promise<Answer>((resolve) => {
        const status = response.statusCode ?? 0
        const isOk = status >= 200 && status < 300
        const declared = Number(response.headers["content-length"] ?? Number.NaN)
        if (isOk && Number.isFinite(declared) && declared > limits.limit) {
          response.destroy()
          resolve({ _tag: "TooLarge", status, limit: limits.limit })
          return
        }
        let body: Readable
        try {
          body = decodedBody(response)
        } catch (cause) {
          response.destroy()
          resolve({ _tag: "Broken", cause })
          return
        }
        const collector = new Collector(isOk ? limits.limit : limits.errorLimit, !isOk)
        let isSettled = false
        const finish = () => {
          if (isSettled) return
          isSettled = true
          const text = collector.text()
          if (!isOk) resolve({ _tag: "Failed", status, headers: nodeHeaders(response.headers), body: text ?? "" })
          else if (text === undefined) resolve({ _tag: "TooLarge", status, limit: limits.limit })
          else resolve({ _tag: "Ok", status, headers: nodeHeaders(response.headers), text })
        }
        const broken = (cause: unknown) => {
          if (isSettled) return
          if (!isOk) return finish()
          isSettled = true
          resolve({ _tag: "Broken", cause })
        }
        body.on("data", (chunk: Buffer) => {
          if (!collector.add(chunk)) {
            finish()
            response.destroy()
          }
        })
        body.on("end", finish)
        body.on("error", (error) => {
          broken(bodyError(response, body, error))
          response.destroy()
        })
        response.on("error", broken)
        response.on("close", () => {
          if (!response.complete) broken(Object.assign(new Error("the connection closed before the answer was complete"), { code: "ECONNRESET" }))
        })
      })
    ))

/** The unchanged `fetch` of this process, as it was when the SDK loaded. */
const nativeFetch = globalThis.fetch

/** Whether Node's own HTTP modules can be loaded (`process.getBuiltinModule`, Node 20.16 and 22.3 on). */
const hasNodeHttp = typeof globalThis.process?.getBuiltinModule === "function"

/**
 * The sender for the default transport: `node:http` on Node while `globalThis.fetch` is still
 * Node's own (a test that replaces `fetch` keeps seeing every request), else `fetch`.
 */
export const defaultSender = (): Sender => usesNodeHttp() ? nodeSend : fetchSender(globalThis.fetch)

/** Whether the default transport runs on `node:http`: on Node, while `globalThis.fetch` is still Node's own. */
export const usesNodeHttp = (): boolean => hasNodeHttp && globalThis.fetch === nativeFetch

/** The limits of one exchange, without its abort handle (made per attempt). */
export type ExchangeLimits = Omit<Limits, "abort">

/**
 * One exchange as an Effect: interrupting it aborts the request. A 2xx read whole is the success;
 * anything else is the SDK's error (`fromStatus`, `DecodeError` for a too-large answer,
 * `NetworkError`, `TimeoutError` after `timeout`).
 */
export const exchangeEffect = (
  send: Sender,
  info: Errors.RequestInfo,
  outgoing: Outgoing,
  limits: ExchangeLimits,
  timeout: Duration.Duration
): Effect.Effect<{ readonly status: number; readonly headers: Headers.Headers; readonly text: string }, FlowLikeError.FlowLikeError> =>
  Effect.flatMap(
    Effect.callback<Answer, FlowLikeError.FlowLikeError>((resume) => {
      const abort = new Abort()
      send(info.url, outgoing, { limit: limits.limit, errorLimit: limits.errorLimit, timeoutMillis: limits.timeoutMillis, abort }).then(
        (answer) => resume(Effect.succeed(answer)),
        (cause) => resume(Effect.fail(Errors.fromTransportCause(info, cause)))
      )
      return Effect.sync(() => abort.abort())
    }),
    (answer) => {
      switch (answer._tag) {
        case "Ok":
          return Effect.succeed(answer)
        case "TooLarge":
          return Effect.fail(Errors.tooLarge(info, answer.status, answer.limit))
        case "Broken":
          return Effect.fail(
            answer.cause instanceof EncodingError
              ? Errors.decodeFailed(info, undefined, "", answer.cause.message)
              : Errors.streamBroken(info, answer.cause)
          )
        case "TimedOut":
          return Effect.fail(Errors.timedOut(info, timeout, "no complete response"))
        case "Failed":
          return Effect.flatMap(
            Effect.clockWith((clock) => clock.currentTimeMillis),
            (now) => Effect.fail(Errors.fromStatus(info, answer.status, answer.headers, answer.body, now))
          )
      }
    }
  )
