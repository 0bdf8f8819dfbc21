/**
 * Moving bytes to and from signed storage URLs: a PUT with an explicit `Content-Length`, counted
 * for progress and retried while its body can be read again; a GET streamed and resumed with
 * `Range` after a dropped transfer. Signed URLs are absolute, so `FlowLikeHttp` sends them without
 * any Flow-Like credential.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Option from "effect/Option"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as CallOptions from "../CallOptions.ts"
import * as FlowLikeError from "../FlowLikeError.ts"
import { describeRequest, type FlowLikeHttp, type Request, withRetries } from "../FlowLikeHttp.ts"
import * as Errors from "./errors.ts"
import { waitBeforeRetry } from "./retries.ts"
import type { Prepared } from "./uploadSource.ts"


/** A GET of a signed URL from byte `received` on (the whole object when 0), retried by the caller. */
const rangeRequest = (url: string, received: number, operation: string | undefined): Request => ({
  method: "GET",
  path: "",
  url,
  headers: received > 0 ? { range: `bytes=${received}-` } : undefined,
  isIdempotent: true,
  isRetriedByCaller: true,
  operation
})
/** How far a transfer has got: `loaded` of `total` bytes; `loaded === total` only once storage accepted it. */
export interface Progress {
  readonly key: string
  readonly loaded: number
  readonly total: number
}

/** Progress is reported at most this often (and once more at the end). */
export const PROGRESS_INTERVAL_MILLIS = 100

/** The slowest transfer rate allowed before a transfer times out (on top of the configured timeout). */
const MIN_BYTES_PER_SECOND = 100 * 1024

/** Azure SAS URLs (`sv` and `sig` in the query, or a `blob.core.windows.net` host) need `x-ms-blob-type`. */
export const isAzureSas = (url: string): boolean => {
  try {
    const parsed = new URL(url)
    return parsed.hostname.endsWith(".blob.core.windows.net") || (parsed.searchParams.has("sv") && parsed.searchParams.has("sig"))
  } catch {
    return false
  }
}

/** A signed URL past its expiry: S3 answers 403 `AccessDenied` "Request has expired"; Azure and GCS also say "expired". */
export const isExpired = (error: FlowLikeError.FlowLikeError): boolean =>
  error.reason._tag === "PermissionDeniedError" && /expired/i.test(`${error.reason.body ?? ""} ${error.reason.message}`)


/** A transfer may take as long as the configured timeout plus its size at a slow but steady rate. */
const transferTimeout = (http: FlowLikeHttp["Service"], size: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.service(CallOptions.CallOptions), (call) =>
      call.timeout === undefined
        ? CallOptions.with({ timeout: Duration.sum(http.config.timeout, Duration.seconds(size / MIN_BYTES_PER_SECOND)) })(effect)
        : effect)

/**
 * PUTs a prepared body to a signed URL. The transport retries it on network errors, 408, 429 and
 * 5xx when the body can be read again; progress restarts with each attempt and reaches `total`
 * only after the 2xx. Returns the object's `ETag`, if storage sent one.
 */
export const put = (
  http: FlowLikeHttp["Service"],
  options: {
    readonly url: string
    readonly key: string
    readonly body: Prepared
    readonly contentType: string
    readonly operation: string
    readonly onProgress?: ((progress: Progress) => void) | undefined
  }
): Effect.Effect<string | undefined, FlowLikeError.FlowLikeError> =>
  Effect.gen(function*() {
    const { body, key, onProgress } = options
    const total = body.size
    let lastReport = Number.NEGATIVE_INFINITY
    const report = (loaded: number) => onProgress?.({ key, loaded, total })
    const clock = yield* Effect.clockWith(Effect.succeed)
    const call = yield* Effect.service(CallOptions.CallOptions)
    const attempt = Effect.suspend(() => {
      let loaded = 0
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          loaded += chunk.byteLength
          if (loaded > total) return controller.error(new Error(`the body is longer than its declared ${total} bytes`))
          const now = clock.currentTimeMillisUnsafe()
          if (onProgress !== undefined && loaded < total && now - lastReport >= PROGRESS_INTERVAL_MILLIS) {
            lastReport = now
            report(loaded)
          }
          controller.enqueue(chunk)
        }
      })
      const request: Request = {
        method: "PUT",
        path: "",
        url: options.url,
        body: {
          _tag: "Raw",
          body: HttpBody.raw(body.open().pipeThrough(counter), { contentType: options.contentType, contentLength: total })
        },
        headers: isAzureSas(options.url) ? { "x-ms-blob-type": "BlockBlob" } : undefined,
        isIdempotent: body.isReplayable,
        // Each attempt needs a fresh body stream, so the retries happen here, not in the transport.
        isRetriedByCaller: true,
        operation: options.operation
      }
      return http.execute(request)
    })
    const response = yield* transferTimeout(http, total)(
      body.isReplayable
        ? withRetries(attempt, {
          maxRetries: call.maxRetries ?? http.config.maxRetries,
          maxDelay: http.config.maxRetryDelay,
          maxTime: http.config.maxRetryTime
        })
        : attempt
    )
    report(total)
    return response.headers["etag"]
  })

