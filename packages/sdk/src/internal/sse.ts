import { createParser } from "eventsource-parser"
import * as Stream from "effect/Stream"

import type { SseEvent } from "../FlowLikeHttp.ts"

/** The most text one event may hold (its data lines and the lines around them). */
export const MAX_EVENT_CHARS = 10 * 1024 * 1024

const STOP = Symbol("stop")

/**
 * The SSE events of a byte stream, decoded by `eventsource-parser` (spec-compliant: LF, CR, CRLF, a
 * BOM, comments, multi-line data, UTF-8 split across chunks), a chunk at a time. The stream fails
 * with `fail(detail)` on a `retry:` field (Flow-Like streams cannot be resumed), on an event larger
 * than `MAX_EVENT_CHARS`, or on a parse error; the events before are delivered first.
 */
export const decodeSse = <E>(bytes: Stream.Stream<Uint8Array, E>, fail: (detail: string) => E): Stream.Stream<SseEvent, E> =>
  Stream.suspend(() => {
    const decoder = new TextDecoder()
    let batch: Array<SseEvent | typeof STOP> = []
    let failure: E | undefined
    let pending = 0
    const stop = (detail: string) => {
      if (failure !== undefined) return
      failure = fail(detail)
      batch.push(STOP)
    }
    const parser = createParser({
      onEvent: (message) => {
        if (failure !== undefined) return
        pending = 0
        batch.push({ _tag: "Event", event: message.event ?? "message", id: message.id, data: message.data })
      },
      onRetry: () => stop("the server asked the client to reconnect, which Flow-Like streams do not support"),
      onError: (error) => stop(`the event stream is malformed: ${error.message}`)
    })
    const feed = (chunks: ReadonlyArray<Uint8Array>): Array<SseEvent | typeof STOP> => {
      for (const chunk of chunks) {
        if (failure !== undefined) break
        const text = decoder.decode(chunk, { stream: true })
        pending += text.length
        if (pending > MAX_EVENT_CHARS) {
          stop(`an event exceeded ${MAX_EVENT_CHARS} characters`)
          break
        }
        parser.feed(text)
      }
      const out = batch
      batch = []
      return out
    }
    return bytes.pipe(
      Stream.mapAccumArray(() => undefined, (state: undefined, chunks) => [state, feed(chunks)] as const),
      Stream.takeUntil((item) => item === STOP),
      Stream.filter((item): item is SseEvent => item !== STOP),
      Stream.concat(Stream.suspend(() => (failure === undefined ? Stream.empty : Stream.fail(failure))))
    )
  })
