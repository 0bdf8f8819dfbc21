/**
 * The caller's usage history: LLM calls, embeddings and executions a page at a time (or all of
 * them as a `Stream`), and a summary. Its own service because it is the account's record across
 * apps, where `Models.getUsage` is only the two running totals the chat route keeps.
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as UsageApi from "./api/UsageApi.ts"
import type * as Schema from "effect/Schema"
import type * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { checkWhole, numberedPages } from "./internal/paging.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"

/** One LLM call. */
export type LlmUsageRecord = typeof UsageApi.LlmUsageRecord.Type
/** One embedding call. */
export type EmbeddingUsageRecord = typeof UsageApi.EmbeddingUsageRecord.Type
/** One execution. */
export type ExecutionUsageRecord = typeof UsageApi.ExecutionUsageRecord.Type
/** Totals over the caller's whole history (prices in micro-dollars). */
export type UsageSummary = typeof UsageApi.UsageSummary.Type

/** A page of records and the number of records in all. */
export interface UsagePage<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number
  readonly page: number
  readonly pageSize: number
}

/** Which page, and optionally one app's records only. */
export interface UsageOptions {
  /** From 0 (the default). */
  readonly page?: number | undefined
  /** Default 50, at most 100. */
  readonly pageSize?: number | undefined
  readonly appId?: string | undefined
}

/** Usage history. */
export class Usage extends Context.Service<Usage, {
  /** One page of LLM calls, newest first. */
  listLlmUsage(options?: UsageOptions): Effect.Effect<UsagePage<LlmUsageRecord>, FlowLikeError.FlowLikeError>
  /** Every LLM call from `page` on. */
  allLlmUsage(options?: UsageOptions): Stream.Stream<LlmUsageRecord, FlowLikeError.FlowLikeError>
  /** One page of embedding calls, newest first. */
  listEmbeddingUsage(options?: UsageOptions): Effect.Effect<UsagePage<EmbeddingUsageRecord>, FlowLikeError.FlowLikeError>
  /** Every embedding call from `page` on. */
  allEmbeddingUsage(options?: UsageOptions): Stream.Stream<EmbeddingUsageRecord, FlowLikeError.FlowLikeError>
  /** One page of executions, newest first. */
  listExecutionUsage(options?: UsageOptions): Effect.Effect<UsagePage<ExecutionUsageRecord>, FlowLikeError.FlowLikeError>
  /** Every execution from `page` on. */
  allExecutionUsage(options?: UsageOptions): Stream.Stream<ExecutionUsageRecord, FlowLikeError.FlowLikeError>
  /** Totals and counts over the whole history. */
  getUsageSummary(): Effect.Effect<UsageSummary, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Usage") {
  /** `Usage` over the configured transport. */
  static readonly layer: Layer.Layer<Usage, never, FlowLikeHttp> = Layer.effect(
    Usage,
    Effect.map(FlowLikeHttp, (http) => Usage.of(make(http)))
  )
}

const endpoints = UsageApi.UsageApi.endpoints

type HistoryEndpoint = typeof endpoints.llmHistory | typeof endpoints.embeddingHistory | typeof endpoints.executionHistory

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Usage["Service"] => {
  const page = <A>(
    endpoint: HistoryEndpoint,
    schema: Schema.Codec<UsagePage<A>, unknown>,
    operation: string,
    options: UsageOptions
  ): Effect.Effect<UsagePage<A>, FlowLikeError.FlowLikeError> =>
    Effect.gen(function*() {
      yield* checkWhole(operation, "page", options.page)
      yield* checkWhole(operation, "pageSize", options.pageSize, 1)
      const request = yield* Endpoint.request(endpoint, {
        query: { page: options.page, pageSize: options.pageSize, appId: options.appId }
      }, { operation })
      return yield* http.json(request, schema)
    })
  const all = <A>(endpoint: HistoryEndpoint, schema: Schema.Codec<UsagePage<A>, unknown>, operation: string, options: UsageOptions) =>
    withStreamSpan(operation)(numberedPages(options.page ?? 0, (number) => page(endpoint, schema, operation, { ...options, page: number })))
  const llm = Endpoint.success(endpoints.llmHistory)
  const embedding = Endpoint.success(endpoints.embeddingHistory)
  const execution = Endpoint.success(endpoints.executionHistory)
  return {
    listLlmUsage: (options = {}) => withSpan("Usage.listLlmUsage")(page(endpoints.llmHistory, llm, "Usage.listLlmUsage", options)),
    allLlmUsage: (options = {}) => all(endpoints.llmHistory, llm, "Usage.allLlmUsage", options),
    listEmbeddingUsage: (options = {}) =>
      withSpan("Usage.listEmbeddingUsage")(page(endpoints.embeddingHistory, embedding, "Usage.listEmbeddingUsage", options)),
    allEmbeddingUsage: (options = {}) => all(endpoints.embeddingHistory, embedding, "Usage.allEmbeddingUsage", options),
    listExecutionUsage: (options = {}) =>
      withSpan("Usage.listExecutionUsage")(page(endpoints.executionHistory, execution, "Usage.listExecutionUsage", options)),
    allExecutionUsage: (options = {}) => all(endpoints.executionHistory, execution, "Usage.allExecutionUsage", options),
    getUsageSummary: () =>
      withSpan("Usage.getUsageSummary")(Effect.flatMap(
        Endpoint.request(endpoints.summary, {}, { operation: "Usage.getUsageSummary" }),
        (request) => http.json(request, Endpoint.success(endpoints.summary))
      ))
  }
}
