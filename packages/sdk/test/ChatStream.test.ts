import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ChatStream } from "../src/index.ts"
import type { Models } from "../src/index.ts"

const chunk = (
  choices: ReadonlyArray<Models.ChatCompletionChunk["choices"][number]>,
  usage?: Models.ChatCompletionChunk["usage"]
): Models.ChatCompletionChunk => ({ id: "c1", object: "chat.completion.chunk", created: 7, model: "m", choices, usage, data: "{}" })

describe("ChatStream", () => {
  it.effect("assembles the final completion: content, tool calls merged by index from split deltas, finish reason, usage", () =>
    Effect.gen(function*() {
      const chunks = Stream.fromIterable([
        chunk([{ index: 0, delta: { role: "assistant", content: "" } }]),
        chunk([{ index: 0, delta: { content: "Let me " } }]),
        chunk([{ index: 0, delta: { content: "check." } }]),
        chunk([{ index: 0, delta: { toolCalls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_", arguments: "" } }] } }]),
        chunk([{ index: 0, delta: { toolCalls: [{ index: 1, id: "call_b", type: "function", function: { name: "time", arguments: "{\"tz\":" } }] } }]),
        chunk([{ index: 0, delta: { toolCalls: [{ index: 0, function: { name: "weather", arguments: "{\"city\":" } }] } }]),
        chunk([{ index: 0, delta: { toolCalls: [{ index: 1, function: { arguments: "\"CET\"}" } }, { index: 0, function: { arguments: "\"Oslo\"}" } }] } }]),
        chunk([{ index: 0, delta: {}, finishReason: "tool_calls" }]),
        chunk([], { promptTokens: 5, completionTokens: 7, totalTokens: 12 })
      ])
      const final = yield* ChatStream.finalCompletion(chunks)
      assert.deepStrictEqual(final.choices, [{
        index: 0,
        message: {
          role: "assistant",
          content: "Let me check.",
          toolCalls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } },
            { id: "call_b", type: "function", function: { name: "time", arguments: "{\"tz\":\"CET\"}" } }
          ]
        },
        finishReason: "tool_calls"
      }])
      assert.deepStrictEqual(final.usage, { promptTokens: 5, completionTokens: 7, totalTokens: 12 })
      assert.deepStrictEqual([final.id, final.object, final.created, final.model], ["c1", "chat.completion", 7, "m"])
      assert.strictEqual(Array.isArray(final.raw) ? final.raw.length : -1, 9)
      const text = yield* Stream.runCollect(ChatStream.textDeltas(chunks))
      assert.deepStrictEqual(text, ["Let me ", "check."])
    }))

  it.effect("keeps several choices apart, by index", () =>
    Effect.gen(function*() {
      const final = yield* ChatStream.finalCompletion(Stream.fromIterable([
        chunk([{ index: 1, delta: { content: "B" } }, { index: 0, delta: { content: "A" } }]),
        chunk([{ index: 0, delta: { content: "a" }, finishReason: "stop" }, { index: 1, delta: { content: "b" }, finishReason: "length" }])
      ]))
      assert.deepStrictEqual(final.choices.map((choice) => [choice.index, choice.message.content, choice.finishReason]), [[0, "Aa", "stop"], [1, "Bb", "length"]])
      assert.isUndefined(final.usage)
    }))
})
