/**
 * What Promise adapters over the SDK's services share (`@flow-like/client`, `@flow-like/langchain`,
 * or your own): per-call options in milliseconds turned into `CallOptions`, and an `AbortSignal`
 * turned into the SDK's `AbortedError`, at once or when it fires.
 *
 * @since 0.3.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as CallOptions from "./CallOptions.ts"
import * as FlowLikeError from "./FlowLikeError.ts"

/** Options a Promise-style call takes. */
export interface Options {
  /** Aborts the call (and closes its connection); the call then rejects with an `AbortedError`. */
  readonly signal?: AbortSignal | undefined
  /** The client's timeout for each request of this call, in milliseconds (long polls add the server's wait). */
  readonly timeout?: number | undefined
  /** Automatic retries of idempotent requests for this call. */
  readonly maxRetries?: number | undefined
  /** Extra headers for this call. */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** The `CallOptions` of a Promise-style call (its timeout given in milliseconds). */
export const callOptions = (options: Options | undefined): CallOptions.Options => ({
  timeout: options?.timeout === undefined ? undefined : Duration.millis(options.timeout),
  maxRetries: options?.maxRetries,
  headers: options?.headers
})

/** A fired signal as `AbortedError`; its reason (a text, or an error other than the plain `AbortError`) is named. */
export const abortedError = (signal: AbortSignal | undefined): FlowLikeError.FlowLikeError => {
  const reason: unknown = signal?.reason
  const detail = typeof reason === "string"
    ? reason
    : reason instanceof Error && reason.name !== "AbortError"
    ? reason.message
    : undefined
  return FlowLikeError.make(
    new FlowLikeError.AbortedError({
      message: detail === undefined ? "The operation was aborted" : `The operation was aborted: ${detail}`,
      cause: reason
    })
  )
}

/** Fails with `AbortedError` when the signal fires (at once if it already has): for `Stream.interruptWhen`. */
export const whenAborted = (signal: AbortSignal): Effect.Effect<never, FlowLikeError.FlowLikeError> =>
  Effect.callback<never, FlowLikeError.FlowLikeError>((resume) => {
    if (signal.aborted) {
      resume(Effect.fail(abortedError(signal)))
      return
    }
    const onAbort = () => resume(Effect.fail(abortedError(signal)))
    signal.addEventListener("abort", onAbort, { once: true })
    return Effect.sync(() => signal.removeEventListener("abort", onAbort))
  })
