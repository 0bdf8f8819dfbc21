/**
 * HTTP sinks: trigger an app's event through its HTTP sink and get the run's events (as a
 * `Stream`) or its outcome once it ends, and manage sinks.
 *
 * The real server answers a sink trigger with the run's SSE stream (not JSON, as the old SDKs
 * expected), and a sink with a token wants `Authorization: Bearer <sink token>` in place of the
 * personal credential: pass `token`. Triggers start runs and are never retried. Interrupting a
 * trigger (or leaving its stream) only stops watching: the API has no route that cancels a run.
 * Sink management routes are keyed by the sink's event id.
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as SinksApi from "./api/SinksApi.ts"
import * as Auth from "./Auth.ts"
import type { Secret } from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp, idProblem, jsonBody } from "./FlowLikeHttp.ts"
import type { Method, Request } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { unserialisable } from "./internal/errors.ts"
import { runEvents } from "./internal/runStream.ts"
import { reveal as revealToken } from "./internal/secret.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"
import type { WorkflowEvent } from "./WorkflowEvent.ts"

/** A sink as the management routes describe it. */
export type Sink = typeof SinksApi.Sink.Type

/** The methods an HTTP sink answers. */
export type SinkMethod = "GET" | "POST" | "PATCH" | "DELETE"

/** Options of a sink trigger. */
export interface HttpSinkOptions {
  /** Default `POST`. */
  readonly method?: SinkMethod | undefined
  /** Any JSON value, given to the run as its payload (not with `GET`). */
  readonly body?: unknown
  /** The sink's own token, sent as `Authorization: Bearer <token>` instead of the PAT or API key. */
  readonly token?: Secret | undefined
}

/** What `triggerHttpSink` returns once the run ended. */
export interface HttpSinkResult {
  /** From the run's `run_initiated` event. */
  readonly runId: string | undefined
  /** The executor's final status, `completed` (a failed run fails with `RunError` instead). */
  readonly status: string
  /** Every event of the run, in order. */
  readonly events: ReadonlyArray<WorkflowEvent>
}

/** What `updateSink` may change: the path (empty string removes it), the token (empty string removes it). */
export interface UpdateSinkOptions {
  readonly path?: string | undefined
  readonly authToken?: Secret | undefined
}

/** HTTP sink triggers and sink management. */
export class Sinks extends Context.Service<Sinks, {
  /** Triggers the sink at `path` of the app and streams the run's events until `completed`. */
  streamHttpSink(appId: string, path: string, options?: HttpSinkOptions): Stream.Stream<WorkflowEvent, FlowLikeError.FlowLikeError>
  /** Triggers the sink and returns once the run ended; a failed run fails with `RunError` carrying its events. */
  triggerHttpSink(appId: string, path: string, options?: HttpSinkOptions): Effect.Effect<HttpSinkResult, FlowLikeError.FlowLikeError>
  /** Active sinks of every app where the caller may manage events. */
  listSinks(): Effect.Effect<ReadonlyArray<Sink>, FlowLikeError.FlowLikeError>
  /** Every sink of one app, active or not. */
  listAppSinks(appId: string): Effect.Effect<ReadonlyArray<Sink>, FlowLikeError.FlowLikeError>
  /** The sink of an event; `NotFoundError` when the event has none. */
  getSink(eventId: string): Effect.Effect<Sink, FlowLikeError.FlowLikeError>
  /** Changes a sink's path or token. */
  updateSink(eventId: string, options: UpdateSinkOptions): Effect.Effect<Sink, FlowLikeError.FlowLikeError>
  /** Switches a sink on or off; returns it as it is now. */
  toggleSink(eventId: string): Effect.Effect<Sink, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Sinks") {
  /** `Sinks` over the configured transport. */
  static readonly layer: Layer.Layer<Sinks, never, FlowLikeHttp> = Layer.effect(
    Sinks,
    Effect.map(FlowLikeHttp, (http) => Sinks.of(make(http)))
  )
}

const endpoints = SinksApi.SinksApi.endpoints
const METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PATCH", "DELETE"])
/** The server reads at most 10 MB of a sink body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024

/** The sink's path, each segment percent-encoded: `my/webhook` and `/my/webhook` are the same sink. */
const sinkPath = (operation: string, path: unknown): Effect.Effect<string, FlowLikeError.FlowLikeError> => {
  if (typeof path !== "string") return Effect.fail(FlowLikeError.invalidArgument(`${operation}: path must be a string`, operation))
  const segments = path.split("/").filter((segment) => segment !== "")
  if (segments.length === 0) return Effect.fail(FlowLikeError.invalidArgument(`${operation}: path must name a sink, e.g. "my/webhook"`, operation))
  for (const segment of segments) {
    const problem = idProblem(segment)
    if (problem !== undefined) {
      return Effect.fail(FlowLikeError.invalidArgument(`${operation}: the path segment ${JSON.stringify(segment)} ${problem}`, operation))
    }
  }
  return Effect.succeed(segments.map(encodeURIComponent).join("/"))
}

