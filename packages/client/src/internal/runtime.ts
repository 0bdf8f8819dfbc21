import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import type * as Context from "effect/Context"
import * as CallOptions from "@flow-like/effect/CallOptions"
import type * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import * as PromiseBridge from "@flow-like/effect/PromiseBridge"

/** Options every call of the Promise client takes. */
export type CallOptionsInput = PromiseBridge.Options

const CLOSED = "the FlowLikeClient was closed"

/**
 * A stream that is both an `AsyncIterable` and awaitable: `await` settles once the response head
 * arrived (an HTTP error rejects there) and gives back the same events to iterate; iterating
 * without awaiting works too. Leaving a loop early closes the connection.
 */
export interface AwaitableIterable<A> extends AsyncIterable<A>, PromiseLike<AsyncIterable<A>> {}

/**
 * Runs effects and streams of one client: Promises rejected with the original `FlowLikeError`
 * (never a wrapper), per-call options, `AbortSignal`s that interrupt the work and close its
 * connection, awaitable `AsyncIterable`s, and a `close()` that ends everything still running.
 */
export class ClientRuntime<R> {
  readonly #runtime: ManagedRuntime.ManagedRuntime<R, never>
  readonly #closing = new AbortController()

  constructor(runtime: ManagedRuntime.ManagedRuntime<R, never>) {
    this.#runtime = runtime
  }

  /** The client's own signal, combined with the call's. */
  #signal(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.#closing.signal : AbortSignal.any([this.#closing.signal, signal])
  }

  async run<A>(effect: Effect.Effect<A, FlowLikeError.FlowLikeError, R>, options?: CallOptionsInput): Promise<A> {
    const signal = this.#signal(options?.signal)
    if (signal.aborted) throw PromiseBridge.abortedError(signal)
    const exit = await this.#runtime.runPromiseExit(CallOptions.with(PromiseBridge.callOptions(options))(effect), { signal })
    if (Exit.isSuccess(exit)) return exit.value
    if (signal.aborted && Cause.hasInterruptsOnly(exit.cause)) throw PromiseBridge.abortedError(signal)
    throw Cause.squash(exit.cause)
  }

  iterate<A>(stream: Stream.Stream<A, FlowLikeError.FlowLikeError, R>, options?: CallOptionsInput): AwaitableIterable<A> {
    const runtime = this.#runtime
    const signal = this.#signal(options?.signal)
    let onHead: () => void = () => {}
    const headArrived = new Promise<void>((resolve) => (onHead = resolve))
    const configured = Stream.updateService(
      Stream.interruptWhen(stream, PromiseBridge.whenAborted(signal)),
      CallOptions.CallOptions,
      () => ({ ...PromiseBridge.callOptions(options), onResponse: () => onHead() })
    )
    let inner: AsyncIterator<A> | undefined
    let prefetched: Promise<IteratorResult<A>> | undefined
    let finished = false
    const start = async (): Promise<AsyncIterator<A>> => {
      if (inner === undefined) {
        if (signal.aborted) throw PromiseBridge.abortedError(signal)
        const context: Context.Context<R> = await runtime.context()
        inner = Stream.toAsyncIterableWith(configured, context)[Symbol.asyncIterator]()
      }
      return inner
    }
    // Once started, elements come straight from the stream's own iterator (no extra promise hop per
    // element); after its end or `return()` it keeps answering `done`.
    const next = (): Promise<IteratorResult<A>> => {
      if (finished) return Promise.resolve({ done: true, value: undefined })
      if (prefetched !== undefined) {
        const result = prefetched
        prefetched = undefined
        return result
      }
      if (inner !== undefined) return inner.next()
      return start().then((iterator) => iterator.next())
    }
    const iterator: AsyncIterator<A> = {
      next,
      async return() {
        finished = true
        prefetched?.catch(() => undefined)
        prefetched = undefined
        if (inner !== undefined) await inner.return?.()
        return { done: true, value: undefined }
      }
    }
    const iterable: AsyncIterable<A> = { [Symbol.asyncIterator]: () => iterator }
    return {
      [Symbol.asyncIterator]: () => iterator,
      then(onFulfilled, onRejected) {
        if (prefetched === undefined && inner === undefined && !finished) {
          prefetched = start().then((it) => it.next())
        }
        const pending = prefetched ?? Promise.resolve()
        return Promise.race([headArrived, pending]).then(() => iterable).then(onFulfilled, onRejected)
      }
    }
  }

  /** Ends every running stream and pending call with `AbortedError`, then releases the runtime. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return
    this.#closing.abort(CLOSED)
    await this.#runtime.dispose()
  }
}
