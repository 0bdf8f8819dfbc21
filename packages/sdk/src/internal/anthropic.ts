/**
 * Anthropic's Messages API, as `hosted:anthropic` bits speak it through Flow-Like's chat route (the
 * server forwards the body unchanged to `/v1/messages` and passes the answer through): the wire
 * schemas, and pure translations from the SDK's OpenAI-style request and to its completion and chunks.
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as ModelsApi from "../api/ModelsApi.ts"

/** The `max_tokens` sent when the caller sets none (Anthropic requires one; the server forces 4096). */
export const DEFAULT_MAX_TOKENS = 4096

/** Whether a bit's provider name is Anthropic's (compared case-insensitively, as the server does). */
export const isAnthropicProvider = (providerName: string | undefined): boolean =>
  providerName !== undefined && providerName.toLowerCase() === "hosted:anthropic"

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

/** A text block. */
export const TextBlock = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })
/** A tool call of the model. */
export const ToolUseBlock = Schema.Struct({
  type: Schema.Literal("tool_use"),
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown
})
/** A tool's result, in a user turn. */
export const ToolResultBlock = Schema.Struct({
  type: Schema.Literal("tool_result"),
  tool_use_id: Schema.String,
  content: Schema.String
})
/** An image, inline (base64) or by URL. */
export const ImageBlock = Schema.Struct({
  type: Schema.Literal("image"),
  source: Schema.Union([
    Schema.Struct({ type: Schema.Literal("base64"), media_type: Schema.String, data: Schema.String }),
    Schema.Struct({ type: Schema.Literal("url"), url: Schema.String })
  ])
})
/** A content block of a request. */
export const RequestBlock = Schema.Union([TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock])

/** One turn of a request: user or assistant (system prompts go in `system`). */
export const MessageParam = Schema.Struct({
  role: Schema.Literals(["user", "assistant"]),
  content: Schema.Union([Schema.String, Schema.Array(RequestBlock)])
})

/** A tool the model may call. */
export const ToolParam = Schema.Struct({
  name: Schema.String,
  description: Schema.optional(Schema.String),
  input_schema: JsonObject
})

/** Whether and which tool the model must call. */
export const ToolChoiceParam = Schema.Union([
  Schema.Struct({ type: Schema.Literals(["auto", "any", "none"]) }),
  Schema.Struct({ type: Schema.Literal("tool"), name: Schema.String })
])

/** The body of `POST /v1/messages`. */
export const MessagesRequest = Schema.Struct({
  model: Schema.String,
  max_tokens: Schema.Int,
  messages: Schema.Array(MessageParam),
  system: Schema.optional(Schema.String),
  temperature: Schema.optional(Schema.Number),
  top_p: Schema.optional(Schema.Number),
  stop_sequences: Schema.optional(Schema.Array(Schema.String)),
  tools: Schema.optional(Schema.Array(ToolParam)),
  tool_choice: Schema.optional(ToolChoiceParam),
  stream: Schema.optional(Schema.Boolean)
})

/** Token counts; the cache counts are part of the prompt. */
export const MessagesUsage = Schema.Struct({
  input_tokens: Schema.optional(Schema.NullOr(Schema.Number)),
  output_tokens: Schema.optional(Schema.NullOr(Schema.Number)),
  cache_creation_input_tokens: Schema.optional(Schema.NullOr(Schema.Number)),
  cache_read_input_tokens: Schema.optional(Schema.NullOr(Schema.Number))
})

/** A content block of an answer: text, a tool call, or one the SDK skips (thinking, ...). */
export const ResponseBlock = Schema.Union([
  TextBlock,
  ToolUseBlock,
  Schema.Struct({ type: Schema.String })
])

/** A non-streamed answer. */
export const MessagesResponse = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("message"),
  role: Schema.Literal("assistant"),
  model: Schema.String,
  content: Schema.Array(ResponseBlock),
  stop_reason: Schema.optional(Schema.NullOr(Schema.String)),
  usage: MessagesUsage
})

