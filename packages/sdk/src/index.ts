/**
 * @flow-like/effect: the Effect-native SDK for the Flow-Like API.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.ts"
export * as CallOptions from "./CallOptions.ts"
export * as ChatStream from "./ChatStream.ts"
export * as Config from "./Config.ts"
export * as Execution from "./Execution.ts"
export * as Files from "./Files.ts"
export * as FlowLike from "./FlowLike.ts"
export * as FlowLikeEmbeddingModel from "./FlowLikeEmbeddingModel.ts"
export * as FlowLikeError from "./FlowLikeError.ts"
export * as FlowLikeHttp from "./FlowLikeHttp.ts"
export * as FlowLikeLanguageModel from "./FlowLikeLanguageModel.ts"
export * as Models from "./Models.ts"
export * as WorkflowEvent from "./WorkflowEvent.ts"
export * as Workflows from "./Workflows.ts"
export * as ApiErrors from "./api/ApiErrors.ts"
export * as BitsApi from "./api/BitsApi.ts"
export * as ExecutionApi from "./api/ExecutionApi.ts"
export * as FilesApi from "./api/FilesApi.ts"
export * as FlowLikeApi from "./api/FlowLikeApi.ts"
export * as HealthApi from "./api/HealthApi.ts"
export * as ModelsApi from "./api/ModelsApi.ts"
export * as WorkflowsApi from "./api/WorkflowsApi.ts"
