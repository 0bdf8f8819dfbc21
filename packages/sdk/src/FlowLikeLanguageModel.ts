/**
 * An Effect AI provider: `LanguageModel` over the Flow-Like chat route (`Models.chatCompletions` and
 * `Models.chatCompletionsStream`), for any hosted Llm or Vlm bit.
 *
 * The Effect AI prompt becomes OpenAI-style messages, the toolkit's tools become function tools with
 * their JSON Schema parameters, and `generateObject` asks for a `json_schema` response format. The
 * completion (or its chunks) comes back as Effect AI response parts: text, tool calls with their
 * parameters parsed from JSON, and a finish part with the reason and the token usage. A
 * `FlowLikeError` fails as an `AiError` whose reason keeps the `FlowLikeError` as its `cause`.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as AiError from "effect/ai/AiError"
import * as LanguageModel from "effect/ai/LanguageModel"
import * as Model from "effect/ai/Model"
import type * as Prompt from "effect/ai/Prompt"
import type * as Response from "effect/ai/Response"
import * as Tool from "effect/ai/Tool"
import * as Base64 from "effect/encoding/Base64"
import type * as FlowLikeError from "./FlowLikeError.ts"
import * as AiErrors from "./internal/aiError.ts"
import * as Models from "./Models.ts"

/** The provider name the `Model` reports (`Model.ProviderName`). */
export const providerName = "flow-like"

/** Generation options sent with every request of the model. */
export interface Config {
  readonly temperature?: number | undefined
  /** Sent as `max_tokens`. */
  readonly maxTokens?: number | undefined
  readonly topP?: number | undefined
  readonly stop?: string | ReadonlyArray<string> | undefined
  /** Whether tools and the structured-output schema are sent with `strict: true`; unset leaves it to the provider. */
  readonly strict?: boolean | undefined
  /** Provider fields the SDK does not type (`seed`, `logprobs`, ...), merged into the body under the typed ones. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined
}

/** The options of `layer` and `make`: the bit to ask and its generation options. */
export interface Options extends Config {
  /** The bit id of an Llm or Vlm with a hosted provider. */
  readonly bitId: string
}

/** A `LanguageModel` over the `Models` service for one bit. */
export const make = (options: Options): Effect.Effect<LanguageModel.LanguageModel, never, Models.Models> =>
  Effect.flatMap(Models.Models, (models) =>
    LanguageModel.make({
      generateText: (providerOptions) =>
        Effect.flatMap(
          toRequest("generateText", options, providerOptions),
          (request) =>
            models.chatCompletions(request).pipe(
              Effect.mapError((error) => toAiError("generateText", error)),
              Effect.flatMap((completion) => fromCompletion(completion))
            )
        ),
      streamText: (providerOptions) =>
        Stream.unwrap(Effect.map(toRequest("streamText", options, providerOptions), (request) =>
          Stream.suspend(() => {
            const state = makeStreamState()
            return models.chatCompletionsStream(request).pipe(
              Stream.mapError((error) => toAiError("streamText", error)),
              Stream.flatMap((chunk) => Stream.fromIterable(onChunk(state, chunk))),
              Stream.concat(Stream.fromEffect(Effect.suspend(() => onEnd(state))).pipe(Stream.flatMap(Stream.fromIterable)))
            )
          })))
    }))

/** A Layer providing `LanguageModel.LanguageModel` for one bit, over the `Models` service. */
export const layer = (options: Options): Layer.Layer<LanguageModel.LanguageModel, never, Models.Models> =>
  Layer.effect(LanguageModel.LanguageModel, make(options))

/** An Effect AI `Model` for one bit: provides `LanguageModel`, `Model.ProviderName` and `Model.ModelName`. */
export const model = (
  bitId: string,
  config?: Config
): Model.Model<typeof providerName, LanguageModel.LanguageModel, Models.Models> =>
  Model.make(providerName, bitId, layer({ ...config, bitId }))

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

const MODULE = "FlowLikeLanguageModel"

/** The `AiError` reason for a `FlowLikeError`, with the `FlowLikeError` as its `cause`. */
export const toAiErrorReason: (error: FlowLikeError.FlowLikeError) => AiError.AiErrorReason = AiErrors.toAiErrorReason

const toAiError = (method: string, error: FlowLikeError.FlowLikeError): AiError.AiError =>
  AiError.make({ module: MODULE, method, reason: toAiErrorReason(error) })

const invalidRequest = (method: string, description: string): AiError.AiError =>
  AiError.make({ module: MODULE, method, reason: new AiError.InvalidRequestError({ description }) })

const invalidOutput = (method: string, description: string): AiError.AiError =>
  AiError.make({ module: MODULE, method, reason: new AiError.InvalidOutputError({ description }) })

// ---------------------------------------------------------------------------
// request
// ---------------------------------------------------------------------------

const textOfResult = (result: unknown): string => typeof result === "string" ? result : JSON.stringify(result) ?? "null"

const fileUrl = (part: Prompt.FilePart): string =>
  part.data instanceof URL
    ? part.data.toString()
    : `data:${part.mediaType};base64,${typeof part.data === "string" ? part.data : Base64.encode(part.data)}`

const toUserContent = (
  method: string,
  parts: ReadonlyArray<Prompt.UserMessagePart>
): Effect.Effect<string | ReadonlyArray<Record<string, unknown>>, AiError.AiError> => {
  if (parts.every((part) => part.type === "text")) {
    return Effect.succeed(parts.map((part) => part.type === "text" ? part.text : "").join("\n"))
  }
  const content: Array<Record<string, unknown>> = []
  for (const part of parts) {
    if (part.type === "text") content.push({ type: "text", text: part.text })
    else if (part.mediaType.startsWith("image/")) content.push({ type: "image_url", image_url: { url: fileUrl(part) } })
    else return Effect.fail(invalidRequest(method, `files of type ${part.mediaType} cannot be sent; only images`))
  }
  return Effect.succeed(content)
}

const toMessages = Effect.fnUntraced(function*(method: string, prompt: Prompt.Prompt) {
  const messages: Array<Models.ChatMessage> = []
  for (const message of prompt.content) {
    switch (message.role) {
      case "system":
        messages.push({ role: "system", content: message.content })
        break
      case "user":
        messages.push({ role: "user", content: yield* toUserContent(method, message.content) })
        break
      case "assistant": {
        const text: Array<string> = []
        const toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }> = []
        for (const part of message.content) {
          if (part.type === "text") text.push(part.text)
          else if (part.type === "tool-call" && !part.providerExecuted) {
            toolCalls.push({ id: part.id, type: "function", function: { name: part.name, arguments: JSON.stringify(part.params ?? {}) } })
          }
        }
        messages.push({
          role: "assistant",
          content: text.length === 0 ? null : text.join(""),
          ...(toolCalls.length === 0 ? {} : { toolCalls })
        })
        break
      }
      case "tool":
        for (const part of message.content) {
          if (part.type === "tool-result") {
            messages.push({ role: "tool", toolCallId: part.id, content: textOfResult(part.result) })
          }
        }
        break
    }
  }
  return messages
})

