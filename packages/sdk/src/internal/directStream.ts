/**
 * The default transport's streamed answers (SSE) on `node:http`/`node:https`, without `fetch`'s web
 * streams or the `HttpClient`'s response wrappers. The body is read with backpressure the SDK
 * controls: the socket is paused once `HIGH_WATER_BYTES` wait unread and resumed when the stream's
 * consumer takes them, so a slow consumer holds at most that much. Used by `FlowLike.layer` under
 * the same conditions as `directFetch.ts` (Node's own `fetch` unchanged, no custom `fetch`, no
 * tracer); everything else takes the `HttpClient` path, with the same errors.
 */
import type * as Http from "node:http"
import type { Readable } from "node:stream"
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Headers from "effect/http/Headers"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as FlowLikeError from "../FlowLikeError.ts"
import { nodeHeaders } from "./directFetch.ts"
import * as Errors from "./errors.ts"
import { Abort, bodyError, decodedBody, EncodingError, send } from "./nodeHttp.ts"
import type { Outgoing } from "./nodeHttp.ts"

/** How many unread bytes pause the socket. */
export const HIGH_WATER_BYTES = 256 * 1024

/** The unread body of one response (decoded, see `nodeHttp.decodedBody`), taken a batch of chunks at a time. */
export class Body {
  private chunks: Array<Uint8Array> = []
  private buffered = 0
  private isEnded = false
  private failure: unknown = undefined
  private hasFailed = false
  private waiter: (() => void) | undefined = undefined
  readonly response: Http.IncomingMessage
  private readonly source: Readable

  constructor(response: Http.IncomingMessage, source: Readable = response) {
    this.response = response
    this.source = source
    source.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk)
      this.buffered += chunk.length
      if (this.buffered >= HIGH_WATER_BYTES) source.pause()
      this.wake()
    })
    source.on("end", () => {
      this.isEnded = true
      this.wake()
    })
    source.on("error", (error) => this.fail(bodyError(response, source, error)))
    if (source !== response) response.on("error", (error) => this.fail(error))
    response.on("close", () => {
      if (!response.complete) {
        this.fail(Object.assign(new Error("the connection closed before the answer was complete"), { code: "ECONNRESET" }))
      }
    })
  }

  private fail(cause: unknown) {
    if (this.hasFailed || this.isEnded) return
    this.hasFailed = true
    this.failure = cause
    this.wake()
  }

  private wake() {
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.()
  }

  /** The next chunks as a stream pull: all that waits, else the first to arrive; `Done` at the end. */
  pull(onError: (cause: unknown) => FlowLikeError.FlowLikeError): Effect.Effect<
    Arr.NonEmptyReadonlyArray<Uint8Array>,
    FlowLikeError.FlowLikeError | Cause.Done
  > {
    const take = Effect.suspend(() => {
      if (this.chunks.length > 0) {
        const out = this.chunks as unknown as Arr.NonEmptyReadonlyArray<Uint8Array>
        this.chunks = []
        this.buffered = 0
        if (this.source.isPaused()) this.source.resume()
        return Effect.succeed(out)
      }
      if (this.hasFailed) return Effect.fail(onError(this.failure))
      if (this.isEnded) return Cause.done()
      return Effect.callback<Arr.NonEmptyReadonlyArray<Uint8Array>, FlowLikeError.FlowLikeError | Cause.Done>(
        (resume) => {
          this.waiter = () => resume(take)
          return Effect.sync(() => {
            this.waiter = undefined
          })
        }
      )
    })
    return take
  }

  /** Up to `limit` bytes of the rest of the body as text (for error answers); whatever arrived if it breaks. */
  text(limit: number): Promise<string> {
    return new Promise((resolve) => {
      let size = 0
      const parts: Array<Uint8Array> = []
      const finish = () => resolve(Buffer.concat(parts).toString("utf8").slice(0, limit))
      const add = (chunk: Uint8Array) => {
        parts.push(chunk)
        size += chunk.length
      }
      for (const chunk of this.chunks) add(chunk)
      this.chunks = []
      if (size > limit || this.isEnded || this.hasFailed) return finish()
      this.source.removeAllListeners("data")
      this.source.on("data", (chunk: Buffer) => {
        add(chunk)
        if (size > limit) {
          this.response.destroy()
          finish()
        }
      })
      this.source.once("end", finish)
      this.source.once("error", finish)
      this.response.once("close", finish)
      this.source.resume()
    })
  }
}

/** An answer's head and its unread body. */
export interface Opened {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Body
}

const open = (url: string, outgoing: Outgoing, abort: Abort): Promise<Opened> =>
  send(url, outgoing, abort).then((response) => {
    const status = response.statusCode ?? 0
    let source: Readable
    try {
      source = decodedBody(response)
    } catch (error) {
      response.destroy()
      throw error
    }
    return { status, headers: nodeHeaders(response.headers), body: new Body(response, source) }
  })

/**
 * Sends the request and waits for a 2xx head, in the caller's scope: closing the scope (the
 * stream ending, failing or being interrupted) ends the connection. A non-2xx is the SDK's
 * error for its status, with up to `Errors.MAX_ERROR_BODY_BYTES` of its body.
 */
export const openEffect = (
  info: Errors.RequestInfo,
  outgoing: Outgoing
): Effect.Effect<Opened, FlowLikeError.FlowLikeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<Opened, FlowLikeError.FlowLikeError>((resume) => {
      const abort = new Abort()
      open(info.url, outgoing, abort).then(
        (opened) => resume(Effect.succeed(opened)),
        (cause) =>
          resume(Effect.fail(
            cause instanceof EncodingError ? Errors.decodeFailed(info, undefined, "", cause.message) : Errors.fromTransportCause(info, cause)
          ))
      )
      return Effect.sync(() => abort.abort())
    }),
    (opened) => Effect.sync(() => opened.body.response.destroy()),
    // Waiting for the head can be interrupted (a timeout, the caller): that aborts the request.
    { interruptible: true }
  ).pipe(
    Effect.flatMap((opened) =>
      opened.status >= 200 && opened.status < 300 ? Effect.succeed(opened) : Effect.flatMap(
        Effect.promise(() => opened.body.text(Errors.MAX_ERROR_BODY_BYTES)),
        (body) =>
          Effect.flatMap(
            Effect.clockWith((clock) => clock.currentTimeMillis),
            (now) => Effect.fail(Errors.fromStatus(info, opened.status, opened.headers, body, now))
          )
      )
    )
  )

/** The body's bytes as a stream; a broken connection is the SDK's `NetworkError`. */
export const bodyStream = (info: Errors.RequestInfo, opened: Opened): Stream.Stream<Uint8Array, FlowLikeError.FlowLikeError> =>
  Stream.fromPull(Effect.succeed(opened.body.pull((cause) =>
    cause instanceof EncodingError ? Errors.decodeFailed(info, opened.status, "", cause.message) : Errors.streamBroken(info, cause)
  )))

/** Up to `limit` bytes of the body as text. */
export const bodyText = (opened: Opened, limit: number): Effect.Effect<string> => Effect.promise(() => opened.body.text(limit))
