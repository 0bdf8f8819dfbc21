/**
 * The events a Flow-Like run emits, decoded into a tagged union.
 *
 * Streamed runs (`triggerWorkflow`, `triggerEvent`) yield `WorkflowEvent`s: each keeps the SSE event
 * name and raw data text, and decodes the server's envelope (`event_id`, `event_type`, `payload`,
 * `timestamp`). Polled runs (`watchRun`, `pollExecution`) yield `RunEvent`s with the server's
 * sequence number. Both share the same kinds; anything the SDK does not know is an `Unknown` event
 * that keeps its payload, so nothing is dropped.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { InterComEvent } from "./api/WorkflowsApi.ts"
import type { PolledEvent } from "./api/ExecutionApi.ts"
import { guardOf } from "./internal/guard.ts"

/** Node-state change methods sent on `run:<id>` events. */
export type NodeStateMethod = "add" | "remove" | "update"

/** The decoded meaning of an event, by kind. */
export type EventKind =
  | { readonly _tag: "RunInitiated"; readonly runId: string }
  | { readonly _tag: "Log"; readonly message: string }
  | {
    readonly _tag: "NodeState"
    readonly runId: string
    readonly nodeIds: ReadonlyArray<string>
    readonly method: NodeStateMethod | (string & {})
  }
  | {
    readonly _tag: "Progress"
    readonly id: string | undefined
    readonly message: string | undefined
    readonly progress: number | undefined
    readonly done: boolean | undefined
    readonly success: boolean | undefined
  }
  | { readonly _tag: "Toast"; readonly message: string; readonly level: unknown }
  | {
    readonly _tag: "Completed"
    readonly runId: string
    /** The executor's own status, lowercase: `completed` or `failed`. */
    readonly status: "completed" | "failed" | (string & {})
    readonly durationMs: number | undefined
    readonly logLevel: number | undefined
  }
  | { readonly _tag: "Error"; readonly message: string }
  | {
    readonly _tag: "Unknown"
    /** Set when the event type is a known one whose payload did not decode: what was wrong. */
    readonly decodeIssue?: string | undefined
  }

/** Fields every event has, whatever its kind. */
export interface EventFields {
  /** The event type as the server names it (`log`, `run:<id>`, `progress`, a custom name, ...). */
  readonly eventType: string
  /** The payload exactly as the server sent it. */
  readonly payload: unknown
}

/** One event of a streamed run. */
export type WorkflowEvent = EventKind & EventFields & {
  /** The SSE event name. */
  readonly event: string
  /** The raw SSE data text. */
  readonly data: string
  readonly eventId: string
  readonly timestamp: Date
}

/** One event of a polled run. */
export type RunEvent = EventKind & EventFields & {
  /** Position in the run, from 1; strictly increasing. */
  readonly sequence: number
  /** When the server stored the event (RFC 3339). */
  readonly createdAt: string
}

const RunInitiatedPayload = Schema.Struct({ run_id: Schema.String })
const LogPayload = Schema.Struct({ message: Schema.String })
const NodeStatePayload = Schema.Struct({
  runId: Schema.String,
  nodeIds: Schema.Array(Schema.String),
  method: Schema.String
})
const OptionalNumber = Schema.optional(Schema.NullOr(Schema.Number))
const OptionalString = Schema.optional(Schema.NullOr(Schema.String))
const OptionalBoolean = Schema.optional(Schema.NullOr(Schema.Boolean))
const ProgressPayload = Schema.Struct({
  id: OptionalString,
  message: OptionalString,
  progress: OptionalNumber,
  done: OptionalBoolean,
  success: OptionalBoolean
})
const ToastPayload = Schema.Struct({ message: Schema.String, level: Schema.optional(Schema.Unknown) })
const CompletedPayload = Schema.Struct({
  run_id: Schema.String,
  status: Schema.String,
  duration_ms: OptionalNumber,
  log_level: OptionalNumber
})
const ErrorPayload = Schema.Struct({ message: Schema.String })

/**
 * A payload decoder: a compiled check of the schema (these payload schemas have no transformation,
 * so a value that passes is already of the type); what was wrong is worked out only on failure.
 */
const payloadDecoder = <A>(schema: Schema.Codec<A, A>) => {
  const is = guardOf(schema, "type")
  const explain = Schema.decodeUnknownResult(schema)
  return (payload: unknown): Result.Result<A, string> => {
    if (is(payload)) return Result.succeed(payload)
    const result = explain(payload)
    return Result.isFailure(result) ? Result.fail(result.failure.message) : Result.succeed(result.success)
  }
}

const decodeRunInitiated = payloadDecoder(RunInitiatedPayload)
const decodeLog = payloadDecoder(LogPayload)
const decodeNodeState = payloadDecoder(NodeStatePayload)
const decodeProgress = payloadDecoder(ProgressPayload)
const decodeToast = payloadDecoder(ToastPayload)
const decodeCompleted = payloadDecoder(CompletedPayload)
const decodeError = payloadDecoder(ErrorPayload)

const UNKNOWN: EventKind = { _tag: "Unknown" }

const orUnknown = <A>(result: Result.Result<A, string>, f: (value: A) => EventKind): EventKind =>
  Result.isSuccess(result) ? f(result.success) : { _tag: "Unknown", decodeIssue: result.failure }

/**
 * Decodes an event's kind from its type and payload. A known type whose payload does not fit
 * becomes `Unknown` rather than failing: the payload is kept either way.
 */
export const decodeKind = (eventType: string, payload: unknown): EventKind => {
  if (eventType.startsWith("run:")) {
    return orUnknown(decodeNodeState(payload), (p) => ({
      _tag: "NodeState",
      runId: p.runId,
      nodeIds: p.nodeIds,
      method: p.method
    }))
  }
  switch (eventType) {
    case "run_initiated":
      return orUnknown(decodeRunInitiated(payload), (p) => ({ _tag: "RunInitiated", runId: p.run_id }))
    case "log":
      return orUnknown(decodeLog(payload), (p) => ({ _tag: "Log", message: p.message }))
    case "progress":
      return orUnknown(decodeProgress(payload), (p) => ({
        _tag: "Progress",
        id: p.id ?? undefined,
        message: p.message ?? undefined,
        progress: p.progress ?? undefined,
        done: p.done ?? undefined,
        success: p.success ?? undefined
      }))
    case "toast":
      return orUnknown(decodeToast(payload), (p) => ({ _tag: "Toast", message: p.message, level: p.level }))
    case "completed":
      return orUnknown(decodeCompleted(payload), (p) => ({
        _tag: "Completed",
        runId: p.run_id,
        status: p.status,
        durationMs: p.duration_ms ?? undefined,
        logLevel: p.log_level ?? undefined
      }))
    case "error":
      return orUnknown(decodeError(payload), (p) => ({ _tag: "Error", message: p.message }))
    default:
      return UNKNOWN
  }
}

/** Builds a `WorkflowEvent` from an SSE frame and its decoded envelope. */
export const fromEnvelope = (event: string, data: string, envelope: typeof InterComEvent.Type): WorkflowEvent => ({
  ...decodeKind(envelope.eventType, envelope.payload),
  event,
  data,
  eventType: envelope.eventType,
  payload: envelope.payload,
  eventId: envelope.eventId,
  timestamp: envelope.timestamp
})

/** Builds a `RunEvent` from a polled event. */
export const fromPolled = (polled: typeof PolledEvent.Type): RunEvent => ({
  ...decodeKind(polled.eventType, polled.payload),
  eventType: polled.eventType,
  payload: polled.payload,
  sequence: polled.sequence,
  createdAt: polled.createdAt
})
