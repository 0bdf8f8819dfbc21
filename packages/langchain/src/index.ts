/**
 * @flow-like/langchain: a LangChain chat model and embeddings answered by Flow-Like bits, built on
 * @flow-like/effect's `Models` service.
 *
 * @since 0.1.0
 */
export { FlowLikeChatModel } from "./FlowLikeChatModel.ts"
export type { FlowLikeChatModelCallOptions, FlowLikeChatModelFields } from "./FlowLikeChatModel.ts"
export { FlowLikeEmbeddings } from "./FlowLikeEmbeddings.ts"
export type { FlowLikeEmbeddingsFields } from "./FlowLikeEmbeddings.ts"
export type { ModelsRuntime } from "./internal/runner.ts"
export { FlowLikeError } from "@flow-like/effect/FlowLikeError"
