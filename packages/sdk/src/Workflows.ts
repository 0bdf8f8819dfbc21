/**
 * Invoke boards (workflows) and events, streamed over SSE or asynchronously for polling.
 *
 * Event invocations send the server's wrapper body (`{ payload, version?, runtime_variables?, ... }`)
 * and use the `/invoke/async` route; both old SDKs got these wrong. Invocations are never retried
 * automatically: they start runs.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Predicate, Redacted, Schema, Stream } from "effect"
import type { Secret } from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp, path } from "./FlowLikeHttp.ts"
import { runEvents } from "./internal/runStream.ts"
import { reveal } from "./internal/secret.ts"
import type { WorkflowEvent } from "./WorkflowEvent.ts"

/** A board version as `[major, minor, patch]`. */
export type BoardVersion = readonly [number, number, number]

/** An OAuth token handed to the run for a provider. */
export interface OAuthToken {
  readonly accessToken: Secret
  readonly refreshToken?: Secret | undefined
  readonly tokenType?: string | undefined
  /** Unix seconds. */
  readonly expiresAt?: number | undefined
}

/** Options shared by every invocation. */
export interface InvokeOptions {
  /** Runtime variables by variable id, as full Flow-Like `Variable` objects (see `Boards.prerunBoard`). */
  readonly runtimeVariables?: Readonly<Record<string, unknown>> | undefined
  readonly profileId?: string | undefined
  /** A user token forwarded to the run. */
  readonly token?: Secret | undefined
  /** OAuth tokens by provider id. */
  readonly oauthTokens?: Readonly<Record<string, OAuthToken>> | undefined
}

/** Options of a board invocation. */
export interface BoardInvokeOptions extends InvokeOptions {
  /** Run a pinned board version instead of the latest. */
  readonly version?: BoardVersion | undefined
}

/** Options of a streamed board invocation. */
export interface BoardStreamOptions extends BoardInvokeOptions {
  /** Whether node-state (`run:<id>`) events are sent; the server's default is true. */
  readonly streamState?: boolean | undefined
}

/** Options of an event invocation. */
export interface EventInvokeOptions extends InvokeOptions {
  /** Recorded on the run; the event's pinned board version is what executes. */
  readonly version?: string | undefined
}

/** What an asynchronous invocation returns: the run and the token to poll it with. */
export interface AsyncInvocation {
  readonly runId: string
  /** Bearer token for `pollExecution` / `watchRun`; valid for one hour. */
  readonly pollToken: Redacted.Redacted<string>
  /** Dispatcher status, e.g. `queued`, `dispatched`, `invoked`, `created`. */
  readonly status: string
  /** Dispatcher backend, e.g. `http`, `sqs`, `lambda_invoke`. */
  readonly backend: string | undefined
  /** The answer as the server sent it, with `poll_token` left out (it is in `pollToken`). */
  readonly raw: Readonly<Record<string, unknown>>
}

const AsyncInvocationWire = Schema.Struct({
  run_id: Schema.String,
  status: Schema.String,
  poll_token: Schema.String,
  backend: Schema.optional(Schema.NullOr(Schema.String))
})

/** Invokes boards and events. */
export class Workflows extends Context.Service<Workflows, {
  /** Runs a board from a start node and streams its events until `completed`. */
  triggerWorkflow(
    appId: string,
    boardId: string,
    nodeId: string,
    payload?: unknown,
    options?: BoardStreamOptions
  ): Stream.Stream<WorkflowEvent, FlowLikeError.FlowLikeError>
  /** Starts a board run and returns at once with its run id and poll token. */
  triggerWorkflowAsync(
    appId: string,
    boardId: string,
    nodeId: string,
    payload?: unknown,
    options?: BoardInvokeOptions
  ): Effect.Effect<AsyncInvocation, FlowLikeError.FlowLikeError>
  /** Fires an event and streams the run's events until `completed`. */
  triggerEvent(
    appId: string,
    eventId: string,
    payload?: unknown,
    options?: EventInvokeOptions
  ): Stream.Stream<WorkflowEvent, FlowLikeError.FlowLikeError>
  /** Fires an event and returns at once with the run id and poll token. */
  triggerEventAsync(
    appId: string,
    eventId: string,
    payload?: unknown,
    options?: EventInvokeOptions
  ): Effect.Effect<AsyncInvocation, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Workflows") {
  /** `Workflows` over the configured transport. */
  static readonly layer: Layer.Layer<Workflows, never, FlowLikeHttp> = Layer.effect(
    Workflows,
    Effect.map(FlowLikeHttp, (http) => Workflows.of(make(http)))
  )
}

const VersionPart = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const OAuthTokenBody = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: Schema.optional(Schema.String),
  tokenType: Schema.optional(Schema.String),
  expiresAt: Schema.optional(Schema.Number)
}).pipe(Schema.encodeKeys({
  accessToken: "access_token",
  refreshToken: "refresh_token",
  tokenType: "token_type",
  expiresAt: "expires_at"
}))

