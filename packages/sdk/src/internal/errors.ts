import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Headers from "effect/http/Headers"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as FlowLikeError from "../FlowLikeError.ts"

const MAX_BODY_IN_ERROR = 2_000

/** The request a failure belongs to, as shown in messages (never with headers). */
export interface RequestInfo {
  readonly method: string
  readonly url: string
  /** The SDK operation, `Service.method`. */
  readonly operation?: string | undefined
  /** Whether the request may be sent twice (reads and polls; never invocations). */
  readonly isIdempotent?: boolean | undefined
}

/** System error codes meaning the request never left this machine: nothing reached the server. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"])

/** The first system error code (`ECONNREFUSED`, ...) in a cause chain. */
export const causeCode = (cause: unknown): string | undefined => {
  let current: unknown = cause
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code: unknown = Reflect.get(current, "code")
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code
    const errors: unknown = Reflect.get(current, "errors")
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = causeCode(errors[0])
      if (inner !== undefined) return inner
    }
    current = Reflect.get(current, "cause")
  }
  return undefined
}

/** Whether a failure means the server is not there at all (refused, unknown host): a wrong base URL, most often. */
export const isUnreachable = (error: FlowLikeError.FlowLikeError): boolean =>
  error.reason._tag === "NetworkError" && error.reason.mayHaveReachedServer === false

/** `"Service.method: "` when the operation is known, for the start of a message. */
export const prefix = (request: RequestInfo): string => request.operation === undefined ? "" : `${request.operation}: `

/**
 * The server's envelope, and also a chat provider's own error body (`{"error":{"message","type",
 * "code"}}`, passed through on non-streamed chat), whose `code` may be `null` or a number.
 */
const Envelope = Schema.Struct({
  error: Schema.Struct({
    code: Schema.optional(Schema.Unknown),
    id: Schema.optional(Schema.NullOr(Schema.String)),
    message: Schema.optional(Schema.Unknown),
    type: Schema.optional(Schema.Unknown)
  })
})

const codeText = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined

const TopLevelMessage = Schema.Struct({ message: Schema.String })

const decodeEnvelope = Schema.decodeUnknownOption(Schema.fromJsonString(Envelope))
const decodeTopLevel = Schema.decodeUnknownOption(Schema.fromJsonString(TopLevelMessage))

