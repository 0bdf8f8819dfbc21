import { Cause, Effect, Exit, ManagedRuntime, Stream } from "effect"
import type { Context } from "effect"
import { FlowLikeError } from "@flow-like/effect"

/** An `AbortSignal` as an `AbortedError`. */
export const abortedError = (signal: AbortSignal): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.AbortedError({
      message: signal.reason instanceof Error && signal.reason.name !== "AbortError"
        ? `The operation was aborted: ${signal.reason.message}`
        : "The operation was aborted",
      cause: signal.reason
    })
  )

/** Completes with `AbortedError` when the signal fires. */
const whenAborted = (signal: AbortSignal): Effect.Effect<never, FlowLikeError.FlowLikeError> =>
  Effect.callback<never, FlowLikeError.FlowLikeError>((resume) => {
    if (signal.aborted) {
      resume(Effect.fail(abortedError(signal)))
      return
    }
    const onAbort = () => resume(Effect.fail(abortedError(signal)))
    signal.addEventListener("abort", onAbort, { once: true })
    return Effect.sync(() => signal.removeEventListener("abort", onAbort))
  })

/**
 * Runs effects and streams of one client: Promises rejected with the original `FlowLikeError`
 * (never a wrapper), `AbortSignal`s that interrupt the work and close its connection, and
 * `AsyncIterable`s that abort their request when a loop is left early.
 */
export class ClientRuntime<R> {
  readonly #runtime: ManagedRuntime.ManagedRuntime<R, never>
  #closed = false

  constructor(runtime: ManagedRuntime.ManagedRuntime<R, never>) {
    this.#runtime = runtime
  }

  #checkOpen(): void {
    if (this.#closed) throw FlowLikeError.configuration("This FlowLikeClient was closed; create a new one")
  }

  async run<A>(effect: Effect.Effect<A, FlowLikeError.FlowLikeError, R>, signal?: AbortSignal): Promise<A> {
    this.#checkOpen()
    if (signal?.aborted) throw abortedError(signal)
    const exit = await this.#runtime.runPromiseExit(effect, signal === undefined ? undefined : { signal })
    if (Exit.isSuccess(exit)) return exit.value
    if (signal?.aborted && Cause.hasInterruptsOnly(exit.cause)) throw abortedError(signal)
    throw Cause.squash(exit.cause)
  }

  iterate<A>(stream: Stream.Stream<A, FlowLikeError.FlowLikeError, R>, signal?: AbortSignal): AsyncIterable<A> {
    const runtime = this.#runtime
    const checkOpen = () => this.#checkOpen()
    const guarded = signal === undefined ? stream : Stream.interruptWhen(stream, whenAborted(signal))
    return {
      [Symbol.asyncIterator]() {
        let inner: AsyncIterator<A> | undefined
        let finished = false
        const start = async (): Promise<AsyncIterator<A>> => {
          if (inner === undefined) {
            checkOpen()
            if (signal?.aborted) throw abortedError(signal)
            const context: Context.Context<R> = await runtime.context()
            inner = Stream.toAsyncIterableWith(guarded, context)[Symbol.asyncIterator]()
          }
          return inner
        }
        return {
          async next() {
            if (finished) return { done: true, value: undefined }
            const iterator = await start()
            const result = await iterator.next()
            if (result.done === true) finished = true
            return result
          },
          async return() {
            finished = true
            if (inner !== undefined) await inner.return?.()
            return { done: true, value: undefined }
          }
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#runtime.dispose()
  }
}
