/**
 * Anthropic's Messages API as the dev server's `hosted:anthropic` bits speak it (the real server
 * forwards the body to `/v1/messages` unchanged and passes the answer through): the request is
 * checked like Anthropic checks it (400 `invalid_request_error` for OpenAI-only fields, a `system`
 * role, malformed blocks), read into the deterministic model's OpenAI-style request, and its answer
 * is written as a Messages object or as Anthropic's named stream events.
 */
import type { ChatCompletionRequest } from "@flow-like/effect/api/ModelsApi"
import { Option, Predicate, Schema } from "effect"
import type { Answer } from "./ChatModel.ts"

type Request = typeof ChatCompletionRequest.Type
type Message = Request["messages"][number]

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

const Block = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text"), text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("image"), source: JsonObject }),
  Schema.Struct({ type: Schema.Literal("tool_use"), id: Schema.String, name: Schema.String, input: JsonObject }),
  Schema.Struct({
    type: Schema.Literal("tool_result"),
    tool_use_id: Schema.String,
    content: Schema.optional(Schema.Union([Schema.String, Schema.Array(JsonObject)])),
    is_error: Schema.optional(Schema.Boolean)
  })
])

/** The body of `POST /v1/messages`, as far as the dev server reads it. */
export const MessagesRequest = Schema.Struct({
  model: Schema.String,
  max_tokens: Schema.Int,
  messages: Schema.Array(Schema.Struct({
    role: Schema.Literals(["user", "assistant"]),
    content: Schema.Union([Schema.String, Schema.Array(Block)])
  })),
  system: Schema.optional(Schema.Union([Schema.String, Schema.Array(JsonObject)])),
  temperature: Schema.optional(Schema.Number),
  top_p: Schema.optional(Schema.Number),
  top_k: Schema.optional(Schema.Number),
  stop_sequences: Schema.optional(Schema.Array(Schema.String)),
  stream: Schema.optional(Schema.Boolean),
  tools: Schema.optional(Schema.Array(Schema.Struct({
    name: Schema.String,
    description: Schema.optional(Schema.String),
    input_schema: JsonObject
  }))),
  tool_choice: Schema.optional(Schema.Union([
    Schema.Struct({ type: Schema.Literals(["auto", "any", "none"]) }),
    Schema.Struct({ type: Schema.Literal("tool"), name: Schema.String })
  ])),
  metadata: Schema.optional(JsonObject)
})

type Messages = typeof MessagesRequest.Type

/** The top-level fields Anthropic accepts (it rejects any other: "Extra inputs are not permitted"). */
const KNOWN_FIELDS = new Set([
  "model",
  "max_tokens",
  "messages",
  "system",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "stream",
  "tools",
  "tool_choice",
  "metadata"
])

const decodeRequest = Schema.decodeUnknownOption(MessagesRequest)

/** Anthropic's error body. */
export const errorBody = (type: string, message: string) => ({ type: "error", error: { type, message } })

/** The request, checked like Anthropic does; `Invalid` with the `invalid_request_error` message. */
export const checkRequest = (body: unknown): { readonly _tag: "Ok"; readonly request: Messages } | { readonly _tag: "Invalid"; readonly message: string } => {
  if (!Predicate.isObject(body)) return { _tag: "Invalid", message: "body: Input should be an object" }
  const extra = Object.keys(body).find((key) => !KNOWN_FIELDS.has(key))
  if (extra !== undefined) return { _tag: "Invalid", message: `${extra}: Extra inputs are not permitted` }
  const messages = body["messages"]
  if (Array.isArray(messages)) {
    const index = messages.findIndex((message) => Predicate.isObject(message) && message["role"] === "system")
    if (index !== -1) {
      return {
        _tag: "Invalid",
        message: `messages.${index}.role: Input should be 'user' or 'assistant' (system prompts go in the top-level \`system\`)`
      }
    }
  }
  const decoded = decodeRequest(body)
  return Option.isSome(decoded)
    ? { _tag: "Ok", request: decoded.value }
    : { _tag: "Invalid", message: "messages or tools: the request does not match the Messages API" }
}

const textOfBlocks = (content: string | ReadonlyArray<Readonly<Record<string, unknown>>> | undefined): string =>
  typeof content === "string"
    ? content
    : (content ?? []).flatMap((block) => block["type"] === "text" && Predicate.isString(block["text"]) ? [block["text"]] : []).join(" ")

