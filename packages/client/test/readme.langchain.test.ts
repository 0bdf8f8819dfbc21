/** The README's "LangChain" examples, run as written against the dev server (ids and credentials from the server). */
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory"
import { StringOutputParser } from "@langchain/core/output_parsers"
import { ChatPromptTemplate } from "@langchain/core/prompts"
import { tool } from "@langchain/core/tools"
import { expect, it } from "vitest"
import { z } from "zod"
import { FlowLikeClient } from "@flow-like/client"
import { FlowLikeChatModel, FlowLikeEmbeddings } from "@flow-like/langchain"
import { DevServer } from "@flow-like/testing"

it("the examples of the LangChain section work", async () => {
  const server = await DevServer.start()
  await using client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
  try {
    const { llmBitId, embeddingBitId } = server.seed.bits
    const fromClient = await client.asLangChainChat(llmBitId, { temperature: 0.7, maxTokens: 1024 })
    const embeddingsFromClient = await client.asLangChainEmbeddings(embeddingBitId)
    expect((await fromClient.invoke("Hi")).content).toBe("You said: Hi")
    expect(await embeddingsFromClient.embedQuery("Hi")).toHaveLength(384)

    const chatModel = new FlowLikeChatModel({
      baseUrl: server.url,
      token: server.pat,
      bitId: llmBitId,
      temperature: 0.7,
      maxTokens: 1024
    })
    const embeddings = new FlowLikeEmbeddings({ baseUrl: server.url, token: server.pat, bitId: embeddingBitId })

    const chain = ChatPromptTemplate.fromMessages([
      ["system", "You are a helpful assistant."],
      ["human", "{input}"]
    ]).pipe(chatModel).pipe(new StringOutputParser())
    const response = await chain.invoke({ input: "What is Flow-Like?" })
    const written: Array<string> = []
    for await (const text of await chain.stream({ input: "What is Flow-Like?" })) written.push(text)
    expect(response).toBe("You said: What is Flow-Like?")
    expect(written.filter((text) => text !== "").length).toBeGreaterThan(1)
    expect(written.join("")).toBe(response)

    const vectors = await embeddings.embedDocuments(["Flow-Like is a visual workflow engine.", "It runs on your device."])
    const queryVector = await embeddings.embedQuery("What runs locally?")
    const store = await MemoryVectorStore.fromTexts(["Flow-Like is a visual workflow engine.", "It runs on your device."], [{}, {}], embeddings)
    const [closest] = await store.similaritySearch("What runs on my device?", 1)
    expect(vectors.map((vector) => vector.length)).toEqual([384, 384])
    expect(queryVector).toHaveLength(384)
    expect(closest?.pageContent).toBe("It runs on your device.")

    const getWeather = tool(async ({ city }) => `Sunny in ${city}`, {
      name: "get_weather",
      description: "The current weather in a city",
      schema: z.object({ city: z.string() })
    })
    const reply = await chatModel.bindTools([getWeather]).invoke("Use get_weather for Paris")
    const results = await Promise.all((reply.tool_calls ?? []).map((call) => getWeather.invoke(call)))
    const answer = await chatModel.bindTools([getWeather]).invoke(["Use get_weather for Paris", reply, ...results])
    expect(reply.tool_calls?.map((call) => [call.name, call.args])).toEqual([["get_weather", { city: "Paris" }]])
    expect(answer.content).toBe("The tool answered: Sunny in Paris")

    const person = await chatModel.withStructuredOutput(z.object({ name: z.string(), age: z.number() })).invoke("Ada is 36")
    expect(person).toEqual({ name: "Ada is 36", age: 36 })
  } finally {
    await server.close()
  }
})
