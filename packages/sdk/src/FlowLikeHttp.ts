/**
 * The configured HTTP transport every service uses: base URL + `/api/v1`, auth headers, a
 * `User-Agent`, any request body (JSON, bytes, `Blob`, a byte stream), the server's error envelope
 * decoded into `FlowLikeError`, retries for idempotent requests, request timeouts and idle timeouts
 * for streams. Absolute URLs (signed storage URLs) are sent without any Flow-Like credential.
 *
 * It runs on whatever `HttpClient` is in context: `FlowLike.layer` provides `fetch` (and, through
 * `DirectFetch`, sends JSON calls and event streams without the `HttpClient`'s wrappers), and
 * `FlowLike.layerWithoutHttpClient` takes yours.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { constFalse, constTrue } from "effect/Function"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Headers from "effect/http/Headers"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Auth from "./Auth.ts"
import * as CallOptions from "./CallOptions.ts"
import { checkHeaders, FlowLikeConfig } from "./Config.ts"
import type { ResolvedConfig } from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import * as Direct from "./internal/directFetch.ts"
import * as DirectStream from "./internal/directStream.ts"
import * as Errors from "./internal/errors.ts"
import { withRetries } from "./internal/retries.ts"
import { decodeSse } from "./internal/sse.ts"
import { uploadFetch } from "./internal/streamingFetch.ts"
import { isDebugEnabledIn } from "./internal/trace.ts"
import { fastDecoderOf } from "./internal/fastWire.ts"
import { USER_AGENT } from "./internal/version.ts"

/** HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** A request body: JSON (encoded here), or any `HttpBody` (bytes, a `Blob`, a byte stream). */
export type Body =
  | { readonly _tag: "Json"; readonly value: unknown }
  | { readonly _tag: "Raw"; readonly body: HttpBody.HttpBody }

/** A JSON body. */
export const jsonBody = (value: unknown): Body => ({ _tag: "Json", value })

/** A body of bytes. */
export const bytesBody = (bytes: Uint8Array, contentType = "application/octet-stream"): Body => ({
  _tag: "Raw",
  body: HttpBody.uint8Array(bytes, contentType)
})

/** A `Blob` body; its size is sent as `Content-Length`. */
export const blobBody = (blob: Blob, contentType?: string): Body => ({
  _tag: "Raw",
  body: HttpBody.raw(blob, { contentType: contentType ?? (blob.type || "application/octet-stream"), contentLength: blob.size })
})

/**
 * A streamed body of known length, sent with that `Content-Length` (signed storage URLs refuse
 * chunked bodies). Over the default `fetch` client the SDK sends it through `node:http` with
 * backpressure (Effect's fetch client would drop the length, and Node's `fetch` buffers a stream
 * body without bound); another `HttpClient` gets the length with the body.
 */
export const streamBody = (
  stream: Stream.Stream<Uint8Array, unknown>,
  options: { readonly contentLength: number; readonly contentType?: string | undefined }
): Body => ({ _tag: "Raw", body: HttpBody.stream(stream, options.contentType, options.contentLength) })

/** One decoded SSE event. */
export interface SseEvent {
  readonly _tag: "Event"
  /** The `event:` field, `message` when the frame had none. */
  readonly event: string
  readonly id: string | undefined
  /** The data lines joined with `\n`. */
  readonly data: string
}

/** One call, described independently of the transport. */
export interface Request {
  readonly method: Method
  /** Path below `/api/v1`, starting with `/` (ids already percent-encoded). */
  readonly path: string
  /**
   * An absolute URL to call instead of `path`, e.g. a signed storage URL: sent without any
   * Flow-Like credential or configured header, and allowed to follow redirects.
   */
  readonly url?: string | undefined
  readonly urlParams?: Readonly<Record<string, string | number | boolean | undefined>> | undefined
  readonly body?: Body | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly auth?: Auth.RequestAuth | undefined
  /** Safe to send twice, and retried automatically on transient failures; defaults to true for GET only. Never set it for invocations. */
  readonly isIdempotent?: boolean | undefined
  /** The caller retries this request itself (e.g. a run's watch), so the transport does not. */
  readonly isRetriedByCaller?: boolean | undefined
  /** Time the server may legitimately hold the request (a long poll's wait), added to the client's timeout. */
  readonly serverWait?: Duration.Duration | undefined
  /** The SDK operation, `Service.method`, named in errors. */
  readonly operation?: string | undefined
}

