import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { ChatCompletionChunk } from "@flow-like/effect/api/ModelsApi"
import { Clock, Effect, Option, Predicate, Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import { type ApiError, badRequest, internalError } from "../ApiError.ts"
import * as AnthropicModel from "../AnthropicModel.ts"
import { type Handlers, type Intercept, undeclared } from "../ApiRouter.ts"
import type { Principal } from "../Auth.ts"
import { type Answer, promptTokens, respond, tokens } from "../ChatModel.ts"
import { chatSseReply } from "../ChatSse.ts"
import { embedText } from "../Embedder.ts"
import { cuid } from "../Ids.ts"
import type { ChatScript } from "../Model.ts"
import type { ModelsStore, StoredBit } from "../stores/Models.ts"
import type { Streams } from "../stores/Streams.ts"

/** What the model routes read and write. */
export interface ModelsStores {
  readonly models: ModelsStore
  readonly streams: Streams
}

type ModelsHandlers = Handlers<typeof FlowLikeApi>["models"]
type Chunk = typeof ChatCompletionChunk.Type

/** `completions.rs:30-42`, compared case-insensitively. */
const HOSTED_PROVIDERS = new Set(["hosted", "hosted:openrouter", "hosted:openai", "hosted:anthropic", "hosted:bedrock", "hosted:azure", "hosted:vertex"])

const encodeChunk = Schema.encodeSync(Schema.toCodecJson(ChatCompletionChunk))

const providerOf = (bit: StoredBit): { readonly name: string | undefined; readonly modelId: string | undefined } => {
  const provider = Predicate.isObject(bit.parameters) ? bit.parameters["provider"] : undefined
  if (!Predicate.isObject(provider)) return { name: undefined, modelId: undefined }
  const name = provider["provider_name"]
  const modelId = provider["model_id"]
  return { name: Predicate.isString(name) ? name : undefined, modelId: Predicate.isString(modelId) ? modelId : undefined }
}

/** Routes that need a user (`executor_scoped_sub`): an API key or no credential is the 500 `anyhow` error. */
const requireUser = (principal: Principal): Effect.Effect<void, ApiError> =>
  principal._tag === "User" ? Effect.void : Effect.fail(internalError())

const fromScript = (script: ChatScript): Answer | undefined =>
  "content" in script
    ? { _tag: "Text", content: script.content }
    : "toolCalls" in script
    ? { _tag: "ToolCalls", calls: script.toolCalls.map((call) => ({ name: call.name, arguments: JSON.stringify(call.arguments) })) }
    : undefined

/** Text in word-sized pieces, spaces kept, so that the deltas concatenate back to the text. */
const pieces = (text: string): ReadonlyArray<string> => text.match(/\S+\s*|\s+/g) ?? [text]

const callId = (index: number) => `call_${index}_${cuid().slice(0, 8)}`

/** The chunks of an answer, as an OpenAI-compatible provider streams them. */
const chunksOf = (
  answer: Answer,
  head: { readonly id: string; readonly created: number; readonly model: string },
  usage: Chunk["usage"]
): ReadonlyArray<Chunk> => {
  const chunk = (delta: Chunk["choices"][number]["delta"], finishReason?: string): Chunk => ({
    ...head,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finishReason }],
    usage: undefined
  })
  const out: Array<Chunk> = [chunk({ role: "assistant", content: "" })]
  if (answer._tag === "Text") {
    for (const piece of pieces(answer.content)) out.push(chunk({ content: piece }))
    out.push(chunk({}, "stop"))
  } else {
    answer.calls.forEach((call, index) => {
      const half = Math.ceil(call.arguments.length / 2)
      out.push(chunk({ toolCalls: [{ index, id: callId(index), type: "function", function: { name: call.name, arguments: "" } }] }))
      out.push(chunk({ toolCalls: [{ index, function: { arguments: call.arguments.slice(0, half) } }] }))
      out.push(chunk({ toolCalls: [{ index, function: { arguments: call.arguments.slice(half) } }] }))
    })
    out.push(chunk({}, "tool_calls"))
  }
  if (usage !== undefined) out.push({ ...head, object: "chat.completion.chunk", choices: [], usage })
  return out
}

