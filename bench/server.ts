/**
 * The bench's minimal Flow-Like server: `node:http`, canned answers in the real wire format, run in
 * its own process (see `startServer` in run.ts) so that it never competes with the client it serves
 * for a JavaScript thread. Every answer is precomputed and cached, and the server is stateless: the
 * board id or poll token names the workload (see protocol.ts).
 *
 * Routes:
 * - `POST /api/v1/apps/:app/board/:board/invoke`: SSE, `event: <type>\ndata: <InterComEvent>\n\n`
 * - `POST /api/v1/apps/:app/board/:board/invoke/async`: `{run_id, poll_token, status, backend}`
 * - `GET /api/v1/execution/run/:runId`: a `RunStatusResponse`
 * - `GET /api/v1/execution/poll?after_sequence=N&timeout=S` (Bearer poll token): a `PollResponse`
 * - `POST /api/v1/chat/completions` (`stream: true`, model `chat-<N>`): SSE, `data: <chat.completion.chunk>\n\n`,
 *   N content chunks, then a usage chunk when `stream_options.include_usage`, then `data: [DONE]`
 * - `POST /api/v1/embeddings/embed`: `{embeddings, model, usage}`, one vector of 768 floats per input
 * - `GET /__bench/stats`: request counters (control route)
 *
 * Usage: `node bench/server.ts [--hold-ms=1000] [--port=0]`. Started with an IPC channel it sends
 * `{ port }` once listening; otherwise it prints `listening <port>`.
 */
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import { EMBED_DIMENSIONS, PAGE_SIZE, parseChatModel, parseSseBoard, parseWatchToken, RUN_ID, TERMINAL } from "./protocol.ts"

const arg = (name: string, fallback: number) => {
  const found = process.argv.find((value) => value.startsWith(`--${name}=`))
  return found === undefined ? fallback : Number(found.slice(name.length + 3))
}

/** The period of idle polls: each is held to the next multiple of it (capped by the poll's `timeout`). */
const HOLD_MS = arg("hold-ms", 1000)
const SSE_CHUNK_BYTES = 16_384
const BASE_SECS = 1_771_680_000

/** The kind of the `index`-th event of a run: 40% log, 30% node state, 20% progress, 10% a result. */
const eventAt = (index: number): { readonly type: string; readonly payload: unknown } => {
  const slot = index % 10
  if (slot < 4) return { type: "log", payload: { message: `node-${index % 7} processed item ${index}: ok` } }
  if (slot < 7) {
    return {
      type: `run:${RUN_ID}`,
      payload: { runId: RUN_ID, nodeIds: [`node-${index % 7}`, `node-${(index + 1) % 7}`], method: slot === 6 ? "remove" : "update" }
    }
  }
  if (slot < 9) {
    return {
      type: "progress",
      payload: { id: `task-${index % 5}`, message: `step ${index}`, progress: (index % 100) / 100, done: false, success: null }
    }
  }
  return { type: "generic_result", payload: { node_id: `node-${index % 7}`, result: { ok: true, count: index, label: `item-${index}` } } }
}

const frame = (index: number, type: string, payload: unknown) =>
  `event: ${type}\ndata: ${
    JSON.stringify({
      event_id: `evt-${index}`,
      event_type: type,
      payload,
      timestamp: { secs_since_epoch: BASE_SECS + Math.floor(index / 1000), nanos_since_epoch: (index % 1000) * 1_000_000 }
    })
  }\n\n`

/** A streamed run of `events` events in 16 KiB writes: run_initiated, the mix, completed. */
const sseBody = (events: number): ReadonlyArray<Buffer> => {
  const chunks: Array<Buffer> = []
  let pending = frame(0, "run_initiated", { run_id: RUN_ID })
  for (let index = 1; index < events - 1; index++) {
    const { payload, type } = eventAt(index)
    pending += frame(index, type, payload)
    if (pending.length >= SSE_CHUNK_BYTES) {
      chunks.push(Buffer.from(pending))
      pending = ""
    }
  }
  pending += frame(events - 1, "completed", { run_id: RUN_ID, status: "completed", duration_ms: 1234, log_level: 1 })
  chunks.push(Buffer.from(pending))
  return chunks
}

const CHAT_WORDS = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ",", " and", " then", " it", " rests", "."]

/**
 * A streamed chat answer of `chunks` content chunks (a word each), as OpenAI sends it: a role chunk,
 * the content deltas, a `finish_reason` chunk, the usage chunk (with `include_usage`, when every
 * other chunk carries `"usage":null`), `[DONE]`. The first chunk is its own write (so time to first
 * chunk is not a 16 KiB batch's), the rest go in 16 KiB writes.
 */
