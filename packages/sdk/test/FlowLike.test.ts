import { assert, describe, it } from "@effect/vitest"
import { Config as EffectConfig, ConfigProvider, Effect, Layer, Redacted } from "effect"
import { Config, FlowLike, FlowLikeError } from "../src/index.ts"
import { PAT } from "./utils/mock.ts"

const env = (values: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(values))

describe("FlowLike", () => {
  it.effect("layerConfig reads the environment through the current ConfigProvider", () =>
    Effect.gen(function*() {
      const config = yield* Config.FlowLikeConfig
      assert.strictEqual(config.apiUrl, "https://env.example/api/v1")
      assert.strictEqual(config.credential._tag, "Pat")
    }).pipe(Effect.provide(FlowLike.layerConfig().pipe(
      Layer.provide(env({ FLOW_LIKE_BASE_URL: "https://env.example", FLOW_LIKE_PAT: PAT }))
    ))))

  it.effect("layerConfig takes Config values for each option", () =>
    Effect.gen(function*() {
      const config = yield* Config.FlowLikeConfig
      assert.strictEqual(config.baseUrl, "https://custom.example")
      assert.strictEqual(Redacted.value(config.credential.value), PAT)
    }).pipe(Effect.provide(FlowLike.layerConfig({
      baseUrl: EffectConfig.String("MY_URL"),
      token: EffectConfig.Redacted("MY_TOKEN")
    }).pipe(Layer.provide(env({ MY_URL: "https://custom.example", MY_TOKEN: PAT }))))))

  it.effect("fails to build with a ConfigurationError before any request", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(FlowLike.layer({ baseUrl: "https://h.example" })).pipe(
        Effect.provide(env({})),
        Effect.scoped
      ))
      assert.instanceOf(error, FlowLikeError.FlowLikeError)
      assert.strictEqual(error.reason._tag, "ConfigurationError")
    }))

  it.effect("FlowLike.layer reads process.env each time it is built", () =>
    Effect.gen(function*() {
      const saved = { url: process.env["FLOW_LIKE_BASE_URL"], pat: process.env["FLOW_LIKE_PAT"] }
      const baseUrlOf = Effect.map(Effect.service(Config.FlowLikeConfig), (config) => config.baseUrl).pipe(
        Effect.provide(FlowLike.layer())
      )
      try {
        process.env["FLOW_LIKE_PAT"] = PAT
        process.env["FLOW_LIKE_BASE_URL"] = "https://first.example"
        const first = yield* baseUrlOf
        process.env["FLOW_LIKE_BASE_URL"] = "https://second.example"
        const second = yield* baseUrlOf
        assert.deepStrictEqual([first, second], ["https://first.example", "https://second.example"])
      } finally {
        for (const [name, value] of [["FLOW_LIKE_BASE_URL", saved.url], ["FLOW_LIKE_PAT", saved.pat]] as const) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
      }
    }))
})
