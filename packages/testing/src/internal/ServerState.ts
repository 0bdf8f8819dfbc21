import type { FiberSet, Queue } from "effect"
import type { Catalog } from "./Catalog.ts"
import type { Faults } from "./Faults.ts"
import type { Gates } from "./Gates.ts"
import type { RecordedRequest, ResponseLogEntry, StreamClosed } from "./Model.ts"
import type { PollTokens } from "./PollToken.ts"
import type { Runs } from "./Runs.ts"
import type { ActiveStreams } from "./SseResponse.ts"

export interface Settings {
  readonly keepAliveMillis: number
  readonly pollIntervalMillis: number
  readonly onResponse: ((entry: ResponseLogEntry) => void) | undefined
}

/** Everything one dev server instance holds; handlers read and update it. */
export interface ServerState {
  readonly settings: Settings
  readonly catalog: Catalog
  readonly runs: Runs
  readonly gates: Gates
  readonly faults: Faults
  readonly pollTokens: PollTokens
  readonly activeStreams: ActiveStreams
  readonly streamClosures: Queue.Queue<StreamClosed>
  readonly requests: Array<RecordedRequest>
  /** Async runs, interrupted when the server closes. */
  readonly backgroundRuns: FiberSet.FiberSet<void>
}
