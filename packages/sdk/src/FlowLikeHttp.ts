/**
 * The configured HTTP transport every service uses: base URL + `/api/v1`, auth headers, a
 * `User-Agent`, JSON bodies, the server's error envelope decoded into `FlowLikeError`, retries for
 * idempotent requests, request timeouts and idle timeouts for streams.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Schedule, Schema, Stream } from "effect"
import { Sse } from "effect/encoding"
import { FetchHttpClient, Headers, HttpBody, HttpClient, HttpClientRequest } from "effect/http"
import type { HttpClientResponse } from "effect/http"
import * as Auth from "./Auth.ts"
import { FlowLikeConfig } from "./Config.ts"
import type { ResolvedConfig } from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import * as Errors from "./internal/errors.ts"
import { USER_AGENT } from "./internal/version.ts"

/** HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** One API call, described independently of the transport. */
export interface Request {
  readonly method: Method
  /** Path below `/api/v1`, starting with `/`; build it with `path` so ids are encoded. */
  readonly path: string
  readonly urlParams?: Readonly<Record<string, string | number | boolean | undefined>> | undefined
  /** A JSON body; `undefined` sends no body. */
  readonly body?: unknown
  readonly auth?: Auth.RequestAuth | undefined
  /** Retried automatically on transient failures; defaults to true for GET only. Never set it for invocations. */
  readonly isIdempotent?: boolean | undefined
  /** Overrides the configured request timeout for this call. */
  readonly timeout?: Duration.Duration | undefined
}

/** Delay between retries: 0.5 s doubling to 8 s, jittered, never shorter than the server's `Retry-After` (capped at 60 s). */
export const backoff: Schedule.Schedule<Duration.Duration, FlowLikeError.FlowLikeError> = Schedule.exponential(
  "500 millis"
).pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(8)))),
  Schedule.jittered,
  Schedule.setInputType<FlowLikeError.FlowLikeError>(),
  Schedule.modifyDelay(({ duration, input }) => {
    const reason = input.reason
    const hinted = "retryAfterMillis" in reason ? reason.retryAfterMillis : undefined
    return Effect.succeed(
      hinted === undefined ? duration : Duration.max(duration, Duration.min(Duration.millis(hinted), Duration.seconds(60)))
    )
  })
)

/** `backoff` for at most `times` retries, each logged at debug level with its delay and reason. */
export const retrySchedule = (times: number): Schedule.Schedule<Duration.Duration, FlowLikeError.FlowLikeError> =>
  backoff.pipe(
    Schedule.upTo({ times }),
    Schedule.tap(({ attempt, duration, input }) =>
      Effect.logDebug(`flow-like retry ${attempt} in ${Duration.format(duration)}: ${input.message}`)
    )
  )

/** Builds an API path from literal parts and ids; each id is checked and percent-encoded. */
export const path = (strings: TemplateStringsArray, ...ids: ReadonlyArray<string>): Effect.Effect<string, FlowLikeError.FlowLikeError> =>
  Effect.suspend(() => {
    let out = strings[0] ?? ""
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      if (typeof id !== "string" || id.trim() === "") {
        const label = (strings[i] ?? "").split("/").filter((part) => part !== "").at(-1) ?? "id"
        return Effect.fail(FlowLikeError.invalidArgument(`Missing id after /${label}/: ids must be non-empty strings`))
      }
      out += encodeURIComponent(id) + (strings[i + 1] ?? "")
    }
    return Effect.succeed(out)
  })

