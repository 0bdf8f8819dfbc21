import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { guardOf } from "./guard.ts"

/**
 * serde's `Option<T>`: on the wire the key may be missing or `null`; in code it is an optional
 * property without `null`. Encoding leaves a missing value out.
 */
export const nullable = <S extends Schema.Top>(schema: S) =>
  Schema.optional(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(
      Schema.optional(Schema.toType(schema)),
      SchemaTransformation.transformOptional<S["Type"] | undefined, S["Type"] | null | undefined>({
        decode: Option.filter(Predicate.isNotNull),
        encode: Option.filter(Predicate.isNotUndefined)
      })
    )
  )

/** A Rust unsigned integer with the given maximum. */
export const unsigned = (maximum: number) => Schema.Int.check(Schema.isBetween({ minimum: 0, maximum }))

/** Rust `u8`. */
export const U8 = unsigned(255)
/** Rust `u32`. */
export const U32 = unsigned(4_294_967_295)
/** A whole number of any size (`Schema.isInt` stops at 2^53). */
const isWhole = Schema.makeFilter((n: number) => Number.isInteger(n) || "Expected a whole number", {
  expected: "a whole number",
  representation: { id: "@flow-like/effect/isWhole", payload: null },
  toJsonSchema: () => ({ type: "integer" })
})

/** Rust `u64` (values above 2^53 lose precision, as a JavaScript number does). */
export const U64 = Schema.Number.check(isWhole, Schema.isBetween({ minimum: 0, maximum: 18_446_744_073_709_551_615 }))
/** Rust `i32`. */
export const I32 = Schema.Int.check(Schema.isBetween({ minimum: -2_147_483_648, maximum: 2_147_483_647 }))

/** Rust `SystemTime` on the wire. */
export interface SystemTimeWire {
  readonly secs_since_epoch: number
  readonly nanos_since_epoch: number
}

/** A wire `SystemTime` as a `Date` (millisecond precision). */
export const dateOfSystemTime = (time: SystemTimeWire): Date =>
  new Date(time.secs_since_epoch * 1000 + Math.floor(time.nanos_since_epoch / 1_000_000))

/** Rust `SystemTime` as serde writes it, decoded to a `Date`. */
export const SystemTime = Schema.Struct({
  secs_since_epoch: Schema.Number,
  nanos_since_epoch: Schema.Number
}).pipe(
  Schema.decodeTo(
    Schema.Date,
    SchemaTransformation.transform({
      decode: dateOfSystemTime,
      encode: (date) => {
        const millis = date.getTime()
        const seconds = Math.floor(millis / 1000)
        return { secs_since_epoch: seconds, nanos_since_epoch: (millis - seconds * 1000) * 1_000_000 }
      }
    })
  )
)

/**
 * A fast decoder for a hot wire type: the value is validated by the declared schema's own wire side
 * (`Schema.toEncoded`, a compiled check with no transformation), then `build` renames it into code's
 * shape. Tests check that it agrees with the full schema decode.
 */
export const fastDecoder = <A, I>(
  schema: Schema.Codec<A, I>,
  build: (wire: I) => A
): (input: unknown) => A | undefined => {
  const isWire = guardOf(schema, "encoded")
  const decode = (input: unknown): A | undefined => (isWire(input) ? build(input) : undefined)
  fastDecoders.set(schema, decode)
  return decode
}

const fastDecoders = new WeakMap<object, (input: unknown) => unknown>()

/** Registers a fast decoder for an endpoint's success schema too (the declaration wraps the original schema). */
export const useFastDecoderFor = (
  endpoint: { readonly success: ReadonlySet<object> },
  decode: (input: unknown) => unknown
): void => {
  for (const schema of endpoint.success) fastDecoders.set(schema, decode)
}

/** The fast decoder registered for a schema, if any (the transport tries it before the full decode). */
export const fastDecoderOf = <S extends Schema.Top>(schema: S): ((input: unknown) => S["Type"] | undefined) | undefined =>
  fastDecoders.get(schema) as ((input: unknown) => S["Type"] | undefined) | undefined
