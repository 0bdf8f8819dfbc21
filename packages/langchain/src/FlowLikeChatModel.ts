/**
 * `FlowLikeChatModel`: a LangChain chat model (`BaseChatModel` of `@langchain/core` 1.x) over the
 * Flow-Like chat route, run by the SDK's `Models` service: its timeouts, typed `FlowLikeError`s and
 * the `hosted:anthropic` translation underneath. LangChain's own retries (`AsyncCaller`) are not
 * used: chat requests are invocations and the SDK never repeats them.
 *
 * @example
 * ```ts
 * import { FlowLikeChatModel } from "@flow-like/langchain"
 *
 * const model = new FlowLikeChatModel({ baseUrl: "https://api.flow-like.com", token: "pat_...", bitId: "bit-id" })
 * const answer = await model.invoke("Hello!")
 * console.log(answer.content, answer.usage_metadata)
 * ```
 *
 * @since 0.1.0
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager"
import { ModelAbortError } from "@langchain/core/errors"
import type { BaseLanguageModelInput, StructuredOutputMethodOptions } from "@langchain/core/language_models/base"
import type { ModelProfile } from "@langchain/core/language_models/profile"
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
  type LangSmithParams
} from "@langchain/core/language_models/chat_models"
import {
  assembleStructuredOutputPipeline,
  createContentParser,
  createFunctionCallingParser
} from "@langchain/core/language_models/structured_output"
import type { AIMessageChunk, BaseMessage } from "@langchain/core/messages"
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs"
import type { Runnable } from "@langchain/core/runnables"
import { type JsonSchema7Type, toJsonSchema } from "@langchain/core/utils/json_schema"
import { isSerializableSchema } from "@langchain/core/utils/standard_schema"
import { isInteropZodSchema } from "@langchain/core/utils/types"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import * as Models from "@flow-like/effect/Models"
import * as Messages from "./internal/messages.ts"
import { lcSecrets, serialisableFields } from "./internal/secrets.ts"
import { combineSignals, type ConnectionFields, isAborted, iterate, type ModelsRuntime, run, runtimeOf } from "./internal/runner.ts"

/** Options of a call (on top of LangChain's): tools, tool choice, response format and per-request settings. */
export interface FlowLikeChatModelCallOptions extends BaseChatModelCallOptions {
  /** Tools as `bindTools` takes them (it sets this). */
  readonly tools?: ReadonlyArray<BindToolsInput> | undefined
  /** OpenAI's `response_format` (`{ type: "json_object" }`, `{ type: "json_schema", json_schema: { name, schema } }`). */
  readonly response_format?: Record<string, unknown> | undefined
  /** Ask for the usage chunk when streaming (default: the model's `streamUsage`, true). */
  readonly streamUsage?: boolean | undefined
  /** Extra headers for this call's requests. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Automatic retries of idempotent requests for this call (chat requests themselves are never retried). */
  readonly maxRetries?: number | undefined
}

/** Options of `FlowLikeChatModel`: the bit, sampling options, and the client's connection options. */
export interface FlowLikeChatModelFields extends Omit<BaseChatModelParams, "maxRetries" | "maxConcurrency">, ConnectionFields {
  /** The bit id of an Llm or Vlm with a hosted provider. */
  readonly bitId: string
  readonly temperature?: number | undefined
  /** Sent as `max_tokens`. */
  readonly maxTokens?: number | undefined
  readonly topP?: number | undefined
  readonly stop?: ReadonlyArray<string> | undefined
  /** `invoke` streams underneath (tokens reach `handleLLMNewToken`), default false. */
  readonly streaming?: boolean | undefined
  /** Ask for the usage chunk when streaming, default true. */
  readonly streamUsage?: boolean | undefined
  /** Provider fields the SDK does not type (`seed`, `provider`, ...), merged into every request body. */
  readonly modelKwargs?: Readonly<Record<string, unknown>> | undefined
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

const modelAbort = (partial: AIMessageChunk | undefined, cause: unknown): ModelAbortError => {
  const error = new ModelAbortError("The Flow-Like chat request was aborted", partial)
  Object.defineProperty(error, "cause", { value: cause, enumerable: false, configurable: true })
  return error
}

const checkFields = (fields: FlowLikeChatModelFields): FlowLikeChatModelFields => {
  if (!isObject(fields) || typeof fields.bitId !== "string" || fields.bitId.trim() === "") {
    throw FlowLikeError.invalidArgument("FlowLikeChatModel: bitId must be a non-empty string", "FlowLikeChatModel")
  }
  return fields
}

/** A LangChain chat model answered by a Flow-Like bit. */
export class FlowLikeChatModel extends BaseChatModel<FlowLikeChatModelCallOptions, AIMessageChunk> {
  static override lc_name(): string {
    return "FlowLikeChatModel"
  }

  override lc_serializable = true

  override get lc_secrets(): Record<string, string> {
    return lcSecrets
  }

  override get callKeys(): Array<string> {
    return [...super.callKeys, "tools", "tool_choice", "response_format", "streamUsage", "headers", "maxRetries", "ls_structured_output_format"]
  }

