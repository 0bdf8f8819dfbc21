import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Anthropic from "../src/internal/anthropic.ts"

const decodeEvent = Schema.decodeUnknownSync(Anthropic.StreamEvent)
const decodeResponse = Schema.decodeUnknownSync(Anthropic.MessagesResponse)

describe("Anthropic translation", () => {
  it("request: system into system, tools, tool calls and results as blocks, toolChoice, stop, max_tokens, no OpenAI-only fields", () => {
    const { body, outputTool } = Anthropic.toMessagesRequest({
      model: "bit",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, toolCalls: [
          { id: "c1", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } },
          { id: "c2", type: "function", function: { name: "weather", arguments: "{\"city\":\"Lyon\"}" } }
        ] },
        { role: "tool", toolCallId: "c1", content: "sunny" },
        { role: "tool", toolCallId: "c2", content: "rain" }
      ],
      temperature: 0.5,
      topP: 0.9,
      stop: "\n",
      tools: [{ type: "function", function: { name: "weather", description: "d", parameters: { type: "object" } } }],
      toolChoice: "required",
      streamOptions: { includeUsage: true }
    }, "bit", true)
    assert.isUndefined(outputTool)
    assert.deepStrictEqual(body, {
      model: "bit",
      max_tokens: 4096,
      system: "Be brief.",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [
          { type: "tool_use", id: "c1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "c2", name: "weather", input: { city: "Lyon" } }
        ] },
        { role: "user", content: [
          { type: "tool_result", tool_use_id: "c1", content: "sunny" },
          { type: "tool_result", tool_use_id: "c2", content: "rain" }
        ] }
      ],
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ["\n"],
      tools: [{ name: "weather", description: "d", input_schema: { type: "object" } }],
      tool_choice: { type: "any" },
      stream: true
    })
  })

  it("request: toolChoice none/auto/named, maxTokens kept, structured output through a forced tool", () => {
    const tool = { type: "function" as const, function: { name: "t" } }
    const choice = (toolChoice: "none" | "auto" | { type: "function"; function: { name: string } }) =>
      Anthropic.toMessagesRequest({ messages: [{ role: "user", content: "x" }], tools: [tool], toolChoice }, "m", false).body.tool_choice
    assert.deepStrictEqual(choice("none"), { type: "none" })
    assert.deepStrictEqual(choice("auto"), { type: "auto" })
    assert.deepStrictEqual(choice({ type: "function", function: { name: "t" } }), { type: "tool", name: "t" })
    const structured = Anthropic.toMessagesRequest({
      messages: [{ role: "user", content: "x" }],
      maxTokens: 10,
      responseFormat: { type: "json_schema", jsonSchema: { name: "cat", schema: { type: "object", properties: { n: { type: "integer" } } } } }
    }, "m", false)
    assert.strictEqual(structured.outputTool, "cat")
    assert.strictEqual(structured.body.max_tokens, 10)
    assert.deepStrictEqual(structured.body.tool_choice, { type: "tool", name: "cat" })
    assert.deepStrictEqual(structured.body.tools?.[0]?.input_schema, { type: "object", properties: { n: { type: "integer" } } })
    assert.isUndefined(structured.body.stream)
  })

  it("answer: text and tool use as a completion, stop reason, usage; the output tool's input is the content", () => {
    const response = decodeResponse({
      id: "msg_1", type: "message", role: "assistant", model: "claude",
      content: [{ type: "text", text: "Let me check." }, { type: "tool_use", id: "tu1", name: "weather", input: { city: "Paris" } }],
      stop_reason: "tool_use",
      usage: { input_tokens: 10, output_tokens: 5 }
    })
    const completion = Anthropic.toChatCompletion(response, 7, undefined)
    assert.deepStrictEqual(completion, {
      id: "msg_1", object: "chat.completion", created: 7, model: "claude",
      choices: [{
        index: 0,
        message: { role: "assistant", content: "Let me check.", toolCalls: [{ id: "tu1", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } }] },
        finishReason: "tool_calls"
      }],
      usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }
    })
    const structured = Anthropic.toChatCompletion(
      decodeResponse({ ...response, content: [{ type: "tool_use", id: "tu2", name: "cat", input: { n: 3 } }] }),
      7,
      "cat"
    )
    assert.strictEqual(structured.choices[0]?.message.content, "{\"n\":3}")
    assert.strictEqual(structured.choices[0]?.finishReason, "stop")
    assert.strictEqual(Anthropic.finishReason("max_tokens", false), "length")
  })

  it("stream: events as chunks, tool-use JSON split across deltas by index, finish reason, a final usage chunk, end at message_stop", () => {
    const translate = Anthropic.makeStreamTranslator({ created: 1, includeUsage: true, outputTool: undefined })
    const events = [
      { type: "message_start", message: { id: "msg_1", model: "claude", usage: { input_tokens: 9, output_tokens: 1 } } },
      { type: "ping" },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "tu1", name: "weather", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{\"city\":" } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "\"Paris\"}" } },
      { type: "content_block_stop", index: 1 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 12 } },
      { type: "message_stop" }
    ]
    const steps = events.map((event) => translate(decodeEvent(event)))
    const chunks = steps.flatMap((step) => step._tag === "Chunks" ? step.chunks : [])
    assert.deepStrictEqual(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? null), ["", "Hel", "lo", null, null, null, null, null])
    assert.deepStrictEqual(chunks.flatMap((chunk) => chunk.choices[0]?.delta.toolCalls ?? []), [
      { index: 0, id: "tu1", type: "function", function: { name: "weather", arguments: "" } },
      { index: 0, function: { arguments: "{\"city\":" } },
      { index: 0, function: { arguments: "\"Paris\"}" } }
    ])
    assert.strictEqual(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls")
    assert.deepStrictEqual(chunks.at(-1)?.usage, { promptTokens: 9, completionTokens: 12, totalTokens: 21 })
    assert.deepStrictEqual(chunks.at(-1)?.choices, [])
    assert.isTrue(chunks.every((chunk) => chunk.id === "msg_1" && chunk.model === "claude"))
    assert.deepStrictEqual(steps.map((step) => step._tag === "Chunks" && step.done), [...events.slice(1).map(() => false), true])
    const failed = translate(decodeEvent({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }))
    assert.deepStrictEqual(failed, { _tag: "Error", message: "Overloaded" })
  })
})
