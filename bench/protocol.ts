/**
 * What the bench's server and its clients agree on: credentials, ids, and how a request names the
 * workload it wants (the server is stateless: the board id or poll token carries the size).
 */

/** A well-formed personal access token; the bench server does not check it. */
export const PAT = "pat_user1.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"
export const APP_ID = "app-bench"
export const NODE_ID = "start"
export const RUN_ID = "run-bench-0001"
/** The run whose status `getRunStatus` reads. */
export const STATUS_RUN_ID = "run-status-0001"
/** Events per poll page, as the real server sends them. */
export const PAGE_SIZE = 100

/** A board whose streamed run sends `events` events (run_initiated first, completed last). */
export const sseBoard = (events: number): string => `events-${events}`
export const parseSseBoard = (board: string): number | undefined => {
  const match = /^events-(\d+)$/.exec(board)
  return match === null ? undefined : Number(match[1])
}

/** A poll token whose run has `events` events, sent in pages of `PAGE_SIZE`. */
export const watchToken = (events: number): string => `watch-${events}`
/** A poll token whose run never produces anything: each poll is held, then answered empty. */
export const IDLE_TOKEN = "idle"
export const parseWatchToken = (token: string): number | "idle" | undefined => {
  if (token === IDLE_TOKEN) return "idle"
  const match = /^watch-(\d+)$/.exec(token)
  return match === null ? undefined : Number(match[1])
}

/** A chat model (sent as `model`, the bit id) whose streamed answer has `chunks` content chunks. */
export const chatModel = (chunks: number): string => `chat-${chunks}`
export const parseChatModel = (model: string): number | undefined => {
  const match = /^chat-(\d+)$/.exec(model)
  return match === null ? undefined : Number(match[1])
}

/** The messages of every bench chat request. */
export const CHAT_MESSAGES = [
  { role: "system" as const, content: "You are a helpful assistant." },
  { role: "user" as const, content: "Tell me about the quick brown fox." }
]

/** The embedding bit; every vector has `EMBED_DIMENSIONS` floats. */
export const EMBED_MODEL = "embed-bench"
export const EMBED_DIMENSIONS = 768
/** `count` short texts to embed. */
export const embedInputs = (count: number): Array<string> =>
  Array.from({ length: count }, (_, index) => `short text number ${index} to embed`)

/** The request body a streamed invocation sends (the SDK's shape, snake_case on the wire). */
export const invokeBody = (payload: unknown) => JSON.stringify({ node_id: NODE_ID, payload, stream_state: true })

/** The payload every bench invocation passes. */
export const INVOKE_PAYLOAD = { key: "value", n: 1 }

/** Paths below the base URL. */
export const paths = {
  invoke: (board: string) => `/api/v1/apps/${APP_ID}/board/${encodeURIComponent(board)}/invoke`,
  runStatus: (runId: string) => `/api/v1/execution/run/${encodeURIComponent(runId)}`,
  chat: "/api/v1/chat/completions",
  embed: "/api/v1/embeddings/embed",
  poll: (afterSequence: number, timeoutSeconds: number) =>
    `/api/v1/execution/poll?after_sequence=${afterSequence}&timeout=${timeoutSeconds}`
} as const

/** Statuses after which a run changes no more. */
export const TERMINAL = new Set(["Completed", "Failed", "Cancelled", "Timeout"])
