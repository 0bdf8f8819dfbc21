/**
 * The old SDK's LangChain examples in TypeScript, against the embedded Flow-Like dev server (real
 * HTTP over loopback): the client's factories, standalone models, a prompt | model | parser chain,
 * streaming, embeddings for RAG with an in-memory vector store, and an agent-style tool loop.
 * Run it with `pnpm demo:langchain`.
 */
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory"
import { AIMessage, HumanMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages"
import { StringOutputParser } from "@langchain/core/output_parsers"
import { ChatPromptTemplate } from "@langchain/core/prompts"
import { tool } from "@langchain/core/tools"
import { z } from "zod"
import { FlowLikeClient } from "@flow-like/client"
import { FlowLikeChatModel, FlowLikeEmbeddings } from "@flow-like/langchain"
import { DevServer } from "@flow-like/testing"

const print = (line = "") => process.stdout.write(`${line}\n`)
const heading = (title: string) => print(`\n=== ${title} ===`)

const server = await DevServer.start()
const { llmBitId, embeddingBitId } = server.seed.bits
const client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })

try {
  heading("1. Factory methods")
  const chatModel = await client.asLangChainChat(llmBitId, { temperature: 0.7, maxTokens: 1024 })
  const embeddings = await client.asLangChainEmbeddings(embeddingBitId)
  print(`chat model: ${chatModel.getName()} on ${chatModel.bitId}; embeddings on ${embeddings.bitId}`)

  heading("2. Standalone usage")
  const standalone = new FlowLikeChatModel({ baseUrl: server.url, token: server.pat, bitId: llmBitId, temperature: 0.7, maxTokens: 1024 })
  const standaloneEmbeddings = new FlowLikeEmbeddings({ baseUrl: server.url, token: server.pat, bitId: embeddingBitId })
  print(`standalone: ${(await standalone.invoke("Hello!")).content}`)

  heading("3. With LangChain chains")
  const chain = ChatPromptTemplate.fromMessages([
    ["system", "You are a helpful assistant."],
    ["human", "{input}"]
  ]).pipe(chatModel).pipe(new StringOutputParser())
  const response = await chain.invoke({ input: "What is Flow-Like?" })
  print(`chain: ${response}`)

  heading("4. Streaming")
  const chunks: Array<string> = []
  for await (const chunk of await chain.stream({ input: "Stream this answer" })) chunks.push(chunk)
  print(`${chunks.length} chunks: ${chunks.map((chunk) => JSON.stringify(chunk)).join(" ")}`)

  heading("5. RAG with LangChain")
  const vectors = await embeddings.embedDocuments(["Flow-Like is a visual workflow engine.", "It runs on your device."])
  const queryVector = await embeddings.embedQuery("What runs locally?")
  print(`${vectors.length} document vectors of length ${vectors[0]?.length}, a query vector of length ${queryVector.length}`)
  const store = await MemoryVectorStore.fromTexts(
    ["Flow-Like is a visual workflow engine.", "It runs on your device.", "Secrets never appear in logs."],
    [{ id: 1 }, { id: 2 }, { id: 3 }],
    standaloneEmbeddings
  )
  const [closest] = await store.similaritySearch("Where does it run? On my device?", 1)
  print(`closest document: "${closest?.pageContent}"`)

  heading("6. An agent-style tool loop")
  const getWeather = tool(async ({ city }) => `Sunny and 21 C in ${city}`, {
    name: "get_weather",
    description: "The current weather in a city",
    schema: z.object({ city: z.string().describe("The city") })
  })
  const withTools = chatModel.bindTools([getWeather])
  const history: Array<BaseMessage> = [new HumanMessage("Use get_weather for Paris")]
  for (let turn = 0; turn < 5; turn++) {
    const reply: AIMessage = await withTools.invoke(history)
    history.push(reply)
    if (reply.tool_calls === undefined || reply.tool_calls.length === 0) break
    for (const call of reply.tool_calls) {
      print(`model calls ${call.name}(${JSON.stringify(call.args)})`)
      const result: ToolMessage = await getWeather.invoke(call)
      history.push(result)
    }
  }
  print(`final answer: ${history.at(-1)?.content}`)
  print("\nDone.")
} finally {
  await client.close()
  await server.close()
}
