/**
 * The execution routes: a run's status record, and the long poll of its events.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { I32, nullable, U64 } from "../internal/wire.ts"
import { BadRequest, InternalError, NotFound } from "./ApiErrors.ts"

/** Run statuses as the server spells them (Rust `Debug` of `RunStatus`); kept open for new ones. */
export const RunStatusName = Schema.String.annotate({
  identifier: "RunStatusName",
  description: "Pending | Running | Completed | Failed | Cancelled | Timeout"
})

const statusFields = {
  runId: Schema.String,
  status: RunStatusName,
  /** 0 to 100. */
  progress: nullable(Schema.Number),
  currentStep: nullable(Schema.String),
  error: nullable(Schema.String),
  /** RFC 3339. */
  startedAt: nullable(Schema.String),
  /** RFC 3339. */
  completedAt: nullable(Schema.String)
}

const statusKeys = {
  runId: "run_id",
  currentStep: "current_step",
  startedAt: "started_at",
  completedAt: "completed_at"
} as const

/** `RunStatusResponse` (`routes/execution/progress.rs`). The server stores no result, only its length. */
export const RunStatus = Schema.Struct({
  ...statusFields,
  boardId: nullable(Schema.String),
  eventId: nullable(Schema.String),
  /** `Local`, `Http`, `Lambda`, `KubernetesIsolated`, `KubernetesPool`, `Function` or `Queue`. */
  mode: nullable(Schema.String),
  inputPayloadLength: nullable(Schema.Number),
  outputPayloadLength: nullable(Schema.Number),
  createdAt: nullable(Schema.String)
}).pipe(Schema.encodeKeys({
  ...statusKeys,
  boardId: "board_id",
  eventId: "event_id",
  inputPayloadLength: "input_payload_len",
  outputPayloadLength: "output_payload_len",
  createdAt: "created_at"
})).annotate({ identifier: "RunStatus" })

/** One stored event of a run; `sequence` counts from 1 without gaps. */
export const PolledEvent = Schema.Struct({
  sequence: Schema.Number,
  eventType: Schema.String,
  payload: Schema.Unknown,
  /** RFC 3339. */
  createdAt: Schema.String
}).pipe(Schema.encodeKeys({ eventType: "event_type", createdAt: "created_at" })).annotate({ identifier: "PolledEvent" })

/**
 * `PollResponse`: at most 100 events after `after_sequence`, each delivered once. No `done` flag.
 * Fields in the server's struct order (`progress.rs`).
 */
export const PollResponse = Schema.Struct({
  runId: statusFields.runId,
  status: statusFields.status,
  progress: statusFields.progress,
  currentStep: statusFields.currentStep,
  error: statusFields.error,
  events: Schema.Array(PolledEvent),
  startedAt: statusFields.startedAt,
  completedAt: statusFields.completedAt
}).pipe(Schema.encodeKeys(statusKeys)).annotate({ identifier: "PollResponse" })

/**
 * The poll's query (`progress.rs`: `after_sequence: i32`, `timeout: u64`): events after
 * `after_sequence`; the server waits up to `timeout` seconds (default 10, capped at 30).
 */
export const PollQuery = Schema.Struct({
  afterSequence: Schema.optional(I32),
  timeout: Schema.optional(U64)
}).pipe(Schema.encodeKeys({ afterSequence: "after_sequence" }))

/** The execution routes. */
export const ExecutionApi = HttpApiGroup.make("execution")
  .add(
    HttpApiEndpoint.get("getRunStatus", "/execution/run/:runId", {
      params: { runId: Schema.String },
      success: RunStatus,
      error: [NotFound, InternalError]
    }),
    HttpApiEndpoint.get("poll", "/execution/poll", {
      query: PollQuery,
      headers: {
        /** `Bearer <poll token>`, in place of the personal credential. */
        authorization: Schema.String
      },
      success: PollResponse,
      error: [BadRequest, NotFound]
    })
  )
