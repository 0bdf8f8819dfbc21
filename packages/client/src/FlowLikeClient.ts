/**
 * `FlowLikeClient`: the Flow-Like API for plain Node code, with Promises, awaitable `AsyncIterable`
 * streams, per-call options and `AbortSignal`s. Its methods are derived from the
 * `@flow-like/effect` services by one generic adapter, and throw their `FlowLikeError` as is: catch
 * it with `instanceof` and read `error.reason._tag`.
 *
 * @example
 * ```ts
 * import { FlowLikeClient } from "@flow-like/client"
 *
 * await using client = new FlowLikeClient({ baseUrl: "https://api.flow-like.com", pat: process.env.MY_PAT })
 * for await (const event of client.triggerWorkflow("app-id", "board-id", "start-node", { key: "value" })) {
 *   console.log(event.eventType, event.payload)
 * }
 * const status = await client.getRunStatus("run-id", { timeout: 5_000, maxRetries: 0 })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Config from "@flow-like/effect/Config"
import * as Execution from "@flow-like/effect/Execution"
import * as Files from "@flow-like/effect/Files"
import * as FlowLike from "@flow-like/effect/FlowLike"
import * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import * as Models from "@flow-like/effect/Models"
import * as Workflows from "@flow-like/effect/Workflows"
import { makeAdapter } from "./internal/adapter.ts"
import { ClientRuntime } from "./internal/runtime.ts"
import type { AwaitableIterable, CallOptionsInput } from "./internal/runtime.ts"

export type { AwaitableIterable, CallOptionsInput as CallOptions } from "./internal/runtime.ts"

/** Options of the client: base URL, one credential, timeouts, retries, a custom `fetch`, extra headers. */
export type FlowLikeClientOptions = Config.Options

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

/** A chat request of the Promise client: with `stream: true` the answer is a stream of chunks. */
export interface ChatCompletionsRequest extends Models.ChatCompletionRequest {
  readonly stream?: boolean | undefined
}

/** `chatCompletions`: a Promise of the completion, or with `stream: true` an awaitable stream of chunks. */
export interface ChatCompletionsMethod {
  (
    request: Models.ChatCompletionRequest & { readonly stream: true },
    options?: CallOptionsInput
  ): AwaitableIterable<Models.ChatCompletionChunk>
  (
    request: Models.ChatCompletionRequest & { readonly stream?: false | undefined },
    options?: CallOptionsInput
  ): Promise<Models.ChatCompletion>
  (
    request: ChatCompletionsRequest,
    options?: CallOptionsInput
  ): Promise<Models.ChatCompletion> | AwaitableIterable<Models.ChatCompletionChunk>
}

/** One method, two answers, as the seed's `chat_completions(..., stream=True)`: picks the service operation by `stream`. */
const chatCompletionsMethod = (
  once: (request: Models.ChatCompletionRequest, options?: CallOptionsInput) => Promise<Models.ChatCompletion>,
  stream: (request: Models.ChatCompletionRequest, options?: CallOptionsInput) => AwaitableIterable<Models.ChatCompletionChunk>
): ChatCompletionsMethod => {
  function chatCompletions(
    request: Models.ChatCompletionRequest & { readonly stream: true },
    options?: CallOptionsInput
  ): AwaitableIterable<Models.ChatCompletionChunk>
  function chatCompletions(
    request: Models.ChatCompletionRequest & { readonly stream?: false | undefined },
    options?: CallOptionsInput
  ): Promise<Models.ChatCompletion>
  function chatCompletions(
    request: ChatCompletionsRequest,
    options?: CallOptionsInput
  ): Promise<Models.ChatCompletion> | AwaitableIterable<Models.ChatCompletionChunk>
  function chatCompletions(request: ChatCompletionsRequest, options?: CallOptionsInput) {
    const isStream = typeof request === "object" && request !== null && request.stream === true
    return isStream ? stream(request, options) : once(request, options)
  }
  return chatCompletions
}

