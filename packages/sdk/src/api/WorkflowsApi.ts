/**
 * The invoke routes: boards and events, streamed over SSE or started asynchronously.
 *
 * Every wire type is declared here once, camelCase in code and snake_case on the wire; the SDK's
 * `Workflows` service and the dev server are both built from these declarations.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import { nullable, SystemTime, U32, U64, U8 } from "../internal/wire.ts"
import { BadRequest, bodyRouteErrors } from "./ApiErrors.ts"

/** A board version `[major, minor, patch]`. */
export const BoardVersion = Schema.Tuple([U32, U32, U32]).annotate({ identifier: "BoardVersion" })

/** An OAuth token handed to the run for a provider. */
export const OAuthToken = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: nullable(Schema.String),
  tokenType: nullable(Schema.String),
  /** Unix seconds. */
  expiresAt: nullable(Schema.Int)
}).pipe(
  Schema.encodeKeys({
    accessToken: "access_token",
    refreshToken: "refresh_token",
    tokenType: "token_type",
    expiresAt: "expires_at"
  })
).annotate({ identifier: "OAuthToken" })

/**
 * A board variable (`packages/core/src/flow/variable.rs`). `defaultValue` is the UTF-8 bytes of
 * the value's JSON text, as the server stores it. Plain `{name: value}` maps do not fit (422).
 */
export const Variable = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  category: nullable(Schema.String),
  description: nullable(Schema.String),
  defaultValue: nullable(Schema.Array(U8)),
  dataType: Schema.Literals([
    "Execution",
    "String",
    "Integer",
    "Float",
    "Boolean",
    "Date",
    "PathBuf",
    "Generic",
    "Struct",
    "Byte"
  ]),
  valueType: Schema.Literals(["Array", "Normal", "HashMap", "HashSet"]),
  exposed: Schema.Boolean,
  secret: Schema.Boolean,
  editable: Schema.Boolean,
  hash: nullable(U64),
  schema: nullable(Schema.String),
  runtimeConfigured: Schema.optional(Schema.Boolean)
}).pipe(
  Schema.encodeKeys({
    defaultValue: "default_value",
    dataType: "data_type",
    valueType: "value_type",
    runtimeConfigured: "runtime_configured"
  })
).annotate({ identifier: "Variable" })

const invokeFields = {
  /** Any JSON; the start node receives it. */
  payload: Schema.optional(Schema.Unknown),
  /** A user token forwarded to the run. */
  token: nullable(Schema.String),
  /** OAuth tokens by provider id. */
  oauthTokens: nullable(Schema.Record(Schema.String, OAuthToken)),
  /** Runtime variables by variable id. */
  runtimeVariables: nullable(Schema.Record(Schema.String, Variable)),
  profileId: nullable(Schema.String)
}

const invokeKeys = {
  oauthTokens: "oauth_tokens",
  runtimeVariables: "runtime_variables",
  profileId: "profile_id"
} as const

/** `InvokeBoardAsyncRequest` (`invoke_board_async.rs`). */
export const InvokeBoardAsyncRequest = Schema.Struct({
  ...invokeFields,
  nodeId: Schema.String,
  version: nullable(BoardVersion)
}).pipe(Schema.encodeKeys({ ...invokeKeys, nodeId: "node_id" })).annotate({ identifier: "InvokeBoardAsyncRequest" })

/** `InvokeBoardRequest` (`invoke_board.rs`): the async body plus `stream_state` (server default true). */
export const InvokeBoardRequest = Schema.Struct({
  ...invokeFields,
  nodeId: Schema.String,
  version: nullable(BoardVersion),
  streamState: nullable(Schema.Boolean)
}).pipe(Schema.encodeKeys({ ...invokeKeys, nodeId: "node_id", streamState: "stream_state" })).annotate({
  identifier: "InvokeBoardRequest"
})

/**
 * `InvokeEventRequest` (`invoke_event.rs`): the payload travels inside this wrapper. `version` is only
 * recorded on the run; the event's pinned board version is what executes.
 */
export const InvokeEventRequest = Schema.Struct({
  ...invokeFields,
  version: nullable(Schema.String)
}).pipe(Schema.encodeKeys(invokeKeys)).annotate({ identifier: "InvokeEventRequest" })

/** The answer of an asynchronous invoke: the run and the bearer token to poll it with (valid 1 h). */
export const AsyncInvocation = Schema.Struct({
  runId: Schema.String,
  /** Dispatcher status, e.g. `queued`, `dispatched`, `invoked`. */
  status: Schema.String,
  pollToken: Schema.String,
  /** Dispatcher backend, e.g. `http`, `sqs`, `lambda_invoke`. */
  backend: nullable(Schema.String)
}).pipe(Schema.encodeKeys({ runId: "run_id", pollToken: "poll_token" })).annotate({ identifier: "AsyncInvocation" })

/**
 * The executor's event envelope (`InterComEvent`, `packages/types/src/intercom.rs`): the data of
 * every SSE frame except the API proxy's own `error` frame.
 */
export const InterComEvent = Schema.Struct({
  eventId: Schema.String,
  eventType: Schema.String,
  payload: Schema.Unknown,
  timestamp: SystemTime
}).pipe(Schema.encodeKeys({ eventId: "event_id", eventType: "event_type" })).annotate({ identifier: "InterComEvent" })

/** The API proxy's own failure frame (`execution/sse_proxy.rs`): `event: error`, data `{"error": "..."}`. */
export const ProxyError = Schema.Struct({ error: Schema.String }).annotate({ identifier: "ProxyError" })

/**
 * One SSE frame of a run: `event` is the event type, `data` an `InterComEvent` as JSON text (or the
 * proxy's `ProxyError`, which may not even be JSON). No `id:` or `retry:` lines, ever.
 */
export const RunFrame = Schema.Struct({
  event: Schema.String,
  data: Schema.String
}).annotate({ identifier: "RunFrame" })

/** A run's event stream: frames until `completed` (or an `error`), `: keep-alive` after 1 s idle. */
export const RunStream = HttpApiSchema.StreamSse({ events: RunFrame })

const appParams = { app: Schema.String }

/** The invoke routes. */
export const WorkflowsApi = HttpApiGroup.make("workflows")
  .add(
    HttpApiEndpoint.post("invokeBoard", "/apps/:app/board/:board/invoke", {
      params: { ...appParams, board: Schema.String },
      payload: InvokeBoardRequest,
      success: RunStream,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.post("invokeBoardAsync", "/apps/:app/board/:board/invoke/async", {
      params: { ...appParams, board: Schema.String },
      payload: InvokeBoardAsyncRequest,
      success: AsyncInvocation,
      error: [...bodyRouteErrors, BadRequest]
    }),
    HttpApiEndpoint.post("invokeEvent", "/apps/:app/events/:event/invoke", {
      params: { ...appParams, event: Schema.String },
      payload: InvokeEventRequest,
      success: RunStream,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.post("invokeEventAsync", "/apps/:app/events/:event/invoke/async", {
      params: { ...appParams, event: Schema.String },
      payload: InvokeEventRequest,
      success: AsyncInvocation,
      error: [...bodyRouteErrors, BadRequest]
    })
  )
