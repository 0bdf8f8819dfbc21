/**
 * The error answers every route shares: the server's JSON envelope
 * `{"error":{"code","id","message"}}` (`error.rs`) and axum's plain-text rejections.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"

/** The server's error envelope; `id` (also sent as `x-error-id`) is set on reported 5xx errors. */
export const ErrorEnvelope = Schema.Struct({
  error: Schema.Struct({
    code: Schema.String,
    id: Schema.optional(Schema.NullOr(Schema.String)),
    message: Schema.String
  })
}).annotate({ identifier: "ErrorEnvelope" })

const envelope = (status: number, description: string) =>
  ErrorEnvelope.pipe(HttpApiSchema.status(status)).annotate({ description })

const text = (status: number, description: string) =>
  Schema.String.pipe(HttpApiSchema.status(status), HttpApiSchema.asText()).annotate({ description })

/** 400 `BAD_REQUEST`, e.g. a poll without a valid poll token. */
export const BadRequest = envelope(400, "BAD_REQUEST: the request was refused (a specific message says why)")
/** 403 `FORBIDDEN`: a member whose role lacks the permission, or a tier limit. */
export const Forbidden = envelope(403, "FORBIDDEN: the caller's role lacks the permission, or a tier limit")
/** 404 `NOT_FOUND`. */
export const NotFound = envelope(404, "NOT_FOUND")
/** 500 `INTERNAL_ERROR`: also what missing or invalid credentials and unknown apps get. */
export const InternalError = envelope(
  500,
  "INTERNAL_ERROR: a server failure, and also missing or invalid credentials or an app the caller is not a member of"
)
/** axum's 415 for a body without `Content-Type: application/json`. */
export const UnsupportedMediaType = text(415, "Expected request with `Content-Type: application/json`")
/** axum's 422 for a JSON body that does not fit the route's type. */
export const UnprocessableBody = text(422, "Failed to deserialize the JSON body into the target type: ...")

/** The errors of every JSON route that takes a body. */
export const bodyRouteErrors = [Forbidden, InternalError, UnsupportedMediaType, UnprocessableBody] as const
