/**
 * The Effect AI `LanguageModel` provider end to end: over real HTTP on loopback against the dev
 * server's deterministic local model.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"
import { AiError, EmbeddingModel, LanguageModel, Model, Prompt, Tool, Toolkit } from "effect/ai"
import type { Response } from "effect/ai"
import { DevServer, DevServerService } from "@flow-like/testing"
import { FlowLike, FlowLikeEmbeddingModel, FlowLikeError, FlowLikeLanguageModel, Models } from "../src/index.ts"

const e2e = Layer.unwrap(Effect.map(DevServerService, (server) =>
  FlowLike.layer({ baseUrl: server.url, pat: server.pat }))).pipe(Layer.provideMerge(DevServer.layer()))

/** The provider for the dev server's echo model, over the dev server. */
const withModel = <A, E, R>(effect: Effect.Effect<A, E, R>, bitId?: string) =>
  Effect.gen(function*() {
    const dev = yield* DevServerService
    return yield* Effect.provide(effect, FlowLikeLanguageModel.model(bitId ?? dev.seed.bits.llmBitId, { temperature: 0.2, maxTokens: 64 }))
  }).pipe(Effect.provide(e2e))

const GetWeather = Tool.make("get_weather", {
  description: "The weather in a city",
  parameters: Schema.Struct({ city: Schema.String }),
  success: Schema.String
})

const WeatherToolkit = Toolkit.make(GetWeather)

const WeatherHandlers = WeatherToolkit.toLayer({
  get_weather: ({ city }) => Effect.succeed(`Sunny in ${city}, 21 °C`)
})

const sentBody = (dev: DevServerService["Service"]) => JSON.parse(dev.requests.at(-1)?.body ?? "{}")

