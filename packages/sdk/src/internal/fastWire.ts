import { ExecutionApi, PollResponse, PolledEvent, RunStatus } from "../api/ExecutionApi.ts"
import { EmbedResponse } from "../api/ModelsApi.ts"
import { AsyncInvocation, WorkflowsApi } from "../api/WorkflowsApi.ts"
import { fastDecoder, present, useFastDecoderFor } from "./wire.ts"

/**
 * Fast decoders of the hot JSON answers: each value is checked against the declared schema's wire
 * side by a compiled guard, then renamed. `test/guard.test.ts` proves they decode exactly as the
 * declared schemas do; the transport tries them before the full decode.
 */

const polledEvent = (wire: typeof PolledEvent.Encoded): typeof PolledEvent.Type => ({
  sequence: wire.sequence,
  eventType: wire.event_type,
  payload: wire.payload,
  createdAt: wire.created_at
})

/** `PolledEvent`. */
export const decodePolledEvent = fastDecoder(PolledEvent, polledEvent)

const statusFields = (wire: {
  readonly run_id: string
  readonly status: string
  readonly progress?: number | null | undefined
  readonly current_step?: string | null | undefined
  readonly error?: string | null | undefined
  readonly started_at?: string | null | undefined
  readonly completed_at?: string | null | undefined
}) => ({
  runId: wire.run_id,
  status: wire.status,
  ...present("progress", wire.progress),
  ...present("currentStep", wire.current_step),
  ...present("error", wire.error),
  ...present("startedAt", wire.started_at),
  ...present("completedAt", wire.completed_at)
})

/** `PollResponse`. */
export const decodePollResponse = fastDecoder(PollResponse, (wire) => ({
  ...statusFields(wire),
  events: wire.events.map(polledEvent)
}))

/** `RunStatus`. */
export const decodeRunStatus = fastDecoder(RunStatus, (wire) => ({
  ...statusFields(wire),
  ...present("boardId", wire.board_id),
  ...present("eventId", wire.event_id),
  ...present("mode", wire.mode),
  ...present("inputPayloadLength", wire.input_payload_len),
  ...present("outputPayloadLength", wire.output_payload_len),
  ...present("createdAt", wire.created_at)
}))

/** `AsyncInvocation`. */
export const decodeAsyncInvocation = fastDecoder(AsyncInvocation, (wire) => ({
  runId: wire.run_id,
  status: wire.status,
  pollToken: wire.poll_token,
  ...present("backend", wire.backend)
}))

/** `EmbedResponse`: one plain loop over the vectors' numbers instead of a schema step per number. */
export const decodeEmbedResponse = fastDecoder(EmbedResponse, (wire) => ({
  embeddings: wire.embeddings,
  model: wire.model,
  usage: { promptTokens: wire.usage.prompt_tokens, totalTokens: wire.usage.total_tokens }
}))

useFastDecoderFor(ExecutionApi.endpoints.getRunStatus, decodeRunStatus)
useFastDecoderFor(ExecutionApi.endpoints.poll, decodePollResponse)
useFastDecoderFor(WorkflowsApi.endpoints.invokeBoardAsync, decodeAsyncInvocation)
useFastDecoderFor(WorkflowsApi.endpoints.invokeEventAsync, decodeAsyncInvocation)