/**
 * How a download goes on after a failed attempt: with a fresh URL, once, when storage says the
 * current one expired; else, while retries remain for a retryable error, after the backoff (or the
 * server's `Retry-After`).
 */
class Resumption {
  url: string
  private hasResigned = false
  private readonly http: FlowLikeHttp["Service"]
  private readonly options: { readonly url: string; readonly maxRetries: number; readonly resign: Effect.Effect<string, FlowLikeError.FlowLikeError> }
  constructor(http: FlowLikeHttp["Service"], options: Resumption["options"]) {
    this.http = http
    this.options = options
    this.url = options.url
  }
  canResume(error: FlowLikeError.FlowLikeError, retries: number): boolean {
    return (error.isRetryable && retries < this.options.maxRetries) || (isExpired(error) && !this.hasResigned)
  }
  /** Waits or signs again as `error` calls for; succeeds with the retry count of the next attempt. */
  next(error: FlowLikeError.FlowLikeError, retries: number): Effect.Effect<number, FlowLikeError.FlowLikeError> {
    if (!isExpired(error)) return Effect.as(waitBeforeRetry(error, retries + 1, this.http.config.maxRetryDelay), retries + 1)
    return Effect.map(this.options.resign, (fresh) => {
      this.hasResigned = true
      this.url = fresh
      return retries
    })
  }
}

/**
 * The bytes at a signed URL as a stream. A transfer that breaks off (or a retryable status) is
 * resumed from the last byte received with `Range: bytes=N-`, up to `maxRetries` times; a server
 * that ignores the range has the bytes already delivered skipped. `resign` gives a fresh URL
 * when storage says the current one expired.
 */
export const get = (
  http: FlowLikeHttp["Service"],
  options: {
    readonly url: string
    readonly operation: string
    readonly maxRetries: number
    readonly resign: Effect.Effect<string, FlowLikeError.FlowLikeError>
  }
): Stream.Stream<Uint8Array, FlowLikeError.FlowLikeError> =>
  Stream.suspend(() => {
    const resumption = new Resumption(http, options)
    let received = 0
    let total: number | undefined
    const attempt = (retries: number): Stream.Stream<Uint8Array, FlowLikeError.FlowLikeError> =>
      Stream.unwrap(Effect.gen(function*() {
        const request = rangeRequest(resumption.url, received, options.operation)
        const info = describeRequest(http.config, request)
        const response = yield* http.execute(request)
        let skip = 0
        if (received > 0 && response.status !== 206) skip = received
        if (total === undefined) total = totalOf(response.headers)
        const idle = http.config.streamIdleTimeout
        return response.stream.pipe(
          Stream.mapError((error) => Errors.streamBroken(info, error)),
          Stream.timeoutOrElse({
            duration: idle,
            orElse: () => Stream.fail(Errors.timedOut(info, idle, "the transfer sent nothing"))
          }),
          Stream.map((chunk) => {
            if (skip > 0) {
              const dropped = Math.min(skip, chunk.byteLength)
              skip -= dropped
              chunk = chunk.subarray(dropped)
            }
            received += chunk.byteLength
            return chunk
          }),
          Stream.filter((chunk) => chunk.byteLength > 0),
          Stream.concat(Stream.suspend(() =>
            total !== undefined && received < total
              ? Stream.fail(Errors.streamBroken(info, new Error(`the transfer ended after ${received} of ${total} bytes`)))
              : Stream.empty
          ))
        )
      })).pipe(
        Stream.catchIf(
          (error) => resumption.canResume(error, retries),
          (error) => Stream.unwrap(Effect.map(resumption.next(error, retries), attempt))
        )
      )
    return attempt(0)
  })

/** A transfer that stayed silent longer than the idle timeout. */
class IdleTimeout extends Error {}