/** A streamed event's data (the SSE event name repeats `type`). */
export const StreamEvent = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("message_start"),
    message: Schema.Struct({ id: Schema.String, model: Schema.String, usage: Schema.optional(MessagesUsage) })
  }),
  Schema.Struct({
    type: Schema.Literal("content_block_start"),
    index: Schema.Number,
    content_block: ResponseBlock
  }),
  Schema.Struct({
    type: Schema.Literal("content_block_delta"),
    index: Schema.Number,
    delta: Schema.Union([
      Schema.Struct({ type: Schema.Literal("text_delta"), text: Schema.String }),
      Schema.Struct({ type: Schema.Literal("input_json_delta"), partial_json: Schema.String }),
      Schema.Struct({ type: Schema.String })
    ])
  }),
  Schema.Struct({ type: Schema.Literal("content_block_stop"), index: Schema.Number }),
  Schema.Struct({
    type: Schema.Literal("message_delta"),
    delta: Schema.Struct({ stop_reason: Schema.optional(Schema.NullOr(Schema.String)) }),
    usage: Schema.optional(MessagesUsage)
  }),
  Schema.Struct({ type: Schema.Literal("message_stop") }),
  Schema.Struct({ type: Schema.Literal("ping") }),
  Schema.Struct({
    type: Schema.Literal("error"),
    error: Schema.Struct({ type: Schema.optional(Schema.String), message: Schema.String })
  })
])

type Request = typeof ModelsApi.ChatCompletionRequest.Type
type Message = Request["messages"][number]
type Block = typeof RequestBlock.Type
type Turn = typeof MessageParam.Type
/** An Anthropic request body. */
export type MessagesRequest = typeof MessagesRequest.Type
type Completion = typeof ModelsApi.ChatCompletion.Type
type Chunk = typeof ModelsApi.ChatCompletionChunk.Type
type Usage = typeof MessagesUsage.Type

/** The translated request, and the name of the tool that carries structured output, if any. */
export interface Translated {
  readonly body: MessagesRequest
  /** The forced tool whose input is the answer (`responseFormat`); its call comes back as text. */
  readonly outputTool: string | undefined
}

const JSON_OUTPUT_TOOL = "json_output"

const parseJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))
const DataUrl = /^data:([^;,]+);base64,(.*)$/s
const decodeImagePart = Schema.decodeUnknownOption(
  Schema.Struct({ type: Schema.Literal("image_url"), image_url: Schema.Struct({ url: Schema.String }) })
)
const decodeTextPart = Schema.decodeUnknownOption(Schema.Struct({ type: Schema.Literal("text"), text: Schema.String }))

/** An OpenAI content part as an Anthropic block (text and images; other parts are dropped). */
const partToBlock = (part: Readonly<Record<string, unknown>>): ReadonlyArray<Block> => {
  const text = decodeTextPart(part)
  if (Option.isSome(text)) return [{ type: "text", text: text.value.text }]
  const image = decodeImagePart(part)
  if (Option.isNone(image)) return []
  const url = image.value.image_url.url
  const inline = DataUrl.exec(url)
  return inline !== null && inline[1] !== undefined && inline[2] !== undefined
    ? [{ type: "image", source: { type: "base64", media_type: inline[1], data: inline[2] } }]
    : [{ type: "image", source: { type: "url", url } }]
}

const toolInput = (argumentsText: string): unknown => Option.getOrElse(parseJson(argumentsText), () => ({}))

/** One OpenAI message as the role and blocks of an Anthropic turn (system messages excluded). */
const toTurn = (message: Exclude<Message, { readonly role: "system" }>): Turn => {
  switch (message.role) {
    case "user":
      return {
        role: "user",
        content: typeof message.content === "string" ? message.content : message.content.flatMap(partToBlock)
      }
    case "assistant": {
      const blocks: Array<Block> = []
      if (message.content !== undefined && message.content !== null && message.content !== "") {
        blocks.push({ type: "text", text: message.content })
      }
      for (const call of message.toolCalls ?? []) {
        blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input: toolInput(call.function.arguments) })
      }
      return { role: "assistant", content: blocks }
    }
    case "tool":
      return { role: "user", content: [{ type: "tool_result", tool_use_id: message.toolCallId, content: message.content }] }
  }
}

const asBlocks = (content: Turn["content"]): ReadonlyArray<Block> =>
  typeof content === "string" ? [{ type: "text", text: content }] : content

/** Consecutive turns of one role merged (tool results after several calls make one user turn). */
const mergeTurns = (turns: ReadonlyArray<Turn>): ReadonlyArray<Turn> => {
  const merged: Array<Turn> = []
  for (const turn of turns) {
    const previous = merged.at(-1)
    if (previous !== undefined && previous.role === turn.role) {
      merged[merged.length - 1] = { role: turn.role, content: [...asBlocks(previous.content), ...asBlocks(turn.content)] }
    } else {
      merged.push(turn)
    }
  }
  return merged
}