describe("FlowLikeLanguageModel end to end against the dev server", () => {
  it.live("generateText returns the model's text, finish reason and usage; the options and prompt go on the wire", () =>
    withModel(Effect.gen(function*() {
      const dev = yield* DevServerService
      const response = yield* LanguageModel.generateText({
        prompt: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello there" }]
      })
      assert.strictEqual(response.text, "You said: Hello there")
      assert.strictEqual(response.finishReason, "stop")
      assert.isAbove(response.usage.inputTokens.total ?? 0, 0)
      assert.isAbove(response.usage.outputTokens.total ?? 0, 0)
      assert.strictEqual(yield* Model.ProviderName, "flow-like")
      assert.strictEqual(yield* Model.ModelName, dev.seed.bits.llmBitId)
      const body = sentBody(dev)
      assert.strictEqual(body.model, dev.seed.bits.llmBitId)
      assert.strictEqual(body.temperature, 0.2)
      assert.strictEqual(body.max_tokens, 64)
      assert.strictEqual(body.stream, false)
      assert.deepStrictEqual(body.messages, [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello there" }])
      assert.isUndefined(body.tools)
    })))

  it.live("streamText streams text deltas that join to generateText's text, then a finish part with usage", () =>
    withModel(Effect.gen(function*() {
      const dev = yield* DevServerService
      const parts = yield* Stream.runCollect(LanguageModel.streamText({ prompt: "stream this please" }))
      const deltas = parts.filter((part): part is Response.TextDeltaPart => part.type === "text-delta")
      assert.isAbove(deltas.length, 1)
      const whole = yield* LanguageModel.generateText({ prompt: "stream this please" })
      assert.strictEqual(deltas.map((part) => part.delta).join(""), whole.text)
      const types = parts.map((part) => part.type)
      assert.strictEqual(types.indexOf("text-start"), types.indexOf("text-delta") - 1)
      assert.isTrue(types.indexOf("text-end") > types.lastIndexOf("text-delta"))
      const finish = parts.at(-1)
      assert.strictEqual(finish?.type, "finish")
      if (finish?.type === "finish") {
        assert.strictEqual(finish.reason, "stop")
        assert.isAbove(finish.usage.outputTokens.total ?? 0, 0)
      }
      const streamed = dev.requests.filter((request) => request.path === "/api/v1/chat/completions").map((request) => JSON.parse(request.body))
      assert.strictEqual(streamed[0]?.stream, true)
    })))

  it.live("a tool-call round trip through a Toolkit: the model calls the tool, the handler runs, the model answers with its result", () =>
    withModel(Effect.gen(function*() {
      const dev = yield* DevServerService
      const toolkit = yield* WeatherToolkit
      const question = Prompt.make("Please get_weather for Berlin")
      const first = yield* LanguageModel.generateText({ prompt: question, toolkit })
      assert.strictEqual(first.finishReason, "tool-calls")
      assert.strictEqual(first.toolCalls[0]?.name, "get_weather")
      assert.deepStrictEqual(first.toolCalls[0]?.params, { city: "Berlin" })
      assert.strictEqual(first.toolResults[0]?.result, "Sunny in Berlin, 21 °C")
      const offered = sentBody(dev).tools
      assert.strictEqual(offered[0].type, "function")
      assert.strictEqual(offered[0].function.name, "get_weather")
      assert.strictEqual(offered[0].function.description, "The weather in a city")
      assert.deepInclude(offered[0].function.parameters, { type: "object", required: ["city"] })
      assert.strictEqual(sentBody(dev).tool_choice, "auto")
      const second = yield* LanguageModel.generateText({
        prompt: Prompt.concat(question, Prompt.fromResponseParts(first.content)),
        toolkit
      })
      assert.strictEqual(second.text, "The tool answered: Sunny in Berlin, 21 °C")
      assert.strictEqual(second.finishReason, "stop")
      const messages = sentBody(dev).messages
      assert.strictEqual(messages[1].role, "assistant")
      assert.strictEqual(messages[1].tool_calls[0].id, first.toolCalls[0]?.id)
      assert.deepStrictEqual(JSON.parse(messages[1].tool_calls[0].function.arguments), { city: "Berlin" })
      assert.deepStrictEqual(messages[2], { role: "tool", tool_call_id: first.toolCalls[0]?.id, content: "Sunny in Berlin, 21 °C" })
    }).pipe(Effect.provide(WeatherHandlers))))

  it.live("streamText with a Toolkit assembles the streamed tool call and runs the handler", () =>
    withModel(Effect.gen(function*() {
      const toolkit = yield* WeatherToolkit
      const parts = yield* Stream.runCollect(LanguageModel.streamText({ prompt: "get_weather in Paris", toolkit }))
      const call = parts.find((part) => part.type === "tool-call")
      const result = parts.find((part) => part.type === "tool-result")
      assert.deepStrictEqual(call?.type === "tool-call" ? call.params : undefined, { city: "Paris" })
      assert.strictEqual(result?.type === "tool-result" ? result.result : undefined, "Sunny in Paris, 21 °C")
      const finish = parts.find((part) => part.type === "finish")
      assert.strictEqual(finish?.type === "finish" ? finish.reason : undefined, "tool-calls")
    }).pipe(Effect.provide(WeatherHandlers))))

  it.live("generateObject sends the Schema as a json_schema response format and decodes the object", () =>
    withModel(Effect.gen(function*() {
      const dev = yield* DevServerService
      const Cats = Schema.Struct({
        summary: Schema.String,
        count: Schema.Int,
        cute: Schema.Boolean,
        names: Schema.Array(Schema.String)
      })
      const response = yield* LanguageModel.generateObject({ prompt: "Tell me about 3 cats", schema: Cats, objectName: "cats" })
      assert.strictEqual(response.value.count, 3)
      assert.strictEqual(response.value.cute, true)
      assert.strictEqual(typeof response.value.summary, "string")
      assert.strictEqual(typeof response.value.names[0], "string")
      const format = sentBody(dev).response_format
      assert.strictEqual(format.type, "json_schema")
      assert.strictEqual(format.json_schema.name, "cats")
      assert.deepInclude(format.json_schema.schema, { type: "object" })
      assert.deepStrictEqual([...format.json_schema.schema.required].sort(), ["count", "cute", "names", "summary"])
    })))

  it.live("a failure (unknown bit) surfaces as an AiError keeping the FlowLikeError as the reason's cause", () =>
    withModel(Effect.gen(function*() {
      const error = yield* Effect.flip(LanguageModel.generateText({ prompt: "hi" }))
      assert.isTrue(AiError.isAiError(error))
      assert.strictEqual(error.module, "FlowLikeLanguageModel")
      assert.strictEqual(error.method, "generateText")
      assert.strictEqual(error.reason._tag, "InternalProviderError")
      const cause = error.reason.cause
      assert.isTrue(FlowLikeError.isFlowLikeError(cause))
      if (FlowLikeError.isFlowLikeError(cause)) assert.strictEqual(cause.reason._tag, "ServerError")
      const streamed = yield* Effect.flip(Stream.runDrain(LanguageModel.streamText({ prompt: "hi" })))
      assert.isTrue(AiError.isAiError(streamed))
      assert.strictEqual(streamed.method, "streamText")
    }), "no-such-bit"))

  it.live("layer provides LanguageModel over the Models service", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const response = yield* LanguageModel.generateText({ prompt: "via the layer" }).pipe(
        Effect.provide(FlowLikeLanguageModel.layer({ bitId: dev.seed.bits.openAiLlmBitId, stop: ["\n\n"], topP: 0.9, extra: { seed: 7 } })),
        Effect.provideService(Models.Models, models)
      )
      assert.strictEqual(response.text, "You said: via the layer")
      const body = sentBody(dev)
      assert.deepStrictEqual(body.stop, ["\n\n"])
      assert.strictEqual(body.seed, 7)
      assert.strictEqual(body.top_p, 0.9)
    }).pipe(Effect.provide(e2e)))

  it.live("the README example runs as written against the dev server", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      // The README's program, with the dev server's bits and credentials.
      const program = Effect.gen(function*() {
        const answer = yield* LanguageModel.generateText({ prompt: "Hello there" })
        const cats = yield* LanguageModel.generateObject({
          prompt: "Tell me about 3 cats",
          schema: Schema.Struct({ count: Schema.Int, names: Schema.Array(Schema.String) })
        })
        const embeddings = yield* EmbeddingModel.EmbeddingModel
        const { embeddings: vectors } = yield* embeddings.embedMany(["first text", "second text"])
        return { text: answer.text, count: cats.value.count, dimensions: yield* EmbeddingModel.Dimensions, vectors: vectors.length }
      }).pipe(
        Effect.provide(FlowLikeLanguageModel.model(dev.seed.bits.llmBitId, { temperature: 0.2 })),
        Effect.provide(FlowLikeEmbeddingModel.layer({ bitId: dev.seed.bits.embeddingBitId })),
        Effect.provide(FlowLike.layer({ baseUrl: dev.url, pat: dev.pat }))
      )
      const result = yield* program
      assert.deepStrictEqual(result, { text: "You said: Hello there", count: 3, dimensions: 384, vectors: 2 })
    }).pipe(Effect.provide(DevServer.layer())))

  it("maps FlowLikeError reasons and OpenAI finish reasons", () => {
    const network = FlowLikeError.make(new FlowLikeError.NetworkError({ message: "refused", method: "POST", url: "http://x/api/v1/chat/completions" }))
    const asNetwork = FlowLikeLanguageModel.toAiErrorReason(network)
    assert.strictEqual(asNetwork._tag, "NetworkError")
    assert.strictEqual(asNetwork.cause, network)
    assert.isTrue(asNetwork.isRetryable)
    const limited = FlowLikeError.make(new FlowLikeError.RateLimitError({ message: "slow down", status: 429 }))
    const asLimited = FlowLikeLanguageModel.toAiErrorReason(limited)
    assert.strictEqual(asLimited._tag, "RateLimitError")
    assert.strictEqual(asLimited.cause, limited)
    const denied = FlowLikeLanguageModel.toAiErrorReason(FlowLikeError.make(new FlowLikeError.AuthenticationError({ message: "bad key", status: 401 })))
    assert.strictEqual(denied._tag, "AuthenticationError")
    assert.deepStrictEqual(
      ["stop", "length", "tool_calls", "content_filter", null, "something"].map(FlowLikeLanguageModel.toFinishReason),
      ["stop", "length", "tool-calls", "content-filter", "unknown", "other"]
    )
  })
})
