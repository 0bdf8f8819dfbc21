/**
 * The model routes: OpenAI-compatible chat completions (a pass-through proxy to the bit's provider),
 * the caller's running usage, and Flow-Like's own embeddings route.
 *
 * `POST /chat/completions` forwards every JSON field it does not rewrite to the provider and returns
 * the provider's answer verbatim: a `chat.completion` object, or with `stream: true` an SSE stream of
 * `data: <chat.completion.chunk>` frames ending with `data: [DONE]` (no event names, no keep-alive).
 * An upstream error arrives with the upstream's status and its own JSON body
 * (`{"error":{"message","type",...}}`, `UpstreamErrorBody`) when not streaming, and as the server's
 * 400 `Upstream error` envelope when streaming.
 *
 * @since 0.3.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import { nullable } from "../internal/wire.ts"
import { BadRequest, bodyRouteErrors, Forbidden, InternalError } from "./ApiErrors.ts"

/** Any JSON object, passed through as is (tool parameter schemas, content parts, provider fields). */
export const JsonObject = Schema.Record(Schema.String, Schema.Unknown).annotate({ identifier: "JsonObject" })

/** A tool call the model made: a function name and its arguments as JSON text. */
export const ToolCall = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: Schema.String,
    /** JSON text, as the model wrote it (it may not parse). */
    arguments: Schema.String
  })
}).annotate({ identifier: "ToolCall" })

/** A system prompt. */
export const SystemMessage = Schema.Struct({
  role: Schema.Literal("system"),
  content: Schema.String,
  name: Schema.optional(Schema.String)
}).annotate({ identifier: "SystemMessage" })

/** A user turn: text, or OpenAI content parts (`{type: "text", text}`, `{type: "image_url", ...}`) passed through. */
export const UserMessage = Schema.Struct({
  role: Schema.Literal("user"),
  content: Schema.Union([Schema.String, Schema.Array(JsonObject)]),
  name: Schema.optional(Schema.String)
}).annotate({ identifier: "UserMessage" })

/** An assistant turn of the history: text, tool calls, or both. */
export const AssistantMessage = Schema.Struct({
  role: Schema.Literal("assistant"),
  content: Schema.optional(Schema.NullOr(Schema.String)),
  toolCalls: Schema.optional(Schema.Array(ToolCall)),
  name: Schema.optional(Schema.String)
}).pipe(Schema.encodeKeys({ toolCalls: "tool_calls" })).annotate({ identifier: "AssistantMessage" })

/** A tool's result, answering the assistant's tool call `toolCallId`. */
export const ToolMessage = Schema.Struct({
  role: Schema.Literal("tool"),
  content: Schema.String,
  toolCallId: Schema.String
}).pipe(Schema.encodeKeys({ toolCallId: "tool_call_id" })).annotate({ identifier: "ToolMessage" })

/** One message of a chat request. */
export const ChatMessage = Schema.Union([SystemMessage, UserMessage, AssistantMessage, ToolMessage]).annotate({
  identifier: "ChatMessage"
})

/** A function the model may call; `parameters` is a JSON Schema. */
export const Tool = Schema.Struct({
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: Schema.String,
    description: Schema.optional(Schema.String),
    parameters: Schema.optional(JsonObject),
    strict: Schema.optional(Schema.Boolean)
  })
}).annotate({ identifier: "Tool" })

/** Whether and which tool the model must call. */
export const ToolChoice = Schema.Union([
  Schema.Literals(["none", "auto", "required"]),
  Schema.Struct({ type: Schema.Literal("function"), function: Schema.Struct({ name: Schema.String }) })
]).annotate({ identifier: "ToolChoice" })

/** The answer's format: text, any JSON object, or JSON valid against a schema. */
export const ResponseFormat = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text") }),
  Schema.Struct({ type: Schema.Literal("json_object") }),
  Schema.Struct({
    type: Schema.Literal("json_schema"),
    jsonSchema: Schema.Struct({
      name: Schema.String,
      description: Schema.optional(Schema.String),
      schema: Schema.optional(JsonObject),
      strict: Schema.optional(Schema.Boolean)
    })
  }).pipe(Schema.encodeKeys({ jsonSchema: "json_schema" }))
]).annotate({ identifier: "ResponseFormat" })