const invokeFields = {
  payload: Schema.optional(Schema.Unknown),
  runtimeVariables: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
  profileId: Schema.optional(Schema.String),
  token: Schema.optional(Schema.String),
  oauthTokens: Schema.optional(Schema.Record(Schema.String, OAuthTokenBody))
}

const invokeKeys = {
  runtimeVariables: "runtime_variables",
  profileId: "profile_id",
  oauthTokens: "oauth_tokens"
} as const

/** `InvokeBoardRequest` (and its async twin, which has no `stream_state`) on the wire. */
const BoardInvokeBody = Schema.Struct({
  nodeId: Schema.NonEmptyString,
  ...invokeFields,
  version: Schema.optional(Schema.Tuple([VersionPart, VersionPart, VersionPart])),
  streamState: Schema.optional(Schema.Boolean)
}).pipe(Schema.encodeKeys({ ...invokeKeys, nodeId: "node_id", streamState: "stream_state" }))

/** `InvokeEventRequest`: the payload goes inside this wrapper, never as the body itself. */
const EventInvokeBody = Schema.Struct({
  ...invokeFields,
  version: Schema.optional(Schema.String)
}).pipe(Schema.encodeKeys(invokeKeys))

const encodeBoardBody = Schema.encodeUnknownEffect(BoardInvokeBody)
const encodeEventBody = Schema.encodeUnknownEffect(EventInvokeBody)

const revealOAuth = (tokens: Readonly<Record<string, OAuthToken>> | undefined) =>
  tokens === undefined ? undefined : Object.fromEntries(
    Object.entries(tokens).map(([provider, oauth]) => [provider, {
      ...oauth,
      accessToken: reveal(oauth.accessToken),
      refreshToken: oauth.refreshToken === undefined ? undefined : reveal(oauth.refreshToken)
    }])
  )

/** The fields every invocation shares, secrets revealed for the wire. */
const commonFields = (payload: unknown, options: InvokeOptions) => ({
  payload,
  runtimeVariables: options.runtimeVariables,
  profileId: options.profileId,
  token: options.token === undefined ? undefined : reveal(options.token),
  oauthTokens: revealOAuth(options.oauthTokens)
})

const invalidBody = (what: string) => (error: Schema.SchemaError) =>
  FlowLikeError.invalidArgument(`The ${what} cannot be sent: ${error.message}`)

const boardBody = (nodeId: string, payload: unknown, options: BoardStreamOptions, streamState?: boolean) =>
  encodeBoardBody({ nodeId, ...commonFields(payload, options), version: options.version, streamState }).pipe(
    Effect.mapError(invalidBody("board invocation"))
  )

const eventBody = (payload: unknown, options: EventInvokeOptions) =>
  encodeEventBody({ ...commonFields(payload, options), version: options.version }).pipe(
    Effect.mapError(invalidBody("event invocation"))
  )

const toAsyncInvocation = ({ raw, value }: { readonly value: typeof AsyncInvocationWire.Type; readonly raw: unknown }): AsyncInvocation => {
  const { poll_token: _, ...rest } = Predicate.isObject(raw) ? raw : {}
  return {
    runId: value.run_id,
    pollToken: Redacted.make(value.poll_token),
    status: value.status,
    backend: value.backend ?? undefined,
    raw: rest
  }
}

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Workflows["Service"] => ({
  triggerWorkflow: (appId, boardId, nodeId, payload, options = {}) =>
    Stream.unwrap(Effect.gen(function*() {
      const route = yield* path`/apps/${appId}/board/${boardId}/invoke`
      const body = yield* boardBody(nodeId, payload, options, options.streamState ?? true)
      return runEvents(http, { method: "POST", path: route, body })
    })).pipe(Stream.withSpan("Workflows.triggerWorkflow")),
  triggerWorkflowAsync: Effect.fn("Workflows.triggerWorkflowAsync")(
    function*(appId: string, boardId: string, nodeId: string, payload?: unknown, options: BoardInvokeOptions = {}) {
      const route = yield* path`/apps/${appId}/board/${boardId}/invoke/async`
      const body = yield* boardBody(nodeId, payload, options)
      return toAsyncInvocation(yield* http.jsonWithRaw({ method: "POST", path: route, body }, AsyncInvocationWire))
    }
  ),
  triggerEvent: (appId, eventId, payload, options = {}) =>
    Stream.unwrap(Effect.gen(function*() {
      const route = yield* path`/apps/${appId}/events/${eventId}/invoke`
      const body = yield* eventBody(payload, options)
      return runEvents(http, { method: "POST", path: route, body })
    })).pipe(Stream.withSpan("Workflows.triggerEvent")),
  triggerEventAsync: Effect.fn("Workflows.triggerEventAsync")(
    function*(appId: string, eventId: string, payload?: unknown, options: EventInvokeOptions = {}) {
      const route = yield* path`/apps/${appId}/events/${eventId}/invoke/async`
      const body = yield* eventBody(payload, options)
      return toAsyncInvocation(yield* http.jsonWithRaw({ method: "POST", path: route, body }, AsyncInvocationWire))
    }
  )
})
