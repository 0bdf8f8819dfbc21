/**
 * `FlowLikeEmbeddings`: LangChain `Embeddings` over the Flow-Like embeddings route, run by the
 * SDK's `Models.embed`: batching (`batchSize`), requests in flight (`maxConcurrency`), timeouts and
 * retries all in the SDK, in one place. LangChain's own retries (`AsyncCaller`) are set to 0, as
 * OpenAIEmbeddings sets its HTTP client's, so retries never double.
 *
 * @example
 * ```ts
 * import { FlowLikeEmbeddings } from "@flow-like/langchain"
 *
 * const embeddings = new FlowLikeEmbeddings({ baseUrl: "https://api.flow-like.com", token: "pat_...", bitId: "bit-id" })
 * const vectors = await embeddings.embedDocuments(["Flow-Like is a visual workflow engine."])
 * const query = await embeddings.embedQuery("What is Flow-Like?")
 * ```
 *
 * @since 0.1.0
 */
import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings"
import * as Effect from "effect/Effect"
import * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import * as Models from "@flow-like/effect/Models"
import { type ConnectionFields, type ModelsRuntime, run, runtimeOf } from "./internal/runner.ts"
import { lcSecrets, serialisableFields } from "./internal/secrets.ts"

/** Options of `FlowLikeEmbeddings`: the bit, batching, and the client's connection options. */
export interface FlowLikeEmbeddingsFields extends Omit<EmbeddingsParams, "maxRetries" | "maxConcurrency" | "onFailedAttempt">, ConnectionFields {
  /** The bit id of an Embedding bit with a remote implementation. */
  readonly bitId: string
  /** Texts per request, default 32 (Text Embeddings Inference backends usually cap one request at 32). */
  readonly batchSize?: number | undefined
  /** Requests in flight at once, default 4. */
  readonly maxConcurrency?: number | undefined
  /** Replace newlines with spaces before embedding, default true (as OpenAIEmbeddings). */
  readonly stripNewLines?: boolean | undefined
}

const isPositiveInteger = (value: unknown): boolean => Number.isInteger(value) && Number(value) > 0

/** LangChain embeddings computed by a Flow-Like embedding bit. */
export class FlowLikeEmbeddings extends Embeddings {
  readonly bitId: string
  readonly batchSize: number | undefined
  readonly maxConcurrency: number | undefined
  readonly stripNewLines: boolean
  /** Retries of each request (the SDK's; LangChain's `AsyncCaller` is set to 0). */
  readonly sdkMaxRetries: number | undefined
  readonly lc_serializable = true
  readonly lc_kwargs: Record<string, unknown>
  readonly #runtime: ModelsRuntime
  readonly #closeSignal: AbortSignal | undefined

  get lc_secrets(): Record<string, string> {
    return lcSecrets
  }

  /** Validates the options like the client does and throws a `FlowLikeError` at once when they are wrong. */
  constructor(fields: FlowLikeEmbeddingsFields) {
    super({ maxRetries: 0 })
    const operation = "FlowLikeEmbeddings"
    if (typeof fields !== "object" || fields === null || typeof fields.bitId !== "string" || fields.bitId.trim() === "") {
      throw FlowLikeError.invalidArgument(`${operation}: bitId must be a non-empty string`, operation)
    }
    for (const key of ["batchSize", "maxConcurrency"] as const) {
      if (fields[key] !== undefined && !isPositiveInteger(fields[key])) {
        throw FlowLikeError.invalidArgument(`${operation}: ${key} must be a whole number from 1`, operation)
      }
    }
    this.bitId = fields.bitId
    this.batchSize = fields.batchSize
    this.maxConcurrency = fields.maxConcurrency
    this.stripNewLines = fields.stripNewLines ?? true
    this.sdkMaxRetries = fields.maxRetries
    this.lc_kwargs = serialisableFields(fields)
    this.#runtime = runtimeOf(fields).runtime
    this.#closeSignal = fields.closeSignal
  }

  async #embed(texts: ReadonlyArray<string>, embedType: "query" | "document"): Promise<Array<Array<number>>> {
    const input = this.stripNewLines ? texts.map((text) => typeof text === "string" ? text.replace(/\n/g, " ") : text) : texts
    const answer = await run(
      this.#runtime,
      Effect.flatMap(Models.Models, (models) =>
        models.embed({ bitId: this.bitId, input, embedType, batchSize: this.batchSize, concurrency: this.maxConcurrency })),
      { maxRetries: this.sdkMaxRetries, signal: this.#closeSignal }
    )
    return answer.embeddings.map((vector) => [...vector])
  }

  /** One vector per text, in order (`embed_type: "document"`), sent in batches of `batchSize`. */
  embedDocuments(documents: Array<string>): Promise<Array<Array<number>>> {
    return this.#embed(documents, "document")
  }

  /** The vector of one query (`embed_type: "query"`). */
  async embedQuery(document: string): Promise<Array<number>> {
    const [vector] = await this.#embed([document], "query")
    if (vector === undefined) throw FlowLikeError.invalidArgument("FlowLikeEmbeddings.embedQuery: no vector came back", "FlowLikeEmbeddings")
    return vector
  }
}
