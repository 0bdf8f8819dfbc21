import type * as UsageApi from "@flow-like/effect/api/UsageApi"

type Omitted = "id" | "createdAt"

/** A usage record to seed: what the server would have tracked (id and time filled in when left out). */
export type LlmUsageInput = Omit<typeof UsageApi.LlmUsageRecord.Type, Omitted> & { readonly id?: string; readonly createdAt?: string }
export type EmbeddingUsageInput = Omit<typeof UsageApi.EmbeddingUsageRecord.Type, Omitted> & { readonly id?: string; readonly createdAt?: string }
export type ExecutionUsageInput = Omit<typeof UsageApi.ExecutionUsageRecord.Type, Omitted> & { readonly id?: string; readonly createdAt?: string }

/** The caller's usage history, newest first. */
export interface UsageStore {
  readonly llm: Array<typeof UsageApi.LlmUsageRecord.Type>
  readonly embeddings: Array<typeof UsageApi.EmbeddingUsageRecord.Type>
  readonly executions: Array<typeof UsageApi.ExecutionUsageRecord.Type>
}

/** An empty usage store. */
export const makeUsage = (): UsageStore => ({ llm: [], embeddings: [], executions: [] })