const chatBody = (model: string, chunks: number, includeUsage: boolean): ReadonlyArray<Buffer> => {
  const head = `{"id":"chatcmpl-bench0001","object":"chat.completion.chunk","created":${BASE_SECS},"model":${
    JSON.stringify(model)
  },"system_fingerprint":"fp_bench","choices":`
  const tail = includeUsage ? `,"usage":null}` : "}"
  const chunk = (delta: string, finish: string | null) =>
    `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? "null" : `"${finish}"`}}]${tail}\n\n`
  const out: Array<Buffer> = [Buffer.from(chunk(`{"role":"assistant","content":"","refusal":null}`, null))]
  let pending = ""
  for (let index = 0; index < chunks; index++) {
    pending += chunk(`{"content":${JSON.stringify(CHAT_WORDS[index % CHAT_WORDS.length])}}`, null)
    if (pending.length >= SSE_CHUNK_BYTES) {
      out.push(Buffer.from(pending))
      pending = ""
    }
  }
  pending += chunk("{}", "stop")
  if (includeUsage) {
    pending += `data: ${head}[],"usage":{"prompt_tokens":12,"completion_tokens":${chunks},"total_tokens":${
      12 + chunks
    },"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}\n\n`
  }
  pending += "data: [DONE]\n\n"
  out.push(Buffer.from(pending))
  return out
}

/** The same fixed vector for every input: 768 floats of typical magnitude and precision. */
const EMBED_VECTOR = JSON.stringify(
  Array.from({ length: EMBED_DIMENSIONS }, (_, index) => Number((Math.sin(index * 12.9898) * 0.08).toFixed(8)))
)

/** An embedding answer for `count` inputs of `chars` characters in all. */
const embedBody = (model: string, count: number, chars: number): Buffer => {
  const tokens = Math.ceil(chars / 4)
  return Buffer.from(
    `{"embeddings":[${Array.from({ length: count }, () => EMBED_VECTOR).join(",")}],"model":${
      JSON.stringify(model)
    },"usage":{"prompt_tokens":${tokens},"total_tokens":${tokens}}}`
  )
}

const createdAt = (sequence: number) => new Date((BASE_SECS + sequence) * 1000).toISOString()

/** The page after `afterSequence` of a polled run of `total` events. */
const pollPage = (total: number | "idle", afterSequence: number): Buffer => {
  const events: Array<unknown> = []
  const last = total === "idle" ? afterSequence : Math.min(total, afterSequence + PAGE_SIZE)
  for (let sequence = afterSequence + 1; sequence <= last; sequence++) {
    const { payload, type } = eventAt(sequence)
    events.push({ sequence, event_type: type, payload, created_at: createdAt(sequence) })
  }
  const status = total !== "idle" && last >= total ? "Completed" : "Running"
  return Buffer.from(JSON.stringify({
    run_id: RUN_ID,
    status,
    progress: total === "idle" ? 0 : Math.floor((last / Math.max(total, 1)) * 100),
    current_step: TERMINAL.has(status) ? null : "node-3",
    error: null,
    events,
    started_at: createdAt(0),
    completed_at: status === "Completed" ? createdAt(last) : null
  }))
}

const runStatus = (runId: string) =>
  Buffer.from(JSON.stringify({
    run_id: runId,
    status: "Completed",
    progress: 100,
    current_step: null,
    error: null,
    started_at: "2026-02-21T12:00:00Z",
    completed_at: "2026-02-21T12:00:03Z",
    board_id: "board-bench",
    event_id: null,
    mode: "Http",
    input_payload_len: 24,
    output_payload_len: 512,
    created_at: "2026-02-21T11:59:59Z"
  }))

const sseCache = new Map<number, ReadonlyArray<Buffer>>()
const pageCache = new Map<string, Buffer>()
const statusCache = new Map<string, Buffer>()
const chatCache = new Map<string, ReadonlyArray<Buffer>>()
const embedCache = new Map<string, Buffer>()
const cached = <K, V>(cache: Map<K, V>, key: K, make: () => V): V => {
  let value = cache.get(key)
  if (value === undefined) {
    value = make()
    cache.set(key, value)
  }
  return value
}

const stats = { requests: 0, polls: 0, streams: 0, statuses: 0, chats: 0, embeds: 0 }

const sendJson = (res: ServerResponse, status: number, body: Buffer) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length })
  res.end(body)
}
const notFound = (res: ServerResponse, message: string) =>
  sendJson(res, 404, Buffer.from(JSON.stringify({ error: message })))

/** Writes the chunks in order, waiting for `drain` whenever the socket's buffer is full. */
const writeAll = (res: ServerResponse, chunks: ReadonlyArray<Buffer>) => {
  let index = 0
  const pump = () => {
    while (index < chunks.length) {
      const ok = res.write(chunks[index++])
      if (!ok) {
        res.once("drain", pump)
        return
      }
    }
    res.end()
  }
  pump()
}

