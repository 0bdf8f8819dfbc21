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
import * as Db from "@flow-like/effect/Db"
import * as Execution from "@flow-like/effect/Execution"
import * as Files from "@flow-like/effect/Files"
import * as FlowLike from "@flow-like/effect/FlowLike"
import * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import * as Lance from "@flow-like/effect/lance"
import * as Models from "@flow-like/effect/Models"
import * as Workflows from "@flow-like/effect/Workflows"
import * as Apps from "@flow-like/effect/Apps"
import * as Boards from "@flow-like/effect/Boards"
import * as Sinks from "@flow-like/effect/Sinks"
import * as Usage from "@flow-like/effect/Usage"
import { makeAdapter } from "./internal/adapter.ts"
import { loadLangChain } from "./internal/langchain.ts"
import type { FlowLikeChatModel, FlowLikeEmbeddings, LangChainChatOptions, LangChainEmbeddingsOptions } from "./internal/langchain.ts"
import { ClientRuntime } from "./internal/runtime.ts"
import type { AwaitableIterable, CallOptionsInput } from "./internal/runtime.ts"

export type { AwaitableIterable, CallOptionsInput as CallOptions } from "./internal/runtime.ts"
export type { LangChainChatOptions, LangChainEmbeddingsOptions } from "./internal/langchain.ts"

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

/** Options of `createLanceConnection`. */
export interface LanceConnectionOptions extends CallOptionsInput {
  /** `read` (default) or `write`. */
  readonly accessMode?: Db.AccessMode | undefined
  /** Called after each credential refresh, with the new expiry. */
  readonly onRefresh?: ((expiresAt: Date | undefined) => void) | undefined
}

/** `createLanceConnection` over the client's `getDbCredentials`: presigns for the first credentials and each refresh. */
const lanceConnectionMethod = (
  getDbCredentials: (appId: string, options?: Db.CredentialsOptions & CallOptionsInput) => Promise<Db.DbCredentials>,
  open: Set<Lance.OpenConnection>
) =>
(appId: string, options: LanceConnectionOptions = {}): Promise<Lance.Connection> =>
  Lance.open(() => getDbCredentials(appId, { accessMode: options.accessMode, ...callOptionsOf(options) }), {
    accessMode: options.accessMode,
    onRefresh: options.onRefresh,
    operation: "FlowLikeClient.createLanceConnection"
  }).then((opened) => {
    open.add(opened)
    return opened.connection
  })

const callOptionsOf = (options: CallOptionsInput): CallOptionsInput => {
  const { accessMode: _mode, onRefresh: _onRefresh, ...call } = options as LanceConnectionOptions
  return call
}

