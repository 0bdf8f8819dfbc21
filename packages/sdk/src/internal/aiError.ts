/**
 * FlowLikeError to Effect AI's AiError, shared by the Effect AI providers.
 *
 * Only `AiError.NetworkError` has a `cause` field; every other reason gets the `FlowLikeError` as
 * its standard `Error.cause` (non-enumerable, so the reason's fields and encoding are unchanged).
 *
 * @internal
 */
import * as AiError from "effect/ai/AiError"
import type * as FlowLikeError from "../FlowLikeError.ts"

/** Keeps `cause` on the reason as the standard (non-enumerable) `Error.cause`. */
const withCause = <R extends AiError.AiErrorReason>(reason: R, cause: unknown): R => {
  Object.defineProperty(reason, "cause", { value: cause, enumerable: false, configurable: true, writable: true })
  return reason
}

/** The `AiError` reason for a `FlowLikeError`, with the `FlowLikeError` as its `cause` (see `withCause`). */
export const toAiErrorReason = (error: FlowLikeError.FlowLikeError): AiError.AiErrorReason => {
  const reason = error.reason
  const description = reason.message
  switch (reason._tag) {
    case "NetworkError":
    case "TimeoutError":
    case "AbortedError":
      return new AiError.NetworkError({
        reason: "TransportError",
        method: "method" in reason ? reason.method ?? "POST" : "POST",
        url: "url" in reason ? reason.url ?? "" : "",
        description,
        cause: error
      })
    case "DecodeError":
    case "StreamError":
      return withCause(new AiError.InvalidResponseError({ description }), error)
    case "ConfigurationError":
    case "InvalidArgumentError":
      return withCause(new AiError.InvalidRequestError({ description }), error)
    case "NotFoundError":
      return withCause(
        new AiError.InvalidRequestError({ description, http: { body: reason.body } }),
        error
      )
    case "RateLimitError":
      return withCause(
        new AiError.RateLimitError({ retryAfter: reason.retryAfter, http: { body: reason.body } }),
        error
      )
    case "AuthenticationError":
    case "PermissionDeniedError":
    case "InvalidRequestError":
    case "ServerError":
      return withCause(
        AiError.reasonFromHttpStatus({ status: reason.status, description, http: { body: reason.body } }),
        error
      )
    default:
      return withCause(new AiError.UnknownError({ description }), error)
  }
}
