/**
 * The plain baselines: what a careful hand-written client does with `fetch`, `undici.request` and
 * `eventsource-parser`, with no validation beyond what it needs to follow the protocol.
 */
import { createParser } from "eventsource-parser"
import OpenAI from "openai"
import { CHAT_MESSAGES, EMBED_MODEL, INVOKE_PAYLOAD, invokeBody, PAGE_SIZE, PAT, paths, sseBoard, STATUS_RUN_ID, TERMINAL } from "./protocol.ts"
import { request } from "./undici.ts"

export type OnEvent = (count: number) => void

const statusHeaders = { authorization: PAT, accept: "application/json" }

const checkStatus = (body: unknown) => {
  if ((body as { status?: unknown }).status !== "Completed") throw new Error("unexpected run status")
}

// ---- getRunStatus ----------------------------------------------------------------------------

export const fetchStatus = async (baseUrl: string): Promise<void> => {
  const response = await fetch(`${baseUrl}${paths.runStatus(STATUS_RUN_ID)}`, { headers: statusHeaders })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  checkStatus(await response.json())
}

export const undiciStatus = async (baseUrl: string): Promise<void> => {
  const { body, statusCode } = await request(`${baseUrl}${paths.runStatus(STATUS_RUN_ID)}`, { headers: statusHeaders })
  if (statusCode !== 200) throw new Error(`HTTP ${statusCode}`)
  checkStatus(await body.json())
}

/** `n` sequential calls of `call`, each timed (ms). */
export const latencies = async (n: number, call: () => Promise<void>): Promise<Array<number>> => {
  const out: Array<number> = []
  for (let index = 0; index < n; index++) {
    const started = performance.now()
    await call()
    out.push(performance.now() - started)
  }
  return out
}

/** `total` calls of `call`, `concurrency` at a time. */
export const concurrently = async (total: number, concurrency: number, call: () => Promise<unknown>): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < total) {
      next++
      await call()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
}

// ---- triggerWorkflow: fetch + eventsource-parser + JSON.parse --------------------------------

export const fetchSse = async (baseUrl: string, events: number, onEvent?: OnEvent): Promise<number> => {
  const response = await fetch(`${baseUrl}${paths.invoke(sseBoard(events))}`, {
    method: "POST",
    headers: { authorization: PAT, accept: "text/event-stream", "content-type": "application/json" },
    body: invokeBody(INVOKE_PAYLOAD)
  })
  if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`)
  let count = 0
  const parser = createParser({
    onEvent: (event) => {
      JSON.parse(event.data)
      count++
      onEvent?.(count)
    }
  })
  // The server ends the response after the `completed` frame.
  for await (const text of response.body.pipeThrough(new TextDecoderStream())) parser.feed(text)
  return count
}

// ---- watchRun: a hand-written long-poll loop -------------------------------------------------

interface PollPage {
  readonly status: string
  readonly events: ReadonlyArray<{ readonly sequence: number; readonly event_type: string; readonly payload: unknown }>
}

export const fetchWatch = async (
  baseUrl: string,
  pollToken: string,
  onEvent?: OnEvent,
  waitSeconds = 10
): Promise<number> => {
  const headers = { authorization: `Bearer ${pollToken}`, accept: "application/json" }
  let afterSequence = 0
  let count = 0
  for (;;) {
    const response = await fetch(`${baseUrl}${paths.poll(afterSequence, waitSeconds)}`, { headers })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const page = await response.json() as PollPage
    for (const event of page.events) {
      if (event.sequence <= afterSequence) continue
      afterSequence = event.sequence
      count++
      onEvent?.(count)
    }
    if (TERMINAL.has(page.status) && page.events.length < PAGE_SIZE) return count
  }
}

// ---- chat stream: openai-node ------------------------------------------------------------------

export const makeOpenAI = (baseUrl: string) => new OpenAI({ baseURL: `${baseUrl}/api/v1`, apiKey: "x", maxRetries: 0 })

/**
 * Reads a streamed chat answer with openai-node (asking, like the SDK by default, for the usage
 * chunk, so both read the same bytes); `onChunk` is called per chunk; returns how many arrived.
 */
export const openaiChat = async (openai: OpenAI, model: string, onChunk?: OnEvent): Promise<number> => {
  const stream = await openai.chat.completions.create({
    model,
    messages: CHAT_MESSAGES,
    stream: true,
    stream_options: { include_usage: true }
  })
  let count = 0
  for await (const _ of stream) {
    count++
    onChunk?.(count)
  }
  return count
}

// ---- embed: a fetch loop over the batches, `concurrency` at a time ----------------------------

export const fetchEmbed = async (
  baseUrl: string,
  inputs: ReadonlyArray<string>,
  batchSize: number,
  concurrency: number
): Promise<Array<ReadonlyArray<number>>> => {
  const batches: Array<ReadonlyArray<string>> = []
  for (let start = 0; start < inputs.length; start += batchSize) batches.push(inputs.slice(start, start + batchSize))
  const answers: Array<ReadonlyArray<ReadonlyArray<number>>> = new Array(batches.length)
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      const index = next++
      const input = batches[index]!
      const response = await fetch(`${baseUrl}${paths.embed}`, {
        method: "POST",
        headers: { authorization: PAT, accept: "application/json", "content-type": "application/json" },
        body: JSON.stringify({ model: EMBED_MODEL, input })
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const answer = await response.json() as { readonly embeddings: ReadonlyArray<ReadonlyArray<number>> }
      if (answer.embeddings.length !== input.length) throw new Error("vectors and texts differ in number")
      answers[index] = answer.embeddings
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker))
  return answers.flat()
}