  readonly bitId: string
  temperature: number | undefined
  maxTokens: number | undefined
  topP: number | undefined
  stop: ReadonlyArray<string> | undefined
  streaming: boolean
  streamUsage: boolean
  modelKwargs: Readonly<Record<string, unknown>> | undefined
  /** Retries of idempotent requests (the SDK's; LangChain's `AsyncCaller` is set to 0). */
  readonly sdkMaxRetries: number | undefined
  readonly #runtime: ModelsRuntime
  readonly #closeSignal: AbortSignal | undefined

  /**
   * Validates the options (falling back to `FLOW_LIKE_BASE_URL`, `FLOW_LIKE_PAT`, `FLOW_LIKE_API_KEY`)
   * and throws a `FlowLikeError` (`ConfigurationError` or `InvalidArgument`) at once when they are wrong.
   */
  constructor(fields: FlowLikeChatModelFields) {
    super({ ...serialisableFields(checkFields(fields)), maxRetries: 0 })
    this.bitId = fields.bitId
    this.temperature = fields.temperature
    this.maxTokens = fields.maxTokens
    this.topP = fields.topP
    this.stop = fields.stop
    this.streaming = fields.streaming ?? false
    this.streamUsage = fields.streamUsage ?? true
    this.modelKwargs = fields.modelKwargs
    this.sdkMaxRetries = fields.maxRetries
    this.#runtime = runtimeOf(fields).runtime
    this.#closeSignal = fields.closeSignal
  }

  /** What every Flow-Like chat bit supports through the SDK: tool calling, tool choice and structured output. */
  override get profile(): ModelProfile {
    return { toolCalling: true, toolChoice: true, structuredOutput: true }
  }

  _llmType(): string {
    return "flow-like"
  }

  /** Exactly LangChain's six `ls_*` keys. */
  override getLsParams(options: this["ParsedCallOptions"]): LangSmithParams {
    const params = this.invocationParams(options)
    return {
      ls_provider: "flow-like",
      ls_model_name: this.bitId,
      ls_model_type: "chat",
      ls_temperature: params.temperature,
      ls_max_tokens: params.max_tokens,
      ls_stop: params.stop
    }
  }

  /** The request parameters of a call, OpenAI-style (as ChatOpenAI reports them). */
  override invocationParams(options?: this["ParsedCallOptions"]) {
    const stop = options?.stop ?? this.stop
    return {
      model: this.bitId,
      temperature: this.temperature,
      max_tokens: this.maxTokens,
      top_p: this.topP,
      stop: stop === undefined ? undefined : [...stop],
      tools: options?.tools === undefined ? undefined : options.tools.map(Messages.toTool),
      tool_choice: Messages.toToolChoice(options?.tool_choice),
      response_format: Messages.toResponseFormat(options?.response_format)
    }
  }

  /** The model with tools bound (LangChain tools, `{ name, description, schema }`, OpenAI-style tools) and any call options. */
  override bindTools(
    tools: Array<BindToolsInput>,
    kwargs?: Partial<FlowLikeChatModelCallOptions>
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, FlowLikeChatModelCallOptions> {
    const converted = tools.map(Messages.toTool)
    return this.withConfig({ tools: converted, ...kwargs })
  }

  #request(messages: Array<BaseMessage>, options: this["ParsedCallOptions"]): Models.ChatCompletionRequest {
    const params = this.invocationParams(options)
    return {
      bitId: this.bitId,
      messages: messages.map(Messages.toChatMessage),
      temperature: params.temperature,
      maxTokens: params.max_tokens,
      topP: params.top_p,
      stop: params.stop,
      tools: params.tools,
      toolChoice: params.tool_choice,
      responseFormat: params.response_format,
      streamOptions: { includeUsage: options.streamUsage ?? this.streamUsage },
      extra: this.modelKwargs
    }
  }

  #runOptions(options: this["ParsedCallOptions"]) {
    return { signal: combineSignals(options.signal, this.#closeSignal), timeout: options.timeout, headers: options.headers, maxRetries: options.maxRetries ?? this.sdkMaxRetries }
  }

  async _generate(messages: Array<BaseMessage>, options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    if (isAborted(options.signal)) throw modelAbort(undefined, options.signal?.reason)
    if (this.streaming) {
      let aggregated: ChatGenerationChunk | undefined
      for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
        aggregated = aggregated === undefined ? chunk : aggregated.concat(chunk)
      }
      if (aggregated === undefined) throw new Error("The Flow-Like chat stream ended without an answer")
      return { generations: [aggregated], llmOutput: { model: this.bitId } }
    }
    const request = this.#request(messages, options)
    try {
      const completion = await run(
        this.#runtime,
        Effect.flatMap(Models.Models, (models) => models.chatCompletions(request)),
        this.#runOptions(options)
      )
      const message = Messages.toAIMessage(completion)
      return {
        generations: [{ text: Messages.textOf(message.content), message, generationInfo: { finish_reason: message.response_metadata["finish_reason"] } }],
        llmOutput: completion.usage === undefined ? { model: completion.model } : {
          model: completion.model,
          tokenUsage: {
            promptTokens: completion.usage.promptTokens,
            completionTokens: completion.usage.completionTokens,
            totalTokens: completion.usage.totalTokens
          }
        }
      }
    } catch (error) {
      if (isAborted(options.signal)) throw modelAbort(undefined, error)
      throw error
    }
  }

