/**
 * An in-memory `HttpClient` for unit tests: it records every request and answers with canned JSON,
 * text, SSE or transport failures, so SDK code runs without a network.
 *
 * @example
 * ```ts
 * const mock = MockHttpClient.layer((request) =>
 *   request.url.endsWith("/health") ? MockHttpClient.json({ status: "ok" }) : MockHttpClient.text(404, "")
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Schema } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import type { HttpClientRequest } from "effect/http"
import { ExecutionApi, ModelsApi, WorkflowsApi } from "@flow-like/effect"

/** A request as the mock saw it. */
export interface RecordedRequest {
  readonly method: string
  /** Full URL including the query string. */
  readonly url: string
  /** Lowercase header names. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text, or `undefined` when there was none. */
  readonly body: string | undefined
}

/** A canned answer. */
export type MockResponse =
  | {
    readonly _tag: "Body"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
  | {
    readonly _tag: "Chunks"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    /** Sent one by one; strings are UTF-8 encoded. */
    readonly chunks: ReadonlyArray<string | Uint8Array>
    /** What happens after the last chunk: the body ends, stays open, or the connection breaks. */
    readonly end: "close" | "hang" | "error"
  }
  | { readonly _tag: "TransportFailure"; readonly message: string }

/** A JSON answer (status 200 unless given). */
export const json = (body: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): MockResponse => ({
  _tag: "Body",
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body)
})

/** A text answer, e.g. a framework rejection or an empty 404. */
export const text = (
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = { "content-type": "text/plain; charset=utf-8" }
): MockResponse => ({ _tag: "Body", status, headers, body })

/** The server's error envelope `{"error":{"code","id","message"}}`, with `x-error-id` when an id is given. */
export const errorEnvelope = (
  status: number,
  code: string,
  message: string,
  options: { readonly id?: string; readonly headers?: Readonly<Record<string, string>> } = {}
): MockResponse =>
  json(
    { error: { code, ...(options.id === undefined ? {} : { id: options.id }), message } },
    status,
    { ...(options.id === undefined ? {} : { "x-error-id": options.id }), ...options.headers }
  )

/** An SSE answer delivered in the given chunks. */
export const sse = (
  chunks: ReadonlyArray<string | Uint8Array>,
  end: "close" | "hang" | "error" = "close"
): MockResponse => ({
  _tag: "Chunks",
  status: 200,
  headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  chunks,
  end
})

/** One SSE frame the way the Flow-Like server writes it: `event:` and one `data:` line. */
export const frame = (event: string, data: unknown): string =>
  `event: ${event}\ndata: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`

/** A connection failure before any response. */
export const transportFailure = (message = "connection refused"): MockResponse => ({ _tag: "TransportFailure", message })

/** Answers a request. */
export type Handler = (request: RecordedRequest) => MockResponse | Effect.Effect<MockResponse>

/** What a test can inspect after the fact. */
export interface MockHttp {
  /** Every request received, in order. */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** How many streamed bodies were aborted by the client before they ended. */
  readonly abortedStreams: number
}

/** The mock's record, for assertions. */
export class MockHttpClient extends Context.Service<MockHttpClient, MockHttp>()("@flow-like/testing/MockHttpClient") {}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const bodyText = (request: HttpClientRequest.HttpClientRequest): string | undefined => {
  switch (request.body._tag) {
    case "Uint8Array":
      return decoder.decode(request.body.body)
    case "Raw":
      return typeof request.body.body === "string" ? request.body.body : String(request.body.body)
    default:
      return undefined
  }
}

const toWeb = (response: Extract<MockResponse, { _tag: "Chunks" }>, signal: AbortSignal, onAbort: () => void) => {
  let index = 0
  let ended = false
  const abort = () => {
    if (!ended) onAbort()
  }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = response.chunks[index++]
      if (chunk !== undefined) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk)
        return
      }
      if (response.end === "hang") return new Promise<void>(() => {})
      ended = true
      if (response.end === "close") controller.close()
      else controller.error(new TypeError("terminated"))
    },
    cancel: abort
  })
  signal.addEventListener("abort", abort, { once: true })
  return new Response(stream, { status: response.status, headers: response.headers })
}

