/**
 * The chat route's streamed answer, framed as OpenAI-compatible providers send it and the server
 * passes it through: `data: <chunk JSON>\n\n` per chunk, then `data: [DONE]\n\n`; no event names,
 * no keep-alive. Closures are reported to `server.nextStreamClosed()` like the run streams.
 */
import { Effect, Exit, Queue, Stream } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { RawReply } from "./ApiRouter.ts"
import { breakConnection, trackStream } from "./Sse.ts"
import { StreamDropAfter } from "./stores/Faults.ts"
import type { Streams } from "./stores/Streams.ts"

/** What a chat stream sends. */
export interface ChatSseOptions {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: string
  readonly streams: Streams
  /** The data texts, in order. */
  readonly frames: ReadonlyArray<string>
  /** Sends the frames, then stays open without `[DONE]` until the client leaves or the server closes. */
  readonly hang: boolean
  /** Anthropic's framing: each frame `event: <name>` (its data's `type`) and no `[DONE]`. */
  readonly named?: ReadonlyArray<string> | undefined
}

/** The SSE answer of a streamed chat request; a `dropMidStream` fault on the request breaks it off. */
export const chatSseReply = (options: ChatSseOptions): Effect.Effect<RawReply<"sse">> =>
  Effect.map(StreamDropAfter, (dropAfter) => chatSse(options, dropAfter))

const chatSse = (options: ChatSseOptions, dropAfter: number | undefined): RawReply<"sse"> => {
  const state = trackStream({ ...options, runId: undefined })
  const encoder = new TextEncoder()
  const named = options.named
  const frames = named === undefined
    ? [...options.frames, ...(options.hang ? [] : ["[DONE]"])].map((data) => `data: ${data}\n\n`)
    : options.frames.map((data, index) => `event: ${named[index] ?? "message"}\ndata: ${data}\n\n`)
  const body = Stream.callback<string>((queue) =>
    Effect.sync(() => {
      state.end = () => {
        Queue.endUnsafe(queue)
      }
      for (const frame of frames) Queue.offerUnsafe(queue, frame)
      if (!options.hang || state.endedByServer) state.end()
    })
  ).pipe(
    (frames) =>
      dropAfter === undefined ? frames : Stream.concat(
        Stream.take(frames, dropAfter),
        Stream.fromEffectDrain(Effect.sync(() => {
          state.endedByServer = true
        }).pipe(Effect.andThen(breakConnection(options.request))))
      ),
    Stream.map((text) => {
      state.eventsSent += 1
      return encoder.encode(text)
    }),
    Stream.onExit((exit) =>
      Effect.sync(() => {
        state.completed = Exit.isSuccess(exit)
      })
    )
  )
  return new RawReply(
    "sse",
    HttpServerResponse.stream(body, { contentType: "text/event-stream", headers: { "cache-control": "no-cache" } })
  )
}