const json = (body: unknown, status: number) =>
  undeclared(HttpServerResponse.jsonUnsafe(body, { status }))

/** Chat (`routes/chat/completions.rs`), usage (`usage.rs`) and embeddings (`embeddings/embed.rs`). */
export const makeModelsHandlers = (stores: ModelsStores): ModelsHandlers => {
  const { models } = stores
  return {
    chatCompletions: ({ path, payload, principal, request }) =>
      Effect.gen(function*() {
        yield* requireUser(principal)
        if (payload.model === undefined) return yield* badRequest("Missing 'model' field")
        const bit = models.getBit(payload.model)
        if (bit === undefined) return yield* internalError()
        const provider = providerOf(bit)
        // "Bit is not a model provider" is an `anyhow` error: 500.
        if ((bit.type !== "Llm" && bit.type !== "Vlm") || provider.name === undefined) return yield* internalError()
        if (!HOSTED_PROVIDERS.has(provider.name.toLowerCase())) {
          return yield* badRequest(
            `Unsupported provider: ${provider.name}. Supported: Hosted, hosted:openrouter, hosted:openai, hosted:anthropic, hosted:bedrock, hosted:azure, hosted:vertex`
          )
        }
        const isStream = payload.stream === true
        const failure = models.takeFailure(bit.id)
        if (failure !== undefined) {
          if (isStream) return yield* badRequest("Upstream error")
          return json(
            { error: { message: failure.message ?? "Rate limit reached", type: failure.type ?? "rate_limit_error", param: null, code: null } },
            failure.status ?? 429
          )
        }
        const script = models.takeScript(bit.id)
        const answer = (script === undefined ? undefined : fromScript(script)) ?? respond(payload)
        const model = provider.modelId ?? bit.id
        const prompt = promptTokens(payload)
        const completion = answer._tag === "Text" ? tokens(answer.content) : answer.calls.reduce((sum, call) => sum + tokens(call.arguments), 0)
        const usage = { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion }
        models.usage.llmPrice += usage.totalTokens
        const created = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const id = `chatcmpl-${cuid()}`
        if (isStream) {
          const includeUsage = payload.streamOptions?.includeUsage === true
          const frames = script !== undefined && "frames" in script
            ? script.frames
            : chunksOf(answer, { id, created, model }, includeUsage ? usage : undefined).map((chunk) => JSON.stringify(encodeChunk(chunk)))
          return yield* chatSseReply({ request, path, streams: stores.streams, frames, hang: script?.hang === true })
        }
        return {
          id,
          object: "chat.completion",
          created,
          model,
          choices: [{
            index: 0,
            message: answer._tag === "Text"
              ? { role: "assistant", content: answer.content }
              : {
                role: "assistant",
                content: undefined,
                toolCalls: answer.calls.map((call, index) => ({
                  id: callId(index),
                  type: "function" as const,
                  function: { name: call.name, arguments: call.arguments }
                }))
              },
            finishReason: answer._tag === "Text" ? "stop" : "tool_calls"
          }],
          usage
        }
      }),
    getUsage: ({ principal }) =>
      Effect.as(requireUser(principal), { llmPrice: models.usage.llmPrice, embeddingPrice: models.usage.embeddingPrice }),
    embed: ({ payload, principal }) =>
      Effect.gen(function*() {
        yield* requireUser(principal)
        const bit = models.getBit(payload.model)
        if (bit === undefined) return yield* internalError()
        // Not an embedding bit, or no `remote` at all: `anyhow` errors, 500; no implementation: 400.
        const parameters = Predicate.isObject(bit.parameters) ? bit.parameters : {}
        const remote = parameters["remote"]
        const dimensions = parameters["vector_length"]
        if (bit.type !== "Embedding" || typeof dimensions !== "number" || !Predicate.isObject(remote)) {
          return yield* internalError()
        }
        if (!Predicate.isString(remote["implementation"])) {
          return yield* badRequest("Bit does not have a remote implementation configured")
        }
        // `embed.rs` 211: UTF-8 bytes / 4 per input, summed.
        const promptTokens = payload.input.reduce((sum, text) => sum + Math.floor(Buffer.byteLength(text) / 4), 0)
        models.usage.embeddingPrice += promptTokens
        return {
          embeddings: payload.input.map((text) => embedText(text, dimensions)),
          model: bit.id,
          usage: { promptTokens, totalTokens: promptTokens }
        }
      })
  }
}