const toTools = Effect.fnUntraced(function*(method: string, tools: ReadonlyArray<Tool.Any>, strict: boolean | undefined) {
  const result: Array<Models.Tool> = []
  for (const tool of tools) {
    if (Tool.isProviderDefined(tool)) {
      return yield* invalidRequest(method, `the provider-defined tool ${tool.name} is not supported by Flow-Like`)
    }
    const description = Tool.getDescription(tool)
    const toolStrict = Tool.getStrictMode(tool) ?? strict
    result.push({
      type: "function",
      function: {
        name: tool.name,
        ...(description === undefined ? {} : { description }),
        parameters: { ...Tool.getJsonSchema(tool) },
        ...(toolStrict === undefined ? {} : { strict: toolStrict })
      }
    })
  }
  return result
})

const toToolChoice = (
  choice: LanguageModel.ToolChoice<string>
): { readonly choice: Models.ToolChoice; readonly only?: ReadonlyArray<string> } => {
  if (typeof choice === "string") return { choice }
  if ("tool" in choice) return { choice: { type: "function", function: { name: choice.tool } } }
  return { choice: choice.mode ?? "auto", only: choice.oneOf }
}

const toResponseFormat = (
  method: string,
  format: LanguageModel.ProviderOptions["responseFormat"],
  strict: boolean | undefined
): Effect.Effect<Models.ResponseFormat | undefined, AiError.AiError> => {
  if (format.type === "text") return Effect.succeed(undefined)
  return Effect.try({
    try: (): Models.ResponseFormat => ({
      type: "json_schema",
      jsonSchema: {
        name: format.objectName,
        schema: { ...LanguageModel.defaultCodecTransformer(format.schema).jsonSchema },
        ...(strict === undefined ? {} : { strict })
      }
    }),
    catch: (error) =>
      AiError.make({
        module: MODULE,
        method,
        reason: new AiError.UnsupportedSchemaError({ description: error instanceof Error ? error.message : String(error) })
      })
  })
}

const toRequest = Effect.fnUntraced(function*(
  method: string,
  options: Options,
  providerOptions: LanguageModel.ProviderOptions
) {
  const messages = yield* toMessages(method, providerOptions.prompt)
  const { choice, only } = toToolChoice(providerOptions.toolChoice)
  const offered = only === undefined ? providerOptions.tools : providerOptions.tools.filter((tool) => only.includes(tool.name))
  const tools = yield* toTools(method, offered, options.strict)
  const responseFormat = yield* toResponseFormat(method, providerOptions.responseFormat, options.strict)
  const request: Models.ChatCompletionRequest = {
    bitId: options.bitId,
    messages,
    temperature: options.temperature,
    maxTokens: options.maxTokens,
    topP: options.topP,
    stop: options.stop,
    tools: tools.length === 0 ? undefined : tools,
    toolChoice: tools.length === 0 ? undefined : choice,
    responseFormat,
    extra: options.extra
  }
  return request
})

