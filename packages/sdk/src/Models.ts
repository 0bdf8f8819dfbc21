/**
 * Models: OpenAI-compatible chat completions (whole or streamed), embeddings in batches, the
 * caller's usage, and the hub's bits (search, read, and the hosted models to use).
 *
 * The chat route is a pass-through proxy: the bit id goes as `model`, the answer is the provider's.
 * For a `hosted:anthropic` bit (its provider learnt with one `getBit` per bit and service), the
 * request is sent in Anthropic's Messages format and the answer translated back, streamed or not.
 * Chat requests are invocations and are never retried; a non-streamed one may take 10 minutes by
 * default (the answer comes once the model has finished). `embed` splits its input into batches sent
 * with bounded concurrency and allows 180 s per request by default (the server retries a cold
 * embedding endpoint for about 126 s).
 *
 * @since 0.3.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Bit as BitWire, BitsApi } from "./api/BitsApi.ts"
import * as ModelsApi from "./api/ModelsApi.ts"
import * as CallOptions from "./CallOptions.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { describeRequest, FlowLikeHttp } from "./FlowLikeHttp.ts"
import type { Request } from "./FlowLikeHttp.ts"
import * as Anthropic from "./internal/anthropic.ts"
import * as Endpoint from "./internal/endpoint.ts"
import * as Errors from "./internal/errors.ts"
import { isRemote, providerNameOfBit, toModelInfo } from "./internal/modelInfo.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"

/** One message of a chat request (system, user, assistant with tool calls, or tool result). */
export type ChatMessage = typeof ModelsApi.ChatMessage.Type
/** A function the model may call. */
export type Tool = typeof ModelsApi.Tool.Type
/** Whether and which tool the model must call. */
export type ToolChoice = typeof ModelsApi.ToolChoice.Type
/** The answer's format: text, JSON, or JSON valid against a schema. */
export type ResponseFormat = typeof ModelsApi.ResponseFormat.Type

/** A chat request: the bit to ask, the messages, and the usual OpenAI options. */
export interface ChatCompletionRequest {
  /** The bit id of an Llm or Vlm with a hosted provider; sent as `model`. */
  readonly bitId: string
  readonly messages: ReadonlyArray<ChatMessage>
  readonly temperature?: number | undefined
  /** Sent as `max_tokens`. */
  readonly maxTokens?: number | undefined
  readonly topP?: number | undefined
  readonly stop?: string | ReadonlyArray<string> | undefined
  readonly tools?: ReadonlyArray<Tool> | undefined
  readonly toolChoice?: ToolChoice | undefined
  readonly responseFormat?: ResponseFormat | undefined
  /** Streaming only; default `{ includeUsage: true }`, so the last chunk carries the usage. */
  readonly streamOptions?: { readonly includeUsage?: boolean | undefined } | undefined
  /**
   * Provider fields the SDK does not type (`seed`, `logprobs`, `provider`, ...), merged into the JSON
   * body as given, under the typed fields: a typed field of the same wire name wins.
   */
  readonly extra?: Readonly<Record<string, unknown>> | undefined
}

/** A completion, decoded; `raw` is the answer as the provider sent it, unknown fields included. */
export type ChatCompletion = typeof ModelsApi.ChatCompletion.Type & { readonly raw: unknown }

/** A streamed chunk, decoded; `data` is its SSE data text as sent. */
export type ChatCompletionChunk = typeof ModelsApi.ChatCompletionChunk.Type & { readonly data: string }

/** The caller's running totals, in micro-dollars. */
export type Usage = typeof ModelsApi.Usage.Type

/** What to embed, and how to split it. */
export interface EmbedRequest {
  /** The bit id of an Embedding bit with a remote implementation. */
  readonly bitId: string
  /** One text or many; the answer has one vector per text, in order. */
  readonly input: string | ReadonlyArray<string>
  /** `query` (the server's default) or `document`. */
  readonly embedType?: "query" | "document" | undefined
  /** Texts per request, default 32 (Text Embeddings Inference backends usually cap one request at 32). */
  readonly batchSize?: number | undefined
  /** Requests in flight at once, default 4. */
  readonly concurrency?: number | undefined
}

