/**
 * LangChain messages and tools to the SDK's OpenAI-style chat request, and the SDK's answers
 * (completions, streamed chunks) back to LangChain messages.
 */
import { AIMessage, AIMessageChunk, type BaseMessage, ChatMessage as LangChainChatMessage } from "@langchain/core/messages"
import type { InvalidToolCall, ToolCall, ToolCallChunk } from "@langchain/core/messages/tool"
import type { UsageMetadata } from "@langchain/core/messages"
import { convertToOpenAITool } from "@langchain/core/utils/function_calling"
import * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import type * as Models from "@flow-like/effect/Models"

const OPERATION = "FlowLikeChatModel"

const invalid = (message: string) => FlowLikeError.invalidArgument(`${OPERATION}: ${message}`, OPERATION)

type Part = Readonly<Record<string, unknown>>

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/** The text of a message's content: the string, or its text parts joined. */
export const textOf = (content: BaseMessage["content"]): string =>
  typeof content === "string"
    ? content
    : content.flatMap((part) => isObject(part) && part["type"] === "text" && typeof part["text"] === "string" ? [part["text"]] : []).join("")

/** A user turn's content: text as a string, other parts (images, ...) passed through as OpenAI parts. */
const userContent = (content: BaseMessage["content"]): string | ReadonlyArray<Part> => {
  if (typeof content === "string") return content
  if (content.every((part) => isObject(part) && part["type"] === "text")) return textOf(content)
  return content.map((part): Part => (isObject(part) ? part : { type: "text", text: String(part) }))
}

type WireToolCall = NonNullable<Extract<Models.ChatMessage, { readonly role: "assistant" }>["toolCalls"]>[number]

const toolCallOf = (call: ToolCall, index: number): WireToolCall => ({
  id: call.id ?? `call_${index}`,
  type: "function",
  function: { name: call.name, arguments: JSON.stringify(call.args) }
})

const roleOf = (message: BaseMessage): string =>
  LangChainChatMessage.isInstance(message) ? message.role : message.type

/** One LangChain message as the SDK's chat message; an unknown role is an `InvalidArgument` error. */
export const toChatMessage = (message: BaseMessage): Models.ChatMessage => {
  const role = roleOf(message)
  switch (role) {
    case "system":
    case "developer":
      return { role: "system", content: textOf(message.content) }
    case "human":
    case "user":
      return { role: "user", content: userContent(message.content) }
    case "ai":
    case "assistant": {
      const toolCalls = AIMessage.isInstance(message) ? message.tool_calls ?? [] : []
      const text = textOf(message.content)
      return toolCalls.length === 0
        ? { role: "assistant", content: text }
        : { role: "assistant", content: text === "" ? null : text, toolCalls: toolCalls.map(toolCallOf) }
    }
    case "tool": {
      const toolCallId = "tool_call_id" in message && typeof message.tool_call_id === "string" ? message.tool_call_id : undefined
      if (toolCallId === undefined) throw invalid("a tool message needs a tool_call_id")
      const content = typeof message.content === "string" ? message.content : textOf(message.content) || JSON.stringify(message.content)
      return { role: "tool", content, toolCallId }
    }
    default:
      throw invalid(`messages of role "${role}" cannot be sent (use system, human, ai or tool)`)
  }
}

/** Anything `bindTools` takes (LangChain tools, zod or JSON-schema tools, OpenAI tools) as an OpenAI tool. */
export const toTool = (tool: unknown): Models.Tool => {
  const converted: unknown = isObject(tool) && tool["type"] === "function" && isObject(tool["function"])
    ? tool
    : convertToOpenAITool(tool as Parameters<typeof convertToOpenAITool>[0])
  if (!isObject(converted) || !isObject(converted["function"]) || typeof converted["function"]["name"] !== "string") {
    throw invalid("a tool must be a LangChain tool, an OpenAI tool or { name, description, schema }")
  }
  const fn = converted["function"]
  const name = fn["name"] as string
  const description = typeof fn["description"] === "string" ? fn["description"] : undefined
  const parameters = isObject(fn["parameters"]) ? fn["parameters"] : undefined
  const strict = typeof fn["strict"] === "boolean" ? fn["strict"] : undefined
  return { type: "function", function: { name, description, parameters, strict } }
}

/** LangChain's `tool_choice` as OpenAI's: `any` means `required`, another name forces that tool. */
export const toToolChoice = (choice: unknown): Models.ToolChoice | undefined => {
  if (choice === undefined || choice === null) return undefined
  if (choice === "auto" || choice === "none" || choice === "required") return choice
  if (choice === "any") return "required"
  if (typeof choice === "string") return { type: "function", function: { name: choice } }
  if (isObject(choice) && isObject(choice["function"]) && typeof choice["function"]["name"] === "string") {
    return { type: "function", function: { name: choice["function"]["name"] } }
  }
  throw invalid("tool_choice must be auto, none, any, required, a tool name or { type: \"function\", function: { name } }")
}

