/** @ts-ignore: `@flow-like/langchain` is an optional peer dependency; without it these types are `any`. */
export type { FlowLikeChatModel, FlowLikeChatModelFields, FlowLikeEmbeddings, FlowLikeEmbeddingsFields } from "@flow-like/langchain"
