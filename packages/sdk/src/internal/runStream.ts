import { Effect, Option, Ref, Schema, Stream } from "effect"
import type { Sse } from "effect/encoding"
import * as FlowLikeError from "../FlowLikeError.ts"
import { describeRequest } from "../FlowLikeHttp.ts"
import type { FlowLikeHttp, Request } from "../FlowLikeHttp.ts"
import * as WorkflowEvent from "../WorkflowEvent.ts"
import { decodeFailed, streamFailed, truncate } from "./errors.ts"

const decodeEnvelope = Schema.decodeUnknownEffect(Schema.fromJsonString(WorkflowEvent.Envelope))

const ProxyError = Schema.Struct({ error: Schema.String })
const decodeProxyError = Schema.decodeUnknownOption(Schema.fromJsonString(ProxyError))
const decodeEnvelopeOption = Schema.decodeUnknownOption(Schema.fromJsonString(WorkflowEvent.Envelope))

/**
 * The message of an in-band `error` frame. Its data is either the executor's envelope with
 * `payload.message`, or the API proxy's own `{"error": "..."}`, which the server assembles with string
 * formatting and so may not even be JSON (`execution/sse_proxy.rs`).
 */
const errorMessage = (data: string): string => {
  const envelope = decodeEnvelopeOption(data)
  if (Option.isSome(envelope)) {
    const kind = WorkflowEvent.decodeKind("error", envelope.value.payload)
    if (kind._tag === "Error") return kind.message
  }
  const proxy = decodeProxyError(data)
  if (Option.isSome(proxy)) return proxy.value.error
  return truncate(data.trim() === "" ? "(no details)" : data, 500)
}

/**
 * A run's SSE stream as `WorkflowEvent`s: ends after `completed`, fails with `RunError` on an
 * `error` frame, and fails with `StreamError` if the body ends before either arrived.
 */
export const runEvents = (
  http: FlowLikeHttp["Service"],
  request: Request
): Stream.Stream<WorkflowEvent.WorkflowEvent, FlowLikeError.FlowLikeError> => {
  const { method, url } = describeRequest(http.config, request)
  const toEvent = (frame: Sse.Event): Effect.Effect<WorkflowEvent.WorkflowEvent, FlowLikeError.FlowLikeError> => {
    if (frame.event === "error") {
      return Effect.fail(
        FlowLikeError.make(
          new FlowLikeError.RunError({ message: `The run failed: ${errorMessage(frame.data)}`, method, url, data: frame.data })
        )
      )
    }
    return decodeEnvelope(frame.data).pipe(
      Effect.map((envelope) => WorkflowEvent.fromEnvelope(frame.event, frame.data, envelope)),
      Effect.mapError((error) =>
        decodeFailed({ method, url }, undefined, frame.data, `the "${frame.event}" event could not be decoded: ${error.message}`)
      )
    )
  }
  return Stream.unwrap(Effect.gen(function*() {
    const finished = yield* Ref.make(false)
    const endCheck = Stream.unwrap(
      Effect.map(Ref.get(finished), (isFinished) =>
        isFinished ? Stream.empty : Stream.fail(streamFailed({ method, url }, "the stream ended before the run completed")))
    )
    return http.sse(request).pipe(
      Stream.mapEffect(toEvent),
      Stream.takeUntil((event) => event._tag === "Completed"),
      Stream.tap((event) => event._tag === "Completed" ? Ref.set(finished, true) : Effect.void),
      Stream.concat(endCheck)
    )
  }))
}
