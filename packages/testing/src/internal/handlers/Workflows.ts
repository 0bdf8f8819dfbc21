import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect, FiberSet } from "effect"
import { type ApiError, internalError } from "../ApiError.ts"
import { type Handlers, type Input, undeclared } from "../ApiRouter.ts"
import { authorizeApp, type Principal } from "../Auth.ts"
import { cuid } from "../Ids.ts"
import { jsonAnswer } from "../JsonAnswer.ts"
import type { BoardDefinition, RunInput } from "../Model.ts"
import { decodeQuery } from "../QueryString.ts"
import { backgroundRun, proxyRecord, streamRun } from "../RunModes.ts"
import { sseReply } from "../Sse.ts"
import type { Apps } from "../stores/Apps.ts"
import type { Boards } from "../stores/Boards.ts"
import type { Events } from "../stores/Events.ts"
import type { Gates } from "../stores/Gates.ts"
import type { Logs } from "../stores/Logs.ts"
import type { PollTokens } from "../stores/PollTokens.ts"
import type { Run, Runs } from "../stores/Runs.ts"
import type { Streams } from "../stores/Streams.ts"
import { InvokeQuery, LocalInvocation } from "../Undeclared.ts"

/** What the invoke routes read and write. */
export interface WorkflowsStores {
  readonly apps: Apps
  readonly boards: Boards
  readonly events: Events
  readonly runs: Runs
  readonly pollTokens: PollTokens
  readonly gates: Gates
  /** Log tables of streamed runs, read by `GET …/logs`. */
  readonly logs: Logs
  readonly streams: Streams
  /** Async runs and streamed runs' executors, interrupted when the server closes. */
  readonly backgroundRuns: FiberSet.FiberSet<void>
  readonly keepAliveMillis: number
}

type WorkflowsHandlers = Handlers<typeof FlowLikeApi>["workflows"]

/** What an invoke runs: the board from the path (or the event), which the executor may fail to load. */
interface Target {
  readonly appId: string
  readonly boardId: string
  readonly board: BoardDefinition | undefined
  readonly nodeId: string
  readonly eventId: string | undefined
}

/** The body fields every invoke shares, decoded. */
interface InvokeBody {
  readonly payload?: unknown
  readonly runtimeVariables?: RunInput["runtimeVariables"]
}

const answerLocal = jsonAnswer(LocalInvocation)

const runInput = (target: Target, body: InvokeBody, mode: RunInput["mode"]): RunInput => ({
  runId: cuid(),
  appId: target.appId,
  boardId: target.boardId,
  nodeId: target.nodeId,
  eventId: target.eventId,
  payload: body.payload ?? undefined,
  runtimeVariables: body.runtimeVariables,
  mode
})

/** Board and event invokes, streamed (SSE) and async (`invoke_board*.rs`, `invoke_event*.rs`). */
export const makeWorkflowsHandlers = (stores: WorkflowsStores): WorkflowsHandlers => {
  const { apps, boards, events, runs } = stores

  /** The board is not loaded here: like `invoke_board.rs`, only the executor finds out it is missing. */
  const boardTarget = (principal: Principal, appId: string, boardId: string, nodeId: string) =>
    Effect.as(authorizeApp(apps, principal, appId), {
      appId,
      boardId,
      board: boards.get(appId, boardId),
      nodeId,
      eventId: undefined
    } satisfies Target)

  /** An unknown event is the API's own 500: it loads the event before dispatching. */
  const eventTarget = (principal: Principal, appId: string, eventId: string): Effect.Effect<Target, ApiError> =>
    Effect.gen(function*() {
      yield* authorizeApp(apps, principal, appId)
      const registered = events.get(eventId)
      if (registered === undefined) {
        return yield* internalError()
      }
      const { boardId, id, nodeId } = registered.event
      return { appId, boardId, board: boards.get(registered.appId, boardId), nodeId, eventId: id }
    })

  const createRun = (input: RunInput, mode: Run["mode"]) =>
    runs.create({
      id: input.runId,
      appId: input.appId,
      boardId: input.boardId,
      eventId: input.eventId,
      nodeId: input.nodeId,
      mode,
      payload: input.payload
    })

  const pollToken = (run: Run) =>
    stores.pollTokens.sign({ runId: run.id, appId: run.appId, boardId: run.boardId, eventId: run.eventId })

  /** `?local=true` records the run and answers JSON; otherwise the run streams as SSE. */
  const stream = (
    local: boolean,
    request: Pick<Input<unknown>, "request" | "path">,
    target: Target,
    body: InvokeBody,
    streamState: boolean
  ) =>
    Effect.gen(function*() {
      const input = runInput(target, body, "stream")
      const run = yield* createRun(input, local ? "Local" : "Http")
      if (local) {
        return undeclared(yield* answerLocal({
          runId: run.id,
          status: "pending",
          message: "Run tracked locally - no remote execution",
          pollToken: yield* pollToken(run)
        }))
      }
      return yield* sseReply({
        request: request.request,
        path: request.path,
        runId: run.id,
        keepAliveMillis: stores.keepAliveMillis,
        streams: stores.streams,
        program: stores.logs.recording(run.id, streamRun(stores, { run, board: target.board, input, streamState })),
        detached: stores.backgroundRuns,
        onEvent: proxyRecord(stores, run)
      })
    })

  const dispatch = (target: Target, body: InvokeBody, streamState: boolean) =>
    Effect.gen(function*() {
      const input = runInput(target, body, "async")
      const run = yield* createRun(input, "Queue")
      yield* FiberSet.run(stores.backgroundRuns, backgroundRun(stores, { run, board: target.board, input, streamState }))
      return { runId: run.id, status: "dispatched", pollToken: yield* pollToken(run), backend: "http" }
    })

  /** Read before the permission check, as axum's `Query` extractor is. */
  const isLocal = (rawQuery: string) =>
    Effect.map(decodeQuery(InvokeQuery, rawQuery), (query) => query.local === true)

  return {
    invokeBoard: (request) =>
      Effect.gen(function*() {
        const { params, payload, principal } = request
        const local = yield* isLocal(request.rawQuery)
        const target = yield* boardTarget(principal, params.app, params.board, payload.nodeId)
        return yield* stream(local, request, target, payload, payload.streamState ?? true)
      }),
    invokeBoardAsync: ({ params, payload, principal }) =>
      Effect.flatMap(
        boardTarget(principal, params.app, params.board, payload.nodeId),
        (target) => dispatch(target, payload, true)
      ),
    /** Event invokes force `stream_state = false`. */
    invokeEvent: (request) =>
      Effect.gen(function*() {
        const local = yield* isLocal(request.rawQuery)
        const target = yield* eventTarget(request.principal, request.params.app, request.params.event)
        return yield* stream(local, request, target, request.payload, false)
      }),
    invokeEventAsync: ({ params, payload, principal }) =>
      Effect.flatMap(eventTarget(principal, params.app, params.event), (target) => dispatch(target, payload, false))
  }
}