const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/** Shortens a body for an error message. */
export const truncate = (text: string, max = MAX_BODY_IN_ERROR): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`

/** The parts of an error body the SDK understands: the server's envelope, a sink's `message`, or plain text. */
export const parseErrorBody = (
  body: string
): { readonly code: string | undefined; readonly errorId: string | undefined; readonly message: string | undefined } => {
  const envelope = decodeEnvelope(body)
  if (Option.isSome(envelope)) {
    const { code, id, message, type } = envelope.value.error
    return {
      code: codeText(code) ?? codeText(type),
      errorId: id ?? undefined,
      message: typeof message === "string" ? message : undefined
    }
  }
  const topLevel = decodeTopLevel(body)
  if (Option.isSome(topLevel)) {
    return { code: undefined, errorId: undefined, message: topLevel.value.message }
  }
  const text = body.trim()
  return { code: undefined, errorId: undefined, message: text === "" ? undefined : truncate(text, 500) }
}

const retryAfter = (headers: Headers.Headers, now: number): Duration.Duration | undefined => {
  const value = headers["retry-after"]
  if (value === undefined) return undefined
  const parsed = Headers.parseRetryAfter(value)
  return Result.isSuccess(parsed) ? Headers.retryAfterDelay(parsed.success, now) : undefined
}

/** Builds the typed error for a non-2xx response whose body has been read. */
export const fromStatus = (
  request: RequestInfo,
  status: number,
  headers: Headers.Headers,
  body: string,
  now: number
): FlowLikeError.FlowLikeError => {
  if (status >= 300 && status < 400) return redirected(request, status, headers)
  const parsed = parseErrorBody(body)
  const errorId = parsed.errorId ?? headers["x-error-id"]
  const serverMessage = parsed.message ?? REASON_PHRASES[status] ?? "HTTP error"
  const code = parsed.code
  let message = `${prefix(request)}${request.method} ${request.url} failed with ${status}${code === undefined ? "" : ` ${code}`}: ${serverMessage}`
  if (status === 500 && (code === undefined || code === "INTERNAL_ERROR")) {
    message += " (the Flow-Like server also answers 500 for missing or invalid credentials, for apps you are not a member of and for unknown boards or events)"
  }
  if (errorId !== undefined) message += ` [error id ${errorId}]`
  const fields = {
    message,
    operation: request.operation,
    method: request.method,
    url: request.url,
    status,
    code,
    errorId,
    body: body === "" ? undefined : truncate(body)
  }
  if (status === 401) return FlowLikeError.make(new FlowLikeError.AuthenticationError(fields))
  if (status === 403) return FlowLikeError.make(new FlowLikeError.PermissionDeniedError(fields))
  if (status === 404) return FlowLikeError.make(new FlowLikeError.NotFoundError(fields))
  if (status === 429) {
    return FlowLikeError.make(
      new FlowLikeError.RateLimitError({ ...fields, retryAfter: retryAfter(headers, now) })
    )
  }
  if (status >= 500) {
    return FlowLikeError.make(
      new FlowLikeError.ServerError({ ...fields, retryAfter: retryAfter(headers, now) })
    )
  }
  return FlowLikeError.make(new FlowLikeError.InvalidRequestError(fields))
}

/** A `Location` as shown in errors: without any user info or query (which may hold credentials). */
const safeLocation = (location: string | undefined): string => {
  if (location === undefined) return "no Location"
  try {
    const url = new URL(location, "http://relative.invalid")
    return url.origin === "http://relative.invalid" ? url.pathname : `${url.origin}${url.pathname}`
  } catch {
    return "an unparseable Location"
  }
}

/** The API never redirects, so API requests do not follow redirects: a 3xx is refused, naming where it pointed. */
const redirected = (request: RequestInfo, status: number, headers: Headers.Headers): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.InvalidRequestError({
      message: `${prefix(request)}${request.method} ${request.url} answered a redirect (${status}) to ${
        safeLocation(headers["location"])
      }; the Flow-Like API never redirects, so the SDK does not follow it (check the base URL)`,
      operation: request.operation,
      method: request.method,
      url: request.url,
      status
    })
  )

/** Reads the body of a failed response (bounded by the request timeout) and builds the typed error. */
export const fromResponse = (
  request: RequestInfo,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<FlowLikeError.FlowLikeError> =>
  Effect.gen(function*() {
    const body = yield* readText(response, MAX_ERROR_BODY_BYTES, "truncate").pipe(Effect.orElseSucceed(() => ""))
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    return fromStatus(request, response.status, response.headers, body, now)
  })

/** How much of an error body is read: the message needs a little of it, never a giant one. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024

const decoder = new TextDecoder()

/** More bytes than allowed arrived. */
export class TooLarge {
  readonly _tag = "TooLarge"
  readonly limit: number
  constructor(limit: number) {
    this.limit = limit
  }
}

/**
 * A response body as text, reading at most `limit` bytes: beyond that it fails with `TooLarge`, or
 * (`"truncate"`) keeps the first `limit` bytes and cancels the rest.
 */
export const readText = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number,
  onLarger: "fail" | "truncate"
): Effect.Effect<string, TooLarge | HttpClientError.HttpClientError> => {
  const declared = Number(response.headers["content-length"])
  if (Number.isFinite(declared) && declared <= limit) return response.text
  if (Number.isFinite(declared) && onLarger === "fail") return Effect.fail(new TooLarge(limit))
  return Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return response.stream.pipe(
      Stream.mapError((error) => error as TooLarge | HttpClientError.HttpClientError),
      Stream.takeWhile(() => size < limit),
      Stream.runForEach((chunk) => {
        size += chunk.length
        if (size > limit && onLarger === "fail") return Effect.fail(new TooLarge(limit))
        chunks.push(chunk)
        return Effect.void
      }),
      Effect.map(() => {
        const text = decoder.decode(Buffer.concat(chunks))
        return size > limit ? text.slice(0, limit) : text
      })
    )
  })
}

/** A cause as text: its message and its own cause's message. */
export const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
    return `${cause.message}${inner}`
  }
  return String(cause)
}

/** A request that failed before any answer arrived: not sent at all (refused, unknown host) or cut. */
export const fromTransportCause = (request: RequestInfo, cause: unknown): FlowLikeError.FlowLikeError => {
  const code = causeCode(cause)
  const notSent = code !== undefined && NOT_SENT_CODES.has(code)
  return FlowLikeError.make(
    new FlowLikeError.NetworkError({
      message: `${prefix(request)}${request.method} ${request.url}: ${notSent ? "could not connect" : "connection failed"}: ${
        describeCause(cause)
      }`,
      operation: request.operation,
      method: request.method,
      url: request.url,
      code,
      isIdempotent: request.isIdempotent,
      mayHaveReachedServer: !notSent,
      cause: typeof cause === "string" ? undefined : cause
    })
  )
}

/** Maps a transport-level failure of the Effect HTTP client. */
export const fromHttpClientError = (
  request: RequestInfo,
  error: HttpClientError.HttpClientError
): FlowLikeError.FlowLikeError => {
  const reason = error.reason
  switch (reason._tag) {
    case "TransportError":
      return fromTransportCause(request, reason.cause ?? reason.description)
    case "EncodeError":
    case "InvalidUrlError":
      return FlowLikeError.invalidArgument(
        `${prefix(request)}${request.method} ${request.url}: the request could not be built: ${describeCause(reason.cause ?? reason.description)}`
      )
    case "StatusCodeError":
    case "DecodeError":
    case "EmptyBodyError":
      return FlowLikeError.make(
        new FlowLikeError.DecodeError({
          message: `${prefix(request)}${request.method} ${request.url}: the response could not be read: ${describeCause(reason.cause ?? reason.description)}`,
          operation: request.operation,
          method: request.method,
          url: request.url,
          status: reason.response.status
        })
      )
  }
}

/** A body stream broke after the response started. */
export const streamBroken = (request: RequestInfo, cause: unknown): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.NetworkError({
      message: `${prefix(request)}${request.method} ${request.url}: the connection dropped while reading the response: ${describeCause(cause)}`,
      operation: request.operation,
      code: causeCode(cause),
      isIdempotent: request.isIdempotent,
      mayHaveReachedServer: true,
      method: request.method,
      url: request.url,
      cause
    })
  )

/** A stream's framing broke or it ended too early. */
export const streamFailed = (request: RequestInfo, detail: string): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.StreamError({
      message: `${prefix(request)}${request.method} ${request.url}: ${detail}`,
      operation: request.operation,
      method: request.method,
      url: request.url
    })
  )

/** A request or stream ran out of time. */
export const timedOut = (request: RequestInfo, timeout: Duration.Duration, what: string): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.TimeoutError({
      message: `${prefix(request)}${request.method} ${request.url}: ${what} after ${Duration.format(timeout)}`,
      operation: request.operation,
      isIdempotent: request.isIdempotent,
      mayHaveReachedServer: true,
      method: request.method,
      url: request.url,
      timeoutMillis: Duration.toMillis(timeout)
    })
  )

/** A successful response had the wrong shape. */
export const decodeFailed = (
  request: RequestInfo,
  status: number | undefined,
  body: string,
  detail: string
): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.DecodeError({
      message: `${prefix(request)}${request.method} ${request.url}: unexpected response from the server: ${detail}`,
      operation: request.operation,
      method: request.method,
      url: request.url,
      status,
      body: truncate(body)
    })
  )

/**
 * Where and why a value cannot become JSON, e.g. `a BigInt at payload.amount` or `a circular
 * reference at payload.self`.
 */
export const unserialisable = (value: unknown, root: string): string | undefined => {
  const seen = new Set<object>()
  const visit = (current: unknown, path: string): string | undefined => {
    switch (typeof current) {
      case "bigint":
        return `a BigInt at ${path}`
      case "symbol":
        return `a Symbol at ${path}`
      case "function":
        return `a function at ${path}`
      case "number":
        return undefined
      case "object": {
        if (current === null) return undefined
        if (seen.has(current)) return `a circular reference at ${path}`
        if (typeof Reflect.get(current, "toJSON") === "function") return undefined
        seen.add(current)
        const entries = Array.isArray(current)
          ? current.map((item, index) => [`${path}[${index}]`, item] as const)
          : Object.entries(current).map(([key, item]) => [
            /^[A-Za-z_$][\w$]*$/.test(key) ? (path === "" ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`,
            item
          ] as const)
        for (const [childPath, item] of entries) {
          const found = visit(item, childPath)
          if (found !== undefined) return found
        }
        seen.delete(current)
        return undefined
      }
      default:
        return undefined
    }
  }
  return visit(value, root)?.replace(/ at $/, " at the top level")
}

/** A 2xx answer larger than `maxResponseBytes`: not read. */
export const tooLarge = (request: RequestInfo, status: number, limit: number): FlowLikeError.FlowLikeError =>
  decodeFailed(request, status, "", `the answer is larger than ${limit} bytes (maxResponseBytes); it was not read`)
