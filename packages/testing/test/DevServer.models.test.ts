/** The dev server's model routes on the wire: framing, rejections and error bodies as the real server sends them. */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import * as DevServer from "../src/DevServer.ts"

let server: DevServer.DevServer

beforeEach(async () => {
  server = await DevServer.start()
})

afterEach(async () => {
  await server.close()
})

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.apiUrl}${path}`, {
    method: "POST",
    headers: { authorization: server.pat, "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  })

const hi = [{ role: "user", content: "hi there" }]

describe("dev server model routes", () => {
  it("streams OpenAI chunk framing: data lines only, a usage chunk when asked, then data: [DONE]", async () => {
    const response = await post("/chat/completions", {
      model: server.seed.bits.llmBitId,
      messages: hi,
      stream: true,
      stream_options: { include_usage: true }
    })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const text = await response.text()
    const frames = text.split("\n\n").filter((frame) => frame !== "")
    expect(frames.every((frame) => frame.startsWith("data: ") && !frame.includes("\n"))).toBe(true)
    expect(frames.at(-1)).toBe("data: [DONE]")
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice("data: ".length)))
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" })
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop")
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 } })
    const plain = await post("/chat/completions", { model: server.seed.bits.llmBitId, messages: hi, stream: true })
    const plainFrames = (await plain.text()).split("\n\n").filter((frame) => frame !== "")
    expect(plainFrames.slice(0, -1).every((frame) => JSON.parse(frame.slice(6)).choices.length === 1)).toBe(true)
    await server.nextStreamClosed()
    await server.nextStreamClosed()
  })

  it("refuses like the real server: missing model 400, unknown bit 500, a local bit 400, an API key 500", async () => {
    const missing = await post("/chat/completions", { messages: hi })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toEqual({ error: { code: "BAD_REQUEST", message: "Missing 'model' field" } })
    const unknown = await post("/chat/completions", { model: "nope", messages: hi })
    expect(unknown.status).toBe(500)
    expect((await unknown.json()).error.code).toBe("INTERNAL_ERROR")
    const local = await post("/chat/completions", { model: server.seed.bits.localLlmBitId, messages: hi })
    expect(local.status).toBe(400)
    expect((await local.json()).error.message).toBe(
      "Unsupported provider: Ollama. Supported: Hosted, hosted:openrouter, hosted:openai, hosted:anthropic, hosted:bedrock, hosted:azure, hosted:vertex"
    )
    const embedding = await post("/chat/completions", { model: server.seed.bits.embeddingBitId, messages: hi })
    expect(embedding.status).toBe(500)
    const apiKey = await post("/chat/completions", { model: server.seed.bits.llmBitId, messages: hi }, { authorization: "", "x-api-key": server.apiKey })
    expect(apiKey.status).toBe(500)
  })

  it("passes a provider failure through: its status and its own body; streamed, the server's 400 Upstream error", async () => {
    server.models.failUpstream(server.seed.bits.llmBitId, { status: 503, message: "overloaded", type: "server_error" })
    const plain = await post("/chat/completions", { model: server.seed.bits.llmBitId, messages: hi })
    expect(plain.status).toBe(503)
    expect(await plain.json()).toEqual({ error: { message: "overloaded", type: "server_error", param: null, code: null } })
    server.models.failUpstream(server.seed.bits.llmBitId)
    const streamed = await post("/chat/completions", { model: server.seed.bits.llmBitId, messages: hi, stream: true })
    expect(streamed.status).toBe(400)
    expect(await streamed.json()).toEqual({ error: { code: "BAD_REQUEST", message: "Upstream error" } })
  })

  it("answers hosted:anthropic bits as Anthropic does: a Messages object, or named events up to message_stop; OpenAI-only fields are refused", async () => {
    const model = server.seed.bits.anthropicLlmBitId
    const answer = await post("/chat/completions", { model, messages: hi })
    expect(await answer.json()).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "You said: hi there" }],
      stop_reason: "end_turn"
    })
    const streamed = await post("/chat/completions", { model, messages: hi, stream: true })
    expect(streamed.status).toBe(200)
    const text = await streamed.text()
    expect(text.startsWith("event: message_start\ndata: {")).toBe(true)
    expect(text.trimEnd().endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}")).toBe(true)
    expect(text).not.toContain("[DONE]")
    const tools = [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }]
    const called = await (await post("/chat/completions", { model, messages: [{ role: "user", content: "get_weather for Paris" }], tools })).json()
    expect(called).toMatchObject({ stop_reason: "tool_use", content: [{ type: "tool_use", name: "get_weather", input: { city: "Paris" } }] })
    const openAi = await post("/chat/completions", { model, messages: hi, stream_options: { include_usage: true } })
    expect(openAi.status).toBe(400)
    expect(await openAi.json()).toEqual({ type: "error", error: { type: "invalid_request_error", message: "stream_options: Extra inputs are not permitted" } })
    const system = await post("/chat/completions", { model, messages: [{ role: "system", content: "x" }, ...hi] })
    expect((await system.json()).error.type).toBe("invalid_request_error")
    const streamedBadly = await post("/chat/completions", { model, messages: [{ role: "system", content: "x" }, ...hi], stream: true })
    expect(streamedBadly.status).toBe(400)
  })

  it("embeddings: a single string is axum's 422; unit vectors of the bit's length; prompt tokens = UTF-8 bytes / 4 per input", async () => {
    const single = await post("/embeddings/embed", { model: server.seed.bits.embeddingBitId, input: "hello" })
    expect(single.status).toBe(422)
    expect(await single.text()).toMatch(/^Failed to deserialize the JSON body into the target type: /)
    const response = await post("/embeddings/embed", { model: server.seed.bits.embeddingBitId, input: ["hello world", "hello world!"] })
    const body = await response.json()
    expect(body.model).toBe(server.seed.bits.embeddingBitId)
    expect(body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 })
    const [a, b] = body.embeddings as Array<Array<number>>
    expect(a).toHaveLength(384)
    const dot = (x: Array<number>, y: Array<number>) => x.reduce((sum, value, index) => sum + value * (y[index] ?? 0), 0)
    expect(dot(a ?? [], a ?? [])).toBeCloseTo(1, 5)
    expect(dot(a ?? [], b ?? [])).toBeGreaterThan(0.8)
    const local = await post("/embeddings/embed", { model: "dev-embed-local", input: ["x"] })
    expect(local.status).toBe(500)
    server.models.addBit({ id: "no-impl", type: "Embedding", name: "No implementation", parameters: { vector_length: 8, remote: { endpoint: "https://x" } } })
    const noImplementation = await post("/embeddings/embed", { model: "no-impl", input: ["x"] })
    expect(noImplementation.status).toBe(400)
    expect((await noImplementation.json()).error.message).toBe("Bit does not have a remote implementation configured")
  })

  it("bits: search by type and substring with offset and a limit capped at 100; an unknown bit is 404; users only", async () => {
    const anonymous = await fetch(`${server.apiUrl}/bit`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    expect(anonymous.status).toBe(500)
    expect((await (await post("/bit", { search: "echo" })).json())).toEqual([])
    expect(server.seed.bits).toMatchObject({ llmCount: 120, hostedLlmCount: 10 })
    const page = await (await post("/bit", { bit_types: ["Llm"], limit: 1000, offset: 100 })).json()
    expect(page).toHaveLength(server.seed.bits.llmCount - 100)
    const first = await (await post("/bit", { bit_types: ["Llm"] })).json()
    expect(first).toHaveLength(50)
    const found = await (await post("/bit?language=en", { search: "Echo" })).json()
    expect(found.map((bit: { id: string }) => bit.id)).toEqual([server.seed.bits.llmBitId])
    expect(found[0]).toMatchObject({
      type: "Llm",
      download_link: null,
      meta: { en: { name: "Dev Echo", tags: ["chat"], icon: null, preview_media: [], created_at: { secs_since_epoch: 1_767_225_600, nanos_since_epoch: 0 } } }
    })
    const missing = await fetch(`${server.apiUrl}/bit/nope`, { headers: { authorization: server.pat } })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: { code: "NOT_FOUND", message: "Not Found" } })
  })

  it("GET /chat/usage reports running totals", async () => {
    await post("/chat/completions", { model: server.seed.bits.llmBitId, messages: hi })
    const usage = await (await fetch(`${server.apiUrl}/chat/usage`, { headers: { authorization: server.pat } })).json()
    expect(usage.llm_price).toBeGreaterThan(0)
    expect(usage).toEqual({ llm_price: server.models.usage().llmPrice, embedding_price: 0 })
  })
})