export { withRetries }
export type { RetryPolicy } from "./internal/retries.ts"
export { idProblem, path } from "./internal/ids.ts"

/**
 * Marks the transport as plain `fetch` (what `FlowLike.layer` provides): API requests that answer
 * JSON are then sent directly instead of through the `HttpClient`'s wrappers, unless a tracer is
 * installed: with the custom `fetch` given in the options, else on Node's own `node:http` while
 * `globalThis.fetch` is Node's (a replaced `globalThis.fetch` is called instead). Event streams take
 * the direct path on `node:http` only (`internal/directStream.ts`), with backpressure of their own.
 * Without this service every request goes through the `HttpClient` in context.
 */
export class DirectFetch extends Context.Service<DirectFetch, {
  readonly fetch: typeof globalThis.fetch | undefined
}>()("@flow-like/effect/FlowLikeHttp/DirectFetch") {}

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
  /** Sends a request and streams the bytes of its successful response (idle-timed like SSE). */
  bytes(request: Request): Stream.Stream<Uint8Array, FlowLikeError.FlowLikeError>
  /** Sends a request whose answer is an SSE stream and yields its decoded frames. Never retried. */
  sse(request: Request): Stream.Stream<SseEvent, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/FlowLikeHttp") {
  /** Builds the transport from `FlowLikeConfig`, `Auth` and the ambient `HttpClient`. */
  static readonly layer: Layer.Layer<FlowLikeHttp, never, FlowLikeConfig | Auth.Auth | HttpClient.HttpClient> = Layer.effect(
    FlowLikeHttp,
    Effect.gen(function*() {
      const config = yield* FlowLikeConfig
      const auth = yield* Auth.Auth
      const client = yield* HttpClient.HttpClient
      const direct = yield* Effect.serviceOption(DirectFetch)
      return FlowLikeHttp.of(make(config, auth, client, Option.getOrUndefined(direct)))
    })
  )
}


/** The request's query parameters that have a value, as strings. */
const definedParams = (request: Request): Record<string, string> => {
  const params: Record<string, string> = {}
  for (const [key, value] of Object.entries(request.urlParams ?? {})) {
    if (value !== undefined) params[key] = String(value)
  }
  return params
}

/** A signed URL as errors show it: its query (the signature, a credential) replaced by `?<redacted>`. */
export const withoutQuery = (url: string): string => {
  const index = url.indexOf("?")
  return index === -1 ? url : `${url.slice(0, index)}?<redacted>`
}

/** Method and full URL of a request, as errors show them (headers never appear). */
export const describeRequest = (config: ResolvedConfig, request: Request): Errors.RequestInfo => {
  const query = new URLSearchParams(definedParams(request)).toString()
  const base = request.url === undefined ? `${config.apiUrl}${request.path}` : withoutQuery(request.url)
  return {
    method: request.method,
    url: query === "" ? base : `${base}${base.includes("?") ? "&" : "?"}${query}`,
    operation: request.operation,
    isIdempotent: request.isIdempotent ?? request.method === "GET"
  }
}

const defaultClock = Effect.runSync(Effect.clockWith(Effect.succeed))

const defaultRedactedNames = Effect.runSync(Effect.service(Headers.CurrentRedactedNames))

/** The declared length of a streamed body (an Effect `Stream` or a web `ReadableStream`), if the request has one. */
const streamLengthOf = (request: Request): number | undefined => {
  const body = request.body
  if (body?._tag !== "Raw") return undefined
  const inner = body.body
  return inner._tag === "Stream" || (inner._tag === "Raw" && inner.body instanceof ReadableStream) ? inner.contentLength : undefined
}

/** API requests never follow redirects: the Flow-Like API does not redirect, and a redirect must not carry credentials elsewhere. */
const apiRequestInit: globalThis.RequestInit = { redirect: "manual" }