/** OpenAI's `response_format` (snake_case, as ChatOpenAI takes it) as the SDK's. */
export const toResponseFormat = (format: unknown): Models.ResponseFormat | undefined => {
  if (format === undefined || format === null) return undefined
  if (isObject(format) && (format["type"] === "text" || format["type"] === "json_object")) return { type: format["type"] }
  if (isObject(format) && format["type"] === "json_schema") {
    const spec = format["json_schema"] ?? format["jsonSchema"]
    if (isObject(spec) && typeof spec["name"] === "string") {
      return {
        type: "json_schema",
        jsonSchema: {
          name: spec["name"],
          description: typeof spec["description"] === "string" ? spec["description"] : undefined,
          schema: isObject(spec["schema"]) ? spec["schema"] : undefined,
          strict: typeof spec["strict"] === "boolean" ? spec["strict"] : undefined
        }
      }
    }
  }
  throw invalid("response_format must be { type: \"text\" }, { type: \"json_object\" } or { type: \"json_schema\", json_schema: { name, schema } }")
}

type CompletionUsage = NonNullable<Models.ChatCompletion["usage"]>

/** OpenAI's token counts as LangChain's `usage_metadata`. */
export const toUsageMetadata = (usage: CompletionUsage): UsageMetadata => ({
  input_tokens: usage.promptTokens,
  output_tokens: usage.completionTokens,
  total_tokens: usage.totalTokens
})

/** `response_metadata` of an answer: the model (both as `model` and as ChatOpenAI's `model_name`). */
export const responseMetadata = (model: string, finishReason: string | undefined) => ({
  model,
  model_name: model,
  model_provider: "flow-like",
  ...(finishReason === undefined ? {} : { finish_reason: finishReason })
})

/** A completion's first choice as an `AIMessage`: text, parsed tool calls (invalid ones kept), usage, model. */
export const toAIMessage = (completion: Models.ChatCompletion): AIMessage => {
  const choice = completion.choices.find((c) => c.index === 0) ?? completion.choices[0]
  const toolCalls: Array<ToolCall> = []
  const invalidToolCalls: Array<InvalidToolCall> = []
  for (const call of choice?.message.toolCalls ?? []) {
    try {
      const args: unknown = call.function.arguments.trim() === "" ? {} : JSON.parse(call.function.arguments)
      if (!isObject(args) || Array.isArray(args)) throw new Error("the arguments are not a JSON object")
      toolCalls.push({ id: call.id, name: call.function.name, args, type: "tool_call" })
    } catch (error) {
      invalidToolCalls.push({
        id: call.id,
        name: call.function.name,
        args: call.function.arguments,
        error: error instanceof Error ? error.message : String(error),
        type: "invalid_tool_call"
      })
    }
  }
  return new AIMessage({
    id: completion.id,
    content: choice?.message.content ?? "",
    tool_calls: toolCalls,
    invalid_tool_calls: invalidToolCalls,
    ...(completion.usage === undefined ? {} : { usage_metadata: toUsageMetadata(completion.usage) }),
    response_metadata: responseMetadata(completion.model, choice?.finishReason)
  })
}

/** A streamed chunk's first choice (or its usage) as an `AIMessageChunk`, or `undefined` when it adds nothing. */
export const toMessageChunk = (chunk: Models.ChatCompletionChunk, isFirst: boolean): AIMessageChunk | undefined => {
  const choice = chunk.choices.find((c) => c.index === 0)
  const toolCallChunks: Array<ToolCallChunk> = (choice?.delta.toolCalls ?? []).map((call) => ({
    type: "tool_call_chunk",
    index: call.index,
    ...(call.id === undefined ? {} : { id: call.id }),
    ...(call.function?.name === undefined ? {} : { name: call.function.name }),
    ...(call.function?.arguments === undefined ? {} : { args: call.function.arguments })
  }))
  const finishReason = choice?.finishReason
  if (choice === undefined && chunk.usage === undefined && !isFirst) return undefined
  return new AIMessageChunk({
    id: chunk.id,
    content: choice?.delta.content ?? "",
    tool_call_chunks: toolCallChunks,
    ...(chunk.usage === undefined ? {} : { usage_metadata: toUsageMetadata(chunk.usage) }),
    response_metadata: isFirst
      ? responseMetadata(chunk.model, finishReason)
      : finishReason === undefined ? {} : { finish_reason: finishReason }
  })
}
