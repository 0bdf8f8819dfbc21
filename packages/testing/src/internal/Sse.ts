import { NodeHttpServerRequest } from "@effect/platform-node"
import { Clock, Deferred, Effect, Exit, Queue, Stream } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { cuid } from "./Ids.ts"
import type { StreamClosed } from "./Model.ts"

/**
 * SSE responses framed like axum 0.8 behind the real API's proxy: `event: <name>` and one `data:`
 * line per event, LF only, never `id:` or `retry:`, and a `: keep-alive` comment after
 * `keepAliveMillis` without a frame.
 */

interface Frame {
  readonly kind: "event" | "comment"
  readonly text: string
}

const eventFrame = (name: string, data: string): Frame => ({
  kind: "event",
  text: `event: ${name}\n${data.split("\n").map((line) => `data: ${line}\n`).join("")}\n`
})

const keepAliveFrame: Frame = { kind: "comment", text: ": keep-alive\n\n" }

/** `InterComEvent` (`packages/types/src/intercom.rs`), compact JSON. */
const interComEvent = (eventType: string, payload: unknown): Effect.Effect<string> =>
  Effect.map(Clock.currentTimeNanos, (nanos) =>
    JSON.stringify({
      event_id: cuid(),
      event_type: eventType,
      payload,
      timestamp: {
        secs_since_epoch: Number(nanos / 1_000_000_000n),
        nanos_since_epoch: Number(nanos % 1_000_000_000n)
      }
    }))

export interface SseSession {
  /** An `InterComEvent` frame named after its type. */
  readonly emit: (eventType: string, payload: unknown) => Effect.Effect<void>
  /** A frame with raw data, e.g. the proxy's own `error` frame. */
  readonly emitRaw: (name: string, data: string) => Effect.Effect<void>
}

/** The SSE responses in flight, so that closing the server can end them cleanly. */
export interface ActiveStreams {
  readonly register: (end: Effect.Effect<void>, closed: Deferred.Deferred<void>) => () => void
  /** Ends every stream's body and waits (bounded) until they have closed. */
  readonly endAll: Effect.Effect<void>
}

export const makeActiveStreams = (): ActiveStreams => {
  const streams = new Set<{ readonly end: Effect.Effect<void>; readonly closed: Deferred.Deferred<void> }>()
  return {
    register: (end, closed) => {
      const entry = { end, closed }
      streams.add(entry)
      return () => streams.delete(entry)
    },
    endAll: Effect.suspend(() => {
      const entries = [...streams]
      return Effect.forEach(entries, (entry) => entry.end, { discard: true }).pipe(
        Effect.andThen(Effect.forEach(entries, (entry) => Deferred.await(entry.closed), { discard: true })),
        Effect.timeoutOption(1_000),
        Effect.asVoid
      )
    })
  }
}

export interface SseOptions {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: string
  readonly runId: string | undefined
  readonly keepAliveMillis: number
  /** `dropMidStream` fault: end the connection after this many event frames. */
  readonly dropAfterEvents: number | undefined
  readonly activeStreams: ActiveStreams
  /** Called once the response has closed, for whatever reason. */
  readonly onClosed: (closed: StreamClosed) => void
  /** Produces the frames; the body ends when it returns, and it is interrupted if the body stops. */
  readonly program: (session: SseSession) => Effect.Effect<void>
}

/**
 * Flushes what was written, then closes the connection without the chunked terminator, so the
 * client sees the body break off.
 */
const breakConnection = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.sync(() => {
    const response = NodeHttpServerRequest.toServerResponse(request)
    if ("flushHeaders" in response) response.flushHeaders()
    NodeHttpServerRequest.toIncomingMessage(request).socket.destroySoon()
  }).pipe(Effect.andThen(Effect.never))

export const sseResponse = (options: SseOptions): HttpServerResponse.HttpServerResponse => {
  const state = {
    lastFrameAt: 0,
    eventsSent: 0,
    endedByServer: false,
    completed: false,
    endQueue: (): void => {}
  }
  const closed = Deferred.makeUnsafe<void>()
  const encoder = new TextEncoder()

  const unregister = options.activeStreams.register(
    Effect.sync(() => {
      state.endedByServer = true
      state.endQueue()
    }),
    closed
  )
  NodeHttpServerRequest.toServerResponse(options.request).once("close", () => {
    unregister()
    options.onClosed({
      path: options.path,
      runId: options.runId,
      byClient: !state.completed && !state.endedByServer,
      eventsSent: state.eventsSent
    })
    Deferred.doneUnsafe(closed, Exit.void)
  })

  const frames = Stream.callback<Frame>((queue) =>
    Effect.gen(function*() {
      const offer = (frame: Frame) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          state.lastFrameAt = now
          Queue.offerUnsafe(queue, frame)
        })
      const session: SseSession = {
        emit: (eventType, payload) =>
          Effect.flatMap(interComEvent(eventType, payload), (data) => offer(eventFrame(eventType, data))),
        emitRaw: (name, data) => offer(eventFrame(name, data))
      }
      const keepAlive = Effect.gen(function*() {
        while (true) {
          const idle = (yield* Clock.currentTimeMillis) - state.lastFrameAt
          if (idle >= options.keepAliveMillis) {
            yield* offer(keepAliveFrame)
          } else {
            yield* Effect.sleep(options.keepAliveMillis - idle)
          }
        }
      })
      state.endQueue = () => {
        Queue.endUnsafe(queue)
      }
      if (state.endedByServer) state.endQueue()
      state.lastFrameAt = yield* Clock.currentTimeMillis
      yield* Effect.forkScoped(options.program(session).pipe(Effect.ensuring(Queue.end(queue))))
      yield* Effect.forkScoped(keepAlive)
    })
  ).pipe(
    Stream.tap((frame) =>
      Effect.sync(() => {
        if (frame.kind === "event") state.eventsSent += 1
      })
    )
  )

  const breakOff = Effect.sync(() => {
    state.endedByServer = true
  }).pipe(Effect.andThen(breakConnection(options.request)))
  const limit = options.dropAfterEvents
  const delivered = limit === undefined
    ? frames
    : limit <= 0
    ? Stream.fromEffectDrain(breakOff)
    : frames.pipe(
      Stream.takeUntil(() => state.eventsSent >= limit),
      Stream.concat(Stream.fromEffectDrain(breakOff))
    )

  const body = delivered.pipe(
    Stream.map((frame) => encoder.encode(frame.text)),
    Stream.onExit((exit) =>
      Effect.sync(() => {
        state.completed = Exit.isSuccess(exit)
      })
    )
  )

  return HttpServerResponse.stream(body, {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache" }
  })
}
