import { Effect, Schema, SchemaAST, SchemaIssue } from "effect"
import { Rejection } from "./ApiError.ts"

/**
 * axum's `Query<T>` extractor (`serde_urlencoded`) for a declared query: unknown keys are ignored,
 * a repeated key or a value that does not parse is a 400 `Failed to deserialize query string: …`
 * with Rust's wording. Each field is parsed the way Rust parses the type the declaration gives it
 * (an integer's bounds come from its `isBetween` check), then the declaration decodes it.
 */

type FieldKind =
  | { readonly _tag: "Integer"; readonly minimum: bigint; readonly maximum: bigint }
  | { readonly _tag: "Float" }
  | { readonly _tag: "Boolean" }
  | { readonly _tag: "Other" }

const other: FieldKind = { _tag: "Other" }

const checksOf = (ast: SchemaAST.AST): ReadonlyArray<SchemaAST.Check<unknown>> =>
  (ast.checks ?? []).flatMap((check) => check._tag === "FilterGroup" ? check.checks : [check])

const representation = (check: SchemaAST.Check<unknown>): { readonly id?: unknown; readonly payload?: unknown } => {
  const value = check.annotations?.["representation"]
  return typeof value === "object" && value !== null ? value : {}
}

const bound = (payload: unknown, key: "minimum" | "maximum"): bigint | undefined => {
  if (typeof payload !== "object" || payload === null || !(key in payload)) return undefined
  const value: unknown = Reflect.get(payload, key)
  return typeof value === "number" && Number.isInteger(value) ? BigInt(value) : undefined
}

/** The Rust type behind a declared field, read off its decoded side. */
const fieldKind = (ast: SchemaAST.AST): FieldKind => {
  switch (ast._tag) {
    case "Union": {
      const present = ast.types.filter((member) => member._tag !== "Undefined" && member._tag !== "Null")
      const [only] = present
      return present.length === 1 && only !== undefined ? fieldKind(only) : other
    }
    case "Boolean":
      return { _tag: "Boolean" }
    case "Number": {
      const checks = checksOf(ast).map(representation)
      const isInteger = checks.some((check) => check.id === "effect/schema/isInt" || check.id === "@flow-like/effect/isWhole")
      if (!isInteger) return { _tag: "Float" }
      const between = checks.find((check) => check.id === "effect/schema/isBetween")?.payload
      return {
        _tag: "Integer",
        minimum: bound(between, "minimum") ?? -(2n ** 63n),
        maximum: bound(between, "maximum") ?? 2n ** 63n - 1n
      }
    }
    default:
      return other
  }
}

/** Rust's `str::parse` for the field's type; the error text of `ParseIntError` and friends. */
const rustParseError = (kind: FieldKind, raw: string): string | undefined => {
  switch (kind._tag) {
    case "Integer": {
      if (raw === "") return "cannot parse integer from empty string"
      if (!(kind.minimum < 0n ? /^[+-]?\d+$/ : /^\+?\d+$/).test(raw)) return "invalid digit found in string"
      const value = BigInt(raw)
      if (value > kind.maximum) return "number too large to fit in target type"
      if (value < kind.minimum) return "number too small to fit in target type"
      return undefined
    }
    case "Float":
      if (raw === "") return "cannot parse float from empty string"
      return Number.isNaN(Number(raw)) ? "invalid float literal" : undefined
    case "Boolean":
      return raw === "true" || raw === "false" ? undefined : "provided string was not `true` or `false`"
    case "Other":
      return undefined
  }
}

/** Wire key → how Rust parses it. */
type Fields = ReadonlyMap<string, FieldKind>

const fieldsByCodec = new WeakMap<Schema.Top, Fields>()

const fieldsOf = (codec: Schema.Top): Fields => {
  const cached = fieldsByCodec.get(codec)
  if (cached !== undefined) return cached
  const encoded = SchemaAST.toEncoded(codec.ast)
  const decoded = SchemaAST.toType(codec.ast)
  const fields = new Map<string, FieldKind>()
  if (SchemaAST.isObjects(encoded) && SchemaAST.isObjects(decoded)) {
    // `Schema.encodeKeys` renames the keys and keeps their order: the two sides line up by index.
    const sameShape = encoded.propertySignatures.length === decoded.propertySignatures.length
    encoded.propertySignatures.forEach((signature, index) => {
      const typeSide = decoded.propertySignatures[index]
      fields.set(String(signature.name), sameShape && typeSide !== undefined ? fieldKind(typeSide.type) : other)
    })
  }
  fieldsByCodec.set(codec, fields)
  return fields
}

const rejection = (detail: string) => new Rejection({ status: 400, text: `Failed to deserialize query string: ${detail}` })

const formatIssue = SchemaIssue.makeFormatterDefault()

/** Decodes the raw query string (without `?`) with `codec`, a declared query schema (a string-tree codec). */
export const decodeQuery = <S extends Schema.Top>(
  codec: S,
  query: string
): Effect.Effect<S["Type"], Rejection, S["DecodingServices"]> =>
  Effect.suspend(() => {
    const fields = fieldsOf(codec)
    const values: Record<string, string> = {}
    for (const [key, raw] of new URLSearchParams(query)) {
      const kind = fields.get(key)
      if (kind === undefined) continue
      if (key in values) return Effect.fail(rejection(`duplicate field \`${key}\``))
      const error = rustParseError(kind, raw)
      if (error !== undefined) return Effect.fail(rejection(`${key}: ${error}`))
      values[key] = raw
    }
    return Schema.decodeUnknownEffect(codec)(values).pipe(
      Effect.mapError((error) => rejection(formatIssue(error.issue).split("\n").map((line) => line.trim()).join(" ")))
    )
  })
