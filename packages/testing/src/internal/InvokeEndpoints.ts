import { Effect, FiberSet, Queue } from "effect"
import { HttpServerResponse } from "effect/http"
import { type ApiError, internalError } from "./ApiError.ts"
import { authorizeApp } from "./Auth.ts"
import { StreamDropAfter } from "./Faults.ts"
import { type Handler, type HandlerInput, param, requestTarget } from "./Handler.ts"
import { cuid } from "./Ids.ts"
import { jsonBody } from "./JsonBody.ts"
import type { BoardDefinition, RunInput } from "./Model.ts"
import { boolean, decodeQuery } from "./Query.ts"
import { InvokeBoardAsyncRequest, InvokeBoardRequest, InvokeEventRequest } from "./RequestBodies.ts"
import { backgroundRun, streamRun } from "./RunModes.ts"
import type { Run } from "./Runs.ts"
import type { ServerState } from "./ServerState.ts"
import { sseResponse } from "./SseResponse.ts"

/** What an invoke runs: resolved from the path (board) or from the event. */
interface Target {
  readonly appId: string
  readonly board: BoardDefinition
  readonly nodeId: string
  readonly eventId: string | undefined
}

interface CommonBody {
  readonly payload?: unknown
  readonly runtime_variables?: unknown
}

/** `?local=true` is emulated; `?isolated=true` is accepted but runs like a normal invoke. */
const invokeQuery = Effect.flatMap(requestTarget, ({ query }) => decodeQuery(query, { local: boolean, isolated: boolean }))

const runInput = (target: Target, body: CommonBody, mode: RunInput["mode"]): RunInput => ({
  runId: cuid(),
  appId: target.appId,
  boardId: target.board.id,
  nodeId: target.nodeId,
  eventId: target.eventId,
  payload: body.payload ?? undefined,
  runtimeVariables: body.runtime_variables ?? undefined,
  mode
})

/** Board and event invokes, sync (SSE) and async (`invoke_board*.rs`, `invoke_event*.rs`). */
export const makeInvokeEndpoints = (state: ServerState) => {
  const { catalog, runs } = state

  const boardOf = (appId: string, boardId: string): Effect.Effect<BoardDefinition, ApiError> => {
    const board = catalog.board(appId, boardId)
    return board === undefined ? Effect.fail(internalError()) : Effect.succeed(board)
  }

  const boardTarget = (input: HandlerInput, nodeId: string) =>
    Effect.gen(function*() {
      const appId = param(input, "app")
      yield* authorizeApp(catalog, input.principal, appId)
      const board = yield* boardOf(appId, param(input, "board"))
      return { appId, board, nodeId, eventId: undefined } satisfies Target
    })

  const eventTarget = (input: HandlerInput) =>
    Effect.gen(function*() {
      const appId = param(input, "app")
      yield* authorizeApp(catalog, input.principal, appId)
      const registered = catalog.event(param(input, "event"))
      if (registered === undefined) {
        return yield* internalError()
      }
      const board = yield* boardOf(registered.appId, registered.event.boardId)
      return { appId, board, nodeId: registered.event.nodeId, eventId: registered.event.id } satisfies Target
    })

  const createRun = (input: RunInput, mode: Run["mode"]) =>
    runs.create({
      id: input.runId,
      appId: input.appId,
      boardId: input.boardId,
      eventId: input.eventId,
      mode,
      payload: input.payload
    })

  const pollToken = (run: Run) =>
    state.pollTokens.sign({ runId: run.id, appId: run.appId, boardId: run.boardId, eventId: run.eventId })

  const stream = (local: boolean, target: Target, body: CommonBody, streamState: boolean) =>
    Effect.gen(function*() {
      const input = runInput(target, body, "stream")
      const run = yield* createRun(input, local ? "Local" : "Http")
      if (local) {
        return HttpServerResponse.jsonUnsafe({
          run_id: run.id,
          status: "pending",
          message: "Run tracked locally - no remote execution",
          poll_token: yield* pollToken(run)
        })
      }
      const { path, request } = yield* requestTarget
      return sseResponse({
        request,
        path,
        runId: run.id,
        keepAliveMillis: state.settings.keepAliveMillis,
        dropAfterEvents: yield* StreamDropAfter,
        activeStreams: state.activeStreams,
        onClosed: (closed) => {
          Queue.offerUnsafe(state.streamClosures, closed)
        },
        program: streamRun(state, { run, board: target.board, input, streamState })
      })
    })

  const dispatch = (target: Target, body: CommonBody, streamState: boolean) =>
    Effect.gen(function*() {
      const input = runInput(target, body, "async")
      const run = yield* createRun(input, "Queue")
      yield* FiberSet.run(state.backgroundRuns, backgroundRun(state, { run, board: target.board, input, streamState }))
      return HttpServerResponse.jsonUnsafe({
        run_id: run.id,
        status: "dispatched",
        poll_token: yield* pollToken(run),
        backend: "http"
      })
    })

  const invokeBoard: Handler = (input) =>
    Effect.gen(function*() {
      const { local } = yield* invokeQuery
      const body = yield* jsonBody(InvokeBoardRequest)
      const target = yield* boardTarget(input, body.node_id)
      return yield* stream(local === true, target, body, body.stream_state ?? true)
    })

  const invokeBoardAsync: Handler = (input) =>
    Effect.gen(function*() {
      const body = yield* jsonBody(InvokeBoardAsyncRequest)
      return yield* dispatch(yield* boardTarget(input, body.node_id), body, true)
    })

  /** Event invokes force `stream_state = false`. */
  const invokeEvent: Handler = (input) =>
    Effect.gen(function*() {
      const { local } = yield* invokeQuery
      const body = yield* jsonBody(InvokeEventRequest)
      return yield* stream(local === true, yield* eventTarget(input), body, false)
    })

  const invokeEventAsync: Handler = (input) =>
    Effect.gen(function*() {
      const body = yield* jsonBody(InvokeEventRequest)
      return yield* dispatch(yield* eventTarget(input), body, false)
    })

  return { invokeBoard, invokeBoardAsync, invokeEvent, invokeEventAsync }
}