/** The vectors, in input order, and the usage summed over the batches. */
export interface Embeddings {
  readonly embeddings: ReadonlyArray<ReadonlyArray<number>>
  /** The bit id, as the server reports it. */
  readonly model: string
  readonly usage: { readonly promptTokens: number; readonly totalTokens: number }
}

/** A hub bit, decoded; `raw` is the bit as the server sent it, every metadata field included. */
export type Bit = typeof BitWire.Type & { readonly raw: unknown }

/** A bit search. */
export interface SearchBitsOptions {
  /** A substring of the name or description. */
  readonly search?: string | undefined
  /** e.g. `["Llm", "Vlm"]`. */
  readonly bitTypes?: ReadonlyArray<string> | undefined
  /** At most 100 (the server's cap); the server's default is 50. */
  readonly limit?: number | undefined
  readonly offset?: number | undefined
  /** Metadata language, the server's default `en`. */
  readonly language?: string | undefined
}

/** Options of `listLlms` and `listEmbeddingModels`. */
export interface ListModelsOptions {
  readonly search?: string | undefined
  /** How many models to return at most, default 50. */
  readonly limit?: number | undefined
}

/** A hosted or remote model, from its bit. */
export interface ModelInfo {
  readonly bitId: string
  /** `Llm`, `Vlm` or `Embedding`. */
  readonly type: string
  /** The English name, else the first language's, else the bit id. */
  readonly name: string
  readonly description: string
  readonly providerName: string | undefined
  readonly modelId: string | undefined
  readonly contextLength: number | undefined
  readonly vectorLength: number | undefined
  readonly languages: ReadonlyArray<string>
  readonly tags: ReadonlyArray<string>
  /** The bit itself. */
  readonly bit: Bit
}

/** Chat, embeddings, usage and bits. */
export class Models extends Context.Service<Models, {
  /**
   * One completion (10 minutes allowed unless a timeout is set, or a longer one configured). An
   * upstream error fails with the provider's status and message (and its body in `body`).
   */
  chatCompletions(request: ChatCompletionRequest): Effect.Effect<ChatCompletion, FlowLikeError.FlowLikeError>
  /**
   * The completion as a stream of chunks, ending at `data: [DONE]` (the connection is closed there).
   * A chunk that does not decode fails with `DecodeError`; a stream that ends without `[DONE]` with `StreamError`.
   * An Anthropic bit's events become the same chunks (`data` is the event's data), ending at `message_stop`.
   */
  chatCompletionsStream(request: ChatCompletionRequest): Stream.Stream<ChatCompletionChunk, FlowLikeError.FlowLikeError>
  /** Vectors for one text or many, in batches. */
  embed(request: EmbedRequest): Effect.Effect<Embeddings, FlowLikeError.FlowLikeError>
  /** The caller's running totals. */
  getUsage(): Effect.Effect<Usage, FlowLikeError.FlowLikeError>
  /** One page of the hub's bits. */
  searchBits(options?: SearchBitsOptions): Effect.Effect<ReadonlyArray<Bit>, FlowLikeError.FlowLikeError>
  /** One bit; `NotFoundError` when unknown. */
  getBit(bitId: string): Effect.Effect<Bit, FlowLikeError.FlowLikeError>
  /** Hosted or remote Llm and Vlm bits, paging through the search until `limit` are found or the bits run out. */
  listLlms(options?: ListModelsOptions): Effect.Effect<ReadonlyArray<ModelInfo>, FlowLikeError.FlowLikeError>
  /** Hosted or remote Embedding bits, paging like `listLlms`. */
  listEmbeddingModels(options?: ListModelsOptions): Effect.Effect<ReadonlyArray<ModelInfo>, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Models") {
  /** `Models` over the configured transport. */
  static readonly layer: Layer.Layer<Models, never, FlowLikeHttp> = Layer.effect(
    Models,
    Effect.map(FlowLikeHttp, (http) => Models.of(make(http)))
  )
}

