import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
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
  readonly encodeQuery: ((query: unknown) => Result.Result<unknown, Schema.SchemaError>) | undefined
  readonly encodePayload: ((payload: unknown) => Result.Result<unknown, Schema.SchemaError>) | undefined
}>()

const codecs = (endpoint: AnyEndpoint) => {
  let entry = cache.get(endpoint)
  if (entry === undefined) {
    const payload = [...endpoint.payload.values()][0]?.schemas[0]
    entry = {
      encodeQuery: endpoint.query === undefined ? undefined : Schema.encodeUnknownResult(endpoint.query as Schema.Codec<unknown, unknown>),
      encodePayload: payload === undefined ? undefined : Schema.encodeUnknownResult(payload as Schema.Codec<unknown, unknown>)
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
const pathResult = (
  endpoint: AnyEndpoint,
  params: Readonly<Record<string, string>>,
  operation: string
): Result.Result<string, FlowLikeError.FlowLikeError> => {
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
  return problem === undefined ? Result.succeed(path) : Result.fail(FlowLikeError.invalidArgument(problem, operation))
}

/** The path of a declared endpoint with its `:params` filled in, each checked and percent-encoded. */
export const pathOf = (
  endpoint: AnyEndpoint,
  params: Readonly<Record<string, string>>,
  operation: string
): Effect.Effect<string, FlowLikeError.FlowLikeError> => Effect.suspend(() => Effect.fromResult(pathResult(endpoint, params, operation)))

/**
 * Describes a call of a declared endpoint as a transport `Request`: method and path from the
 * declaration, query and payload encoded by its schemas (camelCase to the wire's snake_case).
 * Built synchronously (the schemas' encoders are), as one `Effect`.
 */
export const request = <E extends AnyEndpoint>(
  endpoint: E,
  input: Input<E>,
  extra: Extra = {}
): Effect.Effect<Request, FlowLikeError.FlowLikeError> => Effect.suspend(() => Effect.fromResult(requestResult(endpoint, input, extra)))

const requestResult = <E extends AnyEndpoint>(
  endpoint: E,
  input: Input<E>,
  extra: Extra
): Result.Result<Request, FlowLikeError.FlowLikeError> => {
  const operation = label(endpoint, extra)
  const { encodePayload, encodeQuery } = codecs(endpoint)
  const path = pathResult(endpoint, input.params ?? {}, operation)
  if (Result.isFailure(path)) return Result.fail(path.failure)
  let urlParams: Record<string, string> | undefined
  if (encodeQuery !== undefined && input.query !== undefined) {
    const encoded = encodeQuery(input.query)
    if (Result.isFailure(encoded)) {
      return Result.fail(FlowLikeError.invalidArgument(`${operation}: the query cannot be sent: ${encoded.failure.message}`, operation))
    }
    urlParams = encoded.success as Record<string, string>
  }
  let body: Request["body"]
  if (encodePayload !== undefined && input.payload !== undefined) {
    const encoded = encodePayload(withoutUndefined(input.payload))
    if (Result.isFailure(encoded)) {
      return Result.fail(FlowLikeError.invalidArgument(
        `${operation}: the body cannot be sent: ${unserialisable(input.payload, "") ?? encoded.failure.message}`,
        operation
      ))
    }
    body = { _tag: "Json", value: encoded.success }
  }
  return Result.succeed({ ...extra, operation, method: endpoint.method as Method, path: path.success, urlParams, body })
}

/** The schema that decodes an endpoint's JSON success answer into code's shape. */
export const success = <E extends AnyEndpoint>(
  endpoint: E
): Schema.Codec<E["~Success"]["Type"], unknown> =>
  [...endpoint.success][0] as Schema.Codec<E["~Success"]["Type"], unknown>
