/** The client's LangChain factories: `@flow-like/langchain` loaded on first use, on the client's own runtime. */
import { BaseChatModel } from "@langchain/core/language_models/chat_models"
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import { FlowLikeChatModel, FlowLikeEmbeddings } from "@flow-like/langchain"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"
import { loadLangChain } from "../src/internal/langchain.ts"

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

const bodies = (path: string) => server.requests.filter((request) => request.path === path).map((request) => JSON.parse(request.body))

describe("FlowLikeClient LangChain factories", () => {
  it("asLangChainChat resolves to a FlowLikeChatModel on the client's configuration, with the options given", async () => {
    const pending = client.asLangChainChat(server.seed.bits.llmBitId, { temperature: 0.7, maxTokens: 1024 })
    expectTypeOf(pending).toEqualTypeOf<Promise<FlowLikeChatModel>>()
    const model = await pending
    expect(model).toBeInstanceOf(FlowLikeChatModel)
    expect(model).toBeInstanceOf(BaseChatModel)
    expect((await model.invoke("What is Flow-Like?")).content).toBe("You said: What is Flow-Like?")
    expect(bodies("/api/v1/chat/completions")[0]).toMatchObject({ model: server.seed.bits.llmBitId, temperature: 0.7, max_tokens: 1024 })
  })

  it("asLangChainEmbeddings resolves to FlowLikeEmbeddings on the client's configuration", async () => {
    const embeddings = await client.asLangChainEmbeddings(server.seed.bits.embeddingBitId, { batchSize: 1 })
    expect(embeddings).toBeInstanceOf(FlowLikeEmbeddings)
    const vectors = await embeddings.embedDocuments(["text1", "text2"])
    expect(vectors.map((vector) => vector.length)).toEqual([384, 384])
    expect(bodies("/api/v1/embeddings/embed").map((body) => body.input)).toEqual([["text1"], ["text2"]])
  })

  it("after client.close(), the models' calls reject with AbortedError", async () => {
    const model = await client.asLangChainChat(server.seed.bits.llmBitId)
    const embeddings = await client.asLangChainEmbeddings(server.seed.bits.embeddingBitId)
    await client.close()
    const streamed = async () => {
      for await (const _ of await model.stream("Hello")) void _
    }
    for (const call of [() => model.invoke("Hello"), () => embeddings.embedQuery("Hello"), streamed]) {
      const error = await call().then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(FlowLikeError)
      expect((error as FlowLikeError).reason._tag).toBe("AbortedError")
    }
  })

  it("client.close() ends a model's running stream with AbortedError and closes its connection", async () => {
    const model = await client.asLangChainChat(server.seed.bits.llmBitId)
    server.models.script(server.seed.bits.llmBitId, { content: "a b c", hang: true })
    const received: Array<string> = []
    const error = await (async () => {
      for await (const chunk of await model.stream("Hello")) {
        received.push(String(chunk.content))
        if (received.join("") === "a b c") void client.close()
      }
    })().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("AbortedError")
    expect((error as FlowLikeError).message).toContain("the FlowLikeClient was closed")
    expect((await server.nextStreamClosed()).byClient).toBe(true)
  })

  it("without @flow-like/langchain installed, a ConfigurationError names the packages to install", async () => {
    const missing = () =>
      Promise.reject(Object.assign(new Error("Cannot find package '@flow-like/langchain' imported from /app/node_modules/@flow-like/client/dist/internal/langchain.js"), {
        code: "ERR_MODULE_NOT_FOUND"
      }))
    const error = await loadLangChain("asLangChainChat", missing).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("ConfigurationError")
    expect((error as FlowLikeError).message).toContain("npm install @flow-like/langchain @langchain/core")
    const other = new Error("boom")
    await expect(loadLangChain("asLangChainChat", () => Promise.reject(other))).rejects.toBe(other)
  })
})