const endpoints = ModelsApi.ModelsApi.endpoints
const bitEndpoints = BitsApi.endpoints

/** The server retries a cold Hugging Face endpoint for about 126 s; a client must wait longer. */
const EMBED_TIMEOUT = Duration.seconds(180)
/** The proxy answers a non-streamed chat once the model has finished: openai-node allows 10 minutes. */
const CHAT_TIMEOUT = Duration.minutes(10)
const EMBED_BATCH_SIZE = 32
const EMBED_CONCURRENCY = 4
const SEARCH_PAGE_SIZE = 100
const DEFAULT_LIST_LIMIT = 50

const isPositiveInteger = (value: unknown): value is number => Number.isInteger(value) && Number(value) > 0

const checkId = (operation: string, name: string, id: unknown) =>
  typeof id === "string" && id.trim() !== ""
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: ${name} must be a non-empty string`, operation))

const checkCount = (operation: string, name: string, value: number | undefined, minimum: number) =>
  value === undefined || (Number.isInteger(value) && value >= minimum)
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: ${name} must be a whole number from ${minimum}`, operation))

/** The transport request with the caller's untyped provider fields under the typed ones. */
const withExtra = (
  operation: string,
  request: Request,
  extra: Readonly<Record<string, unknown>> | undefined
): Effect.Effect<Request, FlowLikeError.FlowLikeError> => {
  if (extra === undefined) return Effect.succeed(request)
  if (!Predicate.isObject(extra) || Array.isArray(extra)) {
    return Effect.fail(FlowLikeError.invalidArgument(`${operation}: extra must be an object of JSON fields`, operation))
  }
  const body = request.body
  if (body?._tag !== "Json" || !Predicate.isObject(body.value)) return Effect.succeed(request)
  return Effect.succeed({ ...request, body: { _tag: "Json", value: { ...extra, ...body.value } } })
}

/** A bit as a `ModelInfo` (the old SDKs' mapping). */
export { toModelInfo }

const Bits = Schema.Array(BitWire)

const decodeChunk = Schema.decodeUnknownEffect(ModelsApi.ChatCompletionChunk)
const parseJson = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Unknown))
const InBandError = Schema.Struct({ error: Schema.Struct({ message: Schema.String }) })
const decodeInBandError = Schema.decodeUnknownOption(InBandError)
const decodeAnthropicEvent = Schema.decodeUnknownEffect(Anthropic.StreamEvent)