/** Streaming options: `includeUsage` asks for a last chunk carrying the usage. */
export const StreamOptions = Schema.Struct({
  includeUsage: Schema.optional(Schema.Boolean)
}).pipe(Schema.encodeKeys({ includeUsage: "include_usage" })).annotate({ identifier: "StreamOptions" })

/**
 * The chat body as the SDK sends it. The server reads it as untyped JSON: `model` (the bit id) is
 * required (400 `Missing 'model' field` otherwise) and every other field goes to the provider.
 */
export const ChatCompletionRequest = Schema.Struct({
  /** The bit id; the server swaps in the provider's model id. */
  model: Schema.optional(Schema.String),
  messages: Schema.Array(ChatMessage),
  temperature: Schema.optional(Schema.Number),
  maxTokens: Schema.optional(Schema.Int),
  topP: Schema.optional(Schema.Number),
  stop: Schema.optional(Schema.Union([Schema.String, Schema.Array(Schema.String)])),
  tools: Schema.optional(Schema.Array(Tool)),
  toolChoice: Schema.optional(ToolChoice),
  responseFormat: Schema.optional(ResponseFormat),
  stream: Schema.optional(Schema.Boolean),
  streamOptions: Schema.optional(StreamOptions)
}).pipe(
  Schema.encodeKeys({
    maxTokens: "max_tokens",
    topP: "top_p",
    toolChoice: "tool_choice",
    responseFormat: "response_format",
    streamOptions: "stream_options"
  })
).annotate({ identifier: "ChatCompletionRequest" })

/** Token counts of a completion; `cost` is OpenRouter's. */
export const CompletionUsage = Schema.Struct({
  promptTokens: Schema.Number,
  completionTokens: Schema.Number,
  totalTokens: Schema.Number,
  cost: nullable(Schema.Number)
}).pipe(
  Schema.encodeKeys({ promptTokens: "prompt_tokens", completionTokens: "completion_tokens", totalTokens: "total_tokens" })
).annotate({ identifier: "CompletionUsage" })

/** The model's message in a completion. */
export const CompletionMessage = Schema.Struct({
  role: Schema.String,
  content: nullable(Schema.String),
  toolCalls: nullable(Schema.Array(ToolCall))
}).pipe(Schema.encodeKeys({ toolCalls: "tool_calls" })).annotate({ identifier: "CompletionMessage" })

/** One choice of a completion; `finishReason` is `stop`, `length`, `tool_calls`, `content_filter`, ... */
export const CompletionChoice = Schema.Struct({
  index: Schema.Number,
  message: CompletionMessage,
  finishReason: nullable(Schema.String)
}).pipe(Schema.encodeKeys({ finishReason: "finish_reason" })).annotate({ identifier: "CompletionChoice" })

/** An OpenAI `chat.completion` object, as OpenAI-compatible providers return it. */
export const ChatCompletion = Schema.Struct({
  id: Schema.String,
  object: Schema.String,
  created: Schema.Number,
  model: Schema.String,
  choices: Schema.Array(CompletionChoice),
  usage: nullable(CompletionUsage)
}).annotate({ identifier: "ChatCompletion" })

/** A piece of a tool call in a stream: pieces with the same `index` make one call. */
export const ToolCallDelta = Schema.Struct({
  index: Schema.Number,
  id: nullable(Schema.String),
  type: nullable(Schema.String),
  function: nullable(Schema.Struct({
    name: nullable(Schema.String),
    arguments: nullable(Schema.String)
  }))
}).annotate({ identifier: "ToolCallDelta" })

/** What one chunk adds to a choice's message. */
export const ChunkDelta = Schema.Struct({
  role: nullable(Schema.String),
  content: nullable(Schema.String),
  toolCalls: nullable(Schema.Array(ToolCallDelta))
}).pipe(Schema.encodeKeys({ toolCalls: "tool_calls" })).annotate({ identifier: "ChunkDelta" })

