/**
 * Invoke boards (workflows) and events, streamed over SSE or asynchronously for polling.
 *
 * Event invocations send the server's wrapper body (`{ payload, version?, runtime_variables?, ... }`)
 * and use the `/invoke/async` route; both old SDKs got these wrong. Invocations are never retried
 * automatically: they start runs.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { WorkflowsApi } from "./api/WorkflowsApi.ts"
import type { Variable } from "./api/WorkflowsApi.ts"
import type { Secret } from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp } from "./FlowLikeHttp.ts"
import type { Request } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { runEvents } from "./internal/runStream.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"
import { reveal } from "./internal/secret.ts"
import type { WorkflowEvent } from "./WorkflowEvent.ts"

/** A board version as `[major, minor, patch]`. */
export type BoardVersion = readonly [number, number, number]

/** A runtime variable: a full Flow-Like `Variable` (see `WorkflowsApi.Variable`). */
export type RuntimeVariable = typeof Variable.Type

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
  /** Runtime variables by variable id, as full Flow-Like `Variable` objects. */
  readonly runtimeVariables?: Readonly<Record<string, RuntimeVariable>> | undefined
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

const endpoints = WorkflowsApi.endpoints

const revealOAuth = (tokens: Readonly<Record<string, OAuthToken>> | undefined) =>
  tokens === undefined ? undefined : Object.fromEntries(
    Object.entries(tokens).map(([provider, oauth]) => [provider, {
      accessToken: reveal(oauth.accessToken),
      refreshToken: oauth.refreshToken === undefined ? undefined : reveal(oauth.refreshToken),
      tokenType: oauth.tokenType,
      expiresAt: oauth.expiresAt
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

const checkNodeId = (operation: string, nodeId: string) =>
  typeof nodeId === "string" && nodeId.trim() !== ""
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: nodeId must be a non-empty string`, operation))

const toAsyncInvocation = (
  value: typeof endpoints.invokeBoardAsync["~Success"]["Type"],
  raw: unknown
): AsyncInvocation => {
  const { poll_token: _, ...rest } = Predicate.isObject(raw) ? raw : {}
  return {
    runId: value.runId,
    pollToken: Redacted.make(value.pollToken),
    status: value.status,
    backend: value.backend,
    raw: rest
  }
}

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Workflows["Service"] => {
  const invokeAsync = Effect.fnUntraced(function*(
    endpoint: typeof endpoints.invokeBoardAsync | typeof endpoints.invokeEventAsync,
    request: Effect.Effect<Request, FlowLikeError.FlowLikeError>
  ) {
    const { raw, value } = yield* http.jsonWithRaw(yield* request, Endpoint.success(endpoint))
    return toAsyncInvocation(value, raw)
  })
  return {
    triggerWorkflow: (appId, boardId, nodeId, payload, options = {}) =>
      withStreamSpan("Workflows.triggerWorkflow")(Stream.unwrap(Effect.gen(function*() {
        const operation = "Workflows.triggerWorkflow"
        yield* checkNodeId(operation, nodeId)
        const request = yield* Endpoint.request(endpoints.invokeBoard, {
          params: { app: appId, board: boardId },
          payload: { nodeId, ...commonFields(payload, options), version: options.version, streamState: options.streamState ?? true }
        }, { operation })
        return runEvents(http, request)
      }))),
    triggerWorkflowAsync: (appId, boardId, nodeId, payload, options = {}) => {
      const operation = "Workflows.triggerWorkflowAsync"
      return withSpan(operation)(invokeAsync(
        endpoints.invokeBoardAsync,
        Effect.andThen(
          checkNodeId(operation, nodeId),
          Endpoint.request(endpoints.invokeBoardAsync, {
            params: { app: appId, board: boardId },
            payload: { nodeId, ...commonFields(payload, options), version: options.version }
          }, { operation })
        )
      ))
    },
    triggerEvent: (appId, eventId, payload, options = {}) =>
      withStreamSpan("Workflows.triggerEvent")(Stream.unwrap(Effect.map(
        Endpoint.request(endpoints.invokeEvent, {
          params: { app: appId, event: eventId },
          payload: { ...commonFields(payload, options), version: options.version }
        }, { operation: "Workflows.triggerEvent" }),
        (request) => runEvents(http, request)
      ))),
    triggerEventAsync: (appId, eventId, payload, options = {}) =>
      withSpan("Workflows.triggerEventAsync")(invokeAsync(
        endpoints.invokeEventAsync,
        Endpoint.request(endpoints.invokeEventAsync, {
          params: { app: appId, event: eventId },
          payload: { ...commonFields(payload, options), version: options.version }
        }, { operation: "Workflows.triggerEventAsync" })
      ))
  }
}
