/**
 * The SDK's one error family: every failure is a `FlowLikeError` whose `reason` says what went wrong.
 *
 * Effect users match on `reason` with `Effect.catchReason("FlowLikeError", "NotFoundError", ...)`;
 * Promise users catch `FlowLikeError` with `instanceof` and read `error.reason._tag`.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * Marks every `FlowLikeError`, so that `isFlowLikeError` and `instanceof FlowLikeError` recognise
 * errors made by another copy of this package (two versions installed side by side).
 */
export const TypeId: unique symbol = Symbol.for("@flow-like/effect/FlowLikeError") as never

/** The type of `TypeId`. */
export type TypeId = typeof TypeId

const RequestFields = {
  message: Schema.String,
  /** The SDK operation that failed, as `Service.method`, e.g. `Execution.getRunStatus`. */
  operation: Schema.optional(Schema.String),
  method: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String)
}

const ResponseFields = {
  ...RequestFields,
  status: Schema.Number,
  code: Schema.optional(Schema.String),
  errorId: Schema.optional(Schema.String),
  body: Schema.optional(Schema.String)
}

/** Options or environment are missing, doubled or malformed; raised before any request is sent. */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>()("ConfigurationError", {
  message: Schema.String,
  operation: Schema.optional(Schema.String)
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** An argument (an id, a path, a payload) cannot be sent as given; raised before any request. */
export class InvalidArgumentError extends Schema.TaggedError<InvalidArgumentError>()("InvalidArgumentError", {
  message: Schema.String,
  operation: Schema.optional(Schema.String)
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The server rejected the credentials (401). Note: the Flow-Like server answers most auth problems with 500. */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()("AuthenticationError", ResponseFields) {
  get isRetryable(): boolean {
    return false
  }
}

/** The caller lacks a permission or a tier allowance (403). */
export class PermissionDeniedError extends Schema.TaggedError<PermissionDeniedError>()(
  "PermissionDeniedError",
  ResponseFields
) {
  get isRetryable(): boolean {
    return false
  }
}

/** The resource does not exist (404), or the route is unknown to the server. */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", ResponseFields) {
  get isRetryable(): boolean {
    return false
  }
}

/** The server refused the request as malformed (400, 405, 409, 413, 415, 422 and other 4xx). */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>()("InvalidRequestError", ResponseFields) {
  get isRetryable(): boolean {
    return this.status === 408
  }
}

/** Too many requests (429); `retryAfter` carries the server's `Retry-After` when it sent one. */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", {
  ...ResponseFields,
  retryAfter: Schema.optional(Schema.Duration)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** The server failed (5xx). `errorId` is the server's `x-error-id`, useful when reporting the problem. */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...ResponseFields,
  retryAfter: Schema.optional(Schema.Duration)
}) {
  get isRetryable(): boolean {
    return true
  }
}

const DeliveryFields = {
  /** Whether the request was one that may be sent twice (reads, polls); invocations are not. */
  isIdempotent: Schema.optional(Schema.Boolean),
  /**
   * Whether the request may have reached the server. `false` only when it certainly did not (the
   * connection was refused, the host unknown): then even an invocation can be sent again safely.
   */
  mayHaveReachedServer: Schema.optional(Schema.Boolean)
}

/** Retrying is safe when the request may be sent twice, or certainly never arrived. */
const safeToRetry = (error: { readonly isIdempotent?: boolean | undefined; readonly mayHaveReachedServer?: boolean | undefined }) =>
  error.isIdempotent !== false || error.mayHaveReachedServer === false

/**
 * The connection failed, was refused or dropped before a complete response arrived. `code` is the
 * system's error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, ...).
 */
export class NetworkError extends Schema.TaggedError<NetworkError>()("NetworkError", {
  ...RequestFields,
  ...DeliveryFields,
  code: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}) {
  /** True unless an invocation may have reached the server (calling again could start a second run). */
  get isRetryable(): boolean {
    return safeToRetry(this)
  }
}

/** A request exceeded its timeout, or a stream stayed silent longer than its idle timeout. */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  ...RequestFields,
  ...DeliveryFields,
  timeoutMillis: Schema.Number
}) {
  /** True unless an invocation may have reached the server (calling again could start a second run). */
  get isRetryable(): boolean {
    return safeToRetry(this)
  }
}

/** A successful response did not have the shape the API promises; `body` keeps what arrived. */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  ...RequestFields,
  status: Schema.optional(Schema.Number),
  body: Schema.optional(Schema.String)
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** A stream ended before its run finished, or its framing was broken. */
export class StreamError extends Schema.TaggedError<StreamError>()("StreamError", RequestFields) {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The run ended `Failed`, `Cancelled` or `Timeout`, or reported an error in-band (an `error` event),
 * after every event before it was delivered. `runStatus` is the run's final status (`status`, on
 * every error, is the HTTP status); `data` is the raw data of the `error` frame of a streamed run;
 * `lastSequence` (polled runs) is the last event delivered; `awaitRun`'s error also carries the
 * run's `events` (on the `FlowLikeError`).
 */
