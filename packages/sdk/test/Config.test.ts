import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Redacted } from "effect"
import { inspect } from "node:util"
import { Config, FlowLikeError } from "../src/index.ts"

const PAT = "pat_abc123.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"
const API_KEY = "flk_app1.key1.a2V5LXNlY3JldC1rZXktc2VjcmV0LWtleS1zZWNyZXQ"

const withEnv = (env: Record<string, string>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))

const failure = <A>(effect: Effect.Effect<A, FlowLikeError.FlowLikeError>, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(effect.pipe(withEnv(env)))
    assert.isTrue(Exit.isFailure(exit), "expected a failure")
    const error = yield* Effect.flip(effect.pipe(withEnv(env)))
    assert.instanceOf(error, FlowLikeError.FlowLikeError)
    assert.strictEqual(error.reason._tag, "ConfigurationError")
    for (const secret of [PAT, API_KEY, "c2VjcmV0", "a2V5LXNlY3JldC"]) {
      assert.notInclude(error.message, secret)
      assert.notInclude(inspect(error, { depth: 10 }), secret)
      assert.notInclude(JSON.stringify(error), secret)
    }
    return error.message
  })

describe("Config", () => {
  it.effect("reads the base URL and a PAT from the environment", () =>
    Effect.gen(function*() {
      const config = yield* Config.make().pipe(
        withEnv({ FLOW_LIKE_BASE_URL: "https://api.example.com/", FLOW_LIKE_PAT: PAT })
      )
      assert.strictEqual(config.baseUrl, "https://api.example.com")
      assert.strictEqual(config.apiUrl, "https://api.example.com/api/v1")
      assert.strictEqual(config.credential._tag, "Pat")
      assert.strictEqual(Redacted.value(config.credential.value), PAT)
      assert.strictEqual(config.maxRetries, 2)
      assert.strictEqual(Duration.toMillis(config.timeout), 60_000)
    }))

  it.effect("reads an API key from the environment", () =>
    Effect.gen(function*() {
      const config = yield* Config.make().pipe(
        withEnv({ FLOW_LIKE_BASE_URL: "http://127.0.0.1:8080", FLOW_LIKE_API_KEY: API_KEY })
      )
      assert.strictEqual(config.credential._tag, "ApiKey")
    }))

  it.effect("does not double a base URL that already ends in /api/v1", () =>
    Effect.gen(function*() {
      for (const baseUrl of ["https://h.example/api/v1", "https://h.example/api/v1/", "https://h.example/prefix/api/v1"]) {
        const config = yield* Config.make({ baseUrl, pat: PAT })
        assert.isFalse(config.apiUrl.includes("/api/v1/api/v1"), config.apiUrl)
        assert.isTrue(config.apiUrl.endsWith("/api/v1"))
      }
      const prefixed = yield* Config.make({ baseUrl: "https://h.example/prefix/", pat: PAT })
      assert.strictEqual(prefixed.apiUrl, "https://h.example/prefix/api/v1")
    }))

  it.effect("auto-detects the token kind by prefix", () =>
    Effect.gen(function*() {
      const pat = yield* Config.make({ baseUrl: "https://h.example", token: PAT })
      assert.strictEqual(pat.credential._tag, "Pat")
      const key = yield* Config.make({ baseUrl: "https://h.example", token: Redacted.make(API_KEY) })
      assert.strictEqual(key.credential._tag, "ApiKey")
    }))

  it.effect("explicit options win over the environment", () =>
    Effect.gen(function*() {
      const config = yield* Config.make({ baseUrl: "https://explicit.example", apiKey: API_KEY }).pipe(
        withEnv({ FLOW_LIKE_BASE_URL: "https://env.example", FLOW_LIKE_PAT: PAT })
      )
      assert.strictEqual(config.baseUrl, "https://explicit.example")
      assert.strictEqual(config.credential._tag, "ApiKey")
    }))

  it.effect("fails clearly without a base URL", () =>
    Effect.gen(function*() {
      const message = yield* failure(Config.make({ pat: PAT }))
      assert.include(message, "FLOW_LIKE_BASE_URL")
    }))

  it.effect("fails clearly on a malformed base URL", () =>
    Effect.gen(function*() {
      assert.include(yield* failure(Config.make({ baseUrl: "not a url", pat: PAT })), "not a valid URL")
      assert.include(yield* failure(Config.make({ baseUrl: "ftp://h.example", pat: PAT })), "http or https")
      assert.include(yield* failure(Config.make({ baseUrl: "https://h.example?x=1", pat: PAT })), "query string")
      assert.include(yield* failure(Config.make({ baseUrl: "https://u:p@h.example", pat: PAT })), "credentials")
    }))

  it.effect("fails clearly without a credential, naming what to set", () =>
    Effect.gen(function*() {
      const message = yield* failure(Config.make({ baseUrl: "https://h.example" }))
      assert.include(message, "FLOW_LIKE_PAT")
      assert.include(message, "FLOW_LIKE_API_KEY")
    }))

  it.effect("fails on two explicit credentials", () =>
    Effect.gen(function*() {
      const message = yield* failure(Config.make({ baseUrl: "https://h.example", pat: PAT, apiKey: API_KEY }))
      assert.include(message, "pat and apiKey")
    }))

  it.effect("fails when both credentials are in the environment", () =>
    Effect.gen(function*() {
      const message = yield* failure(Config.make(), {
        FLOW_LIKE_BASE_URL: "https://h.example",
        FLOW_LIKE_PAT: PAT,
        FLOW_LIKE_API_KEY: API_KEY
      })
      assert.include(message, "Both FLOW_LIKE_PAT and FLOW_LIKE_API_KEY")
    }))

  it.effect("fails on a bad prefix or a malformed credential, without echoing it", () =>
    Effect.gen(function*() {
      assert.include(yield* failure(Config.make({ baseUrl: "https://h.example", token: "key_abc" })), "pat_")
      assert.include(yield* failure(Config.make({ baseUrl: "https://h.example", pat: API_KEY })), "apiKey")
      assert.include(yield* failure(Config.make({ baseUrl: "https://h.example", apiKey: PAT })), "pass it as pat")
      assert.include(
        yield* failure(Config.make({ baseUrl: "https://h.example", pat: "pat_missing-secret" })),
        "pat_<id>.<secret>"
      )
      assert.include(
        yield* failure(Config.make(), { FLOW_LIKE_BASE_URL: "https://h.example", FLOW_LIKE_API_KEY: "flk_a.b" }),
        "FLOW_LIKE_API_KEY is malformed"
      )
    }))

  it.effect("rejects invalid retry and timeout settings", () =>
    Effect.gen(function*() {
      assert.include(yield* failure(Config.make({ baseUrl: "https://h.example", pat: PAT, maxRetries: -1 })), "maxRetries")
      assert.include(yield* failure(Config.make({ baseUrl: "https://h.example", pat: PAT, maxRetries: 1.5 })), "maxRetries")
      assert.include(yield* failure(Config.make({ baseUrl: "https://h.example", pat: PAT, timeout: -5 })), "timeout")
    }))

  it.effect("keeps the credential out of inspect output", () =>
    Effect.gen(function*() {
      const config = yield* Config.make({ baseUrl: "https://h.example", pat: PAT })
      assert.notInclude(inspect(config, { depth: 10 }), "c2VjcmV0")
      assert.notInclude(String(config.credential.value), "c2VjcmV0")
    }))
})
