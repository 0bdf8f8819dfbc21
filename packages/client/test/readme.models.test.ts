/** The README's "Models" examples, run as written against the dev server (credentials from the server). */
import { Effect } from "effect"
import { expect, it } from "vitest"
import { ChatStream as EffectChatStream, FlowLike, Models } from "@flow-like/effect"
import { ChatStream, FlowLikeClient } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"

it("the Effect and Promise examples of the Models section work", async () => {
  const server = await DevServer.start()
  const logged: Array<unknown> = []
  try {
    const program = Effect.gen(function*() {
      const models = yield* Models.Models
      const [llm] = yield* models.listLlms({ limit: 1 })
      const bitId = llm?.bitId ?? "bit-id"
      const messages = [{ role: "user" as const, content: "Hello" }]

      const completion = yield* models.chatCompletions({ bitId, messages, maxTokens: 200, extra: { seed: 1 } })
      logged.push(completion.choices[0]?.message.content, completion.usage?.totalTokens)

      const final = yield* EffectChatStream.finalCompletion(models.chatCompletionsStream({ bitId, messages }))
      logged.push(final.choices[0]?.finishReason)

      const { embeddings } = yield* models.embed({ bitId: server.seed.bits.embeddingBitId, input: ["doc one", "doc two"], embedType: "document" })
      logged.push(embeddings.length)
    })
    await Effect.runPromise(program.pipe(Effect.provide(FlowLike.layer({ baseUrl: server.url, pat: server.pat }))))
    expect(logged).toEqual(["You said: Hello", expect.any(Number), "stop", 2])

    await using client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
    const messages = [{ role: "user" as const, content: "Hello" }]
    const bitId = server.seed.bits.llmBitId
    const completion = await client.chatCompletions({ bitId, messages })
    let written = ""
    for await (const text of ChatStream.textDeltas(client.chatCompletions({ bitId, messages, stream: true }))) {
      written += text
    }
    const usage = await client.getUsage()
    expect([completion.choices[0]?.message.content, written]).toEqual(["You said: Hello", "You said: Hello"])
    expect(usage.llmPrice).toBeGreaterThan(0)
    expect(usage.embeddingPrice).toBeGreaterThan(0)
  } finally {
    await server.close()
  }
})
