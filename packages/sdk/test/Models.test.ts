import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { MockHttpClient } from "@flow-like/testing"
import { CallOptions, Models } from "../src/index.ts"
import { sdkLayer } from "./utils/mock.ts"

const user = (content: string) => ({ role: "user" as const, content })

const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })

const data = (text: string) => `data: ${text}\n\n`
const textDelta = { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } }

const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-x",
  system_fingerprint: "fp_1",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }
}

const recorded = Effect.map(MockHttpClient.MockHttpClient, (mock) => mock.requests)
/** The requests other than the chat's one-time bit lookup (`GET /bit/{id}`). */
const chatRecorded = Effect.map(recorded, (requests) => requests.filter((request) => !isBitLookup(request)))
const bodyOf = (index: number) => Effect.map(chatRecorded, (requests) => JSON.parse(requests.at(index)?.body ?? "{}"))
const isBitLookup = (request: MockHttpClient.RecordedRequest) => request.method === "GET" && request.url.includes("/api/v1/bit/")

interface WireBit {
  readonly id: string
  readonly type: string
  readonly meta: Record<string, ReturnType<typeof wireMeta>>
  readonly parameters: unknown
}

const time = { secs_since_epoch: 1_767_225_600, nanos_since_epoch: 0 }

/** `Metadata` as serde writes it: every field, `null` for the empty options. */
const wireMeta = (name: string, tags: ReadonlyArray<string> = []) => ({
  name,
  description: "No description",
  long_description: null,
  release_notes: null,
  tags,
  use_case: null,
  icon: null,
  thumbnail: null,
  preview_media: [],
  age_rating: null,
  website: null,
  support_url: null,
  docs_url: null,
  organization_specific_values: null,
  created_at: time,
  updated_at: time
})

const wireBit = (bit: WireBit) => ({
  authors: [],
  repository: null,
  download_link: null,
  file_name: null,
  hash: "h",
  size: null,
  hub: "hub",
  version: null,
  license: null,
  dependencies: [],
  dependency_tree_hash: "t",
  created: "2026-01-01T00:00:00Z",
  updated: "2026-01-01T00:00:00Z",
  ...bit
})

const llmBit = (index: number, provider: string) =>
  wireBit({ id: `llm-${index}`, type: "Llm", meta: { en: wireMeta(`Model ${index}`) }, parameters: { context_length: 8, provider: { provider_name: provider } } })

/** The SDK over `handler`, with the chat's bit lookup answered by an OpenAI-style hosted bit. */
const chatLayer = (handler: MockHttpClient.Handler) =>
  sdkLayer((request) => isBitLookup(request) ? MockHttpClient.json(llmBit(1, "hosted:openai")) : handler(request))

