import { Effect, Schema, SchemaAST } from "effect"
import { HttpServerResponse } from "effect/http"
import { serdeNulls } from "./SerdeJson.ts"

/**
 * A JSON answer encoded with a declared schema (a JSON codec such as an endpoint's success
 * schema): camelCase values in, the wire's snake_case JSON out, with serde's `null`s. A value the
 * schema refuses is a bug of the dev server, hence a defect.
 */
export const jsonAnswer = <S extends Schema.Top>(schema: S) => {
  const encode = Schema.encodeUnknownEffect(schema)
  const withNulls = serdeNulls(SchemaAST.toEncoded(schema.ast))
  return (value: S["Type"]): Effect.Effect<HttpServerResponse.HttpServerResponse, never, S["EncodingServices"]> =>
    encode(value).pipe(
      Effect.orDie,
      Effect.map((json) => HttpServerResponse.jsonUnsafe(withNulls(json)))
    )
}