  override async *_streamResponseChunks(
    messages: Array<BaseMessage>,
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun
  ): AsyncGenerator<ChatGenerationChunk> {
    if (isAborted(options.signal)) throw modelAbort(undefined, options.signal?.reason)
    const request = this.#request(messages, options)
    const chunks = Stream.unwrap(Effect.map(Models.Models, (models) => models.chatCompletionsStream(request)))
    let partial: AIMessageChunk | undefined
    let isFirst = true
    try {
      for await (const chunk of iterate(this.#runtime, chunks, this.#runOptions(options))) {
        const message = Messages.toMessageChunk(chunk, isFirst)
        if (message === undefined) continue
        isFirst = false
        partial = partial === undefined ? message : partial.concat(message)
        const text = Messages.textOf(message.content)
        const finishReason = message.response_metadata["finish_reason"]
        const generation = new ChatGenerationChunk({
          message,
          text,
          ...(finishReason === undefined ? {} : { generationInfo: { finish_reason: finishReason } })
        })
        yield generation
        await runManager?.handleLLMNewToken(text, { prompt: 0, completion: 0 }, undefined, undefined, undefined, { chunk: generation })
      }
    } catch (error) {
      if (isAborted(options.signal)) throw modelAbort(partial, error)
      throw error
    }
    if (isAborted(options.signal)) throw modelAbort(partial, options.signal?.reason)
  }

  /**
   * Structured output by `functionCalling` (the default: a tool the model is made to call),
   * `jsonSchema` (`response_format: json_schema`) or `jsonMode` (`response_format: json_object`),
   * validated against the schema when it is a zod or Standard Schema.
   */
  override withStructuredOutput<RunOutput extends Record<string, any> = Record<string, any>>(
    outputSchema: Parameters<BaseChatModel["withStructuredOutput"]>[0],
    config?: StructuredOutputMethodOptions<false>
  ): Runnable<BaseLanguageModelInput, RunOutput>
  override withStructuredOutput<RunOutput extends Record<string, any> = Record<string, any>>(
    outputSchema: Parameters<BaseChatModel["withStructuredOutput"]>[0],
    config?: StructuredOutputMethodOptions<true>
  ): Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }>
  override withStructuredOutput<RunOutput extends Record<string, any> = Record<string, any>>(
    outputSchema: Parameters<BaseChatModel["withStructuredOutput"]>[0],
    config?: StructuredOutputMethodOptions<boolean>
  ): Runnable<BaseLanguageModelInput, RunOutput> | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    const schema: unknown = outputSchema
    const isTyped = isInteropZodSchema(schema) || isSerializableSchema(schema)
    const jsonSchema: Record<string, unknown> = isTyped
      ? toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>
      : schema as Record<string, unknown>
    if (!isObject(jsonSchema)) {
      throw FlowLikeError.invalidArgument("FlowLikeChatModel.withStructuredOutput: the schema must be a zod schema, a Standard Schema or a JSON Schema object")
    }
    const plainName = !isTyped && typeof jsonSchema["title"] === "string" ? jsonSchema["title"] : !isTyped && typeof jsonSchema["name"] === "string" ? jsonSchema["name"] : undefined
    const name = config?.name ?? plainName ?? "extract"
    const description = typeof jsonSchema["description"] === "string" ? jsonSchema["description"] : "A function available to call."
    const method = config?.method ?? "functionCalling"
    const parsable = schema as Parameters<typeof createContentParser<RunOutput>>[0]
    const tag = { kwargs: { method }, schema: jsonSchema as JsonSchema7Type }
    if (method === "jsonMode" || method === "jsonSchema") {
      const response_format = method === "jsonMode"
        ? { type: "json_object" }
        : { type: "json_schema", json_schema: { name, description, schema: jsonSchema, ...(config?.strict === undefined ? {} : { strict: config.strict }) } }
      const llm = this.withConfig({ response_format, ls_structured_output_format: tag })
      return assembleStructuredOutputPipeline(llm, createContentParser<RunOutput>(parsable), config?.includeRaw, "StructuredOutput")
    }
    if (method !== "functionCalling") {
      throw FlowLikeError.invalidArgument(`FlowLikeChatModel.withStructuredOutput: unknown method "${String(method)}" (functionCalling, jsonSchema or jsonMode)`)
    }
    const llm = this.bindTools([{ type: "function", function: { name, description, parameters: jsonSchema } }], {
      tool_choice: { type: "function", function: { name } },
      ls_structured_output_format: tag
    })
    return assembleStructuredOutputPipeline(llm, createFunctionCallingParser<RunOutput>(parsable, name), config?.includeRaw, "StructuredOutput")
  }
}