describe("Models", () => {
  it.effect("sends the bit id as model, snake_case options, extra fields under the typed ones, stream: false", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const answer = yield* models.chatCompletions({
        bitId: "bit-1",
        messages: [
          { role: "system", content: "Be brief." },
          user("Weather?"),
          { role: "assistant", content: null, toolCalls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }] },
          { role: "tool", toolCallId: "c1", content: "sunny" }
        ],
        temperature: 0.5,
        maxTokens: 10,
        topP: 0.9,
        stop: ["\n"],
        tools: [{ type: "function", function: { name: "w", parameters: { type: "object" } } }],
        toolChoice: "auto",
        responseFormat: { type: "json_schema", jsonSchema: { name: "x", schema: { type: "object" } } },
        extra: { seed: 1, max_tokens: 99, model: "other" }
      })
      assert.strictEqual(answer.choices[0]?.message.content, "Hi")
      assert.strictEqual(answer.usage?.totalTokens, 4)
      assert.deepInclude(answer.raw, { system_fingerprint: "fp_1" })
      const [request] = yield* chatRecorded
      assert.strictEqual(request?.url, "https://flow.test/api/v1/chat/completions")
      assert.deepStrictEqual(JSON.parse(request?.body ?? "{}"), {
        seed: 1,
        model: "bit-1",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Weather?" },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "c1", content: "sunny" }
        ],
        temperature: 0.5,
        max_tokens: 10,
        top_p: 0.9,
        stop: ["\n"],
        tools: [{ type: "function", function: { name: "w", parameters: { type: "object" } } }],
        tool_choice: "auto",
        response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
        stream: false
      })
    }).pipe(Effect.provide(chatLayer(() => MockHttpClient.json(completion)))))

  it.effect("a non-streamed upstream error keeps the provider's status, message, type and body; chat is never retried", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const error = yield* Effect.flip(models.chatCompletions({ bitId: "b", messages: [user("hi")] }))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.include(error.message, "The upstream model is overloaded")
      assert.strictEqual(error.reason._tag === "ServerError" ? error.reason.code : undefined, "server_error")
      assert.include(error.reason._tag === "ServerError" ? error.reason.body ?? "" : "", "overloaded")
      assert.strictEqual((yield* chatRecorded).length, 1)
    }).pipe(Effect.provide(chatLayer(() =>
      MockHttpClient.json({ error: { message: "The upstream model is overloaded", type: "server_error", param: null, code: null } }, 503)
    ))))

  it.effect("streams chunks until [DONE] (later frames ignored, the connection closed), sending include_usage by default", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const chunks = yield* Stream.runCollect(models.chatCompletionsStream({ bitId: "b", messages: [user("hi")] }))
      assert.deepStrictEqual(chunks.map((c) => c.choices[0]?.delta.content), ["Hel", "lo"])
      assert.strictEqual(chunks[0]?.data, chunk({ content: "Hel" }))
      const body = yield* bodyOf(0)
      assert.strictEqual(body.stream, true)
      assert.deepStrictEqual(body.stream_options, { include_usage: true })
      assert.strictEqual((yield* MockHttpClient.MockHttpClient).abortedStreams, 1)
    }).pipe(Effect.provide(chatLayer(() =>
      MockHttpClient.sse([data(chunk({ content: "Hel" })), data(chunk({ content: "lo" })), data("[DONE]"), data("not json at all")], "hang")
    ))))

  it.effect("chunks built with MockHttpClient.chatStream decode; a usage chunk has no choices", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const chunks = yield* Stream.runCollect(models.chatCompletionsStream({ bitId: "b", messages: [user("hi")] }))
      assert.deepStrictEqual(chunks.map((c) => [c.choices.length, c.usage?.totalTokens]), [[1, undefined], [0, 3]])
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.chatStream([
        { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "x" } }] },
        { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } }
      ])
    ))))

  it.effect("streamOptions given by the caller win", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      yield* Stream.runDrain(models.chatCompletionsStream({ bitId: "b", messages: [user("hi")], streamOptions: { includeUsage: false } }))
      assert.deepStrictEqual((yield* bodyOf(0)).stream_options, { include_usage: false })
    }).pipe(Effect.provide(chatLayer(() => MockHttpClient.sse([data("[DONE]")])))))

  it.effect("a malformed chunk is a DecodeError, a stream without [DONE] a StreamError, an in-band error a StreamError", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const run = Stream.runDrain(models.chatCompletionsStream({ bitId: "b", messages: [user("hi")] }))
      const notJson = yield* Effect.flip(run)
      assert.strictEqual(notJson.reason._tag, "DecodeError")
      assert.include(notJson.message, "a chunk is not JSON")
      const wrongShape = yield* Effect.flip(run)
      assert.strictEqual(wrongShape.reason._tag, "DecodeError")
      assert.include(wrongShape.message, "a chunk does not decode")
      const cut = yield* Effect.flip(run)
      assert.strictEqual(cut.reason._tag, "StreamError")
      assert.include(cut.message, "ended before data: [DONE]")
      const inBand = yield* Effect.flip(run)
      assert.strictEqual(inBand.reason._tag, "StreamError")
      assert.include(inBand.message, "Provider returned error")
    }).pipe(Effect.provide(chatLayer((() => {
      const answers = [
        MockHttpClient.sse([data("{oops"), data("[DONE]")]),
        MockHttpClient.sse([data("{\"id\":1}"), data("[DONE]")]),
        MockHttpClient.sse([data(chunk({ content: "partial" }))]),
        MockHttpClient.sse([data(JSON.stringify({ error: { message: "Provider returned error", code: 502 } }))])
      ]
      let index = 0
      return () => answers[index++] ?? MockHttpClient.text(500, "")
    })()))))

  it.effect("an Anthropic stream stops at message_stop; an error event or a stream cut before message_stop is a StreamError", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const run = Stream.runCollect(models.chatCompletionsStream({ bitId: "claude", messages: [user("hi")] }))
      const chunks = yield* run
      assert.deepStrictEqual(chunks.map((c) => c.choices[0]?.delta.content ?? null), ["", "Hi", null, null])
      assert.strictEqual(chunks[1]?.data, JSON.stringify(textDelta))
      const failed = yield* Effect.flip(run)
      assert.strictEqual(failed.reason._tag, "StreamError")
      assert.include(failed.message, "Overloaded")
      const cut = yield* Effect.flip(run)
      assert.strictEqual(cut.reason._tag, "StreamError")
      assert.include(cut.message, "ended before message_stop")
      assert.strictEqual((yield* recorded).filter(isBitLookup).length, 1)
      assert.strictEqual((yield* bodyOf(0)).max_tokens, 4096)
    }).pipe(Effect.provide(sdkLayer((() => {
      const start = MockHttpClient.frame("message_start", { type: "message_start", message: { id: "msg_1", model: "claude", usage: { input_tokens: 2 } } })
      const answers = [
        MockHttpClient.sse([
          start,
          MockHttpClient.frame("content_block_delta", textDelta),
          MockHttpClient.frame("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } }),
          MockHttpClient.frame("message_stop", { type: "message_stop" }),
          MockHttpClient.frame("ping", "not json")
        ], "hang"),
        MockHttpClient.sse([start, MockHttpClient.frame("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } })]),
        MockHttpClient.sse([start, MockHttpClient.frame("content_block_delta", textDelta)])
      ]
      let index = 0
      return (request: MockHttpClient.RecordedRequest) =>
        isBitLookup(request) ? MockHttpClient.json(llmBit(1, "Hosted:Anthropic")) : answers[index++] ?? MockHttpClient.text(500, "")
    })()))))

  it.effect("embeds in batches with bounded concurrency and returns the vectors in input order, usage summed", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const input = Array.from({ length: 10 }, (_, index) => `text ${index}`)
      const result = yield* models.embed({ bitId: "emb", input, batchSize: 3, concurrency: 2 })
      assert.deepStrictEqual(result.embeddings.map((vector) => vector[0]), input.map((_, index) => index))
      assert.deepStrictEqual(result.usage, { promptTokens: 40, totalTokens: 40 })
      assert.strictEqual(result.model, "emb")
      const bodies = (yield* recorded).map((request) => JSON.parse(request.body ?? "{}"))
      assert.deepStrictEqual(bodies.map((body) => body.input.length).sort(), [1, 3, 3, 3])
      assert.isFalse(bodies.some((body) => "embed_type" in body))
      assert.strictEqual(maxInFlight, 2)
    }).pipe(Effect.provide(sdkLayer((request) =>
      Effect.gen(function*() {
        const body = JSON.parse(request.body ?? "{}")
        const texts: ReadonlyArray<string> = body.input
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        // Earlier batches answer later, so order is kept by position, not by arrival.
        for (let turn = 0; turn < 20 - Number(texts[0]?.split(" ")[1] ?? 0); turn++) yield* Effect.yieldNow
        inFlight--
        return MockHttpClient.json({
          embeddings: texts.map((text) => [Number(text.split(" ")[1])]),
          model: "emb",
          usage: { prompt_tokens: texts.length * 4, total_tokens: texts.length * 4 }
        })
      })
    ))))

  it.effect("a single string is sent as a one-element list; bad arguments fail before any request", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const result = yield* models.embed({ bitId: "emb", input: "hello", embedType: "query" })
      assert.strictEqual(result.embeddings.length, 1)
      assert.deepStrictEqual(yield* bodyOf(0), { model: "emb", input: ["hello"], embed_type: "query" })
      for (const bad of [{ bitId: "", input: "x" }, { bitId: "emb", input: "x", batchSize: 0 }, { bitId: "emb", input: "x", concurrency: 1.5 }]) {
        const error = yield* Effect.flip(models.embed(bad))
        assert.strictEqual(error.reason._tag, "InvalidArgumentError")
      }
      const chat = yield* Effect.flip(models.chatCompletions({ bitId: " ", messages: [] }))
      assert.strictEqual(chat.reason._tag, "InvalidArgumentError")
      assert.strictEqual((yield* recorded).length, 1)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json({ embeddings: [[1]], model: "emb", usage: { prompt_tokens: 1, total_tokens: 1 } })))))

  it.effect("embed allows 180 s per request by default (above the server's cold-start retries); a caller's timeout wins", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const fiber = yield* Effect.forkChild(Effect.flip(models.embed({ bitId: "emb", input: ["x"] })))
      yield* TestClock.adjust("179 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimeoutError")
      const short = yield* Effect.forkChild(Effect.flip(models.embed({ bitId: "emb", input: ["x"] }).pipe(CallOptions.with({ timeout: "5 seconds" }))))
      yield* TestClock.adjust("6 seconds")
      assert.strictEqual((yield* Fiber.join(short)).reason._tag, "TimeoutError")
    }).pipe(Effect.provide(sdkLayer(() => Effect.never))))

  it.effect("a non-streamed chat completion may take 10 minutes unless a timeout is set", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const fiber = yield* Effect.forkChild(Effect.flip(models.chatCompletions({ bitId: "b", messages: [user("hi")] })))
      yield* TestClock.adjust("599 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).reason._tag, "TimeoutError")
      const short = yield* Effect.forkChild(Effect.flip(models.chatCompletions({ bitId: "b", messages: [user("hi")] }).pipe(CallOptions.with({ timeout: "5 seconds" }))))
      yield* TestClock.adjust("6 seconds")
      assert.strictEqual((yield* Fiber.join(short)).reason._tag, "TimeoutError")
      assert.strictEqual((yield* chatRecorded).length, 2)
    }).pipe(Effect.provide(chatLayer(() => Effect.never))))

  it.effect("listLlms pages on with offsets until limit hosted models are found, and maps them", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const found = yield* models.listLlms({ limit: 5, search: "model" })
      assert.deepStrictEqual(found.map((model) => model.bitId), ["llm-9", "llm-99", "llm-109", "llm-119", "llm-129"])
      assert.deepStrictEqual(
        { name: found[0]?.name, providerName: found[0]?.providerName, contextLength: found[0]?.contextLength, languages: found[0]?.languages, tags: found[0]?.tags, description: found[0]?.description },
        { name: "Model 9", providerName: "hosted:openai", contextLength: 8, languages: [], tags: [], description: "No description" }
      )
      const bodies = (yield* recorded).map((request) => JSON.parse(request.body ?? "{}"))
      assert.deepStrictEqual(bodies.map((body) => body.offset), [0, 100])
      assert.deepStrictEqual(bodies[0], { search: "model", limit: 100, offset: 0, bit_types: ["Llm", "Vlm"] })
      const all = yield* models.listLlms({ limit: 50 })
      assert.strictEqual(all.length, 17)
      assert.deepStrictEqual((yield* recorded).slice(2).map((request) => JSON.parse(request.body ?? "{}").offset), [0, 100, 200])
    }).pipe(Effect.provide(sdkLayer((request) => {
      const body = JSON.parse(request.body ?? "{}")
      const bits = Array.from({ length: 250 }, (_, index) => llmBit(index, index === 9 || (index >= 99 && index % 10 === 9) ? "hosted:openai" : "Ollama"))
      return MockHttpClient.json(bits.slice(body.offset, body.offset + body.limit))
    }))))

  it.effect("embed keeps a configured timeout longer than 180 s; listLlms returns 50 models by default", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const fiber = yield* Effect.forkChild(Effect.flip(models.embed({ bitId: "emb", input: ["x"] })))
      yield* TestClock.adjust("299 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).reason._tag, "TimeoutError")
      assert.strictEqual((yield* models.listLlms()).length, 50)
    }).pipe(Effect.provide(sdkLayer((request) =>
      request.url.endsWith("/bit")
        ? MockHttpClient.json(Array.from({ length: 100 }, (_, index) => llmBit(index, "Hosted")))
        : Effect.never, { timeout: "300 seconds" }))))

  it.effect("model info: the first language's name, else the id; remote means a hosted provider or an endpoint with an implementation", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      const found = yield* models.listEmbeddingModels()
      assert.deepStrictEqual(found.map((model) => [model.bitId, model.name, model.vectorLength, model.languages, model.tags, model.description]), [
        ["e1", "Einbettung", 384, ["de"], ["text"], "No description"],
        ["e2", "e2", 768, [], [], ""]
      ])
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.json([
        wireBit({ id: "e1", type: "Embedding", meta: { de: wireMeta("Einbettung", ["text"]) }, parameters: { vector_length: 384, languages: ["de"], remote: { endpoint: "https://x", implementation: "HuggingfaceEndpoint" } } }),
        wireBit({ id: "e2", type: "Embedding", meta: {}, parameters: { vector_length: 768, provider_name: "Hosted" } }),
        wireBit({ id: "e3", type: "Embedding", meta: {}, parameters: { vector_length: 768, remote: { implementation: "HuggingfaceEndpoint" } } }),
        wireBit({ id: "e4", type: "Embedding", meta: {}, parameters: "not an object" })
      ])
    ))))

  it.effect("searchBits sends the query as given with language in the query string; getBit keeps the raw bit", () =>
    Effect.gen(function*() {
      const models = yield* Models.Models
      yield* models.searchBits({ search: "x", bitTypes: ["File"], limit: 2, offset: 4, language: "de" })
      const [search] = yield* recorded
      assert.strictEqual(search?.url, "https://flow.test/api/v1/bit?language=de")
      assert.deepStrictEqual(JSON.parse(search?.body ?? "{}"), { search: "x", limit: 2, offset: 4, bit_types: ["File"] })
      const bit = yield* models.getBit("a/b")
      assert.strictEqual((yield* recorded)[1]?.url, "https://flow.test/api/v1/bit/a%2Fb")
      assert.deepInclude(bit.raw, { hash: "h" })
    }).pipe(Effect.provide(sdkLayer((request) =>
      request.url.includes("?") ? MockHttpClient.json([]) : MockHttpClient.json(llmBit(1, "Hosted"))
    ))))
})

let inFlight = 0
let maxInFlight = 0