/** Every method of the client: one line each (service, method, position of its options object). */
const methods = (adapter: ReturnType<typeof makeAdapter<FlowLike.Services>>) => ({
  /** Runs a board from a start node and yields its events until `completed`; a failed run throws `RunError` after its events. */
  triggerWorkflow: adapter.stream(Workflows.Workflows, "triggerWorkflow", 4),
  /** Starts a board run and resolves at once with its run id and poll token. */
  triggerWorkflowAsync: adapter.effect(Workflows.Workflows, "triggerWorkflowAsync", 4, toResult),
  /** Fires an event and yields the run's events until `completed`. */
  triggerEvent: adapter.stream(Workflows.Workflows, "triggerEvent", 3),
  /** Fires an event and resolves at once with the run id and poll token. */
  triggerEventAsync: adapter.effect(Workflows.Workflows, "triggerEventAsync", 3, toResult),
  /** A run's status record: `status` is `Pending`, `Running`, `Completed`, `Failed`, `Cancelled` or `Timeout`. */
  getRunStatus: adapter.effect(Execution.Execution, "getRunStatus", 1),
  /** One long poll: events after `afterSequence` (each delivered once), `done` derived from the status. */
  pollExecution: adapter.effect(Execution.Execution, "pollExecution", 1),
  /** Yields every event of an asynchronous run until it ends; a failed run throws `RunError` after its events. */
  watchRun: adapter.stream(Execution.Execution, "watchRun", 1),
  /** Follows an asynchronous run to its end and resolves with its final state; a failed run rejects with `RunError`. */
  awaitRun: adapter.effect(Execution.Execution, "awaitRun", 1),
  /** A chat completion; with `stream: true` an awaitable stream of chunks ending at `[DONE]`. Never retried. */
  chatCompletions: chatCompletionsMethod(
    adapter.effect(Models.Models, "chatCompletions", 1),
    adapter.stream(Models.Models, "chatCompletionsStream", 1)
  ),
  /** A chat completion as an awaitable stream of chunks (`stream_options.include_usage` sent by default). */
  chatCompletionsStream: adapter.stream(Models.Models, "chatCompletionsStream", 1),
  /** Vectors for one text or many, in input order, sent in batches (default 32, 4 at once, 180 s each). */
  embed: adapter.effect(Models.Models, "embed", 1),
  /** The caller's running totals in micro-dollars: `{ llmPrice, embeddingPrice }`. */
  getUsage: adapter.effect(Models.Models, "getUsage", 0),
  /** One page of the hub's bits: `{ search?, bitTypes?, limit?, offset?, language? }`. */
  searchBits: adapter.effect(Models.Models, "searchBits", 0),
  /** One bit; rejects with `NotFoundError` when unknown. */
  getBit: adapter.effect(Models.Models, "getBit", 1),
  /** Hosted or remote Llm and Vlm bits as `ModelInfo`s, paging until `limit` (default 50) are found. */
  listLlms: adapter.effect(Models.Models, "listLlms", 0),
  /** Hosted or remote Embedding bits as `ModelInfo`s, paging like `listLlms`. */
  listEmbeddingModels: adapter.effect(Models.Models, "listEmbeddingModels", 0),
  /** The app's files and folders under `prefix` (one level, or all with `recursive`). */
  listFiles: adapter.effect(Files.Files, "listFiles", 1),
  /** Uploads a path, `Blob`, bytes or stream through a signed URL, with `Content-Length` and progress. */
  uploadFile: adapter.effect(Files.Files, "uploadFile", 2),
  /** Uploads several files (one signing request per 100 keys); per-file failures come back in `failed`. */
  uploadFiles: adapter.effect(Files.Files, "uploadFiles", 2),
  /** A file's bytes. */
  downloadFile: adapter.effect(Files.Files, "downloadFile", 2),
  /** A file's bytes as an awaitable stream, resumed with `Range` after a dropped transfer. */
  downloadFileStream: adapter.stream(Files.Files, "downloadFileStream", 2),
  /** Downloads a file to a path through a temporary file renamed once complete. */
  downloadFileTo: adapter.effect(Files.Files, "downloadFileTo", 3),
  /** Deletes a file, or everything under a folder. */
  deleteFile: adapter.effect(Files.Files, "deleteFile", 2),
  /** Scoped storage credentials (`sharedCredentials` is `Redacted`). */
  presignData: adapter.effect(Files.Files, "presignData", 1)
})

/** The client's API methods. */
export type FlowLikeClientMethods = ReturnType<typeof methods>

/** Promise client for the Flow-Like API. */
export interface FlowLikeClient extends FlowLikeClientMethods {}

/** Promise client for the Flow-Like API. */
export class FlowLikeClient implements AsyncDisposable {
  readonly #runtime: ClientRuntime<FlowLike.Services>
  /** The validated configuration (secrets stay redacted). */
  readonly config: Config.ResolvedConfig

  /**
   * Validates options (falling back to `FLOW_LIKE_BASE_URL`, `FLOW_LIKE_PAT`, `FLOW_LIKE_API_KEY`,
   * read at this moment) and throws a `FlowLikeError` with a `ConfigurationError` reason at once when
   * they are missing, doubled or malformed.
   */
  constructor(options: FlowLikeClientOptions = {}) {
    const exit = Effect.runSyncExit(Config.make(options))
    if (Exit.isFailure(exit)) {
      const error = Cause.squash(exit.cause)
      throw FlowLikeError.isFlowLikeError(error) ? error : FlowLikeError.configuration(`Invalid configuration: ${String(error)}`)
    }
    this.config = exit.value
    this.#runtime = new ClientRuntime(ManagedRuntime.make(FlowLike.layerResolved(exit.value)))
    Object.assign(this, methods(makeAdapter(this.#runtime)))
  }

  /** Ends every running stream and pending call with `AbortedError` and releases the client's resources. */
  close(): Promise<void> {
    return this.#runtime.close()
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}
