import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"

/** A span around an SDK operation, only when a tracer is installed: without one it costs nothing. */
export const withSpan = (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer ? effect : Effect.withSpan(effect, name))

/** A span around a streamed SDK operation, only when a tracer is installed. */
export const withStreamSpan = (name: string) => <A, E, R>(stream: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
  Stream.unwrap(Effect.withFiber((fiber) =>
    Effect.succeed(fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer ? stream : Stream.withSpan(stream, name))
  ))

/** Whether the fiber would write debug log lines, so that their annotations are only built then. */
export const isDebugEnabledIn = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  LogLevel.isLessThanOrEqualTo(fiber.getRef(References.MinimumLogLevel), "Debug")
