import type { Variable } from "@flow-like/effect/api/WorkflowsApi"

/**
 * Scripted board behaviour: the fake executor runs these steps in order.
 */
export type BoardStep =
  | { readonly type: "log"; readonly message: string }
  | {
    readonly type: "progress"
    readonly message: string
    readonly progress?: number
    readonly done?: boolean
    readonly id?: string
  }
  /**
   * Emitted as `run:<runId>` with the camelCase payload `{runId, nodeIds, method}`, only when
   * `stream_state` is true (board sync invoke: the request's value; async board invoke: always;
   * event invokes and sinks: never).
   */
  | { readonly type: "nodeState"; readonly nodeIds: ReadonlyArray<string>; readonly method?: "add" | "remove" | "update" }
  /** Any custom event (`toast`, `chat_stream_partial`, `generic_result`, ...). */
  | { readonly type: "event"; readonly eventType: string; readonly payload: unknown }
  | { readonly type: "sleep"; readonly millis: number }
  /** Executor failure: an `error` event `{message}` and no `completed`; an async run ends `Failed`. */
  | { readonly type: "fail"; readonly message: string }
  /** Executor timeout: `error` `{message:"Execution timeout"}`, then `completed` `{status:"failed", log_level:4}`. */
  | { readonly type: "timeout" }
  /** The API proxy's own failure frame: `event: error` with this raw data (may be invalid JSON), then the stream closes. */
  | { readonly type: "proxyError"; readonly data: string }
  /** Never finishes, until the client disconnects or the server closes. */
  | { readonly type: "hang" }
  /** Waits until `server.gates.open(gate)` is called (immediately if it already was). */
  | { readonly type: "await"; readonly gate: string }

export interface RunInput {
  readonly runId: string
  readonly appId: string
  readonly boardId: string
  readonly nodeId: string | undefined
  readonly eventId: string | undefined
  /** The request's `payload`; `undefined` when absent or `null` (the server's `Option<Value>`). */
  readonly payload: unknown
  /** The request's `runtime_variables` by variable id, decoded (camelCase); `undefined` when absent or `null`. */
  readonly runtimeVariables: Readonly<Record<string, typeof Variable.Type>> | undefined
  readonly mode: "stream" | "async"
}

export interface BoardDefinition {
  readonly id: string
  readonly name?: string
  readonly description?: string
  /** What `GET …/prerun` lists: variables the run must be given (`runtimeVariables` of an invocation). */
  readonly runtimeVariables?: ReadonlyArray<RuntimeVariableDefinition>
  /** Start nodes; any node id is accepted when omitted. */
  readonly nodeIds?: ReadonlyArray<string>
  readonly steps: ReadonlyArray<BoardStep> | ((input: RunInput) => ReadonlyArray<BoardStep>)
}

export interface EventDefinition {
  readonly id: string
  readonly boardId: string
  readonly nodeId: string
  readonly name?: string
}

export type Fault =
  /**
   * Respond with this status. Without `body` the body is the server's JSON error envelope for the
   * status (503 `SERVICE_UNAVAILABLE`, 429 `TOO_MANY_REQUESTS`, ...; 5xx carry an `id` and
   * `x-error-id`). A `body` without `contentType` is sent as `application/json` when it parses as
   * JSON, else as `text/plain; charset=utf-8`.
   */
  | {
    readonly kind: "status"
    readonly status: number
    readonly retryAfter?: string
    readonly body?: string
    readonly contentType?: string
  }
  /** Delay, then handle the request normally. */
  | { readonly kind: "latency"; readonly millis: number }
  /** Destroy the socket without a response. */
  | { readonly kind: "drop" }
  /** SSE routes: close the connection after N event frames (no terminating chunk). Other routes: no effect. */
  | { readonly kind: "dropMidStream"; readonly afterEvents: number }
  /**
   * Storage URLs (`/_storage/...`): a GET sends its head and `afterBytes` bytes of the body, a PUT
   * reads `afterBytes` bytes of the body, then the connection is closed. Other routes: no effect.
   */
  | { readonly kind: "cutBody"; readonly afterBytes: number }

export interface FaultRule {
  /** Case-insensitive; any method when omitted. */
  readonly method?: string
  /**
   * Matched against the path without its query string, e.g. `"/api/v1/execution/poll"`. A string
   * matches exactly, or as a prefix when it ends in `/`.
   */
  readonly path: string | RegExp
  /** How many matching requests the rule applies to: default 1, `Infinity` allowed. */
  readonly times?: number
  readonly fault: Fault
}

export interface RecordedRequest {
  readonly method: string
  /** Without the query string. */
  readonly path: string
  /** Without the leading `?`; `""` when there is none. */
  readonly query: string
  /** Lower-cased names; repeated headers joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>
  /** `""` when the body is empty or exceeds the 2 MB limit. */
  readonly body: string
}

export interface StreamClosed {
  readonly path: string
  readonly runId: string | undefined
  /** True when the client went away before the server ended the stream. */
  readonly byClient: boolean
  /** Event frames handed to the socket (keep-alive comments not counted). */
  readonly eventsSent: number
}

