/**
 * Retries of one call: backoff with jitter, the server's `Retry-After`, and limits on the longest
 * wait and the total time. Public through `FlowLikeHttp.withRetries`.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as FlowLikeError from "../FlowLikeError.ts"
import * as Errors from "./errors.ts"

/** How one call retries: how often, the longest single wait, and the most time in all. */
export interface RetryPolicy {
  readonly maxRetries: number
  readonly maxDelay: Duration.Duration
  readonly maxTime: Duration.Duration
}

/** The wait before retry `n` (from 1): 0.5 s doubling to 8 s, jittered by ×0.8–1.2. */
const backoffMillis = (n: number, random: number): number => Math.min(500 * 2 ** (n - 1), 8000) * (0.8 + 0.4 * random)

/** The server's `Retry-After` on an error, if it sent one. */
const retryAfterOf = (error: FlowLikeError.FlowLikeError): Duration.Duration | undefined =>
  "retryAfter" in error.reason ? error.reason.retryAfter : undefined

/**
 * Waits before retry `n` (from 1) after `error`: the backoff, or the server's `Retry-After` when it
 * asks for longer, at most `maxDelay`. Fails with `error` at once when the server asks for more than
 * `maxDelay` (a retry then would come too soon).
 */
export const waitBeforeRetry = (
  error: FlowLikeError.FlowLikeError,
  n: number,
  maxDelay: Duration.Duration
): Effect.Effect<void, FlowLikeError.FlowLikeError> =>
  Effect.flatMap(Random.next, (random) => {
    const hinted = retryAfterOf(error)
    const hintedMillis = hinted === undefined ? 0 : Duration.toMillis(hinted)
    const maxMillis = Duration.toMillis(maxDelay)
    if (hintedMillis > maxMillis) return Effect.fail(error)
    return Effect.sleep(Duration.millis(Math.min(Math.max(backoffMillis(n, random), hintedMillis), maxMillis)))
  })

/**
 * Runs `attempt` again while it fails with a retryable error: with backoff, never sooner than the
 * server's `Retry-After`, never waiting longer than `maxDelay` at once (a server asking for more gets
 * no retry) nor retrying beyond `maxTime` in all. A server that cannot be reached at all on the first
 * attempt (connection refused, unknown host) fails at once: that is a wrong base URL, not a blip.
 * The error given up on carries how many attempts were made over how long; each retry is logged
 * at debug level.
 */
export const withRetries = <A, R = never>(
  attempt: Effect.Effect<A, FlowLikeError.FlowLikeError, R>,
  policy: RetryPolicy,
  options: { readonly hasReachedServer?: () => boolean } = {}
): Effect.Effect<A, FlowLikeError.FlowLikeError, R> => {
  if (policy.maxRetries === 0) return attempt
  return Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (startedAt) => {
    let attempts = 0
    const maxDelay = Duration.toMillis(policy.maxDelay)
    const maxTime = Duration.toMillis(policy.maxTime)
    const loop: Effect.Effect<A, FlowLikeError.FlowLikeError, R> = Effect.catch(
      Effect.suspend(() => {
        attempts++
        return attempt
      }),
      (error) =>
        Effect.gen(function*() {
          const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
          const giveUp = attempts === 1 ? error : FlowLikeError.withAttempts(error, attempts, now - startedAt)
          if (!error.isRetryable || attempts > policy.maxRetries) return yield* giveUp
          if (attempts === 1 && Errors.isUnreachable(error) && options.hasReachedServer?.() !== true) return yield* giveUp
          const hinted = retryAfterOf(error)
          const hintedMillis = hinted === undefined ? 0 : Duration.toMillis(hinted)
          if (hintedMillis > maxDelay) return yield* giveUp
          const delay = Math.min(Math.max(backoffMillis(attempts, yield* Random.next), hintedMillis), maxDelay)
          if (now - startedAt + delay > maxTime) return yield* giveUp
          yield* Effect.logDebug(`flow-like retry ${attempts} in ${Duration.format(Duration.millis(Math.round(delay)))}: ${error.message}`)
          yield* Effect.sleep(Duration.millis(delay))
          return yield* loop
        })
    )
    return loop
  })
}