const triggerRequest = (operation: string, appId: string, path: string, options: HttpSinkOptions) =>
  Effect.gen(function*() {
    const method = options.method ?? "POST"
    if (!METHODS.has(method)) {
      return yield* FlowLikeError.invalidArgument(`${operation}: method must be GET, POST, PATCH or DELETE`, operation)
    }
    const appProblem = idProblem(appId)
    if (appProblem !== undefined) return yield* FlowLikeError.invalidArgument(`${operation}: appId ${appProblem}`, operation)
    const segments = yield* sinkPath(operation, path)
    const hasBody = options.body !== undefined
    if (hasBody && method === "GET") {
      return yield* FlowLikeError.invalidArgument(`${operation}: a GET trigger cannot carry a body`, operation)
    }
    if (hasBody) {
      const problem = unserialisable(options.body, "")
      if (problem !== undefined) return yield* FlowLikeError.invalidArgument(`${operation}: the body cannot be sent: ${problem}`, operation)
      if (new TextEncoder().encode(JSON.stringify(options.body)).length > MAX_BODY_BYTES) {
        return yield* FlowLikeError.invalidArgument(`${operation}: the body is over the server's 10 MB limit for sinks`, operation)
      }
    }
    const request: Request = {
      operation,
      method: method as Method,
      path: `/sink/trigger/http/${encodeURIComponent(appId)}/${segments}`,
      body: hasBody ? jsonBody(options.body) : undefined,
      auth: options.token === undefined ? Auth.credential : Auth.sinkToken(options.token),
      isIdempotent: false
    }
    return request
  })

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Sinks["Service"] => {
  const stream = (operation: string, appId: string, path: string, options: HttpSinkOptions) =>
    Stream.unwrap(Effect.map(triggerRequest(operation, appId, path, options), (request) => runEvents(http, request)))

  const sink = (request: Effect.Effect<Request, FlowLikeError.FlowLikeError>) =>
    Effect.flatMap(request, (built) => http.json(built, SinksApi.Sink))

  return {
    streamHttpSink: (appId, path, options = {}) =>
      withStreamSpan("Sinks.streamHttpSink")(stream("Sinks.streamHttpSink", appId, path, options)),
    triggerHttpSink: (appId, path, options = {}) =>
      withSpan("Sinks.triggerHttpSink")(Effect.gen(function*() {
        const events: Array<WorkflowEvent> = []
        yield* Stream.runForEach(stream("Sinks.triggerHttpSink", appId, path, options), (event) => Effect.sync(() => events.push(event)))
        const initiated = events.find((event) => event._tag === "RunInitiated")
        const completed = events.find((event) => event._tag === "Completed")
        return {
          runId: initiated?._tag === "RunInitiated" ? initiated.runId : completed?._tag === "Completed" ? completed.runId : undefined,
          status: completed?._tag === "Completed" ? completed.status : "completed",
          events
        }
      })),
    listSinks: () =>
      withSpan("Sinks.listSinks")(Effect.flatMap(
        Endpoint.request(endpoints.listSinks, {}, { operation: "Sinks.listSinks" }),
        (request) => http.json(request, Endpoint.success(endpoints.listSinks))
      )),
    listAppSinks: (appId) =>
      withSpan("Sinks.listAppSinks")(Effect.flatMap(
        Endpoint.request(endpoints.listAppSinks, { params: { app: appId } }, { operation: "Sinks.listAppSinks" }),
        (request) => http.json(request, Endpoint.success(endpoints.listAppSinks))
      )),
    getSink: (eventId) =>
      withSpan("Sinks.getSink")(sink(Endpoint.request(endpoints.getSink, { params: { event: eventId } }, { operation: "Sinks.getSink" }))),
    updateSink: (eventId, options) =>
      withSpan("Sinks.updateSink")(sink(Endpoint.request(endpoints.updateSink, {
        params: { event: eventId },
        payload: {
          path: options?.path,
          authToken: options?.authToken === undefined ? undefined : revealToken(options.authToken)
        }
      }, { operation: "Sinks.updateSink" }))),
    toggleSink: (eventId) =>
      withSpan("Sinks.toggleSink")(sink(Endpoint.request(endpoints.toggleSink, { params: { event: eventId } }, { operation: "Sinks.toggleSink" })))
  }
}
