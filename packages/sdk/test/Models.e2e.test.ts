/**
 * The Models service end to end: over real HTTP on loopback against the dev server's deterministic
 * local model, embeddings and hub.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { DevServer, DevServerService } from "@flow-like/testing"
import { ChatStream, FlowLike, Models } from "../src/index.ts"
import type { FlowLikeError } from "../src/index.ts"

const e2e = (credentials: "pat" | "apiKey" = "pat") =>
  Layer.unwrap(Effect.map(DevServerService, (server) =>
    FlowLike.layer({
      baseUrl: server.url,
      ...(credentials === "pat" ? { pat: server.pat } : { apiKey: server.apiKey })
    }))).pipe(Layer.provideMerge(DevServer.layer()))

const user = (content: string) => ({ role: "user" as const, content })

const reasonOf = (error: FlowLikeError.FlowLikeError) => error.reason

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] }
  }
}

const cosine = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
  a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0)

describe("Models end to end against the dev server", () => {
  it.live("answers a chat completion deterministically, with usage, and counts it in getUsage", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const before = yield* models.getUsage()
      const completion = yield* models.chatCompletions({
        bitId: dev.seed.bits.llmBitId,
        messages: [{ role: "system", content: "Be brief." }, user("Hello there")],
        temperature: 0.2,
        maxTokens: 64,
        extra: { seed: 7, max_tokens: 1 }
      })
      assert.strictEqual(completion.choices[0]?.message.content, "You said: Hello there")
      assert.strictEqual(completion.choices[0]?.finishReason, "stop")
      assert.strictEqual(completion.model, "dev-echo-1")
      assert.isAbove(completion.usage?.totalTokens ?? 0, 0)
      const body = JSON.parse(dev.requests.at(-1)?.body ?? "{}")
      assert.strictEqual(body.model, dev.seed.bits.llmBitId)
      assert.strictEqual(body.max_tokens, 64)
      assert.strictEqual(body.seed, 7)
      assert.strictEqual(body.stream, false)
      const after = yield* models.getUsage()
      assert.strictEqual(after.llmPrice - before.llmPrice, completion.usage?.totalTokens)
    }).pipe(Effect.provide(e2e())))

  it.live("streams chunks until [DONE], with a usage chunk by default, and assembles the final completion", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const request = { bitId: dev.seed.bits.openAiLlmBitId, messages: [user("stream this please")] }
      const closed = Effect.promise(() => dev.nextStreamClosed())
      const [chunks, streamClosed] = yield* Effect.all([Stream.runCollect(models.chatCompletionsStream(request)), closed], {
        concurrency: 2
      })
      assert.isFalse(streamClosed.byClient)
      const body = JSON.parse(dev.requests.at(-1)?.body ?? "{}")
      assert.deepStrictEqual(body.stream_options, { include_usage: true })
      assert.strictEqual(body.stream, true)
      const text = yield* Stream.runCollect(ChatStream.textDeltas(Stream.fromIterable(chunks)))
      assert.strictEqual(text.join(""), "You said: stream this please")
      const final = yield* ChatStream.finalCompletion(Stream.fromIterable(chunks))
      assert.strictEqual(final.choices[0]?.message.content, "You said: stream this please")
      assert.strictEqual(final.choices[0]?.finishReason, "stop")
      assert.isAbove(final.usage?.totalTokens ?? 0, 0)
      assert.strictEqual(chunks.at(-1)?.choices.length, 0)
      assert.match(chunks[0]?.data ?? "", /"object":"chat.completion.chunk"/)
    }).pipe(Effect.provide(e2e())))

  it.live("a tool-call round trip: the model calls the named tool, then answers with the tool's result", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.llmBitId
      const question = user("Please get_weather for Berlin")
      const first = yield* ChatStream.finalCompletion(models.chatCompletionsStream({ bitId, messages: [question], tools: [weatherTool] }))
      const call = first.choices[0]?.message.toolCalls?.[0]
      assert.strictEqual(first.choices[0]?.finishReason, "tool_calls")
      assert.strictEqual(call?.function.name, "get_weather")
      assert.deepStrictEqual(JSON.parse(call?.function.arguments ?? ""), { city: "Berlin" })
      const second = yield* models.chatCompletions({
        bitId,
        tools: [weatherTool],
        messages: [
          question,
          { role: "assistant", content: null, toolCalls: call === undefined ? [] : [call] },
          { role: "tool", toolCallId: call?.id ?? "", content: "Sunny, 21 °C" }
        ]
      })
      assert.strictEqual(second.choices[0]?.message.content, "The tool answered: Sunny, 21 °C")
      const sent = JSON.parse(dev.requests.at(-1)?.body ?? "{}")
      assert.strictEqual(sent.messages[2].tool_call_id, call?.id)
      assert.strictEqual(sent.messages[1].tool_calls[0].function.name, "get_weather")
    }).pipe(Effect.provide(e2e())))

  it.live("response_format json_schema gets a JSON document valid against the schema", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const completion = yield* models.chatCompletions({
        bitId: dev.seed.bits.llmBitId,
        messages: [user("Tell me about 3 cats")],
        responseFormat: {
          type: "json_schema",
          jsonSchema: {
            name: "cats",
            schema: {
              type: "object",
              properties: { summary: { type: "string" }, count: { type: "integer" }, cute: { type: "boolean" }, names: { type: "array", items: { type: "string" } } },
              required: ["summary", "count", "cute", "names"]
            }
          }
        }
      })
      const document = JSON.parse(completion.choices[0]?.message.content ?? "")
      assert.strictEqual(typeof document.summary, "string")
      assert.strictEqual(document.count, 3)
      assert.strictEqual(document.cute, true)
      assert.isArray(document.names)
      assert.strictEqual(typeof document.names[0], "string")
      assert.strictEqual(JSON.parse(dev.requests.at(-1)?.body ?? "{}").response_format.json_schema.name, "cats")
    }).pipe(Effect.provide(e2e())))

  it.live("failures: unknown bit 500, unsupported provider 400, a bit that is no LLM 500", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const unknown = reasonOf(yield* Effect.flip(models.chatCompletions({ bitId: "no-such-bit", messages: [user("hi")] })))
      assert.strictEqual(unknown._tag, "ServerError")
      assert.strictEqual("status" in unknown ? unknown.status : 0, 500)
      const local = reasonOf(yield* Effect.flip(models.chatCompletions({ bitId: dev.seed.bits.localLlmBitId, messages: [user("hi")] })))
      assert.strictEqual(local._tag, "InvalidRequestError")
      assert.include(local.message, "Unsupported provider: Ollama")
      const embedding = reasonOf(yield* Effect.flip(Stream.runDrain(models.chatCompletionsStream({ bitId: dev.seed.bits.embeddingBitId, messages: [user("hi")] }))))
      assert.strictEqual(embedding._tag, "ServerError")
      // Chat is an invocation: one request each, never retried.
      assert.strictEqual(dev.requests.filter((request) => request.path === "/api/v1/chat/completions").length, 3)
    }).pipe(Effect.provide(e2e())))

  it.live("a hosted:anthropic bit: the answer translated to a completion; the bit looked up once per client for several chats", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.anthropicLlmBitId
      const [first, second] = yield* Effect.all([
        models.chatCompletions({ bitId, messages: [user("hi")] }),
        models.chatCompletions({ bitId, messages: [user("hello")] })
      ], { concurrency: 2 })
      const third = yield* models.chatCompletions({ bitId, messages: [user("again")], maxTokens: 50 })
      assert.strictEqual(first.object, "chat.completion")
      assert.strictEqual(first.choices[0]?.message.content, "You said: hi")
      assert.strictEqual(second.choices[0]?.message.content, "You said: hello")
      assert.strictEqual(third.choices[0]?.finishReason, "stop")
      assert.isAbove(third.usage?.totalTokens ?? 0, 0)
      assert.strictEqual(dev.requests.filter((request) => request.path === `/api/v1/bit/${bitId}`).length, 1)
      const bodies = dev.requests.filter((request) => request.path === "/api/v1/chat/completions").map((request) => JSON.parse(request.body))
      assert.deepStrictEqual(bodies.map((body) => body.max_tokens), [4096, 4096, 50])
      assert.isTrue(bodies.every((body) => !("stream_options" in body) && !("stream" in body)))
    }).pipe(Effect.provide(e2e())))

  it.live("a hosted:anthropic bit streams (named events, no [DONE]), round-trips a tool call, and gives structured output", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.anthropicLlmBitId
      const chunks = yield* Stream.runCollect(models.chatCompletionsStream({ bitId, messages: [{ role: "system", content: "Be brief." }, user("a b")] }))
      assert.strictEqual(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "You said: a b")
      assert.strictEqual(chunks.at(-2)?.choices[0]?.finishReason, "stop")
      assert.isAbove(chunks.at(-1)?.usage?.totalTokens ?? 0, 0)
      const weather = {
        type: "function" as const,
        function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }
      }
      const messages = [user("get_weather for Paris")]
      const streamed = yield* ChatStream.finalCompletion(models.chatCompletionsStream({ bitId, messages, tools: [weather] }))
      const call = streamed.choices[0]?.message.toolCalls?.[0]
      assert.strictEqual(call?.function.name, "get_weather")
      assert.deepStrictEqual(JSON.parse(call?.function.arguments ?? "{}"), { city: "Paris" })
      assert.strictEqual(streamed.choices[0]?.finishReason, "tool_calls")
      const first = yield* models.chatCompletions({ bitId, messages, tools: [weather], toolChoice: "auto" })
      const toolCall = first.choices[0]?.message.toolCalls?.[0]
      assert.strictEqual(first.choices[0]?.finishReason, "tool_calls")
      assert.isDefined(toolCall)
      const second = yield* models.chatCompletions({
        bitId,
        tools: [weather],
        messages: [
          ...messages,
          { role: "assistant", content: null, toolCalls: toolCall === undefined ? [] : [toolCall] },
          { role: "tool", toolCallId: toolCall?.id ?? "", content: "sunny" }
        ]
      })
      assert.strictEqual(second.choices[0]?.message.content, "The tool answered: sunny")
      const structured = yield* models.chatCompletions({
        bitId,
        messages: [user("three cats")],
        responseFormat: { type: "json_schema", jsonSchema: { name: "cats", schema: { type: "object", properties: { count: { type: "integer" } }, required: ["count"] } } }
      })
      assert.deepStrictEqual(JSON.parse(structured.choices[0]?.message.content ?? "null"), { count: 42 })
      assert.strictEqual(structured.choices[0]?.finishReason, "stop")
      // The dev server checks that what it gets is Anthropic's shape: OpenAI-only fields are refused.
      const refused = yield* Effect.flip(models.chatCompletions({ bitId, messages, extra: { stream_options: { include_usage: true } } }))
      assert.strictEqual(refused.reason._tag, "InvalidRequestError")
      assert.include(refused.message, "stream_options")
      const sent = dev.requests.filter((request) => request.path === "/api/v1/chat/completions").map((request) => JSON.parse(request.body))
      assert.strictEqual(sent[0].system, "Be brief.")
      assert.strictEqual(sent[0].stream, true)
      assert.deepStrictEqual(sent[3].messages[1].content[0], { type: "tool_use", id: toolCall?.id, name: "get_weather", input: { city: "Paris" } })
      assert.strictEqual(sent[3].messages[2].content[0].type, "tool_result")
      assert.strictEqual(dev.requests.filter((request) => request.path === `/api/v1/bit/${bitId}`).length, 1)
    }).pipe(Effect.provide(e2e())))

  it.live("upstream errors: not streamed with the provider's status and message; streamed as the server's 400", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.llmBitId
      dev.models.failUpstream(bitId, { status: 401, message: "Incorrect API key provided", type: "invalid_request_error" })
      const plain = reasonOf(yield* Effect.flip(models.chatCompletions({ bitId, messages: [user("hi")] })))
      assert.strictEqual(plain._tag, "AuthenticationError")
      assert.include(plain.message, "Incorrect API key provided")
      assert.strictEqual("code" in plain ? plain.code : undefined, "invalid_request_error")
      assert.include("body" in plain ? plain.body ?? "" : "", "\"type\":\"invalid_request_error\"")
      dev.models.failUpstream(bitId)
      const streamed = reasonOf(yield* Effect.flip(Stream.runDrain(models.chatCompletionsStream({ bitId, messages: [user("hi")] }))))
      assert.strictEqual(streamed._tag, "InvalidRequestError")
      assert.include(streamed.message, "Upstream error")
      assert.strictEqual("status" in streamed ? streamed.status : 0, 400)
    }).pipe(Effect.provide(e2e())))

  it.live("a malformed chunk fails the stream with a DecodeError after the good ones", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.llmBitId
      const good = JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "ok" }, finish_reason: null }] })
      dev.models.script(bitId, { frames: [good, "{\"id\": 42, \"choices\": \"no\"}"] })
      const seen: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(models.chatCompletionsStream({ bitId, messages: [user("hi")] }), (chunk) =>
        Effect.sync(() => seen.push(chunk.data))))
      assert.deepStrictEqual(seen, [good])
      assert.strictEqual(error.reason._tag, "DecodeError")
      assert.include(error.message, "a chunk does not decode")
    }).pipe(Effect.provide(e2e())))

  it.live("a connection dropped mid-stream fails with a NetworkError after the chunks that arrived", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      dev.faults.inject({ path: "/api/v1/chat/completions", fault: { kind: "dropMidStream", afterEvents: 3 } })
      const seen: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(
        ChatStream.textDeltas(models.chatCompletionsStream({ bitId: dev.seed.bits.llmBitId, messages: [user("one two three four")] })),
        (text) => Effect.sync(() => seen.push(text))
      ))
      assert.deepStrictEqual(seen, ["You ", "said: "])
      assert.strictEqual(error.reason._tag, "NetworkError")
      assert.isFalse((yield* Effect.promise(() => dev.nextStreamClosed())).byClient)
    }).pipe(Effect.provide(e2e())))

  it.live("leaving a stream early closes the request", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const bitId = dev.seed.bits.llmBitId
      dev.models.script(bitId, { content: "one two three", hang: true })
      const closed = Effect.promise(() => dev.nextStreamClosed())
      const first = yield* Stream.runHead(ChatStream.textDeltas(models.chatCompletionsStream({ bitId, messages: [user("hi")] })))
      assert.strictEqual(first._tag === "Some" ? first.value : undefined, "one ")
      const streamClosed = yield* closed
      assert.isTrue(streamClosed.byClient)
    }).pipe(Effect.provide(e2e())))

  it.live("embeds in batches, in input order; a tiny RAG: the nearest document by cosine is the right one", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const documents = [
        "The cat sat on the warm windowsill and purred.",
        "Stock markets fell sharply after the interest rate decision.",
        "Photosynthesis turns sunlight, water and carbon dioxide into sugar."
      ]
      const indexed = yield* models.embed({ bitId: dev.seed.bits.embeddingBitId, input: documents, embedType: "document", batchSize: 2 })
      assert.strictEqual(indexed.embeddings.length, 3)
      assert.strictEqual(indexed.embeddings[0]?.length, 384)
      assert.strictEqual(indexed.model, dev.seed.bits.embeddingBitId)
      assert.strictEqual(indexed.usage.promptTokens, documents.reduce((sum, text) => sum + Math.floor(text.length / 4), 0))
      const embedRequests = dev.requests.filter((request) => request.path === "/api/v1/embeddings/embed")
      assert.deepStrictEqual(embedRequests.map((request) => JSON.parse(request.body).input.length), [2, 1])
      assert.strictEqual(JSON.parse(embedRequests[0]?.body ?? "{}").embed_type, "document")
      const query = yield* models.embed({ bitId: dev.seed.bits.embeddingBitId, input: "Why did the stock markets fall?" })
      const scores = indexed.embeddings.map((vector) => cosine(vector, query.embeddings[0] ?? []))
      assert.strictEqual(scores.indexOf(Math.max(...scores)), 1)
      const large = yield* models.embed({ bitId: dev.seed.bits.largeEmbeddingBitId, input: ["a"] })
      assert.strictEqual(large.embeddings[0]?.length, 768)
    }).pipe(Effect.provide(e2e())))

  it.live("lists hosted models across pages, and searches and reads bits", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const models = yield* Models.Models
      const llms = yield* models.listLlms({ limit: 100 })
      assert.strictEqual(llms.length, dev.seed.bits.hostedLlmCount)
      assert.isFalse(llms.some((model) => model.bitId === dev.seed.bits.localLlmBitId))
      const echo = llms.find((model) => model.bitId === dev.seed.bits.llmBitId)
      assert.deepStrictEqual(
        { name: echo?.name, providerName: echo?.providerName, modelId: echo?.modelId, contextLength: echo?.contextLength, tags: echo?.tags },
        { name: "Dev Echo", providerName: "Hosted", modelId: "dev-echo-1", contextLength: 32_768, tags: ["chat"] }
      )
      const searches = dev.requests.filter((request) => request.path === "/api/v1/bit").map((request) => JSON.parse(request.body))
      assert.deepStrictEqual(searches.map((body) => body.offset), [0, 100])
      assert.strictEqual((yield* models.listLlms({ limit: 3 })).length, 3)
      const embeddings = yield* models.listEmbeddingModels()
      assert.deepStrictEqual(embeddings.map((model) => [model.bitId, model.vectorLength]), [[dev.seed.bits.embeddingBitId, 384], [dev.seed.bits.largeEmbeddingBitId, 768]])
      const page = yield* models.searchBits({ search: "Dev Embed", bitTypes: ["Embedding"], language: "en" })
      assert.deepStrictEqual(page.map((bit) => bit.id), ["dev-embed-small", "dev-embed-large", "dev-embed-local"])
      assert.strictEqual(page[0]?.meta["en"]?.createdAt.toISOString(), "2026-01-01T00:00:00.000Z")
      assert.strictEqual(dev.requests.at(-1)?.query, "language=en")
      const capped = yield* models.searchBits({ bitTypes: ["Llm"], limit: 500 })
      assert.strictEqual(capped.length, 100)
      const bit = yield* models.getBit(dev.seed.bits.llmBitId)
      assert.strictEqual(bit.meta["en"]?.name, "Dev Echo")
      assert.deepInclude(bit.raw, { dependency_tree_hash: dev.seed.bits.llmBitId, hub: "dev.flow-like.local" })
      const missing = yield* Effect.flip(models.getBit("no-such-bit"))
      assert.strictEqual(missing.reason._tag, "NotFoundError")
    }).pipe(Effect.provide(e2e())))
})
