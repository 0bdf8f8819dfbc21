/**
 * `FlowLikeChatModel` against the dev server over loopback: the behaviours of LangChain's standard
 * chat model checks (not published, so written here), with `@langchain/core/testing`'s matchers.
 */
import { inspect } from "node:util"
import { ModelAbortError } from "@langchain/core/errors"
import { AIMessage, AIMessageChunk, ChatMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages"
import { langchainMatchers } from "@langchain/core/testing"
import { tool } from "@langchain/core/tools"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { z } from "zod"
import { FlowLikeChatModel, FlowLikeError } from "@flow-like/langchain"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

expect.extend(langchainMatchers)

let server: DevServerInstance
let model: FlowLikeChatModel

beforeEach(async () => {
  server = await DevServer.start()
  model = new FlowLikeChatModel({ baseUrl: server.url, token: server.pat, bitId: server.seed.bits.llmBitId, temperature: 0.2, maxTokens: 256 })
})

afterEach(async () => {
  await server.close()
})

const chatBodies = () =>
  server.requests.filter((request) => request.path === "/api/v1/chat/completions").map((request) => JSON.parse(request.body))

const weather = tool(async ({ city }: { city: string }) => `Sunny in ${city}`, {
  name: "get_weather",
  description: "The weather in a city",
  schema: z.object({ city: z.string().describe("The city") })
})

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection")
}

describe("FlowLikeChatModel: construction", () => {
  it("takes options, reads the environment, and rejects bad options with a typed error before sending", () => {
    expect(model.bitId).toBe(server.seed.bits.llmBitId)
    const previous = { ...process.env }
    try {
      process.env["FLOW_LIKE_BASE_URL"] = server.url
      process.env["FLOW_LIKE_PAT"] = server.pat
      const fromEnvironment = new FlowLikeChatModel({ bitId: "bit" })
      expect(fromEnvironment._llmType()).toBe("flow-like")
      delete process.env["FLOW_LIKE_PAT"]
      const missing = (() => {
        try {
          return new FlowLikeChatModel({ bitId: "bit" })
        } catch (error) {
          return error
        }
      })()
      expect(missing).toBeInstanceOf(FlowLikeError)
      expect((missing as FlowLikeError).reason._tag).toBe("ConfigurationError")
    } finally {
      process.env = previous
    }
    expect(() => new FlowLikeChatModel({ baseUrl: server.url, token: server.pat, bitId: " " })).toThrow(/bitId must be a non-empty string/)
    expect(() => new FlowLikeChatModel(undefined as never)).toThrow(FlowLikeError)
    const malformed = (() => {
      try {
        return new FlowLikeChatModel({ baseUrl: server.url, token: "not-a-token", bitId: "bit" })
      } catch (error) {
        return error
      }
    })()
    expect((malformed as FlowLikeError).reason._tag).toBe("ConfigurationError")
    expect(String(malformed)).not.toContain("not-a-token")
    expect(server.requests).toHaveLength(0)
  })

  it("keeps the credential out of inspect and JSON, and names its environment variable in lc_secrets", () => {
    const secret = server.pat.split(".")[1] ?? ""
    expect(secret.length).toBeGreaterThan(3)
    expect(inspect(model, { depth: 10 })).not.toContain(secret)
    const json = JSON.stringify(model)
    expect(json).not.toContain(secret)
    expect(JSON.parse(json).kwargs.pat).toEqual({ lc: 1, type: "secret", id: ["FLOW_LIKE_PAT"] })
    expect(model.lc_secrets).toEqual({ pat: "FLOW_LIKE_PAT", apiKey: "FLOW_LIKE_API_KEY" })
  })

  it("getLsParams has exactly the six ls_* keys", () => {
    const params = model.getLsParams({ stop: ["END"] } as never)
    expect(Object.keys(params).sort()).toEqual(["ls_max_tokens", "ls_model_name", "ls_model_type", "ls_provider", "ls_stop", "ls_temperature"])
    expect(params).toEqual({
      ls_provider: "flow-like",
      ls_model_name: server.seed.bits.llmBitId,
      ls_model_type: "chat",
      ls_temperature: 0.2,
      ls_max_tokens: 256,
      ls_stop: ["END"]
    })
  })

  it("profile: tool calling, tool choice and structured output", () => {
    expect(model.profile).toEqual({ toolCalling: true, toolChoice: true, structuredOutput: true })
  })

  it("LangChain's own retries are off (the SDK's policy applies)", () => {
    expect(model.caller["maxRetries"]).toBe(0)
  })

  it("bindTools and withStructuredOutput return runnables", () => {
    expect(typeof model.bindTools([weather]).invoke).toBe("function")
    expect(typeof model.withStructuredOutput(z.object({ a: z.string() })).invoke).toBe("function")
  })
})

