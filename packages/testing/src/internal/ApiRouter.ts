/**
 * The dev server's router, driven by the `HttpApi` declaration: every declared endpoint is served
 * at its method and path by the handler of the same group and identifier, with axum's framing
 * around it (plain-text extractor rejections, empty 404 and 405 with `Allow`). Effect's
 * `HttpApiBuilder` is not used: its decoding errors and framing are not axum's.
 */
import { Effect, Option, Predicate, Schema } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi, type HttpApiEndpoint, type HttpApiGroup, type HttpApiSchema } from "effect/http-api"
import { type ApiError, failureResponse, Rejection } from "./ApiError.ts"
import { authenticate, type Principal } from "./Auth.ts"
import { jsonAnswer } from "./JsonAnswer.ts"
import { jsonBody } from "./JsonBody.ts"
import { decodeQuery } from "./QueryString.ts"
import type { Credentials } from "./stores/Credentials.ts"

/** What a handler fails with: the server's JSON error envelope, or an axum rejection. */
export type Failure = ApiError | Rejection

/**
 * An answer the router sends as is: an SSE body (built by `Sse.ts`), or an answer the
 * declaration does not describe (`"undeclared"`, see `Undeclared.ts`).
 */
export class RawReply<Kind extends "sse" | "undeclared"> {
  readonly kind: Kind
  readonly response: HttpServerResponse.HttpServerResponse
  constructor(kind: Kind, response: HttpServerResponse.HttpServerResponse) {
    this.kind = kind
    this.response = response
  }
}

/** Wraps an answer that is outside the declaration; keep these few and listed in `Undeclared.ts`. */
export const undeclared = (response: HttpServerResponse.HttpServerResponse): RawReply<"undeclared"> =>
  new RawReply("undeclared", response)

type TypeOf<S> = [S] extends [never] ? undefined : S extends Schema.Top ? S["Type"] : never

type StreamSuccess<E> = Extract<HttpApiEndpoint.Success<E>, HttpApiSchema.StreamSchema>
type JsonSuccess<E> = Exclude<HttpApiEndpoint.Success<E>, HttpApiSchema.StreamSchema>

/**
 * What a handler answers: the declared JSON success value (camelCase; the router encodes it), or
 * for a streaming route an SSE body. A route may declare both (chat: JSON, or SSE with `stream: true`).
 */
export type Reply<E> =
  | ([JsonSuccess<E>] extends [never] ? never : JsonSuccess<E>["Type"])
  | ([StreamSuccess<E>] extends [never] ? never : RawReply<"sse">)
  | RawReply<"undeclared">

/** A request as a handler sees it: decoded with the endpoint's schemas, and who sent it. */
export interface Input<E> {
  readonly params: TypeOf<HttpApiEndpoint.Params<E>>
  readonly query: TypeOf<HttpApiEndpoint.Query<E>>
  readonly payload: TypeOf<HttpApiEndpoint.Payload<E>>
  readonly principal: Principal
  readonly request: HttpServerRequest.HttpServerRequest
  /** The path, without the query string. */
  readonly path: string
  /** The raw query string, without `?` (for parameters the declaration does not list). */
  readonly rawQuery: string
}

/** What an intercept sees: who sent the request, and its body as any JSON (`Json<Value>`). */
export interface InterceptInput {
  readonly principal: Principal
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: string
  readonly body: unknown
}

/**
 * Runs before an endpoint's body is decoded with the declared schema, for a route whose real body
 * is untyped JSON that may take another shape (the chat route's Anthropic bodies): an answer, or
 * none to go on to the handler.
 */
export type Intercept = (input: InterceptInput) => Effect.Effect<Option.Option<RawReply<"sse" | "undeclared">>, Failure>

/** The handler of one endpoint. */
export type Handler<E> = (input: Input<E>) => Effect.Effect<Reply<E>, Failure>

type GroupsOf<Api> = Api extends HttpApi.HttpApi<infer _Id, infer Groups> ? Groups : never

/** One handler per endpoint of a group, keyed by the endpoint's identifier. */
export type GroupHandlers<Group> = {
  readonly [E in HttpApiGroup.Endpoints<Group> as HttpApiEndpoint.Identifier<E>]: Handler<E>
}

/** One record of handlers per group of the API, keyed by the group's identifier; none may be missing. */
export type Handlers<Api> = {
  readonly [Group in GroupsOf<Api> as HttpApiGroup.Identifier<Group>]: GroupHandlers<Group>
}

/** A route of the app: a method, a path in `HttpRouter` syntax, and what answers it. */
export interface Route {
  readonly method: string
  readonly path: HttpRouter.PathInput
  readonly handle: Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    never,
    HttpServerRequest.HttpServerRequest | HttpRouter.RouteContext
  >
}

type AnyHandler = (input: Input<HttpApiEndpoint.Top>) => Effect.Effect<unknown, Failure>

/** The declared schemas need no services, which the erased `Schema.Top` cannot say. */
const serviceFree = <A, E>(effect: Effect.Effect<A, E, unknown>): Effect.Effect<A, E> =>
  effect as Effect.Effect<A, E>

const handlerOf = (handlers: object, group: string, endpoint: string): AnyHandler => {
  const groupHandlers: unknown = Reflect.get(handlers, group)
  const handler: unknown = Predicate.isObject(groupHandlers) ? Reflect.get(groupHandlers, endpoint) : undefined
  if (!Predicate.isFunction(handler)) {
    throw new Error(`The dev server has no handler for ${group}.${endpoint}`)
  }
  // `Handlers<Api>` has already checked every handler against its endpoint.
  return handler as AnyHandler
}