/** The request as the deterministic model's OpenAI-style request. */
export const toModelRequest = (request: Messages): Request => {
  const messages: Array<Message> = []
  if (request.system !== undefined) messages.push({ role: "system", content: textOfBlocks(request.system) })
  for (const message of request.messages) {
    const content = message.content
    if (typeof content === "string") {
      messages.push(message.role === "user" ? { role: "user", content } : { role: "assistant", content })
      continue
    }
    const text = content.flatMap((block) => block.type === "text" ? [block.text] : []).join(" ")
    if (message.role === "assistant") {
      const calls = content.flatMap((block) =>
        block.type === "tool_use"
          ? [{ id: block.id, type: "function" as const, function: { name: block.name, arguments: JSON.stringify(block.input) } }]
          : []
      )
      messages.push({ role: "assistant", content: text === "" ? null : text, ...(calls.length > 0 ? { toolCalls: calls } : {}) })
      continue
    }
    if (text !== "") messages.push({ role: "user", content: text })
    for (const block of content) {
      if (block.type === "tool_result") messages.push({ role: "tool", toolCallId: block.tool_use_id, content: textOfBlocks(block.content) })
    }
  }
  const choice = request.tool_choice
  return {
    model: request.model,
    messages,
    ...(request.tools === undefined ? {} : {
      tools: request.tools.map((tool) => ({
        type: "function" as const,
        function: { name: tool.name, parameters: tool.input_schema, ...(tool.description === undefined ? {} : { description: tool.description }) }
      }))
    }),
    ...(choice === undefined ? {} : {
      toolChoice: choice.type === "tool"
        ? { type: "function" as const, function: { name: choice.name } }
        : choice.type === "any"
        ? "required" as const
        : choice.type
    })
  }
}

/** Text in word-sized pieces, spaces kept. */
const pieces = (text: string): ReadonlyArray<string> => text.match(/\S+\s*|\s+/g) ?? [text]

/** What an answer is made of, with the ids of its tool calls. */
export interface Reply {
  readonly id: string
  readonly model: string
  readonly answer: Answer
  readonly callIds: ReadonlyArray<string>
  readonly inputTokens: number
  readonly outputTokens: number
}

const stopReason = (answer: Answer) => answer._tag === "Text" ? "end_turn" : "tool_use"

const parseJson = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Unknown))
const parsedInput = (text: string): unknown => Option.getOrElse(parseJson(text), () => ({}))

/** A non-streamed Messages answer. */
export const message = (reply: Reply) => ({
  id: reply.id,
  type: "message",
  role: "assistant",
  model: reply.model,
  content: reply.answer._tag === "Text"
    ? [{ type: "text", text: reply.answer.content }]
    : reply.answer.calls.map((call, index) => ({ type: "tool_use", id: reply.callIds[index], name: call.name, input: parsedInput(call.arguments) })),
  stop_reason: stopReason(reply.answer),
  stop_sequence: null,
  usage: { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens }
})

/** The streamed answer: Anthropic's events in order, each `{ type, ... }` (its SSE event name is `type`). */
export const events = (reply: Reply): ReadonlyArray<{ readonly type: string } & Readonly<Record<string, unknown>>> => {
  const out: Array<{ readonly type: string } & Readonly<Record<string, unknown>>> = [
    {
      type: "message_start",
      message: { ...message(reply), content: [], stop_reason: null, usage: { input_tokens: reply.inputTokens, output_tokens: 1 } }
    },
    { type: "ping" }
  ]
  const answer = reply.answer
  if (answer._tag === "Text") {
    out.push({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })
    for (const piece of pieces(answer.content)) out.push({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } })
    out.push({ type: "content_block_stop", index: 0 })
  } else {
    answer.calls.forEach((call, index) => {
      const half = Math.ceil(call.arguments.length / 2)
      out.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: reply.callIds[index], name: call.name, input: {} } })
      out.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: call.arguments.slice(0, half) } })
      out.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: call.arguments.slice(half) } })
      out.push({ type: "content_block_stop", index })
    })
  }
  out.push({ type: "message_delta", delta: { stop_reason: stopReason(answer), stop_sequence: null }, usage: { output_tokens: reply.outputTokens } })
  out.push({ type: "message_stop" })
  return out
}
