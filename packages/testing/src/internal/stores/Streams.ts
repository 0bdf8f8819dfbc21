import { Deferred, Effect, Queue } from "effect"
import type { StreamClosed } from "../Model.ts"

/** The SSE responses in flight and the record of those that closed. */
export interface Streams {
  /** Registers an open response: `end` ends its body, `closed` completes once it has closed. */
  readonly register: (end: Effect.Effect<void>, closed: Deferred.Deferred<void>) => () => void
  /** Ends every open body and waits (at most 1 s) until they have closed. */
  readonly endAll: Effect.Effect<void>
  readonly recordClosed: (closed: StreamClosed) => void
  /** The oldest closure not yet taken, waiting for one if needed. */
  readonly nextClosed: Effect.Effect<StreamClosed>
}

/** No stream yet. */
export const makeStreams = Effect.gen(function*() {
  const open = new Set<{ readonly end: Effect.Effect<void>; readonly closed: Deferred.Deferred<void> }>()
  const closures = yield* Queue.unbounded<StreamClosed>()
  const streams: Streams = {
    register: (end, closed) => {
      const entry = { end, closed }
      open.add(entry)
      return () => open.delete(entry)
    },
    endAll: Effect.suspend(() => {
      const entries = [...open]
      return Effect.forEach(entries, (entry) => entry.end, { discard: true }).pipe(
        Effect.andThen(Effect.forEach(entries, (entry) => Deferred.await(entry.closed), { discard: true })),
        Effect.timeoutOption(1_000),
        Effect.asVoid
      )
    }),
    recordClosed: (closed) => {
      Queue.offerUnsafe(closures, closed)
    },
    nextClosed: Queue.take(closures)
  }
  return streams
})
