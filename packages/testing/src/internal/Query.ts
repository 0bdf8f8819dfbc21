import { Effect, Result } from "effect"
import { Rejection } from "./ApiError.ts"

/** Parses one query value the way `serde_urlencoded` does, failing with the Rust error text. */
export type FieldParser<A> = (raw: string) => Result.Result<A, string>

/** Rust's `str::parse` for an integer type with the given bounds. */
export const integer = (min: bigint, max: bigint): FieldParser<number> => (raw) => {
  if (raw === "") return Result.fail("cannot parse integer from empty string")
  const signed = min < 0n
  if (!(signed ? /^[+-]?\d+$/ : /^\+?\d+$/).test(raw)) {
    return Result.fail("invalid digit found in string")
  }
  const value = BigInt(raw)
  if (value > max) return Result.fail("number too large to fit in target type")
  if (value < min) return Result.fail("number too small to fit in target type")
  return Result.succeed(Number(value))
}

export const i32 = integer(-(2n ** 31n), 2n ** 31n - 1n)
export const u64 = integer(0n, 2n ** 64n - 1n)

export const boolean: FieldParser<boolean> = (raw) =>
  raw === "true"
    ? Result.succeed(true)
    : raw === "false"
    ? Result.succeed(false)
    : Result.fail("provided string was not `true` or `false`")

type Decoded<Fields extends Record<string, FieldParser<unknown>>> = {
  readonly [K in keyof Fields]: (Fields[K] extends FieldParser<infer A> ? A : never) | undefined
}

const rejection = (detail: string) =>
  new Rejection({ status: 400, text: `Failed to deserialize query string: ${detail}` })

/**
 * axum's `Query<T>` extractor for a struct of optional fields: unknown keys are ignored, a repeated
 * key or a value that does not parse is a 400 plain-text rejection.
 */
export const decodeQuery = <Fields extends Record<string, FieldParser<unknown>>>(
  query: string,
  fields: Fields
): Effect.Effect<Decoded<Fields>, Rejection> =>
  Effect.suspend(() => {
    const decoded: Record<string, unknown> = {}
    for (const [key, raw] of new URLSearchParams(query)) {
      const parse = fields[key]
      if (parse === undefined) continue
      if (key in decoded) return Effect.fail(rejection(`duplicate field \`${key}\``))
      const result = parse(raw)
      if (Result.isFailure(result)) return Effect.fail(rejection(`${key}: ${result.failure}`))
      decoded[key] = result.success
    }
    return Effect.succeed(decoded as Decoded<Fields>)
  })
