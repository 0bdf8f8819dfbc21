/**
 * An Effect AI provider: `EmbeddingModel` over the Flow-Like embeddings route (`Models.embed`), for
 * any Embedding bit with a remote implementation.
 *
 * `embedMany` sends its texts through `Models.embed`, which splits them into batches (32 texts per
 * request by default) and returns the vectors in input order. `Dimensions` is the bit's
 * `parameters.vector_length`, read once with `Models.getBit` when the layer is built. A
 * `FlowLikeError` fails as an `AiError` whose reason keeps the `FlowLikeError` as its `cause`.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AiError from "effect/ai/AiError"
import * as EmbeddingModel from "effect/ai/EmbeddingModel"
import * as Model from "effect/ai/Model"
import { toAiErrorReason } from "./internal/aiError.ts"
import * as Models from "./Models.ts"

/** The provider name the `Model` reports (`Model.ProviderName`). */
export const providerName = "flow-like"

/** How the texts are sent. */
export interface Config {
  /** Texts per request, default 32. */
  readonly batchSize?: number | undefined
  /** Requests in flight at once, default 4. */
  readonly concurrency?: number | undefined
  /** `query` (the server's default) or `document`. */
  readonly embedType?: "query" | "document" | undefined
}

/** The options of `layer` and `make`: the bit to embed with and how to send the texts. */
export interface Options extends Config {
  /** The bit id of an Embedding bit with a remote implementation. */
  readonly bitId: string
}

const MODULE = "FlowLikeEmbeddingModel"

/** An `EmbeddingModel` over the `Models` service for one bit. */
export const make = (options: Options): Effect.Effect<EmbeddingModel.EmbeddingModel, never, Models.Models> =>
  Effect.flatMap(Models.Models, (models) =>
    EmbeddingModel.make({
      embedMany: ({ inputs }) =>
        models.embed({
          bitId: options.bitId,
          input: inputs,
          batchSize: options.batchSize,
          concurrency: options.concurrency,
          embedType: options.embedType
        }).pipe(
          Effect.map((answer): EmbeddingModel.ProviderResponse => ({
            results: answer.embeddings.map((vector) => [...vector]),
            usage: { inputTokens: answer.usage.promptTokens }
          })),
          Effect.mapError((error) => AiError.make({ module: MODULE, method: "embedMany", reason: toAiErrorReason(error) }))
        )
    }))

/** The bit's vector length (`parameters.vector_length`); fails when the bit is unknown or has none. */
export const dimensions = (bitId: string): Effect.Effect<number, AiError.AiError, Models.Models> =>
  Effect.flatMap(Models.Models, (models) =>
    models.getBit(bitId).pipe(
      Effect.mapError((error) => AiError.make({ module: MODULE, method: "dimensions", reason: toAiErrorReason(error) })),
      Effect.flatMap((bit) => {
        const vectorLength = Models.toModelInfo(bit).vectorLength
        return vectorLength !== undefined && Number.isInteger(vectorLength) && vectorLength > 0
          ? Effect.succeed(vectorLength)
          : Effect.fail(AiError.make({
            module: MODULE,
            method: "dimensions",
            reason: new AiError.InvalidRequestError({
              parameter: "bitId",
              description: `the bit ${bitId} has no vector_length: it is not an embedding model`
            })
          }))
      })
    ))

/**
 * A Layer providing `EmbeddingModel.EmbeddingModel` for one bit, and its `Dimensions` from the bit's
 * vector length (looked up when the layer is built, so an unknown bit fails the layer with an `AiError`).
 */
export const layer = (
  options: Options
): Layer.Layer<EmbeddingModel.EmbeddingModel | EmbeddingModel.Dimensions, AiError.AiError, Models.Models> =>
  Layer.merge(
    Layer.effect(EmbeddingModel.EmbeddingModel, make(options)),
    Layer.effect(EmbeddingModel.Dimensions, dimensions(options.bitId))
  )

/**
 * An Effect AI `Model` for one bit: provides `EmbeddingModel`, `Model.ProviderName` and
 * `Model.ModelName`. (A `Model` cannot fail, so it does not look up `Dimensions`; use `layer` for that.)
 */
export const model = (
  bitId: string,
  config?: Config
): Model.Model<typeof providerName, EmbeddingModel.EmbeddingModel, Models.Models> =>
  Model.make(providerName, bitId, Layer.effect(EmbeddingModel.EmbeddingModel, make({ ...config, bitId })))
