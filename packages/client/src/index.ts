/**
 * @flow-like/client: the Flow-Like API as Promises and async iterables, built on @flow-like/effect.
 *
 * @since 0.1.0
 */
export * as ChatStream from "./ChatStream.ts"
export { FlowLikeClient } from "./FlowLikeClient.ts"
export type {
  AsyncInvocationResult,
  AwaitableIterable,
  CallOptions,
  ChatCompletionsMethod,
  ChatCompletionsRequest,
  FlowLikeClientMethods,
  FlowLikeClientOptions,
  LangChainChatOptions,
  LangChainEmbeddingsOptions,
  LanceConnectionOptions
} from "./FlowLikeClient.ts"
export { FlowLikeError } from "@flow-like/effect/FlowLikeError"
export type { FlowLikeErrorReason } from "@flow-like/effect/FlowLikeError"
export type {
  EventGap,
  PollOptions,
  PollResult,
  RunOutcome,
  RunStatus,
  WatchedEvent,
  WatchOptions
} from "@flow-like/effect/Execution"
export type {
  Bit,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  EmbedRequest,
  Embeddings,
  ListModelsOptions,
  ModelInfo,
  ResponseFormat,
  SearchBitsOptions,
  Tool,
  ToolChoice,
  Usage
} from "@flow-like/effect/Models"
export type {
  DataAccess,
  DownloadOptions,
  DownloadResult,
  FileInfo,
  ListFilesOptions,
  PresignDataOptions,
  UploadFailure,
  UploadFilesOptions,
  UploadFilesResult,
  UploadItem,
  UploadOptions,
  UploadProgress,
  UploadResult,
  UploadSource
} from "@flow-like/effect/Files"
export type { RunEvent, WorkflowEvent } from "@flow-like/effect/WorkflowEvent"
export type {
  BoardInvokeOptions,
  BoardStreamOptions,
  BoardVersion,
  EventInvokeOptions,
  RuntimeVariable
} from "@flow-like/effect/Workflows"
export type {
  Board,
  BoardCommand,
  BoardComment,
  BoardLayer,
  BoardNode,
  BoardPin,
  BoardLogsFilters,
  BoardRun,
  BoardRunsFilters,
  LogMessage,
  PrerunBoard,
  RuntimeVariableInfo,
  UpsertBoardOptions,
  VersionBoardOptions,
  VersionOptions
} from "@flow-like/effect/Boards"
export type { App, AppInfo, AppMetadata, CreateAppOptions, Health, ListAppsOptions } from "@flow-like/effect/Apps"
export type { HttpSinkOptions, HttpSinkResult, Sink, SinkMethod, UpdateSinkOptions } from "@flow-like/effect/Sinks"
export type {
  EmbeddingUsageRecord,
  ExecutionUsageRecord,
  LlmUsageRecord,
  UsageOptions,
  UsagePage,
  UsageSummary
} from "@flow-like/effect/Usage"
export type {
  AccessMode,
  CredentialsOptions,
  DbCredentials,
  DbCredentialsRaw,
  PageOptions,
  Query,
  Row,
  SchemaField,
  SharedCredentials,
  StorageOptions,
  TableSchema
} from "@flow-like/effect/Db"