describe("FlowLikeChatModel: invoke, stream, batch", () => {
  it("invoke answers with usage_metadata and response_metadata.model, sending the options", async () => {
    const answer = await model.invoke("Hello")
    expect(answer).toBeAIMessage("You said: Hello")
    expect(answer.usage_metadata).toEqual({ input_tokens: 2, output_tokens: 4, total_tokens: 6 })
    expect(answer.response_metadata["model"]).toEqual(expect.any(String))
    expect(answer.response_metadata["model"]).not.toBe("")
    const [body] = chatBodies()
    expect(body).toMatchObject({ model: server.seed.bits.llmBitId, temperature: 0.2, max_tokens: 256, stream: false })
  })

  it("stream yields several chunks, then one empty chunk carrying usage_metadata; tokens reach handleLLMNewToken", async () => {
    const tokens: Array<string> = []
    const chunks: Array<AIMessageChunk> = []
    const stream = await model.stream("one two three", { callbacks: [{ handleLLMNewToken: (token) => void tokens.push(token) }] })
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(3)
    const last = chunks.at(-1)
    expect(last?.content).toBe("")
    expect(last?.usage_metadata?.total_tokens).toBeGreaterThan(0)
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage_metadata === undefined)).toBe(true)
    const whole = chunks.reduce((sum, chunk) => sum.concat(chunk))
    expect(whole.content).toBe("You said: one two three")
    expect(whole.response_metadata["model"]).toEqual(chunks[0]?.response_metadata["model"])
    expect(whole.response_metadata["model"]).not.toBe("")
    expect(tokens.join("")).toBe("You said: one two three")
    expect(chatBodies()[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } })
  })

  it("streamUsage: false leaves the usage chunk out", async () => {
    const chunks: Array<AIMessageChunk> = []
    for await (const chunk of await model.stream("Hello", { streamUsage: false })) chunks.push(chunk)
    expect(chunks.some((chunk) => chunk.usage_metadata !== undefined)).toBe(false)
    expect(chatBodies()[0].stream_options).toEqual({ include_usage: false })
  })

  it("streamEvents gives core 1.x stream events: text and usage", async () => {
    await expect(model.streamEvents("Hi there")).toHaveStreamText("You said: Hi there")
    await expect(model.streamEvents("Hi there")).toHaveStreamUsage({ input_tokens: 2, output_tokens: 5, total_tokens: 7 })
  })

  it("batch answers each input in order", async () => {
    const answers = await model.batch(["first", "second", "third"])
    expect(answers.map((answer) => answer.content)).toEqual(["You said: first", "You said: second", "You said: third"])
  })

  it("a multi-turn conversation sends every role in order", async () => {
    const answer = await model.invoke([
      new SystemMessage("Be brief."),
      new HumanMessage("My name is Ada."),
      new AIMessage("Hello Ada."),
      new HumanMessage("What is my name?")
    ])
    expect(answer.content).toBe("You said: What is my name?")
    expect(chatBodies()[0].messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "My name is Ada." },
      { role: "assistant", content: "Hello Ada." },
      { role: "user", content: "What is my name?" }
    ])
  })

  it("a human message's image parts are passed through as OpenAI content parts; text parts alone become a string", async () => {
    const image = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }
    await model.invoke([
      new SystemMessage({ content: [{ type: "text", text: "Describe " }, { type: "text", text: "images." }] }),
      new HumanMessage({ content: [{ type: "text", text: "What is this?" }, image] })
    ])
    expect(chatBodies()[0].messages).toEqual([
      { role: "system", content: "Describe images." },
      { role: "user", content: [{ type: "text", text: "What is this?" }, image] }
    ])
  })

  it("a tool-message history is sent as an assistant tool call and a tool result", async () => {
    const answer = await model.invoke([
      new HumanMessage("What is the weather in Paris?"),
      new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "get_weather", args: { city: "Paris" }, type: "tool_call" }] }),
      new ToolMessage({ content: "Sunny, 21 C", tool_call_id: "call_1" })
    ])
    expect(answer.content).toBe("The tool answered: Sunny, 21 C")
    const messages = chatBodies()[0].messages
    expect(messages[1]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }]
    })
    expect(messages[2]).toEqual({ role: "tool", content: "Sunny, 21 C", tool_call_id: "call_1" })
  })

  it("a ChatMessage of a known role is sent; of an unknown role it is a typed error, nothing sent", async () => {
    expect((await model.invoke([new ChatMessage({ role: "user", content: "as a user" })])).content).toBe("You said: as a user")
    const error = await rejection(model.invoke([new ChatMessage({ role: "narrator", content: "Once upon a time" })]))
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("InvalidArgumentError")
    expect(String(error)).toMatch(/narrator/)
    expect(chatBodies()).toHaveLength(1)
  })
})