/** One choice of a chunk. */
export const ChunkChoice = Schema.Struct({
  index: Schema.Number,
  delta: ChunkDelta,
  finishReason: nullable(Schema.String)
}).pipe(Schema.encodeKeys({ finishReason: "finish_reason" })).annotate({ identifier: "ChunkChoice" })

/** An OpenAI `chat.completion.chunk`; the usage chunk (with `stream_options.include_usage`) has no choices. */
export const ChatCompletionChunk = Schema.Struct({
  id: Schema.String,
  object: Schema.String,
  created: Schema.Number,
  model: Schema.String,
  choices: Schema.Array(ChunkChoice),
  usage: nullable(CompletionUsage)
}).annotate({ identifier: "ChatCompletionChunk" })

/** One SSE frame of a chat stream: no event name; data is a chunk as JSON text, or the literal `[DONE]`. */
export const ChatFrame = Schema.Struct({
  event: Schema.optional(Schema.String),
  data: Schema.String
}).annotate({ identifier: "ChatFrame" })

/** The streamed answer of `stream: true`. */
export const ChatStream = HttpApiSchema.StreamSse({ events: ChatFrame })

/** The provider's own error body on a non-streamed failure (OpenAI style), with the provider's status. */
export const UpstreamErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: Schema.String,
    type: Schema.optional(Schema.NullOr(Schema.String)),
    code: Schema.optional(Schema.Unknown),
    param: Schema.optional(Schema.Unknown)
  })
}).annotate({ identifier: "UpstreamErrorBody" })

/** The caller's running totals, in micro-dollars (`usage.rs`). */
export const Usage = Schema.Struct({
  llmPrice: Schema.Number,
  embeddingPrice: Schema.Number
}).pipe(Schema.encodeKeys({ llmPrice: "llm_price", embeddingPrice: "embedding_price" })).annotate({ identifier: "Usage" })

/** `query` (the default) or `document`: the server prefixes inputs per model accordingly. */
export const EmbedType = Schema.Literals(["query", "document"]).annotate({ identifier: "EmbedType" })

/** `POST /embeddings/embed` (`embeddings/embed.rs`): `input` must be a list (a single string gets 422). */
export const EmbedRequest = Schema.Struct({
  model: Schema.String,
  input: Schema.Array(Schema.String),
  embedType: Schema.optional(EmbedType)
}).pipe(Schema.encodeKeys({ embedType: "embed_type" })).annotate({ identifier: "EmbedRequest" })

/** Token counts of an embedding call: characters / 4, no completion tokens. */
export const EmbeddingUsage = Schema.Struct({
  promptTokens: Schema.Number,
  totalTokens: Schema.Number
}).pipe(Schema.encodeKeys({ promptTokens: "prompt_tokens", totalTokens: "total_tokens" })).annotate({
  identifier: "EmbeddingUsage"
})

/** One vector per input, in order; `model` is the bit id. */
export const EmbedResponse = Schema.Struct({
  embeddings: Schema.Array(Schema.Array(Schema.Number)),
  model: Schema.String,
  usage: EmbeddingUsage
}).annotate({ identifier: "EmbedResponse" })

/** The model routes. */
export const ModelsApi = HttpApiGroup.make("models")
  .add(
    HttpApiEndpoint.post("chatCompletions", "/chat/completions", {
      payload: ChatCompletionRequest,
      success: [ChatCompletion, ChatStream],
      error: [...bodyRouteErrors, BadRequest]
    }),
    HttpApiEndpoint.get("getUsage", "/chat/usage", {
      success: Usage,
      error: [Forbidden, InternalError]
    }),
    HttpApiEndpoint.post("embed", "/embeddings/embed", {
      payload: EmbedRequest,
      success: EmbedResponse,
      error: [...bodyRouteErrors, BadRequest]
    })
  )