const isAnthropic = (bit: StoredBit): boolean => providerOf(bit).name?.toLowerCase() === "hosted:anthropic"

/**
 * The chat route for `hosted:anthropic` bits, before the OpenAI-style body is decoded: the real
 * server forwards the body to Anthropic's `/v1/messages` unchanged (forcing `max_tokens: 4096`) and
 * passes the answer through, so the dev server answers as Anthropic would: a Messages object, or
 * named events up to `message_stop` (no `[DONE]`) when streamed, and Anthropic's 400
 * `invalid_request_error` for a body that is not Anthropic's (streamed: the server's `Upstream error`).
 * Other bits go on to the handler.
 */
export const makeAnthropicChat = (stores: ModelsStores): Intercept => ({ body, path, principal, request }) =>
  Effect.gen(function*() {
    const { models } = stores
    const bitId = Predicate.isObject(body) ? body["model"] : undefined
    const bit = Predicate.isString(bitId) ? models.getBit(bitId) : undefined
    if (bit === undefined || (bit.type !== "Llm" && bit.type !== "Vlm") || !isAnthropic(bit)) return Option.none()
    yield* requireUser(principal)
    const isStream = Predicate.isObject(body) && body["stream"] === true
    const failure = models.takeFailure(bit.id)
    if (failure !== undefined) {
      if (isStream) return yield* badRequest("Upstream error")
      return Option.some(json(
        AnthropicModel.errorBody(failure.type ?? "rate_limit_error", failure.message ?? "Rate limit reached"),
        failure.status ?? 429
      ))
    }
    const checked = AnthropicModel.checkRequest({ ...(Predicate.isObject(body) ? body : {}), max_tokens: 4096 })
    if (checked._tag === "Invalid") {
      if (isStream) return yield* badRequest("Upstream error")
      return Option.some(json(AnthropicModel.errorBody("invalid_request_error", checked.message), 400))
    }
    const modelRequest = AnthropicModel.toModelRequest(checked.request)
    const script = models.takeScript(bit.id)
    const answer = (script === undefined ? undefined : fromScript(script)) ?? respond(modelRequest)
    const prompt = promptTokens(modelRequest)
    const completion = answer._tag === "Text" ? tokens(answer.content) : answer.calls.reduce((sum, call) => sum + tokens(call.arguments), 0)
    models.usage.llmPrice += prompt + completion
    const reply: AnthropicModel.Reply = {
      id: `msg_${cuid()}`,
      model: providerOf(bit).modelId ?? bit.id,
      answer,
      callIds: answer._tag === "Text" ? [] : answer.calls.map((_, index) => `toolu_${index}_${cuid().slice(0, 8)}`),
      inputTokens: prompt,
      outputTokens: completion
    }
    if (!isStream) return Option.some(json(AnthropicModel.message(reply), 200))
    const events = AnthropicModel.events(reply)
    return Option.some(yield* chatSseReply({
      request,
      path,
      streams: stores.streams,
      frames: events.map((event) => JSON.stringify(event)),
      named: events.map((event) => event.type),
      hang: script?.hang === true
    }))
  })
