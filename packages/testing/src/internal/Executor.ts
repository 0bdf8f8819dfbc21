import { Effect, Predicate } from "effect"
import type { Gates } from "./stores/Gates.ts"
import type { BoardDefinition, BoardStep, RunInput } from "./Model.ts"

/** How a scripted run ended; the caller turns it into the mode's closing events. */
export type Outcome =
  | { readonly _tag: "Completed" }
  | { readonly _tag: "Failed"; readonly message: string }
  | { readonly _tag: "TimedOut" }
  | { readonly _tag: "ProxyError"; readonly data: string }

export interface Execution {
  readonly board: BoardDefinition
  readonly input: RunInput
  /** Whether `nodeState` steps emit `run:<id>` events. */
  readonly streamState: boolean
  readonly gates: Gates
  readonly emit: (eventType: string, payload: unknown) => Effect.Effect<void>
  /** Called after each `progress` event (the async path tracks it on the run). */
  readonly onProgress?: (progress: number | undefined, message: string) => Effect.Effect<void>
}

/** The executor's run-init failure for a start node the board does not have. */
export const startNodeError = (board: BoardDefinition, nodeId: string | undefined): string | undefined =>
  board.nodeIds === undefined || (nodeId !== undefined && board.nodeIds.includes(nodeId))
    ? undefined
    : `Start node not found: ${nodeId ?? ""}`

const resolveSteps = (execution: Execution): ReadonlyArray<BoardStep> | { readonly failure: string } => {
  const { steps } = execution.board
  if (!Predicate.isFunction(steps)) return steps
  try {
    return steps(execution.input)
  } catch (error) {
    return { failure: Predicate.isError(error) ? error.message : String(error) }
  }
}

/** Runs the board's steps in order, emitting their events; stops at the first terminal step. */
export const executeSteps = Effect.fnUntraced(function*(execution: Execution): Effect.fn.Return<Outcome> {
  const steps = resolveSteps(execution)
  if ("failure" in steps) {
    return { _tag: "Failed", message: steps.failure }
  }
  const { emit, input } = execution
  for (const step of steps) {
    switch (step.type) {
      case "log":
        yield* emit("log", { message: step.message })
        break
      case "progress":
        yield* emit("progress", {
          id: step.id ?? `${input.runId}-progress`,
          message: step.message,
          ...(step.progress === undefined ? {} : { progress: step.progress }),
          done: step.done ?? false,
          success: true
        })
        if (execution.onProgress !== undefined) {
          yield* execution.onProgress(step.progress, step.message)
        }
        break
      case "nodeState":
        if (execution.streamState) {
          yield* emit(`run:${input.runId}`, {
            runId: input.runId,
            nodeIds: step.nodeIds,
            method: step.method ?? "update"
          })
        }
        break
      case "event":
        yield* emit(step.eventType, step.payload === undefined ? null : step.payload)
        break
      case "sleep":
        yield* Effect.sleep(step.millis)
        break
      case "await":
        yield* execution.gates.await(step.gate)
        break
      case "hang":
        return yield* Effect.never
      case "fail":
        return { _tag: "Failed", message: step.message }
      case "timeout":
        return { _tag: "TimedOut" }
      case "proxyError":
        return { _tag: "ProxyError", data: step.data }
    }
  }
  return { _tag: "Completed" }
})
