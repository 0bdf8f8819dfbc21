import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect, type FiberSet, Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import { TriggerResponse } from "@flow-like/effect/api/SinksApi"
import { apiError, badRequest, internalError } from "../ApiError.ts"
import { type Handlers, type Input, undeclared } from "../ApiRouter.ts"
import { authorizeApp, type Principal } from "../Auth.ts"
import { cuid } from "../Ids.ts"
import type { RunInput } from "../Model.ts"
import { proxyRecord, streamRun } from "../RunModes.ts"
import { sseReply } from "../Sse.ts"
import type { Apps } from "../stores/Apps.ts"
import type { Boards } from "../stores/Boards.ts"
import type { Events } from "../stores/Events.ts"
import type { Gates } from "../stores/Gates.ts"
import type { Logs } from "../stores/Logs.ts"
import type { Runs } from "../stores/Runs.ts"
import { normalisePath, type SinkRecord, type Sinks } from "../stores/Sinks.ts"
import type { Streams } from "../stores/Streams.ts"

/** What the sink routes read and write. */
export interface SinksStores {
  readonly apps: Apps
  readonly boards: Boards
  readonly events: Events
  readonly sinks: Sinks
  readonly runs: Runs
  readonly gates: Gates
  readonly logs: Logs
  readonly streams: Streams
  /** Streamed runs' executors, which outlive a client that left; interrupted when the server closes. */
  readonly backgroundRuns: FiberSet.FiberSet<void>
  readonly keepAliveMillis: number
}

type SinksHandlers = Handlers<typeof FlowLikeApi>["sinks"]
type TriggerInput = Pick<Input<unknown>, "request" | "path"> & { readonly params: { readonly app: string; readonly "*": string } }

const MAX_BODY_BYTES = 10 * 1024 * 1024
const encodeRefusal = Schema.encodeSync(Schema.toCodecJson(TriggerResponse))

/** A `TriggerResponse` refusal with a top-level `message` (`sink/trigger.rs`). */
const refusal = (status: number, message: string) =>
  undeclared(HttpServerResponse.jsonUnsafe(encodeRefusal({ triggered: false, runId: null, message }), { status }))

/** `NaiveDateTime`'s `Display`: `2026-11-27 10:01:02.123` (no zone, fraction only when not zero). */
const naive = (date: Date) => date.toISOString().replace("T", " ").replace("Z", "").replace(/\.000$/, "")

/** An HTTP sink's body: JSON, else its text as a JSON string, none when empty. */
const payloadOf = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** HTTP sink triggers and sink management (`routes/sink/*.rs`). */
export const makeSinksHandlers = (stores: SinksStores): SinksHandlers => {
  const { apps, boards, events, runs, sinks } = stores

  const answerSink = (sink: SinkRecord) => {
    const event = events.get(sink.eventId)
    return {
      id: sink.id,
      eventId: sink.eventId,
      appId: sink.appId,
      active: sink.active,
      path: sink.path,
      hasAuthToken: sink.authToken !== undefined,
      createdAt: naive(sink.createdAt),
      updatedAt: naive(sink.updatedAt),
      eventName: event?.event.name ?? event?.event.id,
      eventType: event === undefined ? undefined : "http",
      boardId: event?.event.boardId
    }
  }

  /** The sink of an event (404 "Sink not found for this event"), then the permission check on its app. */
  const sinkOf = (principal: Principal, eventId: string) =>
    Effect.gen(function*() {
      const sink = sinks.byEvent(eventId)
      if (sink === undefined) return yield* apiError(404, "Sink not found for this event")
      yield* authorizeApp(apps, principal, sink.appId)
      return sink
    })

  /** Sinks need no Flow-Like credential: the sink's own token, when it has one, is the only check. */
  const trigger = (input: TriggerInput) =>
    Effect.gen(function*() {
      const sink = sinks.active(input.params.app, normalisePath(input.params["*"]))
      if (sink === undefined) return refusal(404, "Route not found")
      if (sink.authToken !== undefined) {
        const provided = input.request.headers["authorization"]?.replace(/^(Bearer )+/, "")
        if (provided !== sink.authToken) return refusal(401, "Invalid or missing auth token")
      }
      /** A raw `Body` escapes axum's 2 MB default limit: only `to_bytes`' 10 MB applies here. */
      const text = yield* Effect.mapError(input.request.text, () => badRequest("Failed to read request body"))
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) return yield* badRequest("Failed to read request body")
      const registered = events.get(sink.eventId)
      if (registered === undefined) return yield* internalError()
      const { event } = registered
      const runInput: RunInput = {
        runId: cuid(),
        appId: sink.appId,
        boardId: event.boardId,
        nodeId: event.nodeId,
        eventId: event.id,
        payload: payloadOf(text),
        runtimeVariables: undefined,
        mode: "stream"
      }
      const run = yield* runs.create({
        id: runInput.runId,
        appId: sink.appId,
        boardId: event.boardId,
        eventId: event.id,
        nodeId: event.id,
        mode: "Http",
        payload: runInput.payload
      })
      return yield* sseReply({
        request: input.request,
        path: input.path,
        runId: run.id,
        keepAliveMillis: stores.keepAliveMillis,
        streams: stores.streams,
        program: stores.logs.recording(
          run.id,
          streamRun(stores, { run, board: boards.get(registered.appId, event.boardId), input: runInput, streamState: false })
        ),
        detached: stores.backgroundRuns,
        onEvent: proxyRecord(stores, run)
      })
    })

  return {
    triggerGet: trigger,
    triggerPost: trigger,
    triggerPatch: trigger,
    triggerDelete: trigger,
    listSinks: ({ principal }) =>
      principal._tag === "User"
        ? Effect.succeed(sinks.list().filter((sink) => sink.active && apps.get(sink.appId)?.isMember === true).map(answerSink))
        : Effect.fail(internalError()),
    listAppSinks: ({ params, principal }) =>
      Effect.as(
        authorizeApp(apps, principal, params.app),
        sinks.list().filter((sink) => sink.appId === params.app).map(answerSink)
      ),
    getSink: ({ params, principal }) => Effect.map(sinkOf(principal, params.event), answerSink),
    updateSink: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        const sink = yield* sinkOf(principal, params.event)
        if (payload.path !== undefined) sink.path = payload.path === "" ? undefined : normalisePath(payload.path)
        if (payload.authToken !== undefined) sink.authToken = payload.authToken === "" ? undefined : payload.authToken
        sink.updatedAt = new Date()
        return answerSink(sink)
      }),
    toggleSink: ({ params, principal }) =>
      Effect.gen(function*() {
        const sink = yield* sinkOf(principal, params.event)
        sink.active = !sink.active
        sink.updatedAt = new Date()
        return answerSink(sink)
      })
  }
}
