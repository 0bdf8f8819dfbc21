/** The Promise client's model methods end to end, over real HTTP on loopback against the dev server. */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest"
import { ChatStream, FlowLikeClient, FlowLikeError } from "@flow-like/client"
import type { AwaitableIterable, ChatCompletion, ChatCompletionChunk } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance
let client: FlowLikeClient

beforeEach(async () => {
  server = await DevServer.start()
  client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
})

afterEach(async () => {
  await client.close()
  await server.close()
})

const user = (content: string) => ({ role: "user" as const, content })

const rejection = async (promise: Promise<unknown>): Promise<FlowLikeError> => {
  try {
    await promise
  } catch (error) {
    if (error instanceof FlowLikeError) return error
    throw error
  }
  throw new Error("expected a rejection")
}

const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const items: Array<A> = []
  for await (const item of iterable) items.push(item)
  return items
}

describe("FlowLikeClient models end to end", () => {
  it("chatCompletions: a Promise of the completion, or with stream: true an awaitable stream of chunks", async () => {
    const bitId = server.seed.bits.llmBitId
    const completion = client.chatCompletions({ bitId, messages: [user("Hello")] })
    expectTypeOf(completion).toEqualTypeOf<Promise<ChatCompletion>>()
    expect((await completion).choices[0]?.message.content).toBe("You said: Hello")
    const stream = client.chatCompletions({ bitId, messages: [user("Hello again")], stream: true })
    expectTypeOf(stream).toEqualTypeOf<AwaitableIterable<ChatCompletionChunk>>()
    const chunks = await collect(await stream)
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("You said: Hello again")
    expect(JSON.parse(chunks[1]?.data ?? "{}").object).toBe("chat.completion.chunk")
    const final = await ChatStream.finalCompletion(client.chatCompletionsStream({ bitId, messages: [user("Bye")] }))
    expect(final.choices[0]?.message.content).toBe("You said: Bye")
    expect(final.usage?.totalTokens).toBeGreaterThan(0)
    const text = await collect(ChatStream.textDeltas(client.chatCompletions({ bitId, messages: [user("a b")], stream: true })))
    expect(text).toEqual(["You ", "said: ", "a ", "b"])
    const sent = server.requests.filter((request) => request.path === "/api/v1/chat/completions").map((request) => JSON.parse(request.body))
    expect(sent.map((body) => body.stream)).toEqual([false, true, true, true])
    expect(sent[1].stream_options).toEqual({ include_usage: true })
  })

  it("a hosted:anthropic bit through the Promise client: text, streamed text, a tool round trip, structured output; one bit lookup", async () => {
    const bitId = server.seed.bits.anthropicLlmBitId
    const completion = await client.chatCompletions({ bitId, messages: [user("Hello")] })
    expect(completion.choices[0]?.message.content).toBe("You said: Hello")
    expect(completion.object).toBe("chat.completion")
    const text = await collect(ChatStream.textDeltas(client.chatCompletions({ bitId, messages: [user("a b")], stream: true })))
    expect(text.join("")).toBe("You said: a b")
    const weather = {
      type: "function" as const,
      function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }
    }
    const question = user("get_weather for Paris")
    const first = await ChatStream.finalCompletion(client.chatCompletionsStream({ bitId, messages: [question], tools: [weather] }))
    const call = first.choices[0]?.message.toolCalls?.[0]
    expect(call?.function.name).toBe("get_weather")
    expect(JSON.parse(call?.function.arguments ?? "{}")).toEqual({ city: "Paris" })
    const second = await client.chatCompletions({
      bitId,
      tools: [weather],
      messages: [question, { role: "assistant", content: null, toolCalls: call === undefined ? [] : [call] }, { role: "tool", toolCallId: call?.id ?? "", content: "sunny" }]
    })
    expect(second.choices[0]?.message.content).toBe("The tool answered: sunny")
    const structured = await client.chatCompletions({
      bitId,
      messages: [user("cats")],
      responseFormat: { type: "json_schema", jsonSchema: { name: "cats", schema: { type: "object", properties: { count: { type: "integer" } }, required: ["count"] } } }
    })
    expect(JSON.parse(structured.choices[0]?.message.content ?? "null")).toEqual({ count: 42 })
    expect(server.requests.filter((request) => request.path === `/api/v1/bit/${bitId}`)).toHaveLength(1)
  })

  it("tool calls round trip through the Promise client", async () => {
    const bitId = server.seed.bits.openAiLlmBitId
    const tools = [{
      type: "function" as const,
      function: { name: "lookup_order", parameters: { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] } }
    }]
    const question = user("Please lookup_order A-17")
    const first = await client.chatCompletions({ bitId, messages: [question], tools })
    const call = first.choices[0]?.message.toolCalls?.[0]
    expect(call?.function.name).toBe("lookup_order")
    expect(JSON.parse(call?.function.arguments ?? "{}")).toEqual({ orderId: "A-17" })
    const second = await client.chatCompletions({
      bitId,
      tools,
      messages: [question, { role: "assistant", toolCalls: call === undefined ? [] : [call] }, { role: "tool", toolCallId: call?.id ?? "", content: "shipped" }]
    })
    expect(second.choices[0]?.message.content).toBe("The tool answered: shipped")
  })

  it("rejects with typed errors: unknown bit, unsupported provider, upstream errors streamed and not, a malformed chunk", async () => {
    const bitId = server.seed.bits.llmBitId
    expect((await rejection(client.chatCompletions({ bitId: "nope", messages: [user("x")] }))).reason._tag).toBe("ServerError")
    const local = await rejection(client.chatCompletions({ bitId: server.seed.bits.localLlmBitId, messages: [user("x")] }))
    expect(local.reason._tag).toBe("InvalidRequestError")
    expect(local.message).toContain("Unsupported provider: Ollama")
    server.models.failUpstream(bitId, { status: 429, message: "Slow down", type: "rate_limit_error" })
    const limited = await rejection(client.chatCompletions({ bitId, messages: [user("x")] }))
    expect(limited.reason._tag).toBe("RateLimitError")
    expect(limited.message).toContain("Slow down")
    server.models.failUpstream(bitId)
    const streamed = await rejection(Promise.resolve(client.chatCompletions({ bitId, messages: [user("x")], stream: true })))
    expect(streamed.reason._tag).toBe("InvalidRequestError")
    expect(streamed.message).toContain("Upstream error")
    server.models.script(bitId, { frames: ["{not json"] })
    const broken = await rejection(collect(client.chatCompletionsStream({ bitId, messages: [user("x")] })))
    expect(broken.reason._tag).toBe("DecodeError")
    expect(server.requests.filter((request) => request.path === "/api/v1/chat/completions")).toHaveLength(5)
  })

  it("aborting mid-stream closes the request, and the server sees the client leave", async () => {
    const bitId = server.seed.bits.llmBitId
    server.models.script(bitId, { content: "never ending story", hang: true })
    const closed = server.nextStreamClosed()
    const controller = new AbortController()
    const seen: Array<string> = []
    const error = await rejection((async () => {
      for await (const text of ChatStream.textDeltas(client.chatCompletionsStream({ bitId, messages: [user("x")] }, { signal: controller.signal }))) {
        seen.push(text)
        if (seen.length === 2) controller.abort()
      }
    })())
    expect(error.reason._tag).toBe("AbortedError")
    expect(seen).toEqual(["never ", "ending "])
    expect((await closed).byClient).toBe(true)
  })

  it("embeds, lists models, searches and reads bits, and reports usage", async () => {
    const result = await client.embed({ bitId: server.seed.bits.largeEmbeddingBitId, input: ["one", "two", "three"], batchSize: 2 })
    expect(result.embeddings.map((vector) => vector.length)).toEqual([768, 768, 768])
    const unsupported = await rejection(client.embed({ bitId: server.seed.bits.llmBitId, input: "x" }))
    expect(unsupported.reason._tag).toBe("ServerError")
    const llms = await client.listLlms({ limit: 4 })
    expect(llms).toHaveLength(4)
    expect(llms.every((model) => model.providerName?.toLowerCase().startsWith("hosted"))).toBe(true)
    const embeddingModels = await client.listEmbeddingModels({ search: "Large" })
    expect(embeddingModels.map((model) => model.bitId)).toEqual([server.seed.bits.largeEmbeddingBitId])
    const bits = await client.searchBits({ bitTypes: ["Template"] })
    expect(bits.map((bit) => bit.id)).toEqual(["dev-template"])
    expect((await client.getBit(server.seed.bits.embeddingBitId)).type).toBe("Embedding")
    expect((await rejection(client.getBit("missing"))).reason._tag).toBe("NotFoundError")
    const usage = await client.getUsage({ timeout: 5_000 })
    expect(usage.embeddingPrice).toBe(server.models.usage().embeddingPrice)
    expect(usage.embeddingPrice).toBe(Math.floor("one".length / 4) + Math.floor("two".length / 4) + Math.floor("three".length / 4))
  })
})
