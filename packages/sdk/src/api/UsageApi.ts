/**
 * The caller's usage history (`routes/usage/history.rs`): LLM calls, embeddings and executions,
 * each paged with `page` (from 0) and `page_size` (default 50, capped at 100), and a summary.
 * Times are RFC 3339; prices are micro-dollars.
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { nullable, U64 } from "../internal/wire.ts"
import { ApiErrorsFor } from "../internal/routeErrors.ts"

/** `PaginationParams`: a page (from 0), its size, and optionally one app. */
export const PageQuery = Schema.Struct({
  page: Schema.optional(U64),
  pageSize: Schema.optional(U64),
  appId: Schema.optional(Schema.String)
}).pipe(Schema.encodeKeys({ pageSize: "page_size", appId: "app_id" }))

/** `PaginatedResponse<T>`. */
export const Page = <S extends Schema.Top>(item: S) =>
  Schema.Struct({
    items: Schema.Array(item),
    total: U64,
    page: U64,
    pageSize: U64
  }).pipe(Schema.encodeKeys({ pageSize: "page_size" }))

const recordFields = {
  id: Schema.String,
  appId: nullable(Schema.String),
  technicalUserId: nullable(Schema.String),
  /** RFC 3339. */
  createdAt: Schema.String
}
const recordKeys = { appId: "app_id", technicalUserId: "technical_user_id", createdAt: "created_at" } as const

/** `LlmUsageRecord`. */
export const LlmUsageRecord = Schema.Struct({
  ...recordFields,
  modelId: Schema.String,
  provider: nullable(Schema.String),
  endpoint: nullable(Schema.String),
  tokenIn: Schema.Number,
  tokenOut: Schema.Number,
  latency: nullable(Schema.Number),
  price: Schema.Number
}).pipe(Schema.encodeKeys({ ...recordKeys, modelId: "model_id", tokenIn: "token_in", tokenOut: "token_out" })).annotate({
  identifier: "LlmUsageRecord"
})

/** `EmbeddingUsageRecord`. */
export const EmbeddingUsageRecord = Schema.Struct({
  ...recordFields,
  modelId: Schema.String,
  provider: nullable(Schema.String),
  endpoint: nullable(Schema.String),
  tokenCount: Schema.Number,
  latency: nullable(Schema.Number),
  price: Schema.Number
}).pipe(Schema.encodeKeys({ ...recordKeys, modelId: "model_id", tokenCount: "token_count" })).annotate({
  identifier: "EmbeddingUsageRecord"
})

/** `ExecutionUsageRecord`: `status` is `Debug` of the run's status. */
export const ExecutionUsageRecord = Schema.Struct({
  ...recordFields,
  instance: nullable(Schema.String),
  boardId: Schema.String,
  nodeId: Schema.String,
  version: Schema.String,
  microseconds: Schema.Number,
  status: Schema.String
}).pipe(Schema.encodeKeys({ ...recordKeys, boardId: "board_id", nodeId: "node_id" })).annotate({
  identifier: "ExecutionUsageRecord"
})

/** `UsageSummary`. */
export const UsageSummary = Schema.Struct({
  totalLlmPrice: Schema.Number,
  totalEmbeddingPrice: Schema.Number,
  totalLlmInvocations: U64,
  totalEmbeddingInvocations: U64,
  totalExecutions: U64
}).pipe(Schema.encodeKeys({
  totalLlmPrice: "total_llm_price",
  totalEmbeddingPrice: "total_embedding_price",
  totalLlmInvocations: "total_llm_invocations",
  totalEmbeddingInvocations: "total_embedding_invocations",
  totalExecutions: "total_executions"
})).annotate({ identifier: "UsageSummary" })

/** The usage routes. */
export const UsageApi = HttpApiGroup.make("usage")
  .add(
    HttpApiEndpoint.get("llmHistory", "/usage/llm", {
      query: PageQuery,
      success: Page(LlmUsageRecord).annotate({ identifier: "LlmUsagePage" }),
      error: ApiErrorsFor.read
    }),
    HttpApiEndpoint.get("embeddingHistory", "/usage/embeddings", {
      query: PageQuery,
      success: Page(EmbeddingUsageRecord).annotate({ identifier: "EmbeddingUsagePage" }),
      error: ApiErrorsFor.read
    }),
    HttpApiEndpoint.get("executionHistory", "/usage/executions", {
      query: PageQuery,
      success: Page(ExecutionUsageRecord).annotate({ identifier: "ExecutionUsagePage" }),
      error: ApiErrorsFor.read
    }),
    HttpApiEndpoint.get("summary", "/usage/summary", {
      success: UsageSummary,
      error: ApiErrorsFor.read
    })
  )