/** `HttpApiSchema`'s stream schemas carry this key (its `StreamSchemaTypeId`); its own guard is internal. */
const isStreamSchema = (schema: Schema.Top): boolean =>
  Predicate.hasProperty(schema, "~effect/http-api/HttpApiSchema/Stream")

/** The first schema of the endpoint's (single, JSON) payload, if it has one. */
const payloadSchemaOf = (endpoint: HttpApiEndpoint.Top): Schema.Top | undefined => {
  for (const { schemas } of endpoint.payload.values()) {
    return schemas[0]
  }
  return undefined
}

const splitUrl = (url: string): { readonly path: string; readonly query: string } => {
  const index = url.indexOf("?")
  return index === -1 ? { path: url, query: "" } : { path: url.slice(0, index), query: url.slice(index + 1) }
}

/**
 * One endpoint as axum runs it: the global auth middleware (which only fails on a malformed PAT),
 * then the extractors in the real handlers' argument order (path, query, JSON body), then the
 * handler; failures become the server's error answers.
 */
const endpointRoute = (
  endpoint: HttpApiEndpoint.Top,
  handler: AnyHandler,
  credentials: Credentials,
  intercept: Intercept | undefined
): Route => {
  const decodeParams = endpoint.params === undefined ? undefined : Schema.decodeUnknownEffect(endpoint.params)
  const querySchema = endpoint.query
  const payloadSchema = payloadSchemaOf(endpoint)
  const successSchema = [...endpoint.success].find((schema) => !isStreamSchema(schema))
  const answer = successSchema === undefined ? undefined : jsonAnswer(successSchema)
  const handle = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { path, query: rawQuery } = splitUrl(request.url)
    const principal = yield* authenticate(credentials, request.headers)
    const params = decodeParams === undefined ? undefined : yield* decodeParams(yield* HttpRouter.params).pipe(
      Effect.mapError((error) => new Rejection({ status: 400, text: `Invalid URL: ${error.message}` }))
    )
    const query = querySchema === undefined ? undefined : yield* decodeQuery(querySchema, rawQuery)
    if (intercept !== undefined) {
      const answered = yield* intercept({ principal, request, path, body: yield* jsonBody(Schema.Unknown) })
      if (Option.isSome(answered)) return answered.value.response
    }
    const payload = payloadSchema === undefined ? undefined : yield* jsonBody(payloadSchema)
    const reply = yield* handler({ params, query, payload, principal, request, path, rawQuery })
    if (reply instanceof RawReply) {
      return reply.response
    }
    if (answer === undefined) {
      return yield* Effect.die(new Error(`${endpoint.identifier} is a streaming route: answer with an SSE body`))
    }
    return yield* answer(reply)
  }).pipe(Effect.catch((failure) => Effect.succeed(failureResponse(failure))))
  return { method: endpoint.method, path: endpoint.path as HttpRouter.PathInput, handle: serviceFree(handle) }
}

/** Every endpoint of `api`, each answered by its handler in `handlers`. */
export const endpointRoutes = <Id extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<Id, Groups>,
  handlers: Handlers<HttpApi.HttpApi<Id, Groups>>,
  credentials: Credentials,
  /** Keyed by `group.endpoint`. */
  intercepts: Readonly<Record<string, Intercept>> = {}
): ReadonlyArray<Route> => {
  const routes: Array<Route> = []
  HttpApi.reflect(api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, group }) => {
      const key = `${group.identifier}.${endpoint.identifier}`
      routes.push(endpointRoute(endpoint, handlerOf(handlers, group.identifier, endpoint.identifier), credentials, intercepts[key]))
    }
  })
  return routes
}

const emptyResponse = (status: number, headers: Record<string, string> = {}) =>
  HttpServerResponse.empty({ status, headers: { ...headers, "content-length": "0" } })

/** axum's `Allow` value: `GET` routes also answer `HEAD`. */
const allowHeader = (methods: ReadonlyMap<string, Route>): string =>
  [...methods.keys()].flatMap((method) => method === "GET" ? ["GET", "HEAD"] : [method]).join(",")

/** One router entry per path for every method, so that a wrong method gets axum's empty 405 with `Allow`. */
const dispatch = (methods: ReadonlyMap<string, Route>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const route = methods.get(request.method === "HEAD" ? "GET" : request.method)
    if (route === undefined) {
      return emptyResponse(405, { allow: allowHeader(methods) })
    }
    return yield* route.handle
  })

const isRouteNotFound = (error: unknown): boolean =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

/** The routed app: unknown paths get axum's empty 404. */
export const makeRouter = (routes: ReadonlyArray<Route>) =>
  Effect.gen(function*() {
    const byPath = new Map<HttpRouter.PathInput, Map<string, Route>>()
    for (const route of routes) {
      const methods = byPath.get(route.path) ?? new Map<string, Route>()
      if (methods.has(route.method)) {
        throw new Error(`Two routes for ${route.method} ${route.path}`)
      }
      methods.set(route.method, route)
      byPath.set(route.path, methods)
    }
    const router = yield* HttpRouter.make
    for (const [path, methods] of byPath) {
      yield* router.add("*", path, dispatch(methods))
    }
    return router.asHttpEffect().pipe(
      Effect.catchIf(isRouteNotFound, () => Effect.succeed(emptyResponse(404)))
    )
  })