/** An `HttpClient` answering from `handler`, plus the `MockHttpClient` record. */
export const layer = (handler: Handler): Layer.Layer<HttpClient.HttpClient | MockHttpClient> => {
  const requests: Array<RecordedRequest> = []
  const state = { abortedStreams: 0 }
  const record: MockHttp = {
    requests,
    get abortedStreams() {
      return state.abortedStreams
    }
  }
  const client = HttpClient.make((request, url, signal) =>
    Effect.gen(function*() {
      const recorded: RecordedRequest = {
        method: request.method,
        url: url.toString(),
        headers: { ...request.headers },
        body: bodyText(request)
      }
      requests.push(recorded)
      const answer = handler(recorded)
      const response = Effect.isEffect(answer) ? yield* answer : answer
      switch (response._tag) {
        case "TransportFailure":
          return yield* new HttpClientError.HttpClientError({
            reason: new HttpClientError.TransportError({ request, cause: new TypeError(response.message) })
          })
        case "Body":
          return HttpClientResponse.fromWeb(
            request,
            new Response(response.body === "" ? null : response.body, {
              status: response.status,
              headers: response.headers
            })
          )
        case "Chunks": {
          let counted = false
          const onAbort = () => {
            if (counted) return
            counted = true
            state.abortedStreams++
          }
          return HttpClientResponse.fromWeb(request, toWeb(response, signal, onAbort))
        }
      }
    })
  )
  return Layer.merge(Layer.succeed(HttpClient.HttpClient, client), Layer.succeed(MockHttpClient, record))
}

let eventCounter = 0

/** Options of an event built for a test; an id and a timestamp are made up when left out. */
export interface EventOptions {
  readonly eventId?: string | undefined
  readonly timestamp?: Date | undefined
}

/**
 * One run event as an SSE frame, its data encoded by the declared `InterComEvent` schema (so a test
 * never writes `{secs_since_epoch, …}` by hand).
 */
export const eventFrame = (eventType: string, payload: unknown, options: EventOptions = {}): string =>
  frame(
    eventType,
    encodeInterCom({
      eventId: options.eventId ?? `mockevent${String(++eventCounter).padStart(15, "0")}`,
      eventType,
      payload,
      timestamp: options.timestamp ?? new Date(0)
    })
  )

/** What a streamed run built for a test contains. */
export interface RunStreamOptions {
  /** The executor's final status: `completed` (default) or `failed`. */
  readonly status?: "completed" | "failed" | undefined
  readonly durationMs?: number | undefined
  /** What happens after the frames: the body ends (default), stays open, or the connection breaks. */
  readonly end?: "close" | "hang" | "error" | undefined
}

/** A whole streamed run: `run_initiated`, the given events, then `completed`. */
export const runStream = (
  runId: string,
  events: ReadonlyArray<readonly [eventType: string, payload: unknown]>,
  options: RunStreamOptions = {}
): MockResponse =>
  sse(
    [
      eventFrame("run_initiated", { run_id: runId }),
      ...events.map(([eventType, payload]) => eventFrame(eventType, payload)),
      eventFrame("completed", {
        run_id: runId,
        status: options.status ?? "completed",
        duration_ms: options.durationMs ?? 1,
        log_level: options.status === "failed" ? 4 : 1
      })
    ],
    options.end ?? "close"
  )

/** A run status record (`GET /execution/run/{id}`), encoded by the declared `RunStatus` schema. */
export const runStatus = (status: typeof ExecutionApi.RunStatus.Type): MockResponse =>
  json(Schema.encodeSync(ExecutionApi.RunStatus)(status))

/** A polled event for `pollPage`; `createdAt` defaults to the epoch. */
export interface PolledEventInput {
  readonly sequence: number
  readonly eventType: string
  readonly payload?: unknown
  readonly createdAt?: string | undefined
}

/** A long-poll answer (`GET /execution/poll`), encoded by the declared `PollResponse` schema. */
export const pollPage = (
  page: Omit<typeof ExecutionApi.PollResponse.Type, "events"> & { readonly events?: ReadonlyArray<PolledEventInput> }
): MockResponse =>
  json(Schema.encodeSync(ExecutionApi.PollResponse)({
    ...page,
    events: (page.events ?? []).map((event) => ({
      sequence: event.sequence,
      eventType: event.eventType,
      payload: event.payload ?? null,
      createdAt: event.createdAt ?? new Date(0).toISOString()
    }))
  }))

const encodeInterCom = Schema.encodeSync(Schema.fromJsonString(WorkflowsApi.InterComEvent))

const encodeChunk = Schema.encodeSync(Schema.fromJsonString(ModelsApi.ChatCompletionChunk))

/** What a streamed chat answer built for a test does after its chunks. */
export interface ChatStreamOptions {
  /** Send `data: [DONE]` after the chunks (default true). */
  readonly done?: boolean | undefined
  /** What happens after that: the body ends (default), stays open, or the connection breaks. */
  readonly end?: "close" | "hang" | "error" | undefined
}

/**
 * A streamed chat answer as OpenAI-compatible providers send it: one `data:` frame per chunk (a
 * chunk encoded by the declared `ChatCompletionChunk` schema, or a string sent as is), then
 * `data: [DONE]`.
 */
export const chatStream = (
  chunks: ReadonlyArray<typeof ModelsApi.ChatCompletionChunk.Type | string>,
  options: ChatStreamOptions = {}
): MockResponse =>
  sse(
    [
      ...chunks.map((chunk) => `data: ${typeof chunk === "string" ? chunk : encodeChunk(chunk)}\n\n`),
      ...(options.done === false ? [] : ["data: [DONE]\n\n"])
    ],
    options.end ?? "close"
  )