const toToolChoice = (choice: Request["toolChoice"]): typeof ToolChoiceParam.Type | undefined => {
  if (choice === undefined) return undefined
  if (choice === "auto" || choice === "none") return { type: choice }
  if (choice === "required") return { type: "any" }
  return { type: "tool", name: choice.function.name }
}

/**
 * The SDK's OpenAI-style request as an Anthropic Messages request: system messages joined into
 * `system`, tools as `{name, description, input_schema}`, assistant tool calls as `tool_use` blocks
 * and tool messages as `tool_result` blocks, `toolChoice` as Anthropic's, `stop` as
 * `stop_sequences`, `max_tokens` always (4096 by default). A JSON `responseFormat` becomes a tool
 * the model is made to call (forced unless the caller offers tools too); no OpenAI-only fields are sent.
 */
export const toMessagesRequest = (request: Request, model: string, stream: boolean): Translated => {
  const system = request.messages.flatMap((message) => message.role === "system" ? [message.content] : [])
  const turns = mergeTurns(request.messages.flatMap((message) => message.role === "system" ? [] : [toTurn(message)]))
  const tools: Array<typeof ToolParam.Type> = (request.tools ?? []).map((tool) => ({
    name: tool.function.name,
    ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
    input_schema: tool.function.parameters ?? { type: "object", properties: {} }
  }))
  let toolChoice = tools.length > 0 ? toToolChoice(request.toolChoice) : undefined
  let outputTool: string | undefined
  const format = request.responseFormat
  if (format !== undefined && format.type !== "text") {
    outputTool = format.type === "json_schema" ? format.jsonSchema.name : JSON_OUTPUT_TOOL
    const description = format.type === "json_schema" ? format.jsonSchema.description : undefined
    const schema = format.type === "json_schema" ? format.jsonSchema.schema : undefined
    const offersTools = tools.length > 0
    tools.push({
      name: outputTool,
      description: description ?? "Answer with the structured output, as this tool's input.",
      input_schema: schema ?? { type: "object" }
    })
    if (!offersTools) toolChoice = { type: "tool", name: outputTool }
  }
  const stop = request.stop
  const body: MessagesRequest = {
    model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: turns,
    ...(system.length > 0 ? { system: system.join("\n\n") } : {}),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    ...(stop === undefined ? {} : { stop_sequences: typeof stop === "string" ? [stop] : stop }),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }),
    ...(stream ? { stream: true } : {})
  }
  return { body, outputTool }
}

/** Anthropic's stop reason as OpenAI's finish reason. */
export const finishReason = (stopReason: string | null | undefined, calledTools: boolean): string | undefined => {
  switch (stopReason) {
    case undefined:
    case null:
      return undefined
    case "end_turn":
    case "stop_sequence":
    case "pause_turn":
      return "stop"
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length"
    case "tool_use":
      return calledTools ? "tool_calls" : "stop"
    case "refusal":
      return "content_filter"
    default:
      return stopReason
  }
}

const toUsage = (usage: Usage): NonNullable<Completion["usage"]> => {
  const promptTokens = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0)
  const completionTokens = usage.output_tokens ?? 0
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
}

const isText = (block: typeof ResponseBlock.Type): block is typeof TextBlock.Type => block.type === "text" && "text" in block
const isToolUse = (block: typeof ResponseBlock.Type): block is typeof ToolUseBlock.Type =>
  block.type === "tool_use" && "id" in block

/**
 * An Anthropic answer as a `chat.completion`: text blocks joined as the content, `tool_use` blocks
 * as tool calls (arguments as JSON text), the stop reason as the finish reason, and the usage. The
 * structured-output tool's call is the content (JSON text) instead.
 */
export const toChatCompletion = (
  response: typeof MessagesResponse.Type,
  created: number,
  outputTool: string | undefined
): Completion => {
  const texts: Array<string> = []
  const toolCalls: Array<typeof ModelsApi.ToolCall.Type> = []
  for (const block of response.content) {
    if (isText(block)) texts.push(block.text)
    else if (isToolUse(block)) {
      if (block.name === outputTool) texts.push(JSON.stringify(block.input))
      else toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } })
    }
  }
  const reason = finishReason(response.stop_reason, toolCalls.length > 0)
  return {
    id: response.id,
    object: "chat.completion",
    created,
    model: response.model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: texts.length > 0 ? texts.join("") : undefined,
        ...(toolCalls.length > 0 ? { toolCalls } : {})
      },
      ...(reason === undefined ? {} : { finishReason: reason })
    }],
    usage: toUsage(response.usage)
  }
}

