/**
 * How the LangChain classes run the SDK: one `ManagedRuntime` providing `Models` (their own, built
 * from the client's options and environment, or a `FlowLikeClient`'s shared one), each call with
 * the caller's `AbortSignal` interrupting the work and closing its connection, and failures
 * rethrown as the original `FlowLikeError`.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import * as CallOptions from "@flow-like/effect/CallOptions"
import * as Config from "@flow-like/effect/Config"
import * as FlowLike from "@flow-like/effect/FlowLike"
import * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import * as PromiseBridge from "@flow-like/effect/PromiseBridge"
import type * as Models from "@flow-like/effect/Models"

/** A runtime that provides the SDK's `Models` service (`FlowLike.layer(...)` gives one). */
export type ModelsRuntime = ManagedRuntime.ManagedRuntime<Models.Models, never>

/** Per-call options passed down to the SDK. */
export type RunOptions = PromiseBridge.Options

/** The connection options of both classes: the client's, or a runtime to share. */
export interface ConnectionFields extends Config.Options {
  /** An Effect runtime providing `Models` to run on instead of building one from the options. */
  readonly runtime?: ModelsRuntime | undefined
  /**
   * Ends every call of the model with `AbortedError` when it fires (the client's factories pass one
   * that `client.close()` fires).
   */
  readonly closeSignal?: AbortSignal | undefined
}

/** The call's signal and the model's `closeSignal`, as one. */
export const combineSignals = (call: AbortSignal | undefined, close: AbortSignal | undefined): AbortSignal | undefined =>
  call === undefined ? close : close === undefined ? call : AbortSignal.any([call, close])

/**
 * The runtime of a model: the one given, or one built from validated options (environment as
 * fallback). Invalid options throw a `FlowLikeError` (`ConfigurationError`) at once.
 */
export const runtimeOf = (fields: ConnectionFields): { readonly runtime: ModelsRuntime; readonly config: Config.ResolvedConfig | undefined } => {
  if (fields.runtime !== undefined) return { runtime: fields.runtime, config: undefined }
  const exit = Effect.runSyncExit(Config.make(fields))
  if (Exit.isFailure(exit)) {
    const error = Cause.squash(exit.cause)
    throw FlowLikeError.isFlowLikeError(error) ? error : FlowLikeError.configuration(`Invalid configuration: ${String(error)}`)
  }
  return { runtime: ManagedRuntime.make(FlowLike.layerResolved(exit.value)), config: exit.value }
}

/** Whether the signal has fired (a function, so that TypeScript does not narrow it between awaits). */
export const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true

/** A disposed runtime (a closed `FlowLikeClient`'s) as `AbortedError`. */
const closedError = (cause: unknown): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(new FlowLikeError.AbortedError({ message: "The operation was aborted: the runtime (or the FlowLikeClient it came from) was closed", cause }))

/** Effect's `ManagedRuntime` dies with this text once disposed (`ManagedRuntime.ts`, `dispose`). */
const DISPOSED = "ManagedRuntime disposed"

/** The failure to throw: a disposed runtime (a closed `FlowLikeClient`'s) as `AbortedError`, else the error itself. */
const failureOf = (cause: Cause.Cause<FlowLikeError.FlowLikeError>): unknown => {
  const error = Cause.squash(cause)
  return error === DISPOSED ? closedError(error) : error
}

/** Runs an effect; rejects with its `FlowLikeError`, or `AbortedError` when the signal fired. */
export const run = async <A>(
  runtime: ModelsRuntime,
  effect: Effect.Effect<A, FlowLikeError.FlowLikeError, Models.Models>,
  options: RunOptions = {}
): Promise<A> => {
  const signal = options.signal
  if (isAborted(signal)) throw PromiseBridge.abortedError(signal)
  const exit = await runtime.runPromiseExit(CallOptions.with(PromiseBridge.callOptions(options))(effect), signal === undefined ? undefined : { signal })
  if (Exit.isSuccess(exit)) return exit.value
  if (Cause.hasInterruptsOnly(exit.cause)) throw PromiseBridge.abortedError(signal)
  throw failureOf(exit.cause)
}

/**
 * A stream as an async iterable: the signal ends it with `AbortedError` and closes the connection;
 * leaving the loop early closes it too.
 */
export async function* iterate<A>(
  runtime: ModelsRuntime,
  stream: Stream.Stream<A, FlowLikeError.FlowLikeError, Models.Models>,
  options: RunOptions = {}
): AsyncGenerator<A> {
  const signal = options.signal
  if (isAborted(signal)) throw PromiseBridge.abortedError(signal)
  const configured = Stream.updateService(
    signal === undefined ? stream : Stream.interruptWhen(stream, PromiseBridge.whenAborted(signal)),
    CallOptions.CallOptions,
    () => PromiseBridge.callOptions(options)
  )
  const context = await runtime.context().catch((error: unknown) => {
    throw error === DISPOSED ? closedError(error) : error
  })
  try {
    yield* Stream.toAsyncIterableWith(configured, context)
  } catch (error) {
    if (isAborted(signal) && !(FlowLikeError.isFlowLikeError(error) && error.reason._tag === "AbortedError")) {
      throw PromiseBridge.abortedError(signal)
    }
    throw error
  }
}
