import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { SseEvent } from "../FlowLikeHttp.ts"
import { InterComEvent, ProxyError } from "../api/WorkflowsApi.ts"
import * as FlowLikeError from "../FlowLikeError.ts"
import { describeRequest } from "../FlowLikeHttp.ts"
import type { FlowLikeHttp, Request } from "../FlowLikeHttp.ts"
import * as WorkflowEvent from "../WorkflowEvent.ts"
import { decodeFailed, prefix, streamFailed, truncate } from "./errors.ts"
import type { RequestInfo } from "./errors.ts"
import { dateOfSystemTime, fastDecoder } from "./wire.ts"

const decodeEnvelope = Schema.decodeUnknownResult(InterComEvent)

/** `InterComEvent`, checked against its declared wire side and renamed: the hot path of a stream. */
export const decodeInterComEvent = fastDecoder(InterComEvent, (wire) => ({
  eventId: wire.event_id,
  eventType: wire.event_type,
  payload: wire.payload,
  timestamp: dateOfSystemTime(wire.timestamp)
}))
const decodeProxyError = Schema.decodeUnknownResult(ProxyError)

const parse = (data: string): Result.Result<unknown, unknown> => {
  try {
    return Result.succeed(JSON.parse(data))
  } catch (error) {
    return Result.fail(error)
  }
}

/**
 * The message of an in-band `error` frame. Its data is either the executor's envelope with
 * `payload.message`, or the API proxy's own `{"error": "..."}`, which the server assembles with string
 * formatting and so may not even be JSON (`execution/sse_proxy.rs`).
 */
const errorMessage = (data: string): string => {
  const json = parse(data)
  if (Result.isSuccess(json)) {
    const envelope = decodeEnvelope(json.success)
    if (Result.isSuccess(envelope)) {
      const kind = WorkflowEvent.decodeKind("error", envelope.success.payload)
      if (kind._tag === "Error") return kind.message
    }
    const proxy = decodeProxyError(json.success)
    if (Result.isSuccess(proxy)) return proxy.success.error
  }
  return truncate(data.trim() === "" ? "(no details)" : data, 500)
}

/** A marker that ends the event stream after an in-band `error` frame (it is never emitted). */
const STOP = Symbol("stop")

const runError = (
  info: RequestInfo,
  fields: { readonly runId: string | undefined; readonly runStatus: string; readonly error: string; readonly data?: string }
) =>
  FlowLikeError.make(
    new FlowLikeError.RunError({
      message: `${prefix(info)}the run${fields.runId === undefined ? "" : ` ${fields.runId}`} ended ${fields.runStatus}: ${fields.error}`,
      operation: info.operation,
      method: info.method,
      url: info.url,
      runId: fields.runId,
      runStatus: fields.runStatus,
      error: fields.error,
      data: fields.data
    })
  )

/**
 * A run's SSE stream as `WorkflowEvent`s. It ends on the `completed` event whatever its payload; a
 * run that completed `failed`, or an in-band `error` frame, then fails the stream with `RunError`
 * after every earlier event was delivered. A body that ends before either fails with `StreamError`.
 * Frames are decoded synchronously, a chunk at a time.
 */
export const runEvents = (
  http: FlowLikeHttp["Service"],
  request: Request
): Stream.Stream<WorkflowEvent.WorkflowEvent, FlowLikeError.FlowLikeError> =>
  Stream.suspend(() => {
    const info = describeRequest(http.config, request)
    let runId: string | undefined
    let ending: FlowLikeError.FlowLikeError | "completed" | undefined

    const toEvents = (frames: ReadonlyArray<SseEvent>): Array<WorkflowEvent.WorkflowEvent | typeof STOP> => {
      const out: Array<WorkflowEvent.WorkflowEvent | typeof STOP> = []
      for (const frame of frames) {
        if (ending !== undefined) break
        if (frame.event === "error") {
          ending = runError(info, { runId, runStatus: "Failed", error: errorMessage(frame.data), data: frame.data })
          out.push(STOP)
          break
        }
        const json = parse(frame.data)
        const envelope = Result.isSuccess(json) ? decodeInterComEvent(json.success) : undefined
        if (envelope === undefined) {
          const full = Result.isSuccess(json) ? decodeEnvelope(json.success) : undefined
          const detail = full === undefined ? "its data is not JSON" : Result.isFailure(full) ? full.failure.message : "it does not fit InterComEvent"
          ending = decodeFailed(info, undefined, frame.data, `the "${frame.event}" event could not be decoded: ${detail}`)
          out.push(STOP)
          break
        }
        const event = WorkflowEvent.fromEnvelope(frame.event, frame.data, envelope)
        if (event._tag === "RunInitiated") runId = event.runId
        out.push(event)
        if (event.eventType === "completed") {
          ending = event._tag === "Completed" && event.status === "failed"
            ? runError(info, { runId: event.runId, runStatus: "Failed", error: "the executor reported status failed" })
            : "completed"
          break
        }
      }
      return out
    }

    const end = Stream.suspend(() => {
      if (ending === "completed") return Stream.empty
      if (ending !== undefined) return Stream.fail(ending)
      return Stream.fail(streamFailed(info, "the stream ended before the run completed"))
    })

    return http.sse(request).pipe(
      Stream.mapAccumArray(() => undefined, (state: undefined, frames) => [state, toEvents(frames)] as const),
      Stream.takeUntil((item) => item === STOP || item.eventType === "completed"),
      Stream.filter((item): item is WorkflowEvent.WorkflowEvent => item !== STOP),
      Stream.concat(end)
    )
  })