/** Builds the transport service from its parts; exported for tests and custom wiring. */
export const make = (
  config: ResolvedConfig,
  auth: Auth.Auth["Service"],
  client: HttpClient.HttpClient,
  direct?: DirectFetch["Service"] | undefined
): FlowLikeHttp["Service"] => {
  /** The headers sent: configured, per-call, the request's own and auth for API requests; none of them for absolute URLs. */
  const headersOf = (
    request: Request,
    info: Errors.RequestInfo,
    accept: string,
    call: CallOptions.Options
  ): Result.Result<Record<string, string>, FlowLikeError.FlowLikeError> => {
    if (request.url !== undefined) return Result.succeed({ "user-agent": USER_AGENT, ...request.headers })
    const callHeaders = checkHeaders(call.headers, (message) => FlowLikeError.invalidArgument(`${Errors.prefix(info)}${message}`, info.operation))
    if (Result.isFailure(callHeaders)) return callHeaders
    return Result.succeed({
      ...config.headers,
      ...callHeaders.success,
      "user-agent": USER_AGENT,
      accept,
      ...request.headers,
      ...auth.headers(request.auth ?? Auth.credential)
    })
  }

  const unserialisableBody = (info: Errors.RequestInfo, value: unknown) =>
    FlowLikeError.invalidArgument(
      `${Errors.prefix(info)}the body cannot be sent as JSON: ${Errors.unserialisable(value, "") ?? "JSON.stringify refused it"}`,
      info.operation
    )

  const toHttpRequest = (
    request: Request,
    info: Errors.RequestInfo,
    accept: string,
    call: CallOptions.Options
  ): Effect.Effect<HttpClientRequest.HttpClientRequest, FlowLikeError.FlowLikeError> => {
    const built = headersOf(request, info, accept, call)
    if (Result.isFailure(built)) return Effect.fail(built.failure)
    const headers = built.success
    const make = (body: HttpBody.HttpBody) =>
      HttpClientRequest.make(request.method)(request.url ?? `${config.apiUrl}${request.path}`, {
        urlParams: definedParams(request),
        headers,
        body
      })
    const body = request.body
    if (body === undefined) return Effect.succeed(make(HttpBody.empty))
    if (body._tag === "Raw") return Effect.succeed(make(body.body))
    return HttpBody.json(body.value).pipe(
      Effect.map(make),
      Effect.mapError(() => unserialisableBody(info, body.value))
    )
  }

  /**
   * What the HTTP client runs with: secret headers redacted in its spans; API requests held to no
   * redirects; its spans only when a tracer is installed, and trace headers only when asked for.
   */
  const contexts = new Map<string, Context.Context<never>>()
  const clientContext = (names: ReadonlyArray<string | RegExp>, isApi: boolean, isTracing: boolean) => {
    const key = `${isApi}:${isTracing}`
    let context = names === defaultRedactedNames ? contexts.get(key) : undefined
    if (context === undefined) {
      context = Context.make(Headers.CurrentRedactedNames, [...names, ...Auth.SECRET_HEADER_NAMES]).pipe(
        Context.add(HttpClient.TracerDisabledWhen, isTracing ? constFalse : constTrue),
        Context.add(HttpClient.TracerPropagationEnabled, isTracing && config.tracePropagation)
      ) as Context.Context<never>
      if (isApi) context = Context.add(context, FetchHttpClient.RequestInit, apiRequestInit) as Context.Context<never>
      if (names === defaultRedactedNames) contexts.set(key, context)
    }
    return context
  }
  const transport = <A, E, R>(request: Request, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiber((fiber) => {
      const context = clientContext(
        fiber.getRef(Headers.CurrentRedactedNames),
        request.url === undefined,
        fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer
      )
      // Under `FlowLike.layer` the `fetch` is the one given, else `globalThis.fetch` looked up per
      // request: Effect keeps the first `globalThis.fetch` it sees as its `Fetch` default, and a
      // `fetch` replaced later must still see every call. Other layers keep their `Fetch`.
      const fetch = direct === undefined ? undefined : direct.fetch ?? globalThis.fetch
      const length = streamLengthOf(request)
      return Effect.provideContext(
        effect,
        length !== undefined
          ? Context.add(context, FetchHttpClient.Fetch, uploadFetch(fetch ?? fiber.getRef(FetchHttpClient.Fetch), length))
          : fetch === undefined
          ? context
          : Context.add(context, FetchHttpClient.Fetch, fetch)
      )
    })

  /** The request, its secret headers redacted, at debug level; nothing is built when debug logging is off. */
  const logRequest = (info: Errors.RequestInfo, headers: Readonly<Record<string, string>>) =>
    Effect.withFiber((fiber) =>
      isDebugEnabledIn(fiber)
        ? Effect.logDebug("flow-like request").pipe(
          Effect.annotateLogs({
            method: info.method,
            url: info.url,
            headers: Headers.redact(Headers.fromInput(headers), Auth.SECRET_HEADER_NAMES)
          })
        )
        : Effect.void
    )

  const send = (
    request: Request,
    info: Errors.RequestInfo,
    accept: string,
    call: CallOptions.Options
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, FlowLikeError.FlowLikeError> =>
    toHttpRequest(request, info, accept, call).pipe(
      Effect.tap((httpRequest) => logRequest(info, httpRequest.headers)),
      Effect.flatMap((httpRequest) => transport(request, client.execute(httpRequest))),
      Effect.catchTag("HttpClientError", (error) => Effect.fail(Errors.fromHttpClientError(info, error))),
      Effect.flatMap((response) =>
        response.status >= 200 && response.status < 300
          ? Effect.sync(() => {
            call.onResponse?.({ status: response.status, headers: response.headers })
            return response
          })
          : Effect.flatMap(Errors.fromResponse(info, response), Effect.fail)
      )
    )

  /** How long one attempt may take: the client's (or the call's) timeout, plus what the server may hold it. */
  const timeoutOf = (request: Request, call: CallOptions.Options): Duration.Duration => {
    const base = call.timeout === undefined ? config.timeout : Duration.fromInputUnsafe(call.timeout)
    return request.serverWait === undefined ? base : Duration.sum(base, request.serverWait)
  }

  /**
   * One attempt bounded by the request timeout (unless the attempt times itself: `selfTimed`);
   * idempotent requests are retried on transient failures.
   */
  const withPolicy = <A, R = never>(
    request: Request,
    info: Errors.RequestInfo,
    call: CallOptions.Options,
    attempt: Effect.Effect<A, FlowLikeError.FlowLikeError, R>,
    selfTimed = false
  ): Effect.Effect<A, FlowLikeError.FlowLikeError, R> => {
    const timeout = timeoutOf(request, call)
    const timed = selfTimed ? attempt : Effect.timeoutOrElse(attempt, {
      duration: timeout,
      orElse: () => Effect.fail(Errors.timedOut(info, timeout, "no complete response"))
    })
    const isIdempotent = request.isIdempotent ?? request.method === "GET"
    if (!isIdempotent || request.isRetriedByCaller === true) return timed
    return withRetries(timed, {
      maxRetries: call.maxRetries ?? config.maxRetries,
      maxDelay: config.maxRetryDelay,
      maxTime: config.maxRetryTime
    })
  }

  const readJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
    info: Errors.RequestInfo,
    schema: S,
    response: HttpClientResponse.HttpClientResponse
  ): Effect.Effect<{ readonly value: S["Type"]; readonly raw: unknown }, FlowLikeError.FlowLikeError> => {
    return Errors.readText(response, config.maxResponseBytes, "fail").pipe(
      Effect.mapError((error) =>
        error._tag === "TooLarge" ? Errors.tooLarge(info, response.status, error.limit) : Errors.streamBroken(info, error)
      ),
      Effect.flatMap((text) => decodeJson(info, schema, response.status, text))
    )
  }

  /** An answer's text parsed and checked against the schema (a compiled decoder where one is registered). */
  const decodeJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
    info: Errors.RequestInfo,
    schema: S,
    status: number,
    text: string
  ): Effect.Effect<{ readonly value: S["Type"]; readonly raw: unknown }, FlowLikeError.FlowLikeError> => {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      return Effect.fail(Errors.decodeFailed(info, status, text, `the answer is not JSON: ${Errors.describeCause(error)}`))
    }
    const quick = fastDecoderOf(schema)?.(raw)
    if (quick !== undefined) return Effect.succeed({ value: quick, raw })
    return Schema.decodeUnknownEffect(schema)(raw).pipe(
      Effect.map((value) => ({ value, raw })),
      Effect.mapError((error) => Errors.decodeFailed(info, status, text, error.message))
    )
  }

  /** A request as the direct transport sends it: the same headers as the `HttpClient` path, a JSON body as text. */
  const directOutgoing = (
    request: Request,
    info: Errors.RequestInfo,
    accept: string,
    call: CallOptions.Options
  ): Result.Result<Direct.Outgoing, FlowLikeError.FlowLikeError> => {
    const built = headersOf(request, info, accept, call)
    if (Result.isFailure(built)) return Result.fail(built.failure)
    const headers = built.success
    let body: string | null = null
    if (request.body !== undefined && request.body._tag === "Json") {
      try {
        body = String(JSON.stringify(request.body.value))
      } catch {
        return Result.fail(unserialisableBody(info, request.body.value))
      }
      headers["content-type"] = "application/json"
    }
    return Result.succeed({ method: request.method, headers, body })
  }

  /**
   * One attempt of a JSON request sent directly (see `DirectFetch`): the same headers, body,
   * errors, limits and `onResponse` as the `HttpClient` path, in one promise.
   */
  const directJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
    send: Direct.Sender,
    request: Request,
    info: Errors.RequestInfo,
    call: CallOptions.Options,
    schema: S,
    timeoutMillis: number | undefined,
    isDebugLogged: boolean
  ): Effect.Effect<{ readonly value: S["Type"]; readonly raw: unknown }, FlowLikeError.FlowLikeError> => {
    const built = directOutgoing(request, info, "application/json", call)
    if (Result.isFailure(built)) return Effect.fail(built.failure)
    const outgoing = built.success
    const limits = {
      limit: config.maxResponseBytes,
      errorLimit: Errors.MAX_ERROR_BODY_BYTES,
      timeoutMillis: timeoutMillis ?? Infinity
    }
    const exchange = Effect.flatMap(Direct.exchangeEffect(send, info, outgoing, limits, timeoutOf(request, call)), (answer) => {
      call.onResponse?.({ status: answer.status, headers: answer.headers })
      return decodeJson(info, schema, answer.status, answer.text)
    })
    return isDebugLogged ? Effect.andThen(logRequest(info, outgoing.headers), exchange) : exchange
  }

  const idleTimeout = <A>(info: Errors.RequestInfo, stream: Stream.Stream<A, FlowLikeError.FlowLikeError>) => {
    const idle = config.streamIdleTimeout
    return Stream.timeoutOrElse(stream, {
      duration: idle,
      orElse: () => Stream.fail(Errors.timedOut(info, idle, "the stream sent nothing"))
    })
  }

  /**
   * The decoded frames of an event-stream answer (its head, its text for errors, its bytes),
   * failing if it goes silent or breaks.
   */
  const frames = (
    info: Errors.RequestInfo,
    status: number,
    headers: Headers.Headers,
    text: Effect.Effect<string>,
    bytes: Stream.Stream<Uint8Array, FlowLikeError.FlowLikeError>
  ): Effect.Effect<Stream.Stream<SseEvent, FlowLikeError.FlowLikeError>, FlowLikeError.FlowLikeError> => {
    const contentType = headers["content-type"] ?? ""
    // Media types are case-insensitive (RFC 9110 §8.3.1).
    if (!contentType.trimStart().toLowerCase().startsWith("text/event-stream")) {
      return Effect.flatMap(text, (body) =>
        Effect.fail(
          Errors.decodeFailed(info, status, body, `expected an event stream, got "${contentType || "no content type"}"`)
        ))
    }
    return Effect.succeed(decodeSse(idleTimeout(info, bytes), (detail) => Errors.streamFailed(info, detail)))
  }

  /** An event stream over the direct transport (see `DirectStream`): the same headers, errors and `onResponse`. */
  const directSse = (
    request: Request,
    info: Errors.RequestInfo,
    call: CallOptions.Options
  ): Effect.Effect<Stream.Stream<SseEvent, FlowLikeError.FlowLikeError>, FlowLikeError.FlowLikeError, Scope.Scope> => {
    const built = directOutgoing(request, info, "text/event-stream", call)
    if (Result.isFailure(built)) return Effect.fail(built.failure)
    const outgoing = built.success
    return logRequest(info, outgoing.headers).pipe(
      Effect.andThen(withPolicy(request, info, call, DirectStream.openEffect(info, outgoing))),
      Effect.flatMap((opened) => {
        call.onResponse?.({ status: opened.status, headers: opened.headers })
        return frames(
          info,
          opened.status,
          opened.headers,
          DirectStream.bodyText(opened, Errors.MAX_ERROR_BODY_BYTES),
          DirectStream.bodyStream(info, opened)
        )
      })
    )
  }

  const withCall = <A, E, R>(f: (call: CallOptions.Options) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.service(CallOptions.CallOptions), f)

  const customSender = direct?.fetch === undefined ? undefined : Direct.fetchSender(direct.fetch)

  /** Whether a request may skip the `HttpClient`: an API request with no body or a JSON one, no tracer installed, under `FlowLike.layer`. */
  const isDirect = (request: Request, fiber: Fiber.Fiber<unknown, unknown>): boolean =>
    direct !== undefined && request.url === undefined && (request.body === undefined || request.body._tag === "Json") &&
    fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer

  /** The direct sender for a JSON request, if it may take that path. */
  const directSenderFor = (request: Request, fiber: Fiber.Fiber<unknown, unknown>): Direct.Sender | undefined =>
    isDirect(request, fiber) ? customSender ?? Direct.defaultSender() : undefined

  /** Whether a streamed answer may take the direct path: as JSON requests, on Node's own HTTP modules only. */
  const directStreamFor = (request: Request, fiber: Fiber.Fiber<unknown, unknown>): boolean =>
    customSender === undefined && Direct.usesNodeHttp() && isDirect(request, fiber)

  const jsonWithRaw = <S extends Schema.Top & { readonly DecodingServices: never }>(request: Request, schema: S) =>
    withCall((call) => {
      const info = describeRequest(config, request)
      return Effect.withFiber((fiber) => {
        const sender = directSenderFor(request, fiber)
        if (sender === undefined) {
          return withPolicy(
            request,
            info,
            call,
            Effect.flatMap(send(request, info, "application/json", call), (response) => readJson(info, schema, response))
          )
        }
        // On the real clock the attempt times itself (a timer in the same promise, no racing fiber);
        // under a test clock the timeout stays an Effect timeout, so the test clock drives it.
        const selfTimed = fiber.getRef(Clock.Clock) === defaultClock
        const timeoutMillis = selfTimed ? Duration.toMillis(timeoutOf(request, call)) : undefined
        return withPolicy(request, info, call, directJson(sender, request, info, call, schema, timeoutMillis, isDebugEnabledIn(fiber)), selfTimed)
      })
    })

  return {
    config,
    execute: (request) =>
      withCall((call) => {
        const info = describeRequest(config, request)
        return withPolicy(request, info, call, send(request, info, "application/json", call))
      }),
    jsonWithRaw,
    json: (request, schema) => Effect.map(jsonWithRaw(request, schema), ({ value }) => value),
    bytes: (request) =>
      Stream.unwrap(withCall((call) => {
        const info = describeRequest(config, request)
        return Effect.map(
          withPolicy(request, info, call, send(request, info, "*/*", call)),
          (response) => idleTimeout(info, Stream.mapError(response.stream, (error) => Errors.streamBroken(info, error)))
        )
      })),
    sse: (request) =>
      Stream.unwrap(withCall((call) => {
        const info = describeRequest(config, request)
        const once: Request = { ...request, isIdempotent: false }
        return Effect.withFiber((fiber) =>
          directStreamFor(request, fiber)
            ? directSse(once, info, call)
            : withPolicy(once, info, call, send(request, info, "text/event-stream", call)).pipe(
              Effect.flatMap((response) =>
                frames(
                  info,
                  response.status,
                  response.headers,
                  Effect.orElseSucceed(response.text, () => ""),
                  Stream.mapError(response.stream, (error) => Errors.streamBroken(info, error))
                )
              )
            )
        )
      }))
  }
}
