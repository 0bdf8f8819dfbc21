/**
 * @flow-like/client: the Flow-Like API as Promises and async iterables, built on @flow-like/effect.
 *
 * @since 0.1.0
 */
export { FlowLikeClient } from "./FlowLikeClient.ts"
export type {
  AsyncInvocationResult,
  AwaitableIterable,
  CallOptions,
  FlowLikeClientMethods,
  FlowLikeClientOptions
} from "./FlowLikeClient.ts"
export { FlowLikeError } from "@flow-like/effect/FlowLikeError"
export type { FlowLikeErrorReason } from "@flow-like/effect/FlowLikeError"
export type { PollOptions, PollResult, RunOutcome, RunStatus, WatchOptions } from "@flow-like/effect/Execution"
export type { RunEvent, WorkflowEvent } from "@flow-like/effect/WorkflowEvent"
export type {
  BoardInvokeOptions,
  BoardStreamOptions,
  BoardVersion,
  EventInvokeOptions,
  RuntimeVariable
} from "@flow-like/effect/Workflows"
