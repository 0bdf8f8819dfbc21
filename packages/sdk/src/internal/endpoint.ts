import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as FlowLikeError from "../FlowLikeError.ts"
import { idProblem } from "../FlowLikeHttp.ts"
import type { Method, Request } from "../FlowLikeHttp.ts"
import { unserialisable } from "./errors.ts"

/** What this module reads of a declared endpoint. */
export interface AnyEndpoint {
  readonly identifier: string
  readonly method: string
  readonly path: string
  readonly query: Schema.Top | undefined
  readonly payload: HttpApiEndpoint.PayloadMap
  readonly success: ReadonlySet<Schema.Top>
  readonly "~Query": Schema.Top
  readonly "~Payload": Schema.Top
  readonly "~Success": Schema.Top
}

/** What a call of a declared endpoint supplies: its path params, query and payload, in code's shape. */
export interface Input<E extends AnyEndpoint> {
  readonly params?: Readonly<Record<string, string>> | undefined
  readonly query?: E["~Query"]["Type"] | undefined
  readonly payload?: E["~Payload"]["Type"] | undefined
}

/** The transport options a service adds to a declared call. */
export type Extra = Omit<Request, "method" | "path" | "urlParams" | "body">

const cache = new WeakMap<AnyEndpoint, {
  readonly encodeQuery: ((query: unknown) => Effect.Effect<unknown, Schema.SchemaError>) | undefined
  readonly encodePayload: ((payload: unknown) => Effect.Effect<unknown, Schema.SchemaError>) | undefined
}>()

const codecs = (endpoint: AnyEndpoint) => {
  let entry = cache.get(endpoint)
  if (entry === undefined) {
    const payload = [...endpoint.payload.values()][0]?.schemas[0]
    entry = {
      encodeQuery: endpoint.query === undefined ? undefined : Schema.encodeUnknownEffect(endpoint.query as Schema.Codec<unknown, unknown>),
      encodePayload: payload === undefined ? undefined : Schema.encodeUnknownEffect(payload as Schema.Codec<unknown, unknown>)
    }
    cache.set(endpoint, entry)
  }
  return entry
}

const label = (endpoint: AnyEndpoint, extra: Extra) => extra.operation ?? endpoint.identifier

/** An object without its `undefined` properties: an option left out is left off the wire, not sent as `null`. */
const withoutUndefined = (value: unknown): unknown =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined))
    : value

/** The path of a declared endpoint with its `:params` filled in, each checked and percent-encoded. */
export const pathOf = (
  endpoint: AnyEndpoint,
  params: Readonly<Record<string, string>>,
  operation: string
): Effect.Effect<string, FlowLikeError.FlowLikeError> =>
  Effect.suspend(() => {
    let problem: string | undefined
    const path = endpoint.path.replace(/:(\w+)/g, (_, name: string) => {
      const value = params[name]
      const issue = idProblem(value)
      if (issue !== undefined) {
        problem ??= `${operation}: ${name} ${issue}`
        return ""
      }
      return encodeURIComponent(value ?? "")
    })
    return problem === undefined ? Effect.succeed(path) : Effect.fail(FlowLikeError.invalidArgument(problem, operation))
  })

/**
 * Describes a call of a declared endpoint as a transport `Request`: method and path from the
 * declaration, query and payload encoded by its schemas (camelCase to the wire's snake_case).
 */
export const request = <E extends AnyEndpoint>(
  endpoint: E,
  input: Input<E>,
  extra: Extra = {}
): Effect.Effect<Request, FlowLikeError.FlowLikeError> =>
  Effect.gen(function*() {
    const operation = label(endpoint, extra)
    const { encodePayload, encodeQuery } = codecs(endpoint)
    const path = yield* pathOf(endpoint, input.params ?? {}, operation)
    const invalid = (what: string) => (error: Schema.SchemaError) =>
      FlowLikeError.invalidArgument(`${operation}: the ${what} cannot be sent: ${error.message}`, operation)
    const urlParams = encodeQuery === undefined || input.query === undefined
      ? undefined
      : (yield* Effect.mapError(encodeQuery(input.query), invalid("query"))) as Record<string, string>
    const body = encodePayload === undefined || input.payload === undefined
      ? undefined
      : {
        _tag: "Json" as const,
        value: yield* Effect.mapError(encodePayload(withoutUndefined(input.payload)), (error) =>
          FlowLikeError.invalidArgument(
            `${operation}: the body cannot be sent: ${unserialisable(input.payload, "") ?? error.message}`,
            operation
          ))
      }
    return { ...extra, operation, method: endpoint.method as Method, path, urlParams, body }
  })

/** The schema that decodes an endpoint's JSON success answer into code's shape. */
export const success = <E extends AnyEndpoint>(
  endpoint: E
): Schema.Codec<E["~Success"]["Type"], unknown> =>
  [...endpoint.success][0] as Schema.Codec<E["~Success"]["Type"], unknown>
