/**
 * The client's LangChain factories load `@flow-like/langchain` (an optional peer) on first use, so
 * that client users who do not use LangChain need neither it nor `@langchain/core`.
 */
import * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import type * as Config from "@flow-like/effect/Config"
import type {
  FlowLikeChatModel,
  FlowLikeChatModelFields,
  FlowLikeEmbeddings,
  FlowLikeEmbeddingsFields
} from "./langchainTypes.ts"

export type { FlowLikeChatModel, FlowLikeEmbeddings } from "./langchainTypes.ts"

/** The module's exports, as the factories use them. */
export interface LangChainModule {
  readonly FlowLikeChatModel: new(fields: FlowLikeChatModelFields) => FlowLikeChatModel
  readonly FlowLikeEmbeddings: new(fields: FlowLikeEmbeddingsFields) => FlowLikeEmbeddings
}

/** Options of `asLangChainChat`: the model's own (sampling, streaming, ...); the connection is the client's. */
export type LangChainChatOptions = Omit<FlowLikeChatModelFields, "bitId" | "runtime" | "closeSignal" | keyof Config.Options>

/** Options of `asLangChainEmbeddings`: batching and newline handling; the connection is the client's. */
export type LangChainEmbeddingsOptions = Omit<FlowLikeEmbeddingsFields, "bitId" | "runtime" | "closeSignal" | keyof Config.Options>

const PACKAGES = ["@flow-like/langchain", "@langchain/core"]

const importLangChain = (): Promise<LangChainModule> => import("@flow-like/langchain")

const isMissingPackage = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false
  const code = "code" in error ? error.code : undefined
  const message = "message" in error && typeof error.message === "string" ? error.message : ""
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || /Cannot find (package|module)|Failed to (load|resolve)/.test(message)) &&
    PACKAGES.some((name) => message.includes(name))
}

/**
 * `@flow-like/langchain`, loaded once; when it (or its peer `@langchain/core`) is not installed, a
 * `FlowLikeError` with a `ConfigurationError` reason naming the packages to install.
 */
export const loadLangChain = async (operation: string, importer: () => Promise<LangChainModule> = importLangChain): Promise<LangChainModule> => {
  try {
    return await importer()
  } catch (error) {
    if (!isMissingPackage(error)) throw error
    throw FlowLikeError.make(
      new FlowLikeError.ConfigurationError({
        message:
          `${operation} needs the optional packages @flow-like/langchain and @langchain/core: npm install @flow-like/langchain @langchain/core`,
        operation
      })
    )
  }
}