describe("FlowLikeChatModel: abort signals", () => {
  it("an already-aborted signal rejects invoke and stream at once, nothing sent", async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(model.invoke("Hello", { signal: controller.signal })).rejects.toThrow()
    await expect((async () => {
      for await (const _ of await model.stream("Hello", { signal: controller.signal })) void _
    })()).rejects.toThrow()
    const direct = await rejection((async () => {
      for await (const _ of model._streamResponseChunks([new HumanMessage("Hi")], { signal: controller.signal } as never)) void _
    })())
    expect(ModelAbortError.isInstance(direct)).toBe(true)
    expect(chatBodies()).toHaveLength(0)
  })

  it("an abort mid-stream stops the request and throws ModelAbortError with the partial output", async () => {
    const streaming = new FlowLikeChatModel({ baseUrl: server.url, pat: server.pat, bitId: server.seed.bits.llmBitId, streaming: true })
    server.models.script(server.seed.bits.llmBitId, { content: "partial answer so far", hang: true })
    const controller = new AbortController()
    let seen = ""
    const error = await rejection(streaming.invoke("Hello", {
      signal: controller.signal,
      callbacks: [{
        handleLLMNewToken: (token) => {
          seen += token
          if (seen === "partial answer so far") controller.abort()
        }
      }]
    }))
    expect(ModelAbortError.isInstance(error)).toBe(true)
    expect((error as ModelAbortError).partialOutput?.content).toBe("partial answer so far")
    const closed = await server.nextStreamClosed()
    expect(closed.byClient).toBe(true)
  })

  it("an abort while a non-streamed invoke waits for its answer throws ModelAbortError at once", async () => {
    server.faults.inject({ path: "/api/v1/chat/completions", fault: { kind: "latency", millis: 20_000 } })
    const controller = new AbortController()
    const abortOnceSent: typeof fetch = (input, init) => {
      const response = fetch(input, init)
      if (String(input instanceof Request ? input.url : input).endsWith("/chat/completions")) queueMicrotask(() => controller.abort())
      return response
    }
    const waiting = new FlowLikeChatModel({ baseUrl: server.url, pat: server.pat, bitId: server.seed.bits.llmBitId, fetch: abortOnceSent })
    const error = await rejection(waiting.invoke("Hello", { signal: controller.signal }))
    expect(ModelAbortError.isInstance(error)).toBe(true)
    expect((error as ModelAbortError).partialOutput).toBeUndefined()
  })

  it("an abort of .stream() mid-stream closes the connection", async () => {
    server.models.script(server.seed.bits.llmBitId, { content: "one two three", hang: true })
    const controller = new AbortController()
    const reason = new Error("enough")
    const received: Array<string> = []
    const error = await rejection((async () => {
      for await (const chunk of await model.stream("Hi", { signal: controller.signal })) {
        received.push(String(chunk.content))
        if (received.join("") === "one two three") controller.abort(reason)
      }
    })())
    expect(error).toBe(reason)
    expect(received.join("")).toBe("one two three")
    expect((await server.nextStreamClosed()).byClient).toBe(true)
  })
})

