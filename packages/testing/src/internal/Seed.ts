import { Predicate } from "effect"
import { cuid } from "./Ids.ts"
import type { BitDefinition, BoardStep, RunInput, SeedInfo } from "./Model.ts"
import type { Boards } from "./stores/Boards.ts"
import type { Events } from "./stores/Events.ts"
import type { Apps } from "./stores/Apps.ts"
import type { Sinks } from "./stores/Sinks.ts"
import type { ModelsStore } from "./stores/Models.ts"

const startNode = "start"

const nameIn = (payload: unknown): string =>
  Predicate.hasProperty(payload, "name") && Predicate.isString(payload.name) ? payload.name : "world"

/** ~150 ms of logs, node-state updates, progress and a custom event, so streaming is visible. */
const helloSteps = (input: RunInput): ReadonlyArray<BoardStep> => [
  { type: "log", message: "Hello from the Flow-Like dev server" },
  { type: "nodeState", nodeIds: [startNode], method: "add" },
  { type: "progress", id: "hello", message: "Reading the payload", progress: 0 },
  { type: "sleep", millis: 50 },
  { type: "log", message: `Payload: ${JSON.stringify(input.payload ?? null)}` },
  { type: "nodeState", nodeIds: [startNode], method: "remove" },
  { type: "nodeState", nodeIds: ["greet"], method: "add" },
  { type: "progress", id: "hello", message: "Greeting", progress: 50 },
  { type: "sleep", millis: 50 },
  {
    type: "event",
    eventType: "generic_result",
    payload: { greeting: `Hello, ${nameIn(input.payload)}!`, payload: input.payload ?? null }
  },
  { type: "nodeState", nodeIds: ["greet"], method: "remove" },
  { type: "progress", id: "hello", message: "Done", progress: 100, done: true },
  { type: "sleep", millis: 50 }
]

/** ~2 s: progress 0 to 100 in steps of 10. */
const slowSteps: ReadonlyArray<BoardStep> = [
  { type: "log", message: "Starting a slow job" },
  ...Array.from({ length: 11 }, (_, index): ReadonlyArray<BoardStep> => [
    { type: "progress", id: "slow", message: `Step ${index} of 10`, progress: index * 10, done: index === 10 },
    ...(index < 10 ? [{ type: "sleep", millis: 200 } as const] : [])
  ]).flat(),
  { type: "log", message: "Slow job finished" }
]

const failingSteps: ReadonlyArray<BoardStep> = [
  { type: "log", message: "Starting a board that fails" },
  { type: "sleep", millis: 50 },
  { type: "fail", message: "Node 'explode' failed: something went wrong" }
]

export const seedIds = (appId: string): SeedInfo => ({
  appId,
  foreignAppId: cuid(),
  boardId: cuid(),
  nodeId: startNode,
  eventId: cuid(),
  slowBoardId: cuid(),
  failingBoardId: cuid(),
  sinkPath: "/hello",
  secureSinkPath: "/hello-secure",
  sinkToken: "sink-demo-token",
  bits: seedBitIds
})

const LLM_COUNT = 120
/** Every twelfth Llm bit is hosted: 10 of 120, two of them past the first page of 100. */
const isHostedIndex = (index: number) => index % 12 === 11

const seedBitIds: SeedInfo["bits"] = {
  llmBitId: "dev-echo",
  openAiLlmBitId: "dev-openai",
  anthropicLlmBitId: "dev-anthropic",
  localLlmBitId: "dev-local-llama",
  embeddingBitId: "dev-embed-small",
  largeEmbeddingBitId: "dev-embed-large",
  llmCount: LLM_COUNT,
  hostedLlmCount: Array.from({ length: LLM_COUNT }, (_, index) => index).filter(isHostedIndex).length
}

const llm = (id: string, name: string, providerName: string, modelId: string): BitDefinition => ({
  id,
  type: "Llm",
  name,
  description: `${name}, served by ${providerName}`,
  tags: ["chat"],
  parameters: {
    context_length: 32_768,
    provider: { provider_name: providerName, model_id: modelId, version: null, params: null },
    model_classification: {
      cost: 0.5,
      speed: 0.5,
      reasoning: 0.5,
      creativity: 0.5,
      factuality: 0.5,
      function_calling: 0.5,
      safety: 0.5,
      openness: 0.5,
      multilinguality: 0.5,
      coding: 0.5
    }
  }
})

