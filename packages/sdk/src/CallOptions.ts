/**
 * Per-call options: a timeout, a retry count and extra headers for the calls of one effect, carried
 * by a context reference so that no service signature has to thread them through.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CallOptions, Execution } from "@flow-like/effect"
 *
 * const status = Effect.flatMap(Execution.Execution, (execution) => execution.getRunStatus("run-id")).pipe(
 *   CallOptions.with({ timeout: "5 seconds", maxRetries: 0 })
 * )
 * ```
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** Options that apply to every request made by the effect they are attached to. */
export interface Options {
  /** The client's timeout for each request (long polls add the server's wait on top). */
  readonly timeout?: Duration.Input | undefined
  /** Automatic retries of idempotent requests, in place of the configured count. */
  readonly maxRetries?: number | undefined
  /** Extra headers, on top of the configured ones. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Called when a successful response's head arrived (before its body is read). */
  readonly onResponse?: ((response: { readonly status: number; readonly headers: Readonly<Record<string, string>> }) => void) | undefined
}

/** The per-call options in effect (none by default). */
export const CallOptions = Context.Reference<Options>("@flow-like/effect/CallOptions", { defaultValue: () => ({}) })

const merge = (outer: Options, inner: Options): Options => ({
  timeout: inner.timeout ?? outer.timeout,
  maxRetries: inner.maxRetries ?? outer.maxRetries,
  headers: outer.headers === undefined ? inner.headers : { ...outer.headers, ...inner.headers },
  onResponse: inner.onResponse ?? outer.onResponse
})

const isEmpty = (options: Options): boolean =>
  options.timeout === undefined && options.maxRetries === undefined && options.headers === undefined &&
  options.onResponse === undefined

/** Runs an effect with these per-call options (merged over any already in effect). */
export const with_ = (options: Options) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  isEmpty(options) ? effect : Effect.updateService(effect, CallOptions, (outer) => merge(outer, options))

export { with_ as with }