/** Every method of the client: one line each (service, method, position of its options object). */
const methods = (adapter: ReturnType<typeof makeAdapter<FlowLike.Services>>, lanceConnections: Set<Lance.OpenConnection> = new Set()) => ({
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
  /** Every board of the app. */
  listBoards: adapter.effect(Boards.Boards, "listBoards", 1),
  /** One board, the latest or `{ version: [1, 0, 3] }`. */
  getBoard: adapter.effect(Boards.Boards, "getBoard", 2),
  /** Creates or updates a board; resolves with `{ id }`, a new id when `boardId` was not a board of the app. */
  upsertBoard: adapter.effect(Boards.Boards, "upsertBoard", 2),
  /** Deletes a board. */
  deleteBoard: adapter.effect(Boards.Boards, "deleteBoard", 2),
  /** The runtime variables, OAuth providers and execution constraints of a run of this board. */
  prerunBoard: adapter.effect(Boards.Boards, "prerunBoard", 2),
  /** The `runtimeVariables` option of an invocation, from a `prerunBoard` answer and values by variable name or id. */
  runtimeVariables: adapter.effect(Boards.Boards, "runtimeVariables", 2),
  /** The board's saved versions, `[major, minor, patch]` each. */
  getBoardVersions: adapter.effect(Boards.Boards, "getBoardVersions", 2),
  /** Saves the board as a new version (`{ versionType: "Major" | "Minor" | "Patch" }`, default Patch) and resolves with it. */
  versionBoard: adapter.effect(Boards.Boards, "versionBoard", 2),
  /** Applies board commands (tagged by `commandType`: `AddNode`, `MoveNode`, `ConnectPin`, ...) and resolves with them as executed. */
  executeCommands: adapter.effect(Boards.Boards, "executeCommands", 3),
  /** One page of the board's runs, newest first (`{ nodeId?, from?, to?, status?, limit?, offset? }`). */
  listBoardRuns: adapter.effect(Boards.Boards, "listBoardRuns", 2),
  /** Every run of the board matching the filters, page after page. */
  allBoardRuns: adapter.stream(Boards.Boards, "allBoardRuns", 2),
  /** One page of a run's log lines (`{ query?, limit?, offset? }`). */
  listBoardLogs: adapter.effect(Boards.Boards, "listBoardLogs", 3),
  /** Every log line of a run matching the filters, page after page. */
  allBoardLogs: adapter.stream(Boards.Boards, "allBoardLogs", 3),
  /** One page of the caller's apps, each with its `name` from its metadata. */
  listApps: adapter.effect(Apps.Apps, "listApps", 0),
  /** Every app of the caller, page after page. */
  allApps: adapter.stream(Apps.Apps, "allApps", 0),
  /** One app (the server sends no name with it). */
  getApp: adapter.effect(Apps.Apps, "getApp", 1),
  /** Creates an app (`PUT /apps/{id}` with its metadata); the server chooses the id. */
  createApp: adapter.effect(Apps.Apps, "createApp", 2),
  /** `{ healthy, status }` from the server's `{"status":"ok"}`; sent without credentials. */
  health: adapter.effect(Apps.Apps, "health", 0),
  /** Triggers an HTTP sink and resolves with `{ runId, status, events }` once the run ended. Never retried. */
  triggerHttpSink: adapter.effect(Sinks.Sinks, "triggerHttpSink", 2),
  /** Triggers an HTTP sink and yields the run's events until `completed`. Leaving the loop stops watching, not the run. */
  streamHttpSink: adapter.stream(Sinks.Sinks, "streamHttpSink", 2),
  /** Active sinks of every app where the caller may manage events. */
  listSinks: adapter.effect(Sinks.Sinks, "listSinks", 0),
  /** Every sink of one app. */
  listAppSinks: adapter.effect(Sinks.Sinks, "listAppSinks", 1),
  /** The sink of an event. */
  getSink: adapter.effect(Sinks.Sinks, "getSink", 1),
  /** Changes a sink's `path` or `authToken` (an empty string removes either). */
  updateSink: adapter.effect(Sinks.Sinks, "updateSink", 1),
  /** Switches a sink on or off. */
  toggleSink: adapter.effect(Sinks.Sinks, "toggleSink", 1),
  /** One page of LLM usage (`{ page?, pageSize?, appId? }`). */
  listLlmUsage: adapter.effect(Usage.Usage, "listLlmUsage", 0),
  /** Every LLM usage record, page after page. */
  allLlmUsage: adapter.stream(Usage.Usage, "allLlmUsage", 0),
  /** One page of embedding usage. */
  listEmbeddingUsage: adapter.effect(Usage.Usage, "listEmbeddingUsage", 0),
  /** Every embedding usage record, page after page. */
  allEmbeddingUsage: adapter.stream(Usage.Usage, "allEmbeddingUsage", 0),
  /** One page of executions. */
  listExecutionUsage: adapter.effect(Usage.Usage, "listExecutionUsage", 0),
  /** Every execution record, page after page. */
  allExecutionUsage: adapter.stream(Usage.Usage, "allExecutionUsage", 0),
  /** Totals and counts over the caller's whole usage history. */
  getUsageSummary: adapter.effect(Usage.Usage, "getUsageSummary", 0),
  /** LanceDB credentials: `{ uri, storageOptions, expiresAt }` (secrets hidden from `JSON.stringify` and `inspect`). */
  getDbCredentials: adapter.effect(Db.Db, "getDbCredentials", 1),
  /** The presign answer, decoded (`sharedCredentials` with one of `Aws`, `Azure`, `Gcp`; secrets `Redacted`). */
  getDbCredentialsRaw: adapter.effect(Db.Db, "getDbCredentialsRaw", 1),
  /** The app's table names. */
  listTables: adapter.effect(Db.Db, "listTables", 1),
  /** One page of a table's rows (`limit` 1 to 250, `offset`). */
  listRows: adapter.effect(Db.Db, "listRows", 2),
  /** Every row of a table, a page at a time, as an awaitable `AsyncIterable`. */
  iterateRows: adapter.stream(Db.Db, "iterateRows", 2),
  /** Rows matching `{ filter?, sql?, vector?, fts?, rerank?, select?, limit?, offset? }`. */
  queryTable: adapter.effect(Db.Db, "queryTable", 2),
  /** The table's Arrow schema as typed fields. */
  getTableSchema: adapter.effect(Db.Db, "getTableSchema", 2),
  /** The number of rows. */
  countItems: adapter.effect(Db.Db, "countItems", 2),
  /** Appends rows; a column mixing whole numbers and fractions (`[0.5, 0]`) fails on the server. */
  addToTable: adapter.effect(Db.Db, "addToTable", 3),
  /** Deletes the rows matching a SQL-style filter. */
  deleteFromTable: adapter.effect(Db.Db, "deleteFromTable", 3),
  /** A real `@lancedb/lancedb` connection that presigns again before its credentials expire; closed with the client. */
  createLanceConnection: lanceConnectionMethod(adapter.effect(Db.Db, "getDbCredentials", 1), lanceConnections),
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
  readonly #managed: ManagedRuntime.ManagedRuntime<FlowLike.Services, never>
  /** Fired by `close()`: ends the calls of the LangChain models made by the factories. */
  readonly #closed = new AbortController()
  /** The LanceDB connections `createLanceConnection` opened: closed with the client. */
  readonly #lanceConnections = new Set<Lance.OpenConnection>()
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
    this.#managed = ManagedRuntime.make(FlowLike.layerResolved(exit.value))
    this.#runtime = new ClientRuntime(this.#managed)
    Object.assign(this, methods(makeAdapter(this.#runtime), this.#lanceConnections))
  }

  /**
   * A LangChain chat model (`FlowLikeChatModel`) for `bitId`, on this client's configuration and
   * runtime. Asynchronous because `@flow-like/langchain` (an optional peer) is loaded on first use;
   * when it is not installed, rejects with a `ConfigurationError` naming the packages to install.
   */
  async asLangChainChat(bitId: string, options: LangChainChatOptions = {}): Promise<FlowLikeChatModel> {
    const { FlowLikeChatModel } = await loadLangChain("asLangChainChat")
    return new FlowLikeChatModel({ ...options, bitId, runtime: this.#managed, closeSignal: this.#closed.signal })
  }

  /** LangChain embeddings (`FlowLikeEmbeddings`) for `bitId`, on this client's runtime; loaded like `asLangChainChat`. */
  async asLangChainEmbeddings(
    bitId: string,
    options: LangChainEmbeddingsOptions = {}
  ): Promise<FlowLikeEmbeddings> {
    const { FlowLikeEmbeddings } = await loadLangChain("asLangChainEmbeddings")
    return new FlowLikeEmbeddings({ ...options, bitId, runtime: this.#managed, closeSignal: this.#closed.signal })
  }

  /** Ends every running stream and pending call with `AbortedError` and releases the client's resources. */
  close(): Promise<void> {
    if (!this.#closed.signal.aborted) this.#closed.abort("the FlowLikeClient was closed")
    for (const connection of this.#lanceConnections) connection.close()
    this.#lanceConnections.clear()
    return this.#runtime.close()
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}
