import { DateTime, Effect, Latch } from "effect"

/** Rust `Debug` of `RunStatus`. */
export type RunStatus = "Pending" | "Running" | "Completed" | "Failed" | "Cancelled" | "Timeout"

/** How a run was dispatched (`RunMode`); the dev server uses three of them. */
export type RunMode = "Local" | "Http" | "Queue"

const terminal: ReadonlySet<RunStatus> = new Set(["Completed", "Failed", "Cancelled", "Timeout"])

/** Whether a poll stops at this status. */
export const isTerminal = (status: RunStatus): boolean => terminal.has(status)

/** An event row of an async run, as the poll hands it out (once). */
export interface StoredEvent {
  readonly sequence: number
  readonly eventType: string
  readonly payload: unknown
  /** RFC 3339. */
  readonly createdAt: string
  delivered: boolean
}

/** A run and its event rows; mutated as its script advances. */
export interface Run {
  readonly id: string
  readonly appId: string
  readonly boardId: string
  readonly eventId: string | undefined
  /** The start node (a sink run records its event id here, as `sink/trigger.rs` does). */
  readonly nodeId: string | undefined
  readonly mode: RunMode
  readonly createdAt: string
  readonly inputPayloadLen: number
  status: RunStatus
  progress: number
  currentStep: string | undefined
  error: string | undefined
  startedAt: string | undefined
  completedAt: string | undefined
  readonly events: Array<StoredEvent>
  /**
   * How the executor ended the run, whatever the API recorded: a streamed run whose client left
   * runs on to its end, but the API's `status` only changes when its proxy passes `completed`.
   */
  executed: RunStatus | undefined
  /** Opened (and replaced) on every change, to wake long polls. */
  changed: Latch.Latch
}

/** What creating a run takes. */
export interface NewRun {
  readonly id: string
  readonly appId: string
  readonly boardId: string
  readonly eventId: string | undefined
  readonly mode: RunMode
  readonly payload: unknown
  readonly nodeId?: string | undefined
}

const nowIso = Effect.map(DateTime.now, DateTime.formatIso)

const touch = (run: Run) => {
  const changed = run.changed
  run.changed = Latch.makeUnsafe(false)
  changed.openUnsafe()
}

const payloadLength = (payload: unknown): number =>
  payload === undefined ? 0 : Buffer.byteLength(JSON.stringify(payload))

/** The execution state store: runs and their event rows (sequence numbers from 1). */
export interface Runs {
  readonly create: (spec: NewRun) => Effect.Effect<Run>
  readonly get: (runId: string) => Run | undefined
  /** Every run, oldest first. */
  readonly list: () => ReadonlyArray<Run>
  readonly markRunning: (run: Run) => Effect.Effect<void>
  readonly append: (run: Run, eventType: string, payload: unknown) => Effect.Effect<void>
  readonly setProgress: (run: Run, progress: number | undefined, step: string) => Effect.Effect<void>
  readonly finish: (run: Run, status: RunStatus, error?: string) => Effect.Effect<void>
  /** Records how the executor ended the run. */
  readonly markExecuted: (run: Run, status: RunStatus) => Effect.Effect<void>
  /** Waits until the executor ended the run (at once if it has). */
  readonly awaitExecuted: (run: Run) => Effect.Effect<RunStatus>
  /** Undelivered events after `afterSequence`, oldest first, at most `limit`; marks them delivered. */
  readonly takeUndelivered: (run: Run, afterSequence: number, limit: number) => ReadonlyArray<StoredEvent>
}

/** An empty run store. */
export const makeRuns = (): Runs => {
  const runs = new Map<string, Run>()
  return {
    create: (spec) =>
      Effect.map(nowIso, (createdAt) => {
        const run: Run = {
          id: spec.id,
          appId: spec.appId,
          boardId: spec.boardId,
          eventId: spec.eventId,
          nodeId: spec.nodeId,
          mode: spec.mode,
          createdAt,
          inputPayloadLen: payloadLength(spec.payload),
          status: "Pending",
          progress: 0,
          currentStep: undefined,
          error: undefined,
          startedAt: undefined,
          completedAt: undefined,
          events: [],
          executed: undefined,
          changed: Latch.makeUnsafe(false)
        }
        runs.set(run.id, run)
        return run
      }),
    get: (runId) => runs.get(runId),
    list: () => [...runs.values()],
    markRunning: (run) =>
      Effect.map(nowIso, (now) => {
        run.status = "Running"
        run.startedAt = now
        touch(run)
      }),
    append: (run, eventType, payload) =>
      Effect.map(nowIso, (now) => {
        const last = run.events[run.events.length - 1]
        run.events.push({
          sequence: (last?.sequence ?? 0) + 1,
          eventType,
          payload,
          createdAt: now,
          delivered: false
        })
        touch(run)
      }),
    setProgress: (run, progress, step) =>
      Effect.sync(() => {
        if (progress !== undefined) {
          run.progress = Math.max(0, Math.min(100, Math.round(progress)))
        }
        run.currentStep = step
        touch(run)
      }),
    finish: (run, status, error) =>
      Effect.map(nowIso, (now) => {
        run.status = status
        run.completedAt = now
        if (status === "Completed") run.progress = 100
        if (error !== undefined) run.error = error
        touch(run)
      }),
    markExecuted: (run, status) =>
      Effect.sync(() => {
        run.executed = status
        touch(run)
      }),
    awaitExecuted: (run) =>
      Effect.suspend(function loop(): Effect.Effect<RunStatus> {
        const changed = run.changed
        return run.executed === undefined ? Effect.andThen(changed.await, Effect.suspend(loop)) : Effect.succeed(run.executed)
      }),
    takeUndelivered: (run, afterSequence, limit) => {
      const taken = run.events.filter((event) => !event.delivered && event.sequence > afterSequence).slice(0, limit)
      for (const event of taken) event.delivered = true
      return taken
    }
  }
}
