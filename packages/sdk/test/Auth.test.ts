import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { Headers } from "effect/http"
import { inspect } from "node:util"
import { Auth } from "../src/index.ts"
import { API_KEY, PAT, PAT_SECRET } from "./utils/mock.ts"

const pat = Auth.make({ _tag: "Pat", value: Redacted.make(PAT) })
const apiKey = Auth.make({ _tag: "ApiKey", value: Redacted.make(API_KEY) })

describe("Auth", () => {
  it.effect("sends a PAT raw in Authorization, with no Bearer or PAT prefix", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(pat.headers(Auth.credential), { authorization: PAT })
    }))

  it.effect("sends an API key as X-API-Key only", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(apiKey.headers(Auth.credential), { "x-api-key": API_KEY })
    }))

  it.effect("replaces the personal credential with a bearer poll token or sink token", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(pat.headers(Auth.pollToken("run.jwt.sig")), { authorization: "Bearer run.jwt.sig" })
      assert.deepStrictEqual(apiKey.headers(Auth.pollToken(Redacted.make("run.jwt.sig"))), { authorization: "Bearer run.jwt.sig" })
      assert.deepStrictEqual(pat.headers(Auth.sinkToken("sink-secret")), { authorization: "Bearer sink-secret" })
      assert.deepStrictEqual(pat.headers(Auth.none), {})
    }))

  it.effect("keeps tokens redacted until they are put on a header", () =>
    Effect.sync(() => {
      assert.notInclude(inspect(Auth.pollToken("run.jwt.sig")), "run.jwt.sig")
      const rendered = inspect(Headers.fromInput(pat.headers(Auth.credential)))
      assert.notInclude(rendered, PAT_SECRET)
      const redacted = Headers.redact(Headers.fromInput(apiKey.headers(Auth.credential)), Auth.SECRET_HEADER_NAMES)
      assert.notInclude(JSON.stringify(redacted), "a2V5LXNlY3JldC")
    }))
})
