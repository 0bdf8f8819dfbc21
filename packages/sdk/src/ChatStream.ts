/**
 * Helpers for a streamed chat completion (`Models.chatCompletionsStream`): the text alone, or the
 * final completion assembled from the chunks, as openai-node's `finalChatCompletion()` does.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ChatStream, Models } from "@flow-like/effect"
 *
 * const program = Effect.gen(function*() {
 *   const models = yield* Models.Models
 *   const chunks = models.chatCompletionsStream({ bitId: "bit-id", messages: [{ role: "user", content: "Hi" }] })
 *   const completion = yield* ChatStream.finalCompletion(chunks)
 *   yield* Effect.log(completion.choices[0]?.message.content, completion.usage?.totalTokens)
 * })
 * ```
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { ChatCompletion, ChatCompletionChunk } from "./Models.ts"

interface ToolCallParts {
  id: string
  type: "function"
  name: string
  arguments: string
}

interface ChoiceParts {
  role: string
  content: string | undefined
  finishReason: string | undefined
  readonly toolCalls: Map<number, ToolCallParts>
}

/** Collects chunks one by one and builds the completion they make up. */
export interface Accumulator {
  /** Adds the next chunk. */
  readonly add: (chunk: ChatCompletionChunk) => void
  /** The completion so far: content concatenated, tool calls merged by index, finish reason and usage as last sent. */
  readonly completion: () => ChatCompletion
}

/** A new accumulator (also what `finalCompletion` uses; handy over an `AsyncIterable` of chunks). */
export const makeAccumulator = (): Accumulator => {
  const head = { id: "", created: 0, model: "" }
  const choices = new Map<number, ChoiceParts>()
  let usage: ChatCompletionChunk["usage"]
  const data: Array<string> = []
  return {
    add: (chunk) => {
      data.push(chunk.data)
      if (head.id === "") head.id = chunk.id
      if (head.created === 0) head.created = chunk.created
      if (head.model === "") head.model = chunk.model
      if (chunk.usage !== undefined) usage = chunk.usage
      for (const choice of chunk.choices) {
        let parts = choices.get(choice.index)
        if (parts === undefined) {
          parts = { role: "assistant", content: undefined, finishReason: undefined, toolCalls: new Map() }
          choices.set(choice.index, parts)
        }
        const { delta } = choice
        if (delta.role !== undefined) parts.role = delta.role
        if (delta.content !== undefined) parts.content = (parts.content ?? "") + delta.content
        if (choice.finishReason !== undefined) parts.finishReason = choice.finishReason
        for (const call of delta.toolCalls ?? []) {
          let tool = parts.toolCalls.get(call.index)
          if (tool === undefined) {
            tool = { id: "", type: "function", name: "", arguments: "" }
            parts.toolCalls.set(call.index, tool)
          }
          if (call.id !== undefined) tool.id = call.id
          if (call.function?.name !== undefined) tool.name += call.function.name
          if (call.function?.arguments !== undefined) tool.arguments += call.function.arguments
        }
      }
    },
    completion: () => ({
      id: head.id,
      object: "chat.completion",
      created: head.created,
      model: head.model,
      choices: [...choices.entries()].sort(([a], [b]) => a - b).map(([index, parts]) => ({
        index,
        message: {
          role: parts.role,
          content: parts.content,
          toolCalls: parts.toolCalls.size === 0 ? undefined : [...parts.toolCalls.entries()].sort(([a], [b]) => a - b).map((
            [, tool]
          ) => ({ id: tool.id, type: tool.type, function: { name: tool.name, arguments: tool.arguments } }))
        },
        finishReason: parts.finishReason
      })),
      usage,
      raw: [...data]
    })
  }
}

/**
 * The completion a stream of chunks makes up: each choice's content concatenated, its tool calls
 * merged from their pieces by `index`, its last finish reason, and the usage chunk's usage. `raw` is
 * the list of the chunks' data texts.
 */
export const finalCompletion = <E, R>(
  chunks: Stream.Stream<ChatCompletionChunk, E, R>
): Effect.Effect<ChatCompletion, E, R> =>
  Effect.suspend(() => {
    const accumulator = makeAccumulator()
    return Effect.map(Stream.runForEach(chunks, (chunk) => Effect.sync(() => accumulator.add(chunk))), accumulator.completion)
  })

/** The text a chunk adds to the first choice, if any. */
export const textOf = (chunk: ChatCompletionChunk): string | undefined =>
  chunk.choices.find((choice) => choice.index === 0)?.delta.content

/** The content deltas of the first choice alone, empty ones left out. */
export const textDeltas = <E, R>(chunks: Stream.Stream<ChatCompletionChunk, E, R>): Stream.Stream<string, E, R> =>
  chunks.pipe(
    Stream.map(textOf),
    Stream.filter((text): text is string => text !== undefined && text !== "")
  )
