import { Clock, Effect, Schema } from "effect"
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

/**
 * Poll tokens: opaque to clients, shaped like the real server's ES256 "user" execution JWT bound
 * to `{run_id, app_id, board_id, event_id?}` with a 1 h TTL. Signed here with an HMAC whose 64-byte
 * output matches the length of an ES256 signature.
 */

const ttlSeconds = 60 * 60

const Claims = Schema.Struct({
  sub: Schema.String,
  run_id: Schema.String,
  app_id: Schema.String,
  board_id: Schema.String,
  event_id: Schema.optional(Schema.String),
  token_type: Schema.Literal("user"),
  iat: Schema.Int,
  exp: Schema.Int
})
/** What a poll token is bound to. */
export type Claims = typeof Claims.Type

const decodeClaims = Schema.decodeUnknownEffect(Schema.fromJsonString(Claims))

const header = Buffer.from(JSON.stringify({ alg: "ES256", typ: "JWT" })).toString("base64url")

/** The detail after `Invalid user JWT: `, named like `jsonwebtoken`'s error kinds. */
export type VerifyError = "InvalidToken" | "InvalidSignature" | "ExpiredSignature"

/** Issues poll tokens for runs and checks the ones polls present. */
export interface PollTokens {
  readonly sign: (binding: {
    readonly runId: string
    readonly appId: string
    readonly boardId: string
    readonly eventId: string | undefined
  }) => Effect.Effect<string>
  readonly verify: (token: string) => Effect.Effect<Claims, VerifyError>
}

/** Poll tokens signed with a fresh random key. */
export const makePollTokens = (): PollTokens => {
  const key = randomBytes(32)
  const signature = (input: string) => createHmac("sha512", key).update(input).digest()

  const sign: PollTokens["sign"] = ({ appId, boardId, eventId, runId }) =>
    Effect.map(Clock.currentTimeMillis, (millis) => {
      const iat = Math.floor(millis / 1000)
      const claims: Claims = {
        sub: "dev-server-user",
        run_id: runId,
        app_id: appId,
        board_id: boardId,
        ...(eventId === undefined ? {} : { event_id: eventId }),
        token_type: "user",
        iat,
        exp: iat + ttlSeconds
      }
      const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`
      return `${body}.${signature(body).toString("base64url")}`
    })

  const verify: PollTokens["verify"] = (token) =>
    Effect.gen(function*() {
      const [head, payload, mac, ...rest] = token.split(".")
      if (head === undefined || payload === undefined || mac === undefined || rest.length > 0) {
        return yield* Effect.fail<VerifyError>("InvalidToken")
      }
      const expected = signature(`${head}.${payload}`)
      const given = Buffer.from(mac, "base64url")
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return yield* Effect.fail<VerifyError>("InvalidSignature")
      }
      const claims = yield* decodeClaims(Buffer.from(payload, "base64url").toString("utf8")).pipe(
        Effect.mapError((): VerifyError => "InvalidToken")
      )
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      if (claims.exp <= now) {
        return yield* Effect.fail<VerifyError>("ExpiredSignature")
      }
      return claims
    })

  return { sign, verify }
}
