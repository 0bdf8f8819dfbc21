/**
 * SSE answers framed like axum 0.8 behind the real API's proxy: `event: <name>` and one `data:`
 * line per event, LF only, never `id:` or `retry:`, and a `: keep-alive` comment after
 * `keepAliveMillis` without a frame. Each frame is a declared `RunFrame` whose data is a declared
 * `InterComEvent`, encoded to the wire (or, for the proxy's own failure, the raw text it carries).
 */
import { NodeHttpServerRequest } from "@effect/platform-node"
import { InterComEvent, RunFrame } from "@flow-like/effect/api/WorkflowsApi"
import { Clock, Deferred, Effect, Exit, FiberSet, Queue, Schema, Stream } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { RawReply } from "./ApiRouter.ts"
import { cuid } from "./Ids.ts"
import { StreamDropAfter } from "./stores/Faults.ts"
import type { Streams } from "./stores/Streams.ts"

interface Frame {
  readonly kind: "event" | "comment"
  readonly text: string
  /** The event's name (`event:`), for an event frame. */
  readonly name?: string
}

const encodeFrame = Schema.encodeSync(RunFrame)
const encodeInterComEvent = Schema.encodeSync(Schema.toCodecJson(InterComEvent))

const eventFrame = (frame: typeof RunFrame.Type): Frame => {
  const { data, event } = encodeFrame(frame)
  return { kind: "event", name: event, text: `event: ${event}\n${data.split("\n").map((line) => `data: ${line}\n`).join("")}\n` }
}

const keepAliveFrame: Frame = { kind: "comment", text: ": keep-alive\n\n" }

/** An `InterComEvent` frame, named after its type, stamped now. */
const interComFrame = (eventType: string, payload: unknown): Effect.Effect<Frame> =>
  Effect.map(Clock.currentTimeMillis, (millis) =>
    eventFrame({
      event: eventType,
      data: JSON.stringify(encodeInterComEvent({ eventId: cuid(), eventType, payload, timestamp: new Date(millis) }))
    }))

/** What a run's script writes to its SSE answer. */
export interface SseSession {
  /** An `InterComEvent` frame named after its type. */
  readonly emit: (eventType: string, payload: unknown) => Effect.Effect<void>
  /** A frame with raw data: the proxy's own `error` frame (`{"error": ...}`, possibly not even JSON). */
  readonly emitRaw: (name: string, data: string) => Effect.Effect<void>
}

/** What an SSE answer needs: the request, the run it streams, and the script that writes it. */
export interface SseOptions {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: string
  readonly runId: string | undefined
  readonly keepAliveMillis: number
  readonly streams: Streams
  /**
   * Produces the frames; the body ends when it returns. It is interrupted if the body stops,
   * unless `detached` holds it: then it runs on (its frames going nowhere) until it returns or the
   * server closes, as the executor runs a streamed run to its end after its client left.
   */
  readonly program: (session: SseSession) => Effect.Effect<void>
  readonly detached?: FiberSet.FiberSet<void> | undefined
  /** Called as each event frame is taken for the body, before it is written (the API proxy's view of the stream). */
  readonly onEvent?: ((name: string) => Effect.Effect<void>) | undefined
}

/**
 * Flushes what was written, then closes the connection without the chunked terminator, so the
 * client sees the body break off.
 */
export const breakConnection = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.sync(() => {
    const response = NodeHttpServerRequest.toServerResponse(request)
    if ("flushHeaders" in response) response.flushHeaders()
    NodeHttpServerRequest.toIncomingMessage(request).socket.destroySoon()
  }).pipe(Effect.andThen(Effect.never))

/** What every streamed answer keeps: frames sent, who ended it, and how to end it from the server. */
export interface TrackedStream {
  eventsSent: number
  endedByServer: boolean
  completed: boolean
  /** Ends the body; set once the body's queue exists. */
  end: () => void
}

/**
 * Registers a streamed answer with the server (so `close()` can end it) and reports its closure to
 * `server.nextStreamClosed()` when the connection closes.
 */
export const trackStream = (options: {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: string
  readonly runId: string | undefined
  readonly streams: Streams
}): TrackedStream => {
  const state: TrackedStream = { eventsSent: 0, endedByServer: false, completed: false, end: () => {} }
  const closed = Deferred.makeUnsafe<void>()
  const unregister = options.streams.register(
    Effect.sync(() => {
      state.endedByServer = true
      state.end()
    }),
    closed
  )
  NodeHttpServerRequest.toServerResponse(options.request).once("close", () => {
    unregister()
    options.streams.recordClosed({
      path: options.path,
      runId: options.runId,
      byClient: !state.completed && !state.endedByServer,
      eventsSent: state.eventsSent
    })
    Deferred.doneUnsafe(closed, Exit.void)
  })
  return state
}

const sseResponse = (options: SseOptions, dropAfterEvents: number | undefined): HttpServerResponse.HttpServerResponse => {
  const state = trackStream(options)
  let lastFrameAt = 0
  const encoder = new TextEncoder()

  const frames = Stream.callback<Frame>((queue) =>
    Effect.gen(function*() {
      const offer = (frame: Frame) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          lastFrameAt = now
          Queue.offerUnsafe(queue, frame)
        })
      const session: SseSession = {
        emit: (eventType, payload) => Effect.flatMap(interComFrame(eventType, payload), offer),
        emitRaw: (name, data) => offer(eventFrame({ event: name, data }))
      }
      const keepAlive = Effect.gen(function*() {
        while (true) {
          const idle = (yield* Clock.currentTimeMillis) - lastFrameAt
          if (idle >= options.keepAliveMillis) {
            yield* offer(keepAliveFrame)
          } else {
            yield* Effect.sleep(options.keepAliveMillis - idle)
          }
        }
      })
      state.end = () => {
        Queue.endUnsafe(queue)
      }
      if (state.endedByServer) state.end()
      lastFrameAt = yield* Clock.currentTimeMillis
      const program = options.program(session).pipe(Effect.ensuring(Queue.end(queue)))
      if (options.detached === undefined) yield* Effect.forkScoped(program)
      else yield* FiberSet.run(options.detached, program)
      yield* Effect.forkScoped(keepAlive)
    })
  ).pipe(
    Stream.tap((frame) =>
      Effect.suspend(() => {
        if (frame.kind !== "event") return Effect.void
        state.eventsSent += 1
        return options.onEvent === undefined || frame.name === undefined ? Effect.void : options.onEvent(frame.name)
      })
    )
  )

  const breakOff = Effect.sync(() => {
    state.endedByServer = true
  }).pipe(Effect.andThen(breakConnection(options.request)))
  const delivered = dropAfterEvents === undefined
    ? frames
    : dropAfterEvents <= 0
    ? Stream.fromEffectDrain(breakOff)
    : frames.pipe(
      Stream.takeUntil(() => state.eventsSent >= dropAfterEvents),
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

/** The SSE answer of a streaming route; a `dropMidStream` fault on the request breaks it off. */
export const sseReply = (options: SseOptions): Effect.Effect<RawReply<"sse">> =>
  Effect.gen(function*() {
    return new RawReply("sse", sseResponse(options, yield* StreamDropAfter))
  })
