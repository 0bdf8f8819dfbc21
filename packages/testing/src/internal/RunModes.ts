import { Clock, Effect } from "effect"
import { executeSteps, startNodeError } from "./Executor.ts"
import type { BoardDefinition, RunInput } from "./Model.ts"
import type { SseSession } from "./Sse.ts"
import type { Gates } from "./stores/Gates.ts"
import type { Run, Runs, RunStatus } from "./stores/Runs.ts"

/** What running a script needs. */
export interface RunStores {
  readonly runs: Runs
  readonly gates: Gates
}

/** One run of a script: the stored run, the board (if the app has it), the request and whether node state streams. */
export interface RunSpec {
  readonly run: Run
  /** `undefined` for a board the app does not have: the executor fails to load it. */
  readonly board: BoardDefinition | undefined
  readonly input: RunInput
  readonly streamState: boolean
}

/**
 * The executor's failure for a board it cannot load (`executor/src/streaming.rs`,
 * `ExecutorError::BoardLoad`); the storage error at the end is approximated.
 */
export const boardLoadError = (boardId: string): string =>
  `Board load error: Failed to load board ${boardId}: board not found`

/**
 * A synchronous (SSE) run as the executor streams it: `run_initiated`, `log` "Execution started",
 * the steps, then `log` "Execution completed" and `completed`. The executor runs it to its end even
 * when the client left (`tokio::spawn` in `executor/streaming.rs`); `run.executed` records that
 * end. The API's record is the proxy's business (`proxyRecord`).
 */
export const streamRun = (stores: RunStores, spec: RunSpec) => (session: SseSession) =>
  Effect.gen(function*() {
    const { board, input, run } = spec
    const startedAt = yield* Clock.currentTimeMillis
    yield* session.emit("run_initiated", { run_id: run.id })
    if (board === undefined) {
      return yield* Effect.as(session.emit("error", { message: boardLoadError(input.boardId) }), failed)
    }
    const nodeError = startNodeError(board, input.nodeId)
    if (nodeError !== undefined) {
      return yield* Effect.as(session.emit("error", { message: nodeError }), failed)
    }
    yield* session.emit("log", { message: "Execution started" })
    const outcome = yield* executeSteps({
      board,
      input,
      streamState: spec.streamState,
      gates: stores.gates,
      emit: session.emit
    })
    const completed = (status: "completed" | "failed", logLevel: number) =>
      Effect.gen(function*() {
        const duration = (yield* Clock.currentTimeMillis) - startedAt
        yield* session.emit("completed", { run_id: run.id, status, duration_ms: duration, log_level: logLevel })
      })
    switch (outcome._tag) {
      case "Completed":
        yield* session.emit("log", { message: "Execution completed" })
        yield* completed("completed", 1)
        return "Completed"
      case "TimedOut":
        yield* session.emit("error", { message: "Execution timeout" })
        yield* completed("failed", 4)
        return "Timeout"
      case "Failed":
        return yield* Effect.as(session.emit("error", { message: outcome.message }), failed)
      case "ProxyError":
        return yield* Effect.as(session.emitRaw("error", outcome.data), failed)
    }
  }).pipe(Effect.flatMap((status) => stores.runs.markExecuted(spec.run, status)))

const failed: RunStatus = "Failed"

/**
 * What the API's SSE proxy records of a streamed run (`execution/sse_proxy.rs`): when a `completed`
 * event passes through it, the run becomes `Completed`, even for a failed status (M30a). An
 * executor `error` (also a board that does not load) ends the stream with the run left `Pending`
 * (M30b); `Running` is never set (M30c). A client that left stops the proxy: nothing is recorded.
 */
export const proxyRecord = (stores: RunStores, run: Run) => (eventType: string): Effect.Effect<void> =>
  eventType === "completed" ? stores.runs.finish(run, "Completed") : Effect.void

/**
 * An async run: `Pending` until it starts, then `Running`, then `Completed` or `Failed`. Events
 * are stored without the envelope; no `completed` row; it ends with `log` "Execution completed"
 * (or an `error` row). Progress events update the run's `progress` and `current_step`.
 */
export const backgroundRun = (stores: RunStores, spec: RunSpec): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { board, input, run } = spec
    const { runs } = stores
    yield* runs.markRunning(run)
    const fail = (message: string) =>
      runs.append(run, "error", { message }).pipe(
        Effect.andThen(runs.finish(run, "Failed", message)),
        Effect.andThen(runs.markExecuted(run, "Failed"))
      )
    if (board === undefined) {
      return yield* fail(boardLoadError(input.boardId))
    }
    const nodeError = startNodeError(board, input.nodeId)
    if (nodeError !== undefined) {
      return yield* fail(nodeError)
    }
    const outcome = yield* executeSteps({
      board,
      input,
      streamState: spec.streamState,
      gates: stores.gates,
      emit: (eventType, payload) => runs.append(run, eventType, payload),
      onProgress: (progress, message) => runs.setProgress(run, progress, message)
    })
    switch (outcome._tag) {
      case "Completed":
        yield* runs.append(run, "log", { message: "Execution completed" })
        yield* runs.finish(run, "Completed")
        return yield* runs.markExecuted(run, "Completed")
      case "TimedOut":
        return yield* fail("Execution timeout")
      case "Failed":
        return yield* fail(outcome.message)
      case "ProxyError":
        return yield* fail(outcome.data)
    }
  })