/** The SDK's configured transport. */
export class FlowLikeHttp extends Context.Service<FlowLikeHttp, {
  readonly config: ResolvedConfig
  /** Sends a request and decodes its JSON response with `schema`. */
  json<S extends Schema.Top & { readonly DecodingServices: never }>(
    request: Request,
    schema: S
  ): Effect.Effect<S["Type"], FlowLikeError.FlowLikeError>
  /** Like `json`, also returning the parsed body as sent, unknown fields included. */
  jsonWithRaw<S extends Schema.Top & { readonly DecodingServices: never }>(
    request: Request,
    schema: S
  ): Effect.Effect<{ readonly value: S["Type"]; readonly raw: unknown }, FlowLikeError.FlowLikeError>
  /** Sends a request and returns its raw successful response, retried and timed out like `json`. */
  execute(request: Request): Effect.Effect<HttpClientResponse.HttpClientResponse, FlowLikeError.FlowLikeError>
  /** Sends a request whose answer is an SSE stream and yields its decoded frames. Never retried. */
  sse(request: Request): Stream.Stream<Sse.Event, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/FlowLikeHttp") {
  /** Builds the transport from `FlowLikeConfig`, `Auth` and the ambient `HttpClient`. */
  static readonly layer: Layer.Layer<FlowLikeHttp, never, FlowLikeConfig | Auth.Auth | HttpClient.HttpClient> = Layer.effect(
    FlowLikeHttp,
    Effect.gen(function*() {
      const config = yield* FlowLikeConfig
      const auth = yield* Auth.Auth
      const client = yield* HttpClient.HttpClient
      return FlowLikeHttp.of(make(config, auth, client))
    })
  )
}

const parseJson = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Unknown))

/** The request's query parameters that have a value, as strings. */
const definedParams = (request: Request): Record<string, string> => {
  const params: Record<string, string> = {}
  for (const [key, value] of Object.entries(request.urlParams ?? {})) {
    if (value !== undefined) params[key] = String(value)
  }
  return params
}

/** Method and full URL of a request, as errors show them (headers never appear). */
export const describeRequest = (config: ResolvedConfig, request: Request): Errors.RequestInfo => {
  const query = new URLSearchParams(definedParams(request)).toString()
  return { method: request.method, url: `${config.apiUrl}${request.path}${query === "" ? "" : `?${query}`}` }
}

const toHttpRequest = (
  config: ResolvedConfig,
  auth: Auth.Auth["Service"],
  request: Request,
  accept: string
): Effect.Effect<HttpClientRequest.HttpClientRequest, FlowLikeError.FlowLikeError> =>
  Effect.gen(function*() {
    let body: HttpBody.HttpBody = HttpBody.empty
    if (request.body !== undefined) {
      body = yield* HttpBody.json(request.body).pipe(
        Effect.mapError((error) =>
          FlowLikeError.invalidArgument(`${request.method} ${request.path}: the body is not JSON-serialisable: ${error.message}`)
        )
      )
    }
    return HttpClientRequest.make(request.method)(`${config.apiUrl}${request.path}`, {
      urlParams: definedParams(request),
      headers: {
        ...config.headers,
        "user-agent": USER_AGENT,
        accept,
        ...auth.headers(request.auth ?? Auth.credential)
      },
      body
    })
  })

