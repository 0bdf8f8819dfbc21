import { ExecutionApi, PollResponse, PolledEvent, RunStatus } from "../api/ExecutionApi.ts"
import { EmbedResponse } from "../api/ModelsApi.ts"
import { AsyncInvocation, WorkflowsApi } from "../api/WorkflowsApi.ts"
import type * as Schema from "effect/Schema"
import { fastDecoder, fastDecoderOf as registeredDecoderOf, useFastDecoderFor } from "./wire.ts"

/**
 * The fast decoder registered for a schema, if any. The transport imports it from here rather than
 * from `wire.ts`, so that this module, whose registrations below are its only effect, is part of
 * every build that decodes answers (a bundler drops a side-effect-only import of a package marked
 * `sideEffects: false`, as the client's bundle did).
 */
export const fastDecoderOf = <S extends Schema.Top>(schema: S): ((input: unknown) => S["Type"] | undefined) | undefined =>
  registeredDecoderOf(schema)

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

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** The status fields every run answer has; serde's `None` (`null`) is left out, as the schema does. */
const statusFields = <Out extends typeof RunStatus.Type | Omit<typeof PollResponse.Type, "events">>(
  out: Mutable<Out>,
  wire: {
    readonly progress?: number | null | undefined
    readonly current_step?: string | null | undefined
    readonly error?: string | null | undefined
    readonly started_at?: string | null | undefined
    readonly completed_at?: string | null | undefined
  }
): Mutable<Out> => {
  if (wire.progress != null) out.progress = wire.progress
  if (wire.current_step != null) out.currentStep = wire.current_step
  if (wire.error != null) out.error = wire.error
  if (wire.started_at != null) out.startedAt = wire.started_at
  if (wire.completed_at != null) out.completedAt = wire.completed_at
  return out
}

/** `PollResponse`. */
export const decodePollResponse = fastDecoder(PollResponse, (wire) => {
  const out: Mutable<typeof PollResponse.Type> = { runId: wire.run_id, status: wire.status, events: wire.events.map(polledEvent) }
  return statusFields(out, wire)
})

/** `RunStatus`. */
export const decodeRunStatus = fastDecoder(RunStatus, (wire) => {
  const out = statusFields<typeof RunStatus.Type>({ runId: wire.run_id, status: wire.status }, wire)
  if (wire.board_id != null) out.boardId = wire.board_id
  if (wire.event_id != null) out.eventId = wire.event_id
  if (wire.mode != null) out.mode = wire.mode
  if (wire.input_payload_len != null) out.inputPayloadLength = wire.input_payload_len
  if (wire.output_payload_len != null) out.outputPayloadLength = wire.output_payload_len
  if (wire.created_at != null) out.createdAt = wire.created_at
  return out
})

/** `AsyncInvocation`. */
export const decodeAsyncInvocation = fastDecoder(AsyncInvocation, (wire) => {
  const out: Mutable<typeof AsyncInvocation.Type> = { runId: wire.run_id, status: wire.status, pollToken: wire.poll_token }
  if (wire.backend != null) out.backend = wire.backend
  return out
})

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
