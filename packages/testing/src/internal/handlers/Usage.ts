import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { internalError } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import type { Principal } from "../Auth.ts"
import type { ModelsStore } from "../stores/Models.ts"
import type { UsageStore } from "../stores/Usage.ts"

type UsageHandlers = Handlers<typeof FlowLikeApi>["usage"]

const requireUser = (principal: Principal) => principal._tag === "User" ? Effect.void : Effect.fail(internalError())

/** `page` from 0, `page_size` default 50 and capped at 100, optionally one app's records (`usage/history.rs`). */
const pageOf = <A extends { readonly appId?: string | undefined }>(
  records: ReadonlyArray<A>,
  query: { readonly page?: number | undefined; readonly pageSize?: number | undefined; readonly appId?: string | undefined }
) => {
  const page = query.page ?? 0
  const pageSize = Math.min(query.pageSize ?? 50, 100)
  const matching = query.appId === undefined ? records : records.filter((record) => record.appId === query.appId)
  return { items: matching.slice(page * pageSize, (page + 1) * pageSize), total: matching.length, page, pageSize }
}

/** The usage history routes; the summary's prices are the running totals `GET /chat/usage` reports. */
export const makeUsageHandlers = (stores: { readonly usage: UsageStore; readonly models: ModelsStore }): UsageHandlers => {
  const { models, usage } = stores
  return {
    llmHistory: ({ principal, query }) => Effect.as(requireUser(principal), pageOf(usage.llm, query)),
    embeddingHistory: ({ principal, query }) => Effect.as(requireUser(principal), pageOf(usage.embeddings, query)),
    executionHistory: ({ principal, query }) => Effect.as(requireUser(principal), pageOf(usage.executions, query)),
    summary: ({ principal }) =>
      Effect.as(requireUser(principal), {
        totalLlmPrice: models.usage.llmPrice,
        totalEmbeddingPrice: models.usage.embeddingPrice,
        totalLlmInvocations: usage.llm.length,
        totalEmbeddingInvocations: usage.embeddings.length,
        totalExecutions: usage.executions.length
      })
  }
}
