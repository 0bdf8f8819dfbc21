import { Effect } from "effect"
import type { SseSession } from "../Sse.ts"

/** One log line of a streamed run, as the executor stores it in the run's log table. */
export interface LogLine {
  readonly message: string
  /** 0 Debug to 4 Fatal. */
  readonly level: number
  readonly time: Date
}

/** The log tables of streamed runs (async runs' lines are read from their stored events). */
export interface Logs {
  readonly get: (runId: string) => ReadonlyArray<LogLine> | undefined
  /** A session that also writes the run's `log` and `error` events to its log table. */
  readonly recording: (runId: string, program: (session: SseSession) => Effect.Effect<void>) => (session: SseSession) => Effect.Effect<void>
}

const messageOf = (payload: unknown): string | undefined =>
  typeof payload === "object" && payload !== null && "message" in payload && typeof payload.message === "string" ? payload.message : undefined

/** An empty log store. */
export const makeLogs = (): Logs => {
  const tables = new Map<string, Array<LogLine>>()
  return {
    get: (runId) => tables.get(runId),
    recording: (runId, program) => (session) =>
      program({
        ...session,
        emit: (eventType, payload) =>
          Effect.andThen(session.emit(eventType, payload), Effect.sync(() => {
            const message = messageOf(payload)
            if (message === undefined || (eventType !== "log" && eventType !== "error")) return
            const table = tables.get(runId) ?? []
            table.push({ message, level: eventType === "error" ? 3 : 1, time: new Date() })
            tables.set(runId, table)
          }))
      })
  }
}