// ---------------------------------------------------------------------------
// response
// ---------------------------------------------------------------------------

/** An OpenAI finish reason as an Effect AI one. */
export const toFinishReason = (reason: string | null | undefined): Response.FinishReason => {
  switch (reason) {
    case "stop":
      return "stop"
    case "length":
      return "length"
    case "tool_calls":
    case "function_call":
      return "tool-calls"
    case "content_filter":
      return "content-filter"
    case null:
    case undefined:
      return "unknown"
    default:
      return "other"
  }
}

type CompletionUsage = NonNullable<Models.ChatCompletion["usage"]>

const toUsage = (usage: CompletionUsage | null | undefined): Response.FinishPartEncoded["usage"] => ({
  inputTokens: { total: usage?.promptTokens, uncached: usage?.promptTokens },
  outputTokens: { total: usage?.completionTokens, text: usage?.completionTokens }
})

const parseParams = (method: string, name: string, text: string): Effect.Effect<unknown, AiError.AiError> =>
  Effect.try({
    try: (): unknown => JSON.parse(text === "" ? "{}" : text),
    catch: () => invalidOutput(method, `the model's arguments for the tool ${name} are not JSON: ${text}`)
  })

const metadataPart = (response: { readonly id: string; readonly model: string; readonly created: number }): Response.ResponseMetadataPartEncoded => ({
  type: "response-metadata",
  id: response.id,
  modelId: response.model,
  timestamp: Predicate.isNumber(response.created) && response.created > 0 ? new Date(response.created * 1000).toISOString() : undefined
})

const fromCompletion = Effect.fnUntraced(function*(completion: Models.ChatCompletion) {
  const parts: Array<Response.PartEncoded> = [metadataPart(completion)]
  const choice = completion.choices[0]
  const content = choice?.message.content
  if (content !== null && content !== undefined && content !== "") parts.push({ type: "text", text: content })
  for (const call of choice?.message.toolCalls ?? []) {
    parts.push({
      type: "tool-call",
      id: call.id,
      name: call.function.name,
      params: yield* parseParams("generateText", call.function.name, call.function.arguments)
    })
  }
  parts.push({ type: "finish", reason: toFinishReason(choice?.finishReason), usage: toUsage(completion.usage) })
  return parts
})

interface StreamState {
  isStarted: boolean
  textId: string | undefined
  finishReason: string | null | undefined
  usage: CompletionUsage | null | undefined
  readonly toolCalls: Map<number, { id: string; name: string; arguments: string }>
}

const makeStreamState = (): StreamState => ({
  isStarted: false,
  textId: undefined,
  finishReason: undefined,
  usage: undefined,
  toolCalls: new Map()
})

const onChunk = (state: StreamState, chunk: Models.ChatCompletionChunk): Array<Response.StreamPartEncoded> => {
  const parts: Array<Response.StreamPartEncoded> = []
  if (!state.isStarted) {
    state.isStarted = true
    parts.push(metadataPart(chunk))
  }
  if (chunk.usage !== null && chunk.usage !== undefined) state.usage = chunk.usage
  const choice = chunk.choices[0]
  if (choice === undefined) return parts
  const content = choice.delta.content
  if (content !== null && content !== undefined && content !== "") {
    if (state.textId === undefined) {
      state.textId = chunk.id === "" ? "text" : chunk.id
      parts.push({ type: "text-start", id: state.textId })
    }
    parts.push({ type: "text-delta", id: state.textId, delta: content })
  }
  for (const delta of choice.delta.toolCalls ?? []) {
    const call = state.toolCalls.get(delta.index) ?? { id: "", name: "", arguments: "" }
    if (delta.id !== null && delta.id !== undefined && delta.id !== "") call.id = delta.id
    if (delta.function?.name !== null && delta.function?.name !== undefined) call.name += delta.function.name
    if (delta.function?.arguments !== null && delta.function?.arguments !== undefined) call.arguments += delta.function.arguments
    state.toolCalls.set(delta.index, call)
  }
  if (choice.finishReason !== null && choice.finishReason !== undefined) state.finishReason = choice.finishReason
  return parts
}

const onEnd = Effect.fnUntraced(function*(state: StreamState) {
  const parts: Array<Response.StreamPartEncoded> = []
  if (state.textId !== undefined) parts.push({ type: "text-end", id: state.textId })
  const calls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b)
  for (const [index, call] of calls) {
    parts.push({
      type: "tool-call",
      id: call.id === "" ? `call_${index}` : call.id,
      name: call.name,
      params: yield* parseParams("streamText", call.name, call.arguments)
    })
  }
  parts.push({ type: "finish", reason: toFinishReason(state.finishReason), usage: toUsage(state.usage) })
  return parts
})
