/**
 * `FlowLikeClient`: the Flow-Like API for plain Node code, with Promises, `AsyncIterable` streams and
 * `AbortSignal`s. It runs the `@flow-like/effect` services underneath, and throws their
 * `FlowLikeError` as is: catch it with `instanceof` and read `error.reason._tag`.
 *
 * @example
 * ```ts
 * import { FlowLikeClient } from "@flow-like/client"
 *
 * await using client = new FlowLikeClient({ baseUrl: "https://api.flow-like.com", pat: process.env.MY_PAT })
 * for await (const event of client.triggerWorkflow("app-id", "board-id", "start-node", { key: "value" })) {
 *   console.log(event.eventType, event.payload)
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, ManagedRuntime, Redacted, Stream } from "effect"
import { Config, Execution, FlowLike, FlowLikeError, Workflows } from "@flow-like/effect"
import type { WorkflowEvent } from "@flow-like/effect"
import { ClientRuntime } from "./internal/runtime.ts"

/** Options of the client: base URL, one credential, timeouts, retries, a custom `fetch`, extra headers. */
export type FlowLikeClientOptions = Config.Options

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call (and closes its connection); the call then rejects with an `AbortedError`. */
  readonly signal?: AbortSignal | undefined
}

/** What an asynchronous invocation returns. */
export interface AsyncInvocationResult {
  readonly runId: string
  /** Pass it to `pollExecution`, `watchRun` or `awaitRun`; valid for one hour. */
  readonly pollToken: string
  readonly status: string
  readonly backend: string | undefined
  /** The server's answer, unknown fields included (without the poll token). */
  readonly raw: Readonly<Record<string, unknown>>
}

const toResult = (invocation: Workflows.AsyncInvocation): AsyncInvocationResult => ({
  runId: invocation.runId,
  pollToken: Redacted.value(invocation.pollToken),
  status: invocation.status,
  backend: invocation.backend,
  raw: invocation.raw
})

/** Promise client for the Flow-Like API. */
export class FlowLikeClient implements AsyncDisposable {
  readonly #runtime: ClientRuntime<FlowLike.Services>
  /** The validated configuration (secrets stay redacted). */
  readonly config: Config.ResolvedConfig

  /**
   * Validates options (falling back to `FLOW_LIKE_BASE_URL`, `FLOW_LIKE_PAT`, `FLOW_LIKE_API_KEY`)
   * and throws a `FlowLikeError` with a `ConfigurationError` reason at once when they are missing,
   * doubled or malformed.
   */
  constructor(options: FlowLikeClientOptions = {}) {
    const exit = Effect.runSyncExit(Config.make(options))
    if (Exit.isFailure(exit)) {
      const error = Cause.squash(exit.cause)
      throw FlowLikeError.isFlowLikeError(error) ? error : FlowLikeError.configuration(`Invalid configuration: ${String(error)}`)
    }
    this.config = exit.value
    this.#runtime = new ClientRuntime(ManagedRuntime.make(FlowLike.layerResolved(exit.value)))
  }

  /** Runs a board from a start node and yields its events until `completed`; leaving the loop early closes the connection. */
  triggerWorkflow(
    appId: string,
    boardId: string,
    nodeId: string,
    payload?: unknown,
    options: Workflows.BoardStreamOptions & CallOptions = {}
  ): AsyncIterable<WorkflowEvent.WorkflowEvent> {
    return this.#runtime.iterate(
      Stream.unwrap(
        Effect.map(Workflows.Workflows, (workflows) => workflows.triggerWorkflow(appId, boardId, nodeId, payload, options))
      ),
      options.signal
    )
  }

  /** Starts a board run and resolves at once with its run id and poll token. */
  triggerWorkflowAsync(
    appId: string,
    boardId: string,
    nodeId: string,
    payload?: unknown,
    options: Workflows.BoardInvokeOptions & CallOptions = {}
  ): Promise<AsyncInvocationResult> {
    return this.#runtime.run(
      Effect.flatMap(Workflows.Workflows, (workflows) =>
        workflows.triggerWorkflowAsync(appId, boardId, nodeId, payload, options)).pipe(Effect.map(toResult)),
      options.signal
    )
  }

  /** Fires an event and yields the run's events until `completed`. */
  triggerEvent(
    appId: string,
    eventId: string,
    payload?: unknown,
    options: Workflows.EventInvokeOptions & CallOptions = {}
  ): AsyncIterable<WorkflowEvent.WorkflowEvent> {
    return this.#runtime.iterate(
      Stream.unwrap(Effect.map(Workflows.Workflows, (workflows) => workflows.triggerEvent(appId, eventId, payload, options))),
      options.signal
    )
  }

  /** Fires an event and resolves at once with the run id and poll token. */
  triggerEventAsync(
    appId: string,
    eventId: string,
    payload?: unknown,
    options: Workflows.EventInvokeOptions & CallOptions = {}
  ): Promise<AsyncInvocationResult> {
    return this.#runtime.run(
      Effect.flatMap(Workflows.Workflows, (workflows) => workflows.triggerEventAsync(appId, eventId, payload, options)).pipe(
        Effect.map(toResult)
      ),
      options.signal
    )
  }

  /** A run's status record: `status` is `Pending`, `Running`, `Completed`, `Failed`, `Cancelled` or `Timeout`. */
  getRunStatus(runId: string, options: CallOptions = {}): Promise<Execution.RunStatus> {
    return this.#runtime.run(Effect.flatMap(Execution.Execution, (execution) => execution.getRunStatus(runId)), options.signal)
  }

  /** One long poll: events after `afterSequence` (each delivered once), `done` derived from the status. */
  pollExecution(pollToken: string, options: Execution.PollOptions & CallOptions = {}): Promise<Execution.PollResult> {
    return this.#runtime.run(
      Effect.flatMap(Execution.Execution, (execution) => execution.pollExecution(pollToken, options)),
      options.signal
    )
  }

  /** Yields every event of an asynchronous run until it ends, retrying transient failures. */
  watchRun(pollToken: string, options: Execution.WatchOptions & CallOptions = {}): AsyncIterable<WorkflowEvent.RunEvent> {
    return this.#runtime.iterate(
      Stream.unwrap(Effect.map(Execution.Execution, (execution) => execution.watchRun(pollToken, options))),
      options.signal
    )
  }

  /** Follows an asynchronous run to its end and resolves with its final state. */
  awaitRun(pollToken: string, options: Execution.WatchOptions & CallOptions = {}): Promise<Execution.RunOutcome> {
    return this.#runtime.run(
      Effect.flatMap(Execution.Execution, (execution) => execution.awaitRun(pollToken, options)),
      options.signal
    )
  }

  /** Releases the client's resources; calls after this reject. */
  close(): Promise<void> {
    return this.#runtime.close()
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}
