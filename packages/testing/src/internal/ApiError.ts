import { ErrorEnvelope } from "@flow-like/effect/api/ApiErrors"
import { Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import { STATUS_CODES } from "node:http"
import { cuid } from "./Ids.ts"

/** An `ApiError` of the real server: the JSON envelope `{"error":{"code","id"?,"message"}}`. */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  status: Schema.Number,
  code: Schema.String,
  message: Schema.String
}) {}

/** An axum extractor rejection: a plain-text body. */
export class Rejection extends Schema.TaggedError<Rejection>()("Rejection", {
  status: Schema.Number,
  text: Schema.String
}) {}

const reasonPhrase = (status: number): string => STATUS_CODES[status] ?? "Unknown"

const codes: Readonly<Record<number, string>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  410: "GONE",
  422: "UNPROCESSABLE_ENTITY",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_ERROR",
  503: "SERVICE_UNAVAILABLE"
}

const codeFor = (status: number): string =>
  codes[status] ?? reasonPhrase(status).toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_|_$/g, "")

export const apiError = (status: number, message?: string): ApiError =>
  new ApiError({ status, code: codeFor(status), message: message ?? reasonPhrase(status) })

export const internalError = (): ApiError => apiError(500)

export const notFound = (): ApiError => apiError(404)

export const badRequest = (message: string): ApiError => apiError(400, message)

const encodeEnvelope = Schema.encodeSync(Schema.toCodecJson(ErrorEnvelope))

/** 5xx errors are "reported": they carry an `id` in the body and the `x-error-id` header. */
export const apiErrorResponse = (error: ApiError): HttpServerResponse.HttpServerResponse => {
  if (error.status < 500) {
    return HttpServerResponse.jsonUnsafe(
      encodeEnvelope({ error: { code: error.code, message: error.message } }),
      { status: error.status }
    )
  }
  const id = cuid()
  return HttpServerResponse.jsonUnsafe(
    encodeEnvelope({ error: { code: error.code, id, message: error.message } }),
    { status: error.status, headers: { "x-error-id": id } }
  )
}

export const rejectionResponse = (rejection: Rejection): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(rejection.text, { status: rejection.status, contentType: "text/plain; charset=utf-8" })

export const failureResponse = (failure: ApiError | Rejection): HttpServerResponse.HttpServerResponse =>
  failure._tag === "ApiError" ? apiErrorResponse(failure) : rejectionResponse(failure)
