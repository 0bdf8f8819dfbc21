import { ByteSize, Effect, Schema } from "effect"
import { HttpServerRequest } from "effect/http"
import { Rejection } from "./ApiError.ts"
import { deserializeMessage, syntaxMessage } from "./SerdeMessage.ts"

/** axum's default body limit, applied because the server sets no `DefaultBodyLimit`. */
export const maxBodySize = ByteSize.mebibytes(2)

/**
 * The limit a request body is read with (once, when it is recorded): the largest any route takes.
 * The sink triggers read a raw `Body` with `to_bytes(body, 10 MB)`, which axum's default limit does
 * not reach; the JSON routes check their 2 MB themselves.
 */
export const readLimit = ByteSize.mebibytes(10)

/** `application/json`, or any `application/*+json`, with any parameters (axum's `json_content_type`). */
const isJsonContentType = (value: string | undefined): boolean => {
  if (value === undefined) return false
  const mime = value.split(";")[0]?.trim().toLowerCase() ?? ""
  const [type, subtype] = mime.split("/")
  return type === "application" && subtype !== undefined && (subtype === "json" || subtype.endsWith("+json"))
}

const tooLarge = new Rejection({ status: 413, text: "Failed to buffer the request body: length limit exceeded" })

/** The body, within axum's 2 MB (the request was read with the largest limit of any route, see `readLimit`). */
const bodyText = (request: HttpServerRequest.HttpServerRequest) =>
  request.text.pipe(
    Effect.mapError((error) =>
      error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
        ? tooLarge
        : new Rejection({ status: 400, text: `Failed to buffer the request body: ${error.message}` })
    ),
    Effect.filterOrFail((text) => BigInt(Buffer.byteLength(text)) <= maxBodySize, () => tooLarge)
  )

const parseJson = (text: string): Effect.Effect<unknown, Rejection> =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: (error) =>
      new Rejection({ status: 400, text: `Failed to parse the request body as JSON: ${syntaxMessage(text, error)}` })
  })

/**
 * axum's `Json<T>` extractor: 415 without a JSON content type, 413 over 2 MB, 400 for invalid
 * JSON, 422 when the value does not fit the schema. Unknown fields are ignored.
 */
export const jsonBody = <S extends Schema.Top>(schema: S) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!isJsonContentType(request.headers["content-type"])) {
      return yield* new Rejection({ status: 415, text: "Expected request with `Content-Type: application/json`" })
    }
    const text = yield* bodyText(request)
    const json = yield* parseJson(text)
    return yield* decode(json).pipe(
      Effect.mapError((error) =>
        new Rejection({
          status: 422,
          text: `Failed to deserialize the JSON body into the target type: ${deserializeMessage(error.issue, json, text)}`
        })
      )
    )
  })
}
