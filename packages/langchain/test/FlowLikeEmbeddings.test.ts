/** `FlowLikeEmbeddings` against the dev server over loopback, and a LangChain vector store built on it. */
import { inspect } from "node:util"
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { FlowLikeEmbeddings, FlowLikeError } from "@flow-like/langchain"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance

beforeEach(async () => {
  server = await DevServer.start()
})

afterEach(async () => {
  await server.close()
})

const embedBodies = () =>
  server.requests.filter((request) => request.path === "/api/v1/embeddings/embed").map((request) => JSON.parse(request.body))

const make = (fields: Partial<ConstructorParameters<typeof FlowLikeEmbeddings>[0]> = {}) =>
  new FlowLikeEmbeddings({ baseUrl: server.url, token: server.pat, bitId: server.seed.bits.embeddingBitId, ...fields })

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection")
}

describe("FlowLikeEmbeddings", () => {
  it("embedDocuments: one vector of the model's length per text, in order, sent as documents", async () => {
    const vectors = await make().embedDocuments(["Flow-Like is a visual workflow engine.", "It runs on your device."])
    expect(vectors).toHaveLength(2)
    expect(vectors.every((vector) => vector.length === 384)).toBe(true)
    expect(vectors[0]).not.toEqual(vectors[1])
    expect(embedBodies()).toEqual([{
      model: server.seed.bits.embeddingBitId,
      input: ["Flow-Like is a visual workflow engine.", "It runs on your device."],
      embed_type: "document"
    }])
  })

  it("embedQuery: one vector, sent as a query; the same text as a document gets the same vector here", async () => {
    const embeddings = make({ bitId: server.seed.bits.largeEmbeddingBitId })
    const query = await embeddings.embedQuery("What runs locally?")
    expect(query).toHaveLength(768)
    expect(embedBodies()[0]).toMatchObject({ input: ["What runs locally?"], embed_type: "query" })
    expect(await embeddings.embedDocuments(["What runs locally?"])).toEqual([query])
  })

  it("batchSize splits the texts into requests; maxConcurrency bounds them; the order is kept", async () => {
    const texts = Array.from({ length: 7 }, (_, index) => `text number ${index}`)
    const vectors = await make({ batchSize: 3, maxConcurrency: 2 }).embedDocuments(texts)
    expect(embedBodies().map((body) => body.input)).toEqual([texts.slice(0, 3), texts.slice(3, 6), texts.slice(6)])
    expect(vectors).toEqual(await make().embedDocuments(texts))
  })

  it("at most maxConcurrency requests at once, through the fetch and with the headers given", async () => {
    server.faults.inject({ path: "/api/v1/embeddings/embed", times: Infinity, fault: { kind: "latency", millis: 40 } })
    let inFlight = 0
    let most = 0
    const counting: typeof fetch = async (input, init) => {
      inFlight += 1
      most = Math.max(most, inFlight)
      try {
        return await fetch(input, init)
      } finally {
        inFlight -= 1
      }
    }
    const texts = Array.from({ length: 8 }, (_, index) => `text ${index}`)
    await make({ batchSize: 1, maxConcurrency: 2, fetch: counting, headers: { "x-demo": "yes" } }).embedDocuments(texts)
    expect(most).toBe(2)
    expect(embedBodies()).toHaveLength(8)
    expect(server.requests.every((request) => request.headers["x-demo"] === "yes")).toBe(true)
  })

  it("texts go in batches of 32 by default", async () => {
    const texts = Array.from({ length: 33 }, (_, index) => `text ${index}`)
    expect(await make().embedDocuments(texts)).toHaveLength(33)
    expect(embedBodies().map((body) => body.input.length)).toEqual([32, 1])
  })

  it("stripNewLines (default true) replaces newlines with spaces; false sends them", async () => {
    await make().embedDocuments(["line one\nline two"])
    await make({ stripNewLines: false }).embedQuery("a\nb")
    expect(embedBodies().map((body) => body.input)).toEqual([["line one line two"], ["a\nb"]])
  })

  it("retries are the SDK's alone: LangChain's caller is set to 0, and the SDK does not repeat an embeddings POST", async () => {
    const embeddings = make()
    expect(embeddings.caller["maxRetries"]).toBe(0)
    server.faults.inject({ path: "/api/v1/embeddings/embed", fault: { kind: "status", status: 503 } })
    const error = await rejection(embeddings.embedQuery("hello"))
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("ServerError")
    expect(embedBodies()).toHaveLength(1)
    expect(await embeddings.embedQuery("hello")).toHaveLength(384)
  })

  it("reads FLOW_LIKE_BASE_URL and FLOW_LIKE_API_KEY from the environment; an API key given as token is kept as apiKey", () => {
    const previous = { ...process.env }
    try {
      process.env["FLOW_LIKE_BASE_URL"] = server.url
      process.env["FLOW_LIKE_API_KEY"] = server.apiKey
      delete process.env["FLOW_LIKE_PAT"]
      expect(new FlowLikeEmbeddings({ bitId: server.seed.bits.embeddingBitId }).bitId).toBe(server.seed.bits.embeddingBitId)
    } finally {
      process.env = previous
    }
    const byToken = new FlowLikeEmbeddings({ baseUrl: server.url, token: server.apiKey, bitId: server.seed.bits.embeddingBitId })
    const secret = server.apiKey.split(".").at(-1) ?? ""
    expect(secret.length).toBeGreaterThan(3)
    expect(JSON.stringify(byToken)).not.toContain(secret)
    expect(inspect(byToken, { depth: 10 })).not.toContain(secret)
    expect(Object.keys(byToken.lc_kwargs)).toContain("apiKey")
    expect(server.requests).toHaveLength(0)
  })

  it("bad options are typed errors before sending; the credential stays out of inspect and JSON", () => {
    expect(() => make({ batchSize: 0 })).toThrow(FlowLikeError)
    expect(() => make({ bitId: "" })).toThrow(/bitId must be a non-empty string/)
    expect(() => new FlowLikeEmbeddings(undefined as never)).toThrow(FlowLikeError)
    const embeddings = make()
    const secret = server.pat.split(".")[1] ?? ""
    expect(inspect(embeddings, { depth: 10 })).not.toContain(secret)
    expect(JSON.stringify(embeddings)).not.toContain(secret)
    expect(embeddings.lc_secrets).toEqual({ pat: "FLOW_LIKE_PAT", apiKey: "FLOW_LIKE_API_KEY" })
    expect(server.requests).toHaveLength(0)
  })

  it("a LangChain in-memory vector store built on it finds the closest document", async () => {
    const store = await MemoryVectorStore.fromTexts(
      ["Flow-Like is a visual workflow engine.", "It runs on your device.", "Secrets never appear in logs."],
      [{ id: 1 }, { id: 2 }, { id: 3 }],
      make()
    )
    const [closest] = await store.similaritySearch("Where does it run? On my device?", 1)
    expect(closest?.pageContent).toBe("It runs on your device.")
    expect(embedBodies().map((body) => body.embed_type)).toEqual(["document", "query"])
  })
})