const embedding = (id: string, name: string, vectorLength: number, implementation: string | undefined): BitDefinition => ({
  id,
  type: "Embedding",
  name,
  description: `${name}: ${vectorLength}-dimensional text embeddings`,
  tags: ["embedding"],
  parameters: {
    languages: ["en"],
    vector_length: vectorLength,
    input_length: 512,
    prefix: { query: "query: ", paragraph: "passage: " },
    pooling: "Mean",
    provider: { provider_name: implementation === undefined ? "Local" : "HuggingFace", model_id: id, version: null, params: null },
    remote: implementation === undefined ? null : { endpoint: `https://embeddings.invalid/${id}`, secret_name: null, implementation }
  }
})

/** The hub: 120 Llm bits of which 10 are hosted, three embedding models (two remote), a template. */
export const seedBits = (models: ModelsStore, ids: SeedInfo["bits"]): void => {
  const hostedProviders = ["Hosted", "hosted:openrouter"]
  for (let index = 0; index < LLM_COUNT; index++) {
    const number = String(index).padStart(3, "0")
    if (index === 0) models.addBit(llm(ids.localLlmBitId, "Local Llama", "Ollama", "llama3.2"))
    else if (index === 11) models.addBit(llm(ids.llmBitId, "Dev Echo", "Hosted", "dev-echo-1"))
    else if (index === 23) models.addBit(llm(ids.openAiLlmBitId, "Dev OpenAI", "hosted:openai", "gpt-dev"))
    else if (index === 35) models.addBit(llm(ids.anthropicLlmBitId, "Dev Anthropic", "hosted:anthropic", "claude-dev"))
    else if (isHostedIndex(index)) {
      models.addBit(llm(`llm-${number}`, `Hosted model ${number}`, hostedProviders[index % 2] ?? "Hosted", `hosted-${number}`))
    } else models.addBit(llm(`llm-${number}`, `Local model ${number}`, index % 2 === 0 ? "Ollama" : "LlamaCpp", `local-${number}`))
  }
  models.addBit(embedding(ids.embeddingBitId, "Dev Embed Small", 384, "HuggingfaceEndpoint"))
  models.addBit(embedding(ids.largeEmbeddingBitId, "Dev Embed Large", 768, "CloudflareWorkersAI"))
  models.addBit(embedding("dev-embed-local", "Dev Embed Local", 256, undefined))
  models.addBit({ id: "dev-template", type: "Template", name: "Dev Template", description: "A board template", parameters: {} })
}

/** Registers the demo boards and event of `seed` in its home app. */
export const seedDemo = (stores: { readonly boards: Boards; readonly events: Events }, seed: SeedInfo): void => {
  const { boards, events } = stores
  boards.add(seed.appId, { id: seed.boardId, name: "hello", nodeIds: [startNode], steps: helloSteps })
  boards.add(seed.appId, { id: seed.slowBoardId, name: "slow", nodeIds: [startNode], steps: slowSteps })
  boards.add(seed.appId, { id: seed.failingBoardId, name: "failing", nodeIds: [startNode], steps: failingSteps })
  events.add(seed.appId, { id: seed.eventId, boardId: seed.boardId, nodeId: startNode, name: "hello-event" })
}

/** Names the home app and puts two HTTP sinks on the demo event: `/hello`, and `/hello-secure` with a token. */
export const seedDemoSinks = (
  stores: { readonly apps: Apps; readonly events: Events; readonly sinks: Sinks },
  seed: SeedInfo
): void => {
  stores.apps.require(seed.appId).meta = { name: "Demo App", description: "The dev server's demo app", tags: [] }
  stores.events.add(seed.appId, { id: `${seed.eventId}-secure`, boardId: seed.boardId, nodeId: startNode, name: "hello-secure" })
  stores.sinks.add(seed.appId, { eventId: seed.eventId, path: seed.sinkPath })
  stores.sinks.add(seed.appId, { eventId: `${seed.eventId}-secure`, path: seed.secureSinkPath, authToken: seed.sinkToken })
}