/** How a bit's chat is spoken: OpenAI-style, or Anthropic's Messages format. */
type Dialect = "openai" | "anthropic"

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Models["Service"] => {
  /** Each bit's dialect, looked up once per service (concurrent first calls share the lookup). */
  const dialects = new Map<string, Deferred.Deferred<Dialect, FlowLikeError.FlowLikeError>>()

  const getBit = (bitId: string) =>
    withSpan("Models.getBit")(Effect.gen(function*() {
      const request = yield* Endpoint.request(bitEndpoints.getBit, { params: { bitId } }, { operation: "Models.getBit" })
      const { raw, value } = yield* http.jsonWithRaw(request, BitWire)
      const bit: Bit = { ...value, raw }
      return bit
    }))

  /**
   * A bit that cannot be read (unknown, or not a bit) is spoken to OpenAI-style, so that the chat
   * route gives its own answer; other lookup failures fail the chat and are not cached.
   */
  const lookUpDialect = (bitId: string): Effect.Effect<Dialect, FlowLikeError.FlowLikeError> =>
    getBit(bitId).pipe(
      Effect.map((bit): Dialect => Anthropic.isAnthropicProvider(providerNameOfBit(bit)) ? "anthropic" : "openai"),
      Effect.catchIf(
        (error) => error.reason._tag === "NotFoundError" || error.reason._tag === "DecodeError",
        () => Effect.succeed<Dialect>("openai")
      )
    )

  const dialectOf = (bitId: string): Effect.Effect<Dialect, FlowLikeError.FlowLikeError> =>
    Effect.suspend(() => {
      const known = dialects.get(bitId)
      if (known !== undefined) return Deferred.await(known)
      const deferred = Deferred.makeUnsafe<Dialect, FlowLikeError.FlowLikeError>()
      dialects.set(bitId, deferred)
      const lookup = lookUpDialect(bitId).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            if (exit._tag === "Failure") dialects.delete(bitId)
            Deferred.doneUnsafe(deferred, exit)
          })
        )
      )
      // Detached, so that the first caller's interruption does not cut the lookup others wait for.
      return Effect.andThen(Effect.forkDetach(lookup), Deferred.await(deferred))
    })

  const chatRequest = (operation: string, request: ChatCompletionRequest, stream: boolean) =>
    Effect.gen(function*() {
      if (!Predicate.isObject(request)) {
        return yield* FlowLikeError.invalidArgument(`${operation}: the request must be an object`, operation)
      }
      yield* checkId(operation, "bitId", request.bitId)
      if (!Array.isArray(request.messages)) {
        return yield* FlowLikeError.invalidArgument(`${operation}: messages must be an array`, operation)
      }
      const payload: typeof ModelsApi.ChatCompletionRequest.Type = {
          model: request.bitId,
          messages: request.messages,
          temperature: request.temperature,
          maxTokens: request.maxTokens,
          topP: request.topP,
          stop: request.stop,
          tools: request.tools,
          toolChoice: request.toolChoice,
          responseFormat: request.responseFormat,
          stream,
          streamOptions: stream ? { includeUsage: true, ...request.streamOptions } : undefined
      }
      const built = yield* Endpoint.request(endpoints.chatCompletions, { payload }, { operation, isIdempotent: false })
      const dialect = yield* dialectOf(request.bitId)
      if (dialect === "openai") {
        return { built: yield* withExtra(operation, built, request.extra), dialect, outputTool: undefined, includeUsage: true }
      }
      const translated = Anthropic.toMessagesRequest(payload, request.bitId, stream)
      const anthropic: Request = { ...built, body: { _tag: "Json", value: translated.body } }
      return {
        built: yield* withExtra(operation, anthropic, request.extra),
        dialect,
        outputTool: translated.outputTool,
        includeUsage: request.streamOptions?.includeUsage !== false
      }
    })

  const withBitsRaw = (value: ReadonlyArray<typeof BitWire.Type>, raw: unknown): ReadonlyArray<Bit> =>
    value.map((bit, index) => ({ ...bit, raw: Array.isArray(raw) ? raw[index] : undefined }))

  const search = (operation: string, options: SearchBitsOptions) =>
    Effect.gen(function*() {
      yield* checkCount(operation, "limit", options.limit, 0)
      yield* checkCount(operation, "offset", options.offset, 0)
      const request = yield* Endpoint.request(bitEndpoints.searchBits, {
        query: options.language === undefined ? undefined : { language: options.language },
        payload: { search: options.search, limit: options.limit, offset: options.offset, bitTypes: options.bitTypes }
      }, { operation, isIdempotent: true })
      const { raw, value } = yield* http.jsonWithRaw(request, Bits)
      return withBitsRaw(value, raw)
    })

  /** Pages through the search until `limit` models passed the filter or the server has no more. */
  const listModels = (operation: string, bitTypes: ReadonlyArray<string>, options: ListModelsOptions) =>
    Effect.gen(function*() {
      const limit = options.limit ?? DEFAULT_LIST_LIMIT
      yield* checkCount(operation, "limit", limit, 0)
      const types = new Set(bitTypes)
      const found: Array<ModelInfo> = []
      let offset = 0
      while (found.length < limit) {
        const page = yield* search(operation, { search: options.search, bitTypes, limit: SEARCH_PAGE_SIZE, offset })
        for (const bit of page) {
          if (found.length < limit && types.has(bit.type) && isRemote(bit)) found.push(toModelInfo(bit))
        }
        if (page.length < SEARCH_PAGE_SIZE) break
        offset += page.length
      }
      return found
    })

  /** A caller's own timeout wins; otherwise the longer of the configured one and `minimum`. */
  const withTimeoutAtLeast = (minimum: Duration.Duration) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(Effect.service(CallOptions.CallOptions), (call) =>
      call.timeout === undefined
        ? CallOptions.with({ timeout: Duration.max(http.config.timeout, minimum) })(effect)
        : effect)

  const embedBatch = (operation: string, bitId: string, input: ReadonlyArray<string>, embedType: EmbedRequest["embedType"]) =>
    Effect.flatMap(
      Endpoint.request(endpoints.embed, { payload: { model: bitId, input, embedType } }, { operation }),
      (request) =>
        Effect.flatMap(http.json(request, ModelsApi.EmbedResponse), (answer) =>
          answer.embeddings.length === input.length
            ? Effect.succeed(answer)
            : Effect.fail(
              Errors.decodeFailed(
                describeRequest(http.config, request),
                200,
                "",
                `${input.length} texts were sent but ${answer.embeddings.length} vectors came back`
              )
            ))
    )

  /** Anthropic's named events as chunks, ending at `message_stop` (the connection is closed there). */
  const anthropicStream = (
    built: Request,
    includeUsage: boolean,
    outputTool: string | undefined
  ): Stream.Stream<ChatCompletionChunk, FlowLikeError.FlowLikeError> =>
    Stream.unwrap(Effect.map(Clock.currentTimeMillis, (now) =>
      Stream.suspend(() => {
        const info = describeRequest(http.config, built)
        const translate = Anthropic.makeStreamTranslator({ created: Math.floor(now / 1000), includeUsage, outputTool })
        let isDone = false
        const toChunks = (data: string): Effect.Effect<ReadonlyArray<ChatCompletionChunk>, FlowLikeError.FlowLikeError> =>
          parseJson(data).pipe(
            Effect.mapError((error) => Errors.decodeFailed(info, 200, data, `an event is not JSON: ${error.message}`)),
            Effect.flatMap((json) =>
              decodeAnthropicEvent(json).pipe(
                Effect.mapError((error) => Errors.decodeFailed(info, 200, data, `an event does not decode: ${error.message}`))
              )
            ),
            Effect.flatMap((event) => {
              const step = translate(event)
              if (step._tag === "Error") {
                return Effect.fail(Errors.streamFailed(info, `the provider failed mid-stream: ${step.message}`))
              }
              if (step.done) isDone = true
              return Effect.succeed(step.chunks.map((chunk): ChatCompletionChunk => ({ ...chunk, data })))
            })
          )
        return http.sse(built).pipe(
          Stream.mapEffect((frame) => toChunks(frame.data)),
          Stream.takeUntil(() => isDone),
          Stream.flatMap((chunks) => Stream.fromIterable(chunks)),
          Stream.concat(Stream.suspend(() =>
            isDone
              ? Stream.empty
              : Stream.fail(Errors.streamFailed(info, "the stream ended before message_stop (the answer is incomplete)"))
          ))
        )
      })
    ))

  return {
    chatCompletions: (request) =>
      withSpan("Models.chatCompletions")(Effect.gen(function*() {
        const { built, dialect, outputTool } = yield* chatRequest("Models.chatCompletions", request, false)
        if (dialect === "anthropic") {
          const { raw, value } = yield* withTimeoutAtLeast(CHAT_TIMEOUT)(http.jsonWithRaw(built, Anthropic.MessagesResponse))
          const created = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          const completion: ChatCompletion = { ...Anthropic.toChatCompletion(value, created, outputTool), raw }
          return completion
        }
        const { raw, value } = yield* withTimeoutAtLeast(CHAT_TIMEOUT)(http.jsonWithRaw(built, ModelsApi.ChatCompletion))
        const completion: ChatCompletion = { ...value, raw }
        return completion
      })),
    chatCompletionsStream: (request) =>
      withStreamSpan("Models.chatCompletionsStream")(Stream.unwrap(Effect.map(
        chatRequest("Models.chatCompletionsStream", request, true),
        ({ built, dialect, includeUsage, outputTool }) =>
          dialect === "anthropic" ? anthropicStream(built, includeUsage, outputTool) : Stream.suspend(() => {
            const info = describeRequest(http.config, built)
            let isDone = false
            const toChunk = (data: string): Effect.Effect<ChatCompletionChunk, FlowLikeError.FlowLikeError> =>
              parseJson(data).pipe(
                Effect.mapError((error) => Errors.decodeFailed(info, 200, data, `a chunk is not JSON: ${error.message}`)),
                Effect.flatMap((json) => {
                  const inBand = decodeInBandError(json)
                  if (Option.isSome(inBand)) {
                    return Effect.fail(Errors.streamFailed(info, `the provider failed mid-stream: ${inBand.value.error.message}`))
                  }
                  return decodeChunk(json).pipe(
                    Effect.map((chunk): ChatCompletionChunk => ({ ...chunk, data })),
                    Effect.mapError((error) => Errors.decodeFailed(info, 200, data, `a chunk does not decode: ${error.message}`))
                  )
                })
              )
            return http.sse(built).pipe(
              Stream.takeWhile((frame) => {
                if (frame.data.trim() === "[DONE]") isDone = true
                return !isDone
              }),
              Stream.mapEffect((frame) => toChunk(frame.data)),
              Stream.concat(Stream.suspend(() =>
                isDone
                  ? Stream.empty
                  : Stream.fail(Errors.streamFailed(info, "the stream ended before data: [DONE] (the answer is incomplete)"))
              ))
            )
          })
      ))),
    embed: (request) =>
      withSpan("Models.embed")(Effect.gen(function*() {
        const operation = "Models.embed"
        if (!Predicate.isObject(request)) {
          return yield* FlowLikeError.invalidArgument(`${operation}: the request must be an object`, operation)
        }
        yield* checkId(operation, "bitId", request.bitId)
        const texts: ReadonlyArray<unknown> = typeof request.input === "string" ? [request.input] : request.input
        if (!Array.isArray(texts) || !texts.every(Predicate.isString)) {
          return yield* FlowLikeError.invalidArgument(`${operation}: input must be a string or an array of strings`, operation)
        }
        const batchSize = request.batchSize ?? EMBED_BATCH_SIZE
        const concurrency = request.concurrency ?? EMBED_CONCURRENCY
        if (!isPositiveInteger(batchSize) || !isPositiveInteger(concurrency)) {
          return yield* FlowLikeError.invalidArgument(`${operation}: batchSize and concurrency must be whole numbers from 1`, operation)
        }
        const batches: Array<ReadonlyArray<string>> = []
        for (let start = 0; start < texts.length; start += batchSize) batches.push(texts.slice(start, start + batchSize))
        const answers = yield* withTimeoutAtLeast(EMBED_TIMEOUT)(
          Effect.forEach(batches, (batch) => embedBatch(operation, request.bitId, batch, request.embedType), { concurrency })
        )
        const embeddings: Embeddings = {
          embeddings: answers.flatMap((answer) => answer.embeddings),
          model: answers[0]?.model ?? request.bitId,
          usage: {
            promptTokens: answers.reduce((sum, answer) => sum + answer.usage.promptTokens, 0),
            totalTokens: answers.reduce((sum, answer) => sum + answer.usage.totalTokens, 0)
          }
        }
        return embeddings
      })),
    getUsage: () =>
      withSpan("Models.getUsage")(Effect.flatMap(
        Endpoint.request(endpoints.getUsage, {}, { operation: "Models.getUsage" }),
        (request) => http.json(request, ModelsApi.Usage)
      )),
    searchBits: (options = {}) => withSpan("Models.searchBits")(search("Models.searchBits", options)),
    getBit,
    listLlms: (options = {}) => withSpan("Models.listLlms")(listModels("Models.listLlms", ["Llm", "Vlm"], options)),
    listEmbeddingModels: (options = {}) =>
      withSpan("Models.listEmbeddingModels")(listModels("Models.listEmbeddingModels", ["Embedding"], options))
  }
}