describe("FlowLikeChatModel: tools", () => {
  it("bindTools with a LangChain tool: the model calls it with arguments from the schema", async () => {
    const answer = await model.bindTools([weather]).invoke("Use get_weather for Paris")
    expect(answer).toHaveToolCalls([{ name: "get_weather", args: { city: "Paris" } }])
    expect(chatBodies()[0].tools[0]).toMatchObject({ type: "function", function: { name: "get_weather", description: "The weather in a city" } })
  })

  it("bindTools with an OpenAI-style tool and a JSON-schema tool, tool_choice any", async () => {
    const openAi = { type: "function", function: { name: "add", description: "Adds", parameters: { type: "object", properties: { a: { type: "number" } }, required: ["a"] } } }
    const jsonSchema = { name: "echo", description: "Echoes", schema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }
    const answer = await model.bindTools([openAi, jsonSchema], { tool_choice: "any" }).invoke("Please add 2")
    expect(answer.tool_calls?.[0]).toMatchObject({ name: "add", args: { a: 2 } })
    const body = chatBodies()[0]
    expect(body.tool_choice).toBe("required")
    expect(body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(["add", "echo"])
  })

  it("a tool's name as tool_choice forces that tool", async () => {
    const other = tool(async () => "x", { name: "other_tool", description: "Another", schema: z.object({ q: z.string() }) })
    const answer = await model.bindTools([weather, other], { tool_choice: "other_tool" }).invoke("no tool named here")
    expect(answer.tool_calls?.map((call) => call.name)).toEqual(["other_tool"])
    expect(chatBodies()[0].tool_choice).toEqual({ type: "function", function: { name: "other_tool" } })
  })

  it("bindTools with a zod tool definition", async () => {
    const answer = await model.bindTools([{ name: "lookup", description: "Looks up", schema: z.object({ term: z.string() }) }]).invoke("lookup: effect")
    expect(answer.tool_calls?.[0]).toMatchObject({ name: "lookup", args: { term: "effect" } })
  })

  it("parallel tool calls, invoked and streamed (tool_call_chunks merge into whole calls)", async () => {
    const bitId = server.seed.bits.llmBitId
    const calls = [{ name: "get_weather", arguments: { city: "Paris" } }, { name: "get_weather", arguments: { city: "Rome" } }]
    server.models.script(bitId, { toolCalls: calls })
    const answer = await model.bindTools([weather]).invoke("Weather in Paris and Rome?")
    expect(answer).toHaveToolCallCount(2)
    expect(answer.tool_calls?.map((call) => call.args)).toEqual([{ city: "Paris" }, { city: "Rome" }])
    server.models.script(bitId, { toolCalls: calls })
    const chunks: Array<AIMessageChunk> = []
    for await (const chunk of await model.bindTools([weather]).stream("Weather in Paris and Rome?")) chunks.push(chunk)
    expect(chunks.filter((chunk) => (chunk.tool_call_chunks?.length ?? 0) > 0).length).toBeGreaterThan(2)
    const whole = chunks.reduce((sum, chunk) => sum.concat(chunk))
    expect(whole.tool_calls?.map((call) => [call.name, call.args])).toEqual([["get_weather", { city: "Paris" }], ["get_weather", { city: "Rome" }]])
    expect(whole.usage_metadata?.total_tokens).toBeGreaterThan(0)
    server.models.script(bitId, { toolCalls: calls })
    await expect(model.streamEvents("Weather?", { tools: [weather] })).toHaveStreamToolCalls([
      { name: "get_weather", args: { city: "Paris" } },
      { name: "get_weather", args: { city: "Rome" } }
    ])
  })

  it("arguments that are not JSON become invalid_tool_calls, not a crash", async () => {
    server.models.script(server.seed.bits.llmBitId, { toolCalls: [{ name: "get_weather", arguments: "{not json" }] })
    const answer = await model.bindTools([weather]).invoke("get_weather")
    expect(answer.tool_calls).toEqual([])
    expect(answer.invalid_tool_calls?.[0]).toMatchObject({ name: "get_weather", args: JSON.stringify("{not json") })
  })

  it("a hosted:anthropic bit: the same tool calls and the same text, invoked and streamed", async () => {
    const claude = new FlowLikeChatModel({ baseUrl: server.url, pat: server.pat, bitId: server.seed.bits.anthropicLlmBitId })
    expect((await claude.invoke("Hello")).content).toBe("You said: Hello")
    const answer = await claude.bindTools([weather]).invoke("Use get_weather for Oslo")
    expect(answer).toHaveToolCalls([{ name: "get_weather", args: { city: "Oslo" } }])
    const chunks: Array<AIMessageChunk> = []
    for await (const chunk of await claude.bindTools([weather]).stream("Use get_weather for Oslo")) chunks.push(chunk)
    const whole = chunks.reduce((sum, chunk) => sum.concat(chunk))
    expect(whole.tool_calls?.[0]).toMatchObject({ name: "get_weather", args: { city: "Oslo" } })
    expect(whole.usage_metadata?.total_tokens).toBeGreaterThan(0)
  })
})

describe("FlowLikeChatModel: withStructuredOutput", () => {
  const Person = z.object({ name: z.string(), age: z.number() })

  it("functionCalling (the default): a forced tool call, parsed and validated", async () => {
    const result = await model.withStructuredOutput(Person, { name: "person" }).invoke("Ada is 36")
    expect(result).toEqual({ name: "Ada is 36", age: 36 })
    expect(chatBodies()[0].tool_choice).toEqual({ type: "function", function: { name: "person" } })
  })

  it("jsonSchema: response_format json_schema, parsed and validated; includeRaw gives the message too", async () => {
    const result = await model.withStructuredOutput(Person, { name: "person", method: "jsonSchema", includeRaw: true }).invoke("Bob is 7")
    expect(result.parsed).toEqual({ name: "Bob is 7", age: 7 })
    expect(result.raw).toBeAIMessage()
    const format = chatBodies()[0].response_format
    expect(format.type).toBe("json_schema")
    expect(format.json_schema.name).toBe("person")
    expect(format.json_schema.schema.properties).toHaveProperty("age")
  })

  it("jsonMode: response_format json_object", async () => {
    const result = await model.withStructuredOutput(z.object({ answer: z.string() }), { method: "jsonMode" }).invoke("hi")
    expect(result).toEqual({ answer: "You said: hi" })
    expect(chatBodies()[0].response_format).toEqual({ type: "json_object" })
  })

  it("a zod schema validates the answer: one that does not fit rejects", async () => {
    const Old = z.object({ age: z.number().min(100) })
    await expect(model.withStructuredOutput(Old).invoke("Ada is 36")).rejects.toThrow()
    await expect(model.withStructuredOutput(Old, { method: "jsonSchema" }).invoke("Ada is 36")).rejects.toThrow()
  })

  it("a hosted:anthropic bit gives the same structured output by each method", async () => {
    const claude = new FlowLikeChatModel({ baseUrl: server.url, pat: server.pat, bitId: server.seed.bits.anthropicLlmBitId })
    expect(await claude.withStructuredOutput(Person, { name: "person" }).invoke("Ada is 36")).toEqual({ name: "Ada is 36", age: 36 })
    expect(await claude.withStructuredOutput(Person, { name: "person", method: "jsonSchema" }).invoke("Bob is 7")).toEqual({ name: "Bob is 7", age: 7 })
  })

  it("a plain JSON schema with a title names the function", async () => {
    const schema = { title: "city", type: "object", properties: { name: { type: "string" } }, required: ["name"] }
    const result = await model.withStructuredOutput(schema).invoke("Lisbon")
    expect(result).toEqual({ name: "Lisbon" })
    expect(chatBodies()[0].tool_choice.function.name).toBe("city")
  })
})

describe("FlowLikeChatModel: errors", () => {
  it("a provider failure rejects with the SDK's typed FlowLikeError", async () => {
    server.models.failUpstream(server.seed.bits.llmBitId, { status: 429, message: "slow down" })
    const error = await rejection(model.invoke("Hello"))
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("RateLimitError")
    server.models.failUpstream(server.seed.bits.llmBitId, { status: 503, message: "down" })
    const down = await rejection(model.invoke("Hello"))
    expect((down as FlowLikeError).reason._tag).toBe("ServerError")
    expect(chatBodies()).toHaveLength(2)
  })

  it("bad request options are typed errors and nothing is sent", async () => {
    const fractional = new FlowLikeChatModel({ baseUrl: server.url, pat: server.pat, bitId: server.seed.bits.llmBitId, maxTokens: 1.5 })
    for (const call of [
      () => fractional.invoke("Hello"),
      () => model.invoke("Hello", { tool_choice: 42 as never }),
      () => model.invoke("Hello", { response_format: { type: "yaml" } })
    ]) {
      const error = await rejection(call())
      expect(error).toBeInstanceOf(FlowLikeError)
    }
    expect(chatBodies()).toHaveLength(0)
  })

  it("per-call options: the timeout, headers and stop go with the request", async () => {
    await model.invoke("Hello", { headers: { "x-call": "1" }, stop: ["END"], timeout: 5_000 })
    const [request] = server.requests.filter((r) => r.path === "/api/v1/chat/completions")
    expect(request?.headers["x-call"]).toBe("1")
    expect(JSON.parse(request?.body ?? "{}").stop).toEqual(["END"])
  })
})
