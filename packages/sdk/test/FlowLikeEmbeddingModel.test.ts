/**
 * The Effect AI `EmbeddingModel` provider end to end: over real HTTP on loopback against the dev
 * server's trigram embeddings and seeded embedding bits.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { AiError, EmbeddingModel, Model } from "effect/ai"
import { DevServer, DevServerService } from "@flow-like/testing"
import { FlowLike, FlowLikeEmbeddingModel, FlowLikeError, Models } from "../src/index.ts"

const e2e = Layer.unwrap(Effect.map(DevServerService, (server) =>
  FlowLike.layer({ baseUrl: server.url, pat: server.pat }))).pipe(Layer.provideMerge(DevServer.layer()))

const embedPath = "/api/v1/embeddings/embed"

describe("FlowLikeEmbeddingModel end to end against the dev server", () => {
  it.live("embedMany over 70 texts sends batches of 32, and returns the vectors in input order with the bit's dimensions", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.embeddingBitId
      const inputs = Array.from({ length: 70 }, (_, index) => `document number ${index} about topic ${index % 7}`)
      const [response, dimensions] = yield* Effect.gen(function*() {
        const model = yield* EmbeddingModel.EmbeddingModel
        return [yield* model.embedMany(inputs), yield* EmbeddingModel.Dimensions] as const
      }).pipe(Effect.provide(FlowLikeEmbeddingModel.layer({ bitId })), Effect.provideService(Models.Models, models))
      assert.strictEqual(dimensions, 384)
      const batches = dev.requests.filter((request) => request.path === embedPath).map((request) => JSON.parse(request.body).input)
      assert.deepStrictEqual(batches.map((batch) => batch.length), [32, 32, 6])
      assert.deepStrictEqual(batches.flat(), inputs)
      assert.strictEqual(response.embeddings.length, 70)
      assert.isTrue(response.embeddings.every((embedding) => embedding.vector.length === dimensions))
      assert.isAbove(response.usage.inputTokens ?? 0, 0)
      // In input order: each vector is the one the route gives that text alone.
      const alone = yield* models.embed({ bitId, input: [inputs[0] ?? "", inputs[45] ?? "", inputs[69] ?? ""] })
      assert.deepStrictEqual(response.embeddings[0]?.vector, alone.embeddings[0])
      assert.deepStrictEqual(response.embeddings[45]?.vector, alone.embeddings[1])
      assert.deepStrictEqual(response.embeddings[69]?.vector, alone.embeddings[2])
      assert.notDeepEqual(response.embeddings[0]?.vector, response.embeddings[1]?.vector)
    }).pipe(Effect.provide(e2e)))

  it.live("batchSize sets the texts per request; Dimensions follows the bit's vector length; embed goes through the same route", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.largeEmbeddingBitId
      const vector = yield* Effect.gen(function*() {
        const model = yield* EmbeddingModel.EmbeddingModel
        assert.strictEqual(yield* EmbeddingModel.Dimensions, 768)
        yield* model.embedMany(["a", "b", "c", "d", "e"])
        return (yield* model.embed("one text")).vector
      }).pipe(Effect.provide(FlowLikeEmbeddingModel.layer({ bitId, batchSize: 2 })), Effect.provideService(Models.Models, models))
      assert.strictEqual(vector.length, 768)
      const batches = dev.requests.filter((request) => request.path === embedPath).map((request) => JSON.parse(request.body))
      assert.deepStrictEqual(batches.map((body) => body.input), [["a", "b"], ["c", "d"], ["e"], ["one text"]])
      assert.isTrue(batches.every((body) => body.model === bitId))
    }).pipe(Effect.provide(e2e)))

  it.live("model(bitId) provides EmbeddingModel with the provider and model names", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const bitId = dev.seed.bits.embeddingBitId
      const [provider, name, count] = yield* Effect.gen(function*() {
        const model = yield* EmbeddingModel.EmbeddingModel
        const response = yield* model.embedMany(["x", "y"])
        return [yield* Model.ProviderName, yield* Model.ModelName, response.embeddings.length] as const
      }).pipe(Effect.provide(FlowLikeEmbeddingModel.model(bitId, { embedType: "document" })))
      assert.deepStrictEqual([provider, name, count], ["flow-like", bitId, 2])
      assert.strictEqual(JSON.parse(dev.requests.at(-1)?.body ?? "{}").embed_type, "document")
    }).pipe(Effect.provide(e2e)))

  it.live("failures surface as AiError: an unknown bit fails the layer (Dimensions) and embedMany, with the FlowLikeError as cause", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const layerError = yield* Effect.flip(
        Effect.provide(Effect.service(EmbeddingModel.Dimensions), FlowLikeEmbeddingModel.layer({ bitId: "no-such-bit" })).pipe(
          Effect.provideService(Models.Models, models)
        )
      )
      assert.isTrue(AiError.isAiError(layerError))
      assert.strictEqual(layerError.reason._tag, "InvalidRequestError")
      const layerCause = layerError.reason.cause
      assert.isTrue(FlowLikeError.isFlowLikeError(layerCause) && layerCause.reason._tag === "NotFoundError")
      const embedError = yield* Effect.flip(Effect.gen(function*() {
        const model = yield* EmbeddingModel.EmbeddingModel
        return yield* model.embedMany(["hello"])
      }).pipe(Effect.provide(FlowLikeEmbeddingModel.model("no-such-bit")), Effect.provideService(Models.Models, models)))
      assert.isTrue(AiError.isAiError(embedError))
      assert.strictEqual(embedError.module, "FlowLikeEmbeddingModel")
      assert.isTrue(FlowLikeError.isFlowLikeError(embedError.reason.cause))
    }).pipe(Effect.provide(e2e)))
})