export class RunError extends Schema.TaggedError<RunError>()("RunError", {
  ...RequestFields,
  runId: Schema.optional(Schema.String),
  runStatus: Schema.optional(Schema.String),
  /** The run's own error text, when it gave one. */
  error: Schema.optional(Schema.String),
  data: Schema.optional(Schema.String),
  lastSequence: Schema.optional(Schema.Number)
}) {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Following a polled run, sequences showed events that never arrived: a poll answer was lost on the
 * way after the server had handed its events out (they are delivered once). The range is missing.
 */
export class MissedEventsError extends Schema.TaggedError<MissedEventsError>()("MissedEventsError", {
  ...RequestFields,
  runId: Schema.optional(Schema.String),
  missingFrom: Schema.Number,
  missingTo: Schema.Number
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The caller aborted the operation (an `AbortSignal` fired). */
export class AbortedError extends Schema.TaggedError<AbortedError>()("AbortedError", {
  message: Schema.String,
  operation: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** Every reason a `FlowLikeError` can carry. */
export type FlowLikeErrorReason =
  | ConfigurationError
  | InvalidArgumentError
  | AuthenticationError
  | PermissionDeniedError
  | NotFoundError
  | InvalidRequestError
  | RateLimitError
  | ServerError
  | NetworkError
  | TimeoutError
  | DecodeError
  | StreamError
  | RunError
  | MissedEventsError
  | AbortedError

/** Schema of every reason, for serialising errors across process boundaries. */
export const FlowLikeErrorReason = Schema.Union([
  ConfigurationError,
  InvalidArgumentError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  InvalidRequestError,
  RateLimitError,
  ServerError,
  NetworkError,
  TimeoutError,
  DecodeError,
  StreamError,
  RunError,
  MissedEventsError,
  AbortedError
])

/** The error every SDK operation fails with. */
export class FlowLikeError extends Schema.TaggedError<FlowLikeError>()("FlowLikeError", {
  reason: FlowLikeErrorReason,
  /** How many times the request was sent before this error was given up on (set when it was retried). */
  attempts: Schema.optional(Schema.Number),
  /** How long the retries took, from the first attempt to giving up. */
  elapsedMillis: Schema.optional(Schema.Number),
  /** Following a run (`watchRun`, `awaitRun`): the last event sequence delivered; resume with `afterSequence`. */
  lastSequence: Schema.optional(Schema.Number),
  /** `awaitRun`: the events collected before it failed. */
  events: Schema.optional(Schema.Array(Schema.Unknown))
}) {
  readonly [TypeId]: TypeId = TypeId

  /** `instanceof` recognises errors of any copy of this package, by `TypeId`. */
  static override [Symbol.hasInstance](u: unknown): boolean {
    return Predicate.hasProperty(u, TypeId)
  }

  /** The SDK operation that failed, as `Service.method`. */
  get operation(): string | undefined {
    return this.reason.operation
  }
  override get message(): string {
    return this.attempts === undefined
      ? this.reason.message
      : `${this.reason.message} (gave up after ${this.attempts} attempts over ${formatMillis(this.elapsedMillis ?? 0)})`
  }

  /** Whether trying the same call again may succeed. */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }

  /** The HTTP status, when the server answered. */
  get status(): number | undefined {
    return "status" in this.reason ? this.reason.status : undefined
  }

  /** The server's error code (`error.code` of its envelope), e.g. `NOT_FOUND`. */
  get code(): string | undefined {
    return "code" in this.reason ? this.reason.code : undefined
  }

  /** The server's error id (`x-error-id`), present on reported server errors. */
  get errorId(): string | undefined {
    return "errorId" in this.reason ? this.reason.errorId : undefined
  }
}

const formatMillis = (millis: number): string => millis < 1000 ? `${Math.round(millis)}ms` : `${(millis / 1000).toFixed(1)}s`

/** Whether a value is a `FlowLikeError` (of this or any other copy of the package). */
export const isFlowLikeError = (u: unknown): u is FlowLikeError => Predicate.hasProperty(u, TypeId)

/** Wraps a reason into a `FlowLikeError`. */
export const make = (reason: FlowLikeErrorReason): FlowLikeError => new FlowLikeError({ reason })

/** The same error, noting that it was given up on after `attempts` attempts over `elapsedMillis`. */
export const withAttempts = (error: FlowLikeError, attempts: number, elapsedMillis: number): FlowLikeError =>
  new FlowLikeError({ ...error, reason: error.reason, attempts, elapsedMillis })

/**
 * The same error, carrying how far a followed run got: the last sequence delivered (resume with
 * `afterSequence`) and, when given, the events collected so far.
 */
export const withProgress = (
  error: FlowLikeError,
  lastSequence: number,
  events: ReadonlyArray<unknown> | undefined
): FlowLikeError => new FlowLikeError({ ...error, reason: error.reason, lastSequence, events: events === undefined ? error.events : [...events] })

/** Shorthand for a configuration failure. */
export const configuration = (message: string): FlowLikeError => make(new ConfigurationError({ message }))

/** Shorthand for an invalid argument, with the operation it was given to. */
export const invalidArgument = (message: string, operation?: string): FlowLikeError =>
  make(new InvalidArgumentError({ message, operation }))

/** Whether an unknown value is a `FlowLikeError` whose reason has the given tag. */
export const hasReason = <Tag extends FlowLikeErrorReason["_tag"]>(
  u: unknown,
  tag: Tag
): u is FlowLikeError & { readonly reason: Extract<FlowLikeErrorReason, { readonly _tag: Tag }> } =>
  isFlowLikeError(u) && Predicate.isTagged(u.reason, tag)