/**
 * Reads a web body into `deliver` with plain promises (no effect per chunk), failing with
 * `IdleTimeout` when nothing arrives for `idleMillis`, and cancelling the body when `signal` fires.
 */
const pump = async (
  body: ReadableStream<Uint8Array>,
  deliver: (chunk: Uint8Array) => void | Promise<void>,
  idleMillis: number,
  signal: AbortSignal
): Promise<void> => {
  const reader = body.getReader()
  let timer: ReturnType<typeof setTimeout> | undefined
  let isIdle = false
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      isIdle = true
      reader.cancel().catch(() => undefined)
    }, idleMillis)
  }
  const onAbort = () => void reader.cancel(signal.reason).catch(() => undefined)
  signal.addEventListener("abort", onAbort, { once: true })
  try {
    arm()
    for (;;) {
      const next = await reader.read()
      if (isIdle) throw new IdleTimeout()
      if (next.done) return
      clearTimeout(timer)
      const written = deliver(next.value)
      if (written !== undefined) await written
      arm()
    }
  } finally {
    clearTimeout(timer)
    signal.removeEventListener("abort", onAbort)
  }
}

/**
 * Like `get`, but hands every chunk to `write` (which may return a promise to apply backpressure,
 * or reject with a `FlowLikeError` that is not retried) and resolves with the byte count. Over
 * `fetch` the body is read with plain promises rather than an Effect stream: one effect per
 * transfer instead of one per chunk.
 */
export const getInto = (
  http: FlowLikeHttp["Service"],
  options: {
    readonly url: string
    readonly operation: string
    readonly maxRetries: number
    readonly resign: Effect.Effect<string, FlowLikeError.FlowLikeError>
    readonly write: (chunk: Uint8Array) => void | Promise<void>
  }
): Effect.Effect<number, FlowLikeError.FlowLikeError> =>
  Effect.suspend(() => {
    const resumption = new Resumption(http, options)
    let received = 0
    let total: number | undefined
    const idle = http.config.streamIdleTimeout
    const attempt = (retries: number): Effect.Effect<number, FlowLikeError.FlowLikeError> =>
      Effect.gen(function*() {
        const request = rangeRequest(resumption.url, received, options.operation)
        const info = describeRequest(http.config, request)
        const response = yield* http.execute(request)
        let skip = received > 0 && response.status !== 206 ? received : 0
        if (total === undefined) total = totalOf(response.headers)
        const deliver = (chunk: Uint8Array) => {
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.byteLength)
            skip -= dropped
            chunk = chunk.subarray(dropped)
          }
          if (chunk.byteLength === 0) return undefined
          received += chunk.byteLength
          return options.write(chunk)
        }
        const web = HttpClientResponse.toWeb(response)
        const body = Option.isSome(web) ? web.value.body : null
        if (body !== null) {
          yield* Effect.tryPromise({
            try: (signal) => pump(body, deliver, Duration.toMillis(idle), signal),
            catch: (error) =>
              FlowLikeError.isFlowLikeError(error)
                ? error
                : error instanceof IdleTimeout
                ? Errors.timedOut(info, idle, "the transfer sent nothing")
                : Errors.streamBroken(info, error)
          })
        } else {
          yield* response.stream.pipe(
            Stream.mapError((error) => Errors.streamBroken(info, error)),
            Stream.timeoutOrElse({ duration: idle, orElse: () => Stream.fail(Errors.timedOut(info, idle, "the transfer sent nothing")) }),
            Stream.runForEach((chunk) =>
              Effect.tryPromise({
                try: async () => deliver(chunk),
                catch: (error) => FlowLikeError.isFlowLikeError(error) ? error : Errors.streamBroken(info, error)
              })
            )
          )
        }
        if (total !== undefined && received < total) {
          return yield* Errors.streamBroken(info, new Error(`the transfer ended after ${received} of ${total} bytes`))
        }
        return received
      }).pipe(
        Effect.catchIf(
          (error) => resumption.canResume(error, retries),
          (error) => Effect.flatMap(resumption.next(error, retries), attempt)
        )
      )
    return attempt(0)
  })

/** The object's full size: from `Content-Range` on a 206, else `Content-Length`. */
const totalOf = (headers: Readonly<Record<string, string | undefined>>): number | undefined => {
  const range = headers["content-range"]
  const match = range === undefined ? null : /\/(\d+)$/.exec(range)
  if (match !== null) return Number(match[1])
  const length = headers["content-length"]
  return length === undefined || !/^\d+$/.test(length) ? undefined : Number(length)
}