export interface Options {
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** Default `"127.0.0.1"`. */
  readonly host?: string
  /** Default `"demo"`. */
  readonly seed?: "demo" | "empty"
  /** Idle time before a `: keep-alive` comment on SSE responses. Default 1000. */
  readonly keepAliveMillis?: number
  /** The long poll's own loop tick. Default 500. */
  readonly pollIntervalMillis?: number
  /** Where the object store behind signed URLs keeps its files; default: a temporary directory removed on close. */
  readonly storageDir?: string
  /** Called once per answered request, when its response head is ready (streams keep going after). */
  readonly onResponse?: (entry: ResponseLogEntry) => void
  /** How long `db/presign` credentials stay valid, in milliseconds. Default one hour, as the real server. */
  readonly dbCredentialLifetimeMillis?: number
}

/** One answered request, as the dev server command logs it. */
export interface ResponseLogEntry {
  readonly method: string
  /** Without the query string. */
  readonly path: string
  readonly status: number
  /** From the request's arrival to its response head. */
  readonly millis: number
}

/**
 * Ids created by the seed. With seed `"empty"` only `appId` (and `foreignAppId`) exist; the other
 * ids name boards and events that are not registered: invoking such a board streams
 * `run_initiated` then the executor's board-load `error`, and such an event gets the 500.
 */
export interface SeedInfo {
  /** An app the PAT user is a member of (also the API key's app). */
  readonly appId: string
  /** An app the PAT user is not a member of. */
  readonly foreignAppId: string
  /** The "hello" board: logs, node-state updates, progress and a `generic_result` event, ~150 ms. */
  readonly boardId: string
  /** The start node of every demo board. */
  readonly nodeId: string
  /** An event pointing at the hello board. */
  readonly eventId: string
  /** Progress 0 to 100 over ~2 s: meant for async runs. */
  readonly slowBoardId: string
  /** Logs, then fails with a message. */
  readonly failingBoardId: string
  /** An HTTP sink of the demo event, without a token (seed `"demo"`). */
  readonly sinkPath: string
  /** An HTTP sink of the demo event's twin that wants `Authorization: Bearer <sinkToken>`. */
  readonly secureSinkPath: string
  readonly sinkToken: string
  /** Bits of the hub (seed `"demo"`; seed `"empty"` has none). */
  readonly bits: {
    /** A hosted LLM (provider `Hosted`) answered by the deterministic local model. */
    readonly llmBitId: string
    /** A hosted LLM with provider `hosted:openai`, answered the same way. */
    readonly openAiLlmBitId: string
    /** A hosted LLM with provider `hosted:anthropic`: answered in Anthropic's Messages format, streamed or not. */
    readonly anthropicLlmBitId: string
    /** A local LLM (provider `Ollama`): listed by the search, dropped by `listLlms`, refused by chat. */
    readonly localLlmBitId: string
    /** An embedding model with 384 dimensions and a remote implementation. */
    readonly embeddingBitId: string
    /** An embedding model with 768 dimensions and a remote implementation. */
    readonly largeEmbeddingBitId: string
    /** How many Llm bits the hub holds (most of them local), and how many of those are hosted. */
    readonly llmCount: number
    readonly hostedLlmCount: number
  }
}

/** A bit for the dev server's hub; the rest of the `Bit` (hash, dates, ...) is made up. */
export interface BitDefinition {
  readonly id: string
  /** `Llm`, `Vlm`, `Embedding`, ... */
  readonly type: string
  readonly name: string
  readonly description?: string
  readonly tags?: ReadonlyArray<string>
  /**
   * Wire JSON (snake_case), e.g. `{ context_length, provider: { provider_name: "Hosted", model_id } }`
   * or `{ vector_length, languages, provider: {...}, remote: { endpoint, implementation } }`.
   */
  readonly parameters: unknown
}

/**
 * A scripted chat answer for one request to a bit (in place of the deterministic model). `hang`
 * (streamed requests) sends the frames, then neither `[DONE]` nor an end: the stream stays open
 * until the client leaves.
 */
export type ChatScript =
  | { readonly content: string; readonly hang?: boolean }
  | {
    readonly toolCalls: ReadonlyArray<{ readonly name: string; readonly arguments: unknown }>
    readonly hang?: boolean
  }
  /** Streamed requests only: these data texts as frames, exactly as given (e.g. a broken chunk), then `[DONE]`. */
  | { readonly frames: ReadonlyArray<string>; readonly hang?: boolean }

/**
 * A provider failure for one chat request to a bit: not streamed, the provider's status and its
 * own body `{"error":{"message","type"}}`; streamed, the server's 400 `Upstream error` envelope.
 */
export interface UpstreamFailure {
  /** Default 429. */
  readonly status?: number
  /** Default `"Rate limit reached"`. */
  readonly message?: string
  /** Default `"rate_limit_error"`. */
  readonly type?: string
}

/** A runtime variable a board asks for before it runs. */
export interface RuntimeVariableDefinition {
  /** Default: a new cuid. */
  readonly id?: string
  readonly name: string
  readonly description?: string
  /** Default `String`. */
  readonly dataType?: "String" | "Integer" | "Float" | "Boolean" | "Date" | "PathBuf" | "Generic" | "Struct" | "Byte"
  /** Default `Normal`. */
  readonly valueType?: "Array" | "Normal" | "HashMap" | "HashSet"
  readonly secret?: boolean
}

/** An HTTP sink of an event: triggered at `path` of the event's app. */
export interface SinkDefinition {
  readonly eventId: string
  /** e.g. `/hello` (a leading `/` is added when missing). */
  readonly path: string
  /** When set, a trigger must send `Authorization: Bearer <authToken>`. */
  readonly authToken?: string
  /** Default true. */
  readonly active?: boolean
}
