/**
 * Helpers for a streamed chat completion in the Promise client (`chatCompletions({ ..., stream: true })`
 * or `chatCompletionsStream`): the text alone, or the final completion assembled from the chunks.
 *
 * @example
 * ```ts
 * import { ChatStream, FlowLikeClient } from "@flow-like/client"
 *
 * const client = new FlowLikeClient()
 * const chunks = client.chatCompletions({ bitId: "bit-id", messages: [{ role: "user", content: "Hi" }], stream: true })
 * const completion = await ChatStream.finalCompletion(chunks)
 * ```
 *
 * @since 0.3.0
 */
import * as EffectChatStream from "@flow-like/effect/ChatStream"
import type { ChatCompletion, ChatCompletionChunk } from "@flow-like/effect/Models"

/** The completion the chunks make up: content concatenated, tool calls merged by index, finish reason, usage. */
export const finalCompletion = async (chunks: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletion> => {
  const accumulator = EffectChatStream.makeAccumulator()
  for await (const chunk of chunks) accumulator.add(chunk)
  return accumulator.completion()
}

/** The content deltas of the first choice alone, empty ones left out. */
export async function* textDeltas(chunks: AsyncIterable<ChatCompletionChunk>): AsyncGenerator<string, void, undefined> {
  for await (const chunk of chunks) {
    const text = EffectChatStream.textOf(chunk)
    if (text !== undefined && text !== "") yield text
  }
}
