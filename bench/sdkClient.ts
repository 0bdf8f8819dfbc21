/**
 * The Promise client's side of every measured path (`FlowLikeClient`, the package's bundled entry),
 * importing nothing else of the SDK: a fresh process measuring the client loads only what a client
 * user loads.
 */
import { FlowLikeClient } from "@flow-like/client"
import { CHAT_MESSAGES, EMBED_MODEL, INVOKE_PAYLOAD, NODE_ID, APP_ID, PAT, sseBoard, STATUS_RUN_ID } from "./protocol.ts"
import { checkStatus, checkVectors } from "./sdkChecks.ts"

export type OnEvent = (count: number) => void

export const makeClient = (baseUrl: string) => new FlowLikeClient({ baseUrl, pat: PAT })

// ---- getRunStatus ----------------------------------------------------------------------------

export const clientStatusLatencies = async (client: FlowLikeClient, n: number): Promise<Array<number>> => {
  const latencies: Array<number> = []
  for (let index = 0; index < n; index++) {
    const started = performance.now()
    checkStatus(await client.getRunStatus(STATUS_RUN_ID))
    latencies.push(performance.now() - started)
  }
  return latencies
}

// ---- triggerWorkflow ---------------------------------------------------------------------------

export const clientTrigger = async (client: FlowLikeClient, events: number, onEvent?: OnEvent): Promise<number> => {
  let count = 0
  for await (const _ of client.triggerWorkflow(APP_ID, sseBoard(events), NODE_ID, INVOKE_PAYLOAD)) {
    count++
    onEvent?.(count)
  }
  return count
}

// ---- watchRun ----------------------------------------------------------------------------------

export const clientWatch = async (client: FlowLikeClient, pollToken: string, onEvent?: OnEvent): Promise<number> => {
  let count = 0
  for await (const _ of client.watchRun(pollToken, { waitSeconds: 10 })) {
    count++
    onEvent?.(count)
  }
  return count
}

// ---- chat stream -------------------------------------------------------------------------------

export const clientChat = async (client: FlowLikeClient, model: string, onChunk?: OnEvent): Promise<number> => {
  let count = 0
  for await (const _ of client.chatCompletions({ bitId: model, messages: CHAT_MESSAGES, stream: true })) {
    count++
    onChunk?.(count)
  }
  return count
}

// ---- embed -------------------------------------------------------------------------------------

export const clientEmbed = async (client: FlowLikeClient, input: ReadonlyArray<string>, batchSize: number): Promise<void> => {
  const { embeddings } = await client.embed({ bitId: EMBED_MODEL, input, batchSize, concurrency: 4 })
  checkVectors(input.length, embeddings)
}
