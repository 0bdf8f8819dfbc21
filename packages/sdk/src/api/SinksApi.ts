/**
 * HTTP sinks: trigger an event over `/sink/trigger/http/{app}/{*path}` (answered with the run's SSE
 * stream), and manage sinks (`routes/sink/management.rs`). Management routes are keyed by the
 * sink's **event id**. A sink with a token wants `Authorization: Bearer <sink token>` in place of
 * the personal credential; its refusals are `TriggerResponse` bodies with a top-level `message`.
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import { nullable } from "../internal/wire.ts"
import { ApiErrorsFor } from "../internal/routeErrors.ts"
import { RunStream } from "./WorkflowsApi.ts"

/** A sink trigger's refusal (`sink/trigger.rs`), e.g. 401 `Invalid or missing auth token`. */
export const TriggerResponse = Schema.Struct({
  triggered: Schema.Boolean,
  runId: Schema.NullOr(Schema.String),
  message: Schema.String
}).pipe(Schema.encodeKeys({ runId: "run_id" })).annotate({ identifier: "TriggerResponse" })

const refusal = (status: number, description: string) =>
  TriggerResponse.pipe(HttpApiSchema.status(status)).annotate({ description })

/** 401: the sink has a token and the request did not carry it. */
export const SinkUnauthorized = refusal(401, "The sink's token is missing or wrong")
/** 404: no active sink at this path. */
export const SinkNotFound = refusal(404, "No active HTTP sink at this path")
/** 500: the run could not be started. */
export const SinkFailed = refusal(500, "The run could not be started")

/** `SinkResponse`: times are the database's naive UTC time as text (`2026-11-27 10:01:02.123456`). */
export const Sink = Schema.Struct({
  id: Schema.String,
  eventId: Schema.String,
  appId: Schema.String,
  active: Schema.Boolean,
  path: nullable(Schema.String),
  hasAuthToken: Schema.Boolean,
  webhookSecret: nullable(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
  eventName: nullable(Schema.String),
  eventType: nullable(Schema.String),
  boardId: nullable(Schema.String)
}).pipe(Schema.encodeKeys({
  eventId: "event_id",
  appId: "app_id",
  hasAuthToken: "has_auth_token",
  webhookSecret: "webhook_secret",
  createdAt: "created_at",
  updatedAt: "updated_at",
  eventName: "event_name",
  eventType: "event_type",
  boardId: "board_id"
})).annotate({ identifier: "Sink" })

/** `UpdateSinkRequest`: a new path (empty removes it), a new token (empty removes it). */
export const UpdateSink = Schema.Struct({
  path: nullable(Schema.String),
  authToken: nullable(Schema.String)
}).pipe(Schema.encodeKeys({ authToken: "auth_token" })).annotate({ identifier: "UpdateSink" })

const triggerPath = "/sink/trigger/http/:app/*" as const
const triggerParams = { app: Schema.String, "*": Schema.String }
const triggerErrors = [SinkUnauthorized, SinkNotFound, SinkFailed] as const
const eventParams = { event: Schema.String }

/** The sink routes. The trigger's body is any JSON (or text, sent on as a JSON string), at most 10 MB. */
export const SinksApi = HttpApiGroup.make("sinks")
  .add(
    HttpApiEndpoint.get("triggerGet", triggerPath, { params: triggerParams, success: RunStream, error: triggerErrors }),
    HttpApiEndpoint.post("triggerPost", triggerPath, { params: triggerParams, success: RunStream, error: triggerErrors }),
    HttpApiEndpoint.patch("triggerPatch", triggerPath, { params: triggerParams, success: RunStream, error: triggerErrors }),
    HttpApiEndpoint.delete("triggerDelete", triggerPath, { params: triggerParams, success: RunStream, error: triggerErrors }),
    HttpApiEndpoint.get("listSinks", "/sink", { success: Schema.Array(Sink), error: ApiErrorsFor.read }),
    HttpApiEndpoint.get("listAppSinks", "/sink/app/:app", {
      params: { app: Schema.String },
      success: Schema.Array(Sink),
      error: ApiErrorsFor.read
    }),
    HttpApiEndpoint.get("getSink", "/sink/:event", { params: eventParams, success: Sink, error: ApiErrorsFor.read }),
    HttpApiEndpoint.patch("updateSink", "/sink/:event", {
      params: eventParams,
      payload: UpdateSink,
      success: Sink,
      error: ApiErrorsFor.body
    }),
    HttpApiEndpoint.post("toggleSink", "/sink/:event/toggle", { params: eventParams, success: Sink, error: ApiErrorsFor.read })
  )