/** What one stream event gives: chunks, the end, or the provider's error. */
export type StreamStep =
  | { readonly _tag: "Chunks"; readonly chunks: ReadonlyArray<Chunk>; readonly done: boolean }
  | { readonly _tag: "Error"; readonly message: string }

/** Options of a stream translation. */
export interface StreamOptions {
  /** Seconds since the epoch, for every chunk's `created`. */
  readonly created: number
  /** Whether to end with a chunk carrying the usage and no choices (as `stream_options.include_usage` does). */
  readonly includeUsage: boolean
  readonly outputTool: string | undefined
}

/**
 * A stateful translation of Anthropic's stream events into `chat.completion.chunk`s: a role chunk at
 * `message_start`, text deltas as content, each `tool_use` block as a tool call (indexed from 0 in
 * order) whose `input_json_delta` pieces are its arguments, the finish reason at `message_delta`,
 * and at `message_stop` the usage chunk and the end. `ping` and unknown events give nothing.
 */
export const makeStreamTranslator = (options: StreamOptions): (event: typeof StreamEvent.Type) => StreamStep => {
  const head = { id: "", model: "" }
  const usage: { input: Usage; output: Usage } = { input: {}, output: {} }
  const toolIndexByBlock = new Map<number, number>()
  const outputBlocks = new Set<number>()
  let toolCount = 0
  const chunk = (delta: Chunk["choices"][number]["delta"], reason?: string): Chunk => ({
    id: head.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: head.model,
    choices: [{ index: 0, delta, ...(reason === undefined ? {} : { finishReason: reason }) }]
  })
  const chunks = (...list: ReadonlyArray<Chunk>): StreamStep => ({ _tag: "Chunks", chunks: list, done: false })
  return (event) => {
    switch (event.type) {
      case "message_start":
        head.id = event.message.id
        head.model = event.message.model
        usage.input = event.message.usage ?? {}
        return chunks(chunk({ role: "assistant", content: "" }))
      case "content_block_start": {
        const block = event.content_block
        if (isToolUse(block)) {
          if (block.name === options.outputTool) {
            outputBlocks.add(event.index)
            return chunks()
          }
          const index = toolCount++
          toolIndexByBlock.set(event.index, index)
          return chunks(chunk({ toolCalls: [{ index, id: block.id, type: "function", function: { name: block.name, arguments: "" } }] }))
        }
        return isText(block) && block.text !== "" ? chunks(chunk({ content: block.text })) : chunks()
      }
      case "content_block_delta": {
        const delta = event.delta
        if ("text" in delta) return chunks(chunk({ content: delta.text }))
        if ("partial_json" in delta) {
          if (outputBlocks.has(event.index)) return chunks(chunk({ content: delta.partial_json }))
          const index = toolIndexByBlock.get(event.index)
          return index === undefined ? chunks() : chunks(chunk({ toolCalls: [{ index, function: { arguments: delta.partial_json } }] }))
        }
        return chunks()
      }
      case "message_delta": {
        usage.output = event.usage ?? {}
        const reason = finishReason(event.delta.stop_reason, toolCount > 0)
        return reason === undefined ? chunks() : chunks(chunk({}, reason))
      }
      case "message_stop": {
        const total = toUsage({
          input_tokens: usage.output.input_tokens ?? usage.input.input_tokens,
          output_tokens: usage.output.output_tokens ?? usage.input.output_tokens,
          cache_creation_input_tokens: usage.output.cache_creation_input_tokens ?? usage.input.cache_creation_input_tokens,
          cache_read_input_tokens: usage.output.cache_read_input_tokens ?? usage.input.cache_read_input_tokens
        })
        const last: ReadonlyArray<Chunk> = options.includeUsage
          ? [{ id: head.id, object: "chat.completion.chunk", created: options.created, model: head.model, choices: [], usage: total }]
          : []
        return { _tag: "Chunks", chunks: last, done: true }
      }
      case "error":
        return { _tag: "Error", message: event.error.message }
      default:
        return chunks()
    }
  }
}