/** Reads the request body as JSON (undefined when it is not), then answers. */
const withJsonBody = (req: IncomingMessage, answer: (body: unknown) => void) => {
  const parts: Array<Buffer> = []
  req.on("data", (part: Buffer) => parts.push(part))
  req.on("end", () => {
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(parts).toString("utf8"))
    } catch {
      body = undefined
    }
    answer(body)
  })
}

/** Reads and discards the request body, then answers. */
const afterBody = (req: IncomingMessage, answer: () => void) => {
  req.on("data", () => {})
  req.on("end", answer)
}

const handle = (req: IncomingMessage, res: ServerResponse) => {
  stats.requests++
  const url = new URL(req.url ?? "/", "http://bench")
  const segments = url.pathname.split("/").filter((part) => part !== "").map(decodeURIComponent)
  // ["api", "v1", "apps", app, "board", board, "invoke", "async"?]
  if (req.method === "POST" && segments[2] === "apps" && segments[4] === "board" && segments[6] === "invoke") {
    const board = segments[5] ?? ""
    if (segments[7] === "async") {
      return afterBody(req, () =>
        sendJson(res, 200, Buffer.from(JSON.stringify({ run_id: RUN_ID, poll_token: "watch-100", status: "queued", backend: "http" }))))
    }
    const events = parseSseBoard(board)
    if (events === undefined || events < 2) return afterBody(req, () => notFound(res, `no board ${board}`))
    stats.streams++
    return afterBody(req, () => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      writeAll(res, cached(sseCache, events, () => sseBody(events)))
    })
  }
  if (req.method === "GET" && segments[2] === "execution" && segments[3] === "run" && segments[4] !== undefined) {
    stats.statuses++
    const runId = segments[4]
    return sendJson(res, 200, cached(statusCache, runId, () => runStatus(runId)))
  }
  if (req.method === "GET" && segments[2] === "execution" && segments[3] === "poll") {
    stats.polls++
    const authorization = req.headers.authorization ?? ""
    const total = parseWatchToken(authorization.replace(/^Bearer /, ""))
    if (total === undefined) return notFound(res, "unknown poll token")
    const afterSequence = Number(url.searchParams.get("after_sequence") ?? "0")
    const page = cached(pageCache, `${total}:${afterSequence}`, () => pollPage(total, afterSequence))
    if (total !== "idle") return sendJson(res, 200, page)
    // Held until the next multiple of HOLD_MS on the wall clock, so that every idle watcher's polls
    // end at the same instants and a window of whole periods sees the same number of polls.
    const wait = Math.min(HOLD_MS - (Date.now() % HOLD_MS), Number(url.searchParams.get("timeout") ?? "10") * 1000)
    const timer = setTimeout(() => sendJson(res, 200, page), wait)
    res.on("close", () => clearTimeout(timer))
    return
  }
  if (req.method === "POST" && url.pathname === "/api/v1/chat/completions") {
    stats.chats++
    return withJsonBody(req, (body) => {
      const request = body as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } } | undefined
      const model = typeof request?.model === "string" ? request.model : ""
      const chunks = parseChatModel(model)
      if (chunks === undefined || request?.stream !== true) return notFound(res, `no streamed chat model ${model}`)
      const includeUsage = request.stream_options?.include_usage === true
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      writeAll(res, cached(chatCache, `${model}:${includeUsage}`, () => chatBody(model, chunks, includeUsage)))
    })
  }
  if (req.method === "POST" && url.pathname === "/api/v1/embeddings/embed") {
    stats.embeds++
    return withJsonBody(req, (body) => {
      const request = body as { model?: unknown; input?: unknown } | undefined
      const input = request?.input
      if (typeof request?.model !== "string" || !Array.isArray(input)) return notFound(res, "bad embed request")
      const chars = input.reduce((sum: number, text) => sum + String(text).length, 0)
      const model = request.model
      sendJson(res, 200, cached(embedCache, `${model}:${input.length}:${chars}`, () => embedBody(model, input.length, chars)))
    })
  }
  if (req.method === "GET" && url.pathname === "/__bench/stats") {
    return sendJson(res, 200, Buffer.from(JSON.stringify(stats)))
  }
  notFound(res, `no route ${req.method} ${url.pathname}`)
}

const server = createServer({ keepAliveTimeout: 120_000 }, handle)
server.listen(arg("port", 0), "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  if (process.send !== undefined) process.send({ port })
  else process.stdout.write(`listening ${port}\n`)
})
// The parent ends the server by closing the IPC channel (or by a signal).
process.on("disconnect", () => process.exit(0))
process.on("SIGTERM", () => process.exit(0))