/** Builds the transport service from its parts; exported for tests and custom wiring. */
export const make = (
  config: ResolvedConfig,
  auth: Auth.Auth["Service"],
  client: HttpClient.HttpClient
): FlowLikeHttp["Service"] => {
  const customFetch = config.fetch
  /** Runs the transport with the custom `fetch`, and with the secret headers redacted in its spans and errors. */
  const transport = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Headers.CurrentRedactedNames, (names) => {
      const redacting = Effect.provideService(effect, Headers.CurrentRedactedNames, [...names, ...Auth.SECRET_HEADER_NAMES])
      return customFetch === undefined ? redacting : Effect.provideService(redacting, FetchHttpClient.Fetch, customFetch)
    })

  const send = (
    request: Request,
    info: Errors.RequestInfo,
    accept: string
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, FlowLikeError.FlowLikeError> =>
    toHttpRequest(config, auth, request, accept).pipe(
      Effect.tap((httpRequest) =>
        Effect.logDebug("flow-like request").pipe(
          Effect.annotateLogs({
            method: info.method,
            url: info.url,
            headers: Headers.redact(httpRequest.headers, Auth.SECRET_HEADER_NAMES)
          })
        )
      ),
      Effect.flatMap((httpRequest) => transport(client.execute(httpRequest))),
      Effect.catchTag("HttpClientError", (error) => Effect.fail(Errors.fromHttpClientError(info, error))),
      Effect.flatMap((response) =>
        response.status >= 200 && response.status < 300
          ? Effect.succeed(response)
          : Effect.flatMap(Errors.fromResponse(info, response), Effect.fail)
      )
    )

  /** One attempt bounded by the request timeout; idempotent requests are retried on transient failures. */
  const withPolicy = <A>(
    request: Request,
    info: Errors.RequestInfo,
    attempt: Effect.Effect<A, FlowLikeError.FlowLikeError>
  ): Effect.Effect<A, FlowLikeError.FlowLikeError> => {
    const timeout = request.timeout ?? config.timeout
    const timed = Effect.timeoutOrElse(attempt, {
      duration: timeout,
      orElse: () => Effect.fail(Errors.timedOut(info, timeout, "no complete response"))
    })
    const isIdempotent = request.isIdempotent ?? request.method === "GET"
    if (!isIdempotent || config.maxRetries === 0) return timed
    return Effect.retry(timed, { schedule: retrySchedule(config.maxRetries), while: (error) => error.isRetryable })
  }

  const readJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
    info: Errors.RequestInfo,
    schema: S,
    response: HttpClientResponse.HttpClientResponse
  ): Effect.Effect<{ readonly value: S["Type"]; readonly raw: unknown }, FlowLikeError.FlowLikeError> =>
    response.text.pipe(
      Effect.mapError((error) => Errors.streamBroken(info, error)),
      Effect.flatMap((text) =>
        parseJson(text).pipe(
          Effect.flatMap((raw) => Effect.map(Schema.decodeUnknownEffect(schema)(raw), (value) => ({ value, raw }))),
          Effect.mapError((error) => Errors.decodeFailed(info, response.status, text, error.message))
        )
      )
    )

  /** The decoded frames of an event-stream response, failing if it goes silent or breaks. */
  const frames = (
    info: Errors.RequestInfo,
    response: HttpClientResponse.HttpClientResponse
  ): Effect.Effect<Stream.Stream<Sse.Event, FlowLikeError.FlowLikeError>, FlowLikeError.FlowLikeError> => {
    const contentType = response.headers["content-type"] ?? ""
    if (!contentType.startsWith("text/event-stream")) {
      return response.text.pipe(
        Effect.orElseSucceed(() => ""),
        Effect.flatMap((text) =>
          Effect.fail(
            Errors.decodeFailed(info, response.status, text, `expected an event stream, got "${contentType || "no content type"}"`)
          )
        )
      )
    }
    const idle = config.streamIdleTimeout
    return Effect.succeed(response.stream.pipe(
      Stream.mapError((error) => Errors.streamBroken(info, error)),
      Stream.timeoutOrElse({
        duration: idle,
        orElse: () => Stream.fail(Errors.timedOut(info, idle, "the stream sent nothing"))
      }),
      Stream.decodeText(),
      Stream.pipeThroughChannel(Sse.decode()),
      Stream.catchTags({
        Retry: () =>
          Stream.fail(Errors.streamFailed(info, "the server asked the client to reconnect, which Flow-Like streams do not support")),
        SseError: (error) => Stream.fail(Errors.streamFailed(info, error.message))
      })
    ))
  }

  const jsonWithRaw = <S extends Schema.Top & { readonly DecodingServices: never }>(request: Request, schema: S) => {
    const info = describeRequest(config, request)
    return withPolicy(
      request,
      info,
      Effect.flatMap(send(request, info, "application/json"), (response) => readJson(info, schema, response))
    )
  }

  return {
    config,
    execute: (request) => {
      const info = describeRequest(config, request)
      return withPolicy(request, info, send(request, info, "application/json"))
    },
    jsonWithRaw,
    json: (request, schema) => Effect.map(jsonWithRaw(request, schema), ({ value }) => value),
    sse: (request) => {
      const info = describeRequest(config, request)
      return Stream.unwrap(
        withPolicy({ ...request, isIdempotent: false }, info, send(request, info, "text/event-stream")).pipe(
          Effect.flatMap((response) => frames(info, response))
        )
      )
    }
  }
}
