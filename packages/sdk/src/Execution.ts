/**
 * Follow runs: read a run's status, long-poll its events with the run's poll token, watch it to the
 * end as a `Stream`, or await its final status.
 *
 * The poll route authenticates with `Authorization: Bearer <poll token>` (not the PAT), takes
 * `after_sequence` and `timeout` (seconds, capped at 30 by the server), returns each event once,
 * and has no `done` flag: a run is done when its status is `Completed`, `Failed`, `Cancelled` or
 * `Timeout`.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Option, Schedule, Schema, Stream } from "effect"
import * as Auth from "./Auth.ts"
import type { Secret } from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp, path, retrySchedule } from "./FlowLikeHttp.ts"
import * as WorkflowEvent from "./WorkflowEvent.ts"

/** Run statuses as the server spells them. */
export type RunStatusName = "Pending" | "Running" | "Completed" | "Failed" | "Cancelled" | "Timeout"

/** The statuses after which a run changes no more. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["Completed", "Failed", "Cancelled", "Timeout"])

/** Whether a status is terminal. */
export const isTerminal = (status: string): boolean => TERMINAL_STATUSES.has(status)

/** A run's status record. The server stores no result payload, only its length. */
export interface RunStatus {
  readonly runId: string
  readonly boardId: string | undefined
  readonly eventId: string | undefined
  readonly status: RunStatusName | (string & {})
  /** `Local`, `Http`, `Lambda`, `KubernetesIsolated`, `KubernetesPool`, `Function` or `Queue`. */
  readonly mode: string | undefined
  /** 0 to 100. */
  readonly progress: number | undefined
  readonly currentStep: string | undefined
  readonly error: string | undefined
  readonly inputPayloadLength: number | undefined
  readonly outputPayloadLength: number | undefined
  readonly startedAt: string | undefined
  readonly completedAt: string | undefined
  readonly createdAt: string | undefined
  /** Whether the status is terminal. */
  readonly done: boolean
  /** The record exactly as the server sent it, fields this SDK does not know included. */
  readonly raw: unknown
}

/** One long-poll answer. */
export interface PollResult {
  readonly runId: string
  readonly status: RunStatusName | (string & {})
  readonly progress: number | undefined
  readonly currentStep: string | undefined
  readonly error: string | undefined
  readonly startedAt: string | undefined
  readonly completedAt: string | undefined
  /** Events after the requested sequence, in order, at most 100. */
  readonly events: ReadonlyArray<WorkflowEvent.RunEvent>
  /** Derived from the status: the server sends no such flag. */
  readonly done: boolean
  /** The highest sequence seen so far: pass it as `afterSequence` to continue. */
  readonly lastSequence: number
  /** The answer exactly as the server sent it. */
  readonly raw: unknown
}

/** Options of one poll. */
export interface PollOptions {
  /** Return events after this sequence (default 0). */
  readonly afterSequence?: number | undefined
  /** How long the server may wait for events, in seconds (default 10, at most 30). */
  readonly timeout?: number | undefined
}

/** Options of `watchRun` and `awaitRun`. */
export interface WatchOptions extends PollOptions {
  /** How many times a failed poll is retried, with backoff, before the watch fails (default 10). */
  readonly retries?: number | undefined
  /** A schedule for retrying failed polls, in place of `retries` and the default backoff. */
  readonly retry?: Schedule.Schedule<unknown, FlowLikeError.FlowLikeError> | undefined
}

/** The final state of a run followed to its end (`raw` is the last poll's answer). */
export interface RunOutcome extends Omit<PollResult, "events"> {
  /** Every event of the run that this call received, in order. */
  readonly events: ReadonlyArray<WorkflowEvent.RunEvent>
}

const OptionalString = Schema.optional(Schema.NullOr(Schema.String))
const OptionalNumber = Schema.optional(Schema.NullOr(Schema.Number))

const RunStatusWire = Schema.Struct({
  run_id: Schema.String,
  board_id: OptionalString,
  event_id: OptionalString,
  status: Schema.String,
  mode: OptionalString,
  progress: OptionalNumber,
  current_step: OptionalString,
  error: OptionalString,
  input_payload_len: OptionalNumber,
  output_payload_len: OptionalNumber,
  started_at: OptionalString,
  completed_at: OptionalString,
  created_at: OptionalString
})

const PollWire = Schema.Struct({
  run_id: Schema.String,
  status: Schema.String,
  progress: OptionalNumber,
  current_step: OptionalString,
  error: OptionalString,
  events: Schema.Array(WorkflowEvent.WireRunEvent),
  started_at: OptionalString,
  completed_at: OptionalString
})

const SERVER_MAX_WAIT_SECONDS = 30
const SERVER_DEFAULT_WAIT_SECONDS = 10
const SERVER_PAGE_SIZE = 100
const WATCH_RETRIES = 10

/** Reads and follows runs. */
export class Execution extends Context.Service<Execution, {
  /** The run's status record (needs read access to the run's app). */
  getRunStatus(runId: string): Effect.Effect<RunStatus, FlowLikeError.FlowLikeError>
  /** One long poll with the run's poll token. Events are delivered once: keep `lastSequence`. */
  pollExecution(
    pollToken: Secret,
    options?: PollOptions
  ): Effect.Effect<PollResult, FlowLikeError.FlowLikeError>
  /** Every event of the run, polled until the run ends; survives transient failures without losing or repeating events. */
  watchRun(
    pollToken: Secret,
    options?: WatchOptions
  ): Stream.Stream<WorkflowEvent.RunEvent, FlowLikeError.FlowLikeError>
  /** Follows the run to its end and returns its final state. */
  awaitRun(
    pollToken: Secret,
    options?: WatchOptions
  ): Effect.Effect<RunOutcome, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Execution") {
  /** `Execution` over the configured transport. */
  static readonly layer: Layer.Layer<Execution, never, FlowLikeHttp> = Layer.effect(
    Execution,
    Effect.map(FlowLikeHttp, (http) => Execution.of(make(http)))
  )
}

const checkPollOptions = (options: PollOptions): Effect.Effect<{ afterSequence: number; wait: number }, FlowLikeError.FlowLikeError> => {
  const afterSequence = options.afterSequence ?? 0
  const wait = options.timeout ?? SERVER_DEFAULT_WAIT_SECONDS
  if (!Number.isInteger(afterSequence) || afterSequence < 0 || afterSequence > 2_147_483_647) {
    return Effect.fail(FlowLikeError.invalidArgument("afterSequence must be a whole number from 0"))
  }
  if (!Number.isFinite(wait) || wait < 0) {
    return Effect.fail(FlowLikeError.invalidArgument("timeout must be a number of seconds from 0 (the server waits at most 30)"))
  }
  return Effect.succeed({ afterSequence, wait: Math.min(Math.ceil(wait), SERVER_MAX_WAIT_SECONDS) })
}

/** The status fields the run record and the poll answer share. */
const statusFields = (wire: typeof PollWire.Type | typeof RunStatusWire.Type) => ({
  runId: wire.run_id,
  status: wire.status,
  progress: wire.progress ?? undefined,
  currentStep: wire.current_step ?? undefined,
  error: wire.error ?? undefined,
  startedAt: wire.started_at ?? undefined,
  completedAt: wire.completed_at ?? undefined,
  done: isTerminal(wire.status)
})

const toRunStatus = (wire: typeof RunStatusWire.Type, raw: unknown): RunStatus => ({
  ...statusFields(wire),
  raw,
  boardId: wire.board_id ?? undefined,
  eventId: wire.event_id ?? undefined,
  mode: wire.mode ?? undefined,
  inputPayloadLength: wire.input_payload_len ?? undefined,
  outputPayloadLength: wire.output_payload_len ?? undefined,
  createdAt: wire.created_at ?? undefined
})

/** Keeps each event once, in sequence order, after `afterSequence`, whatever the server sent. */
const toPollResult = (wire: typeof PollWire.Type, raw: unknown, afterSequence: number): PollResult => {
  const events: Array<WorkflowEvent.RunEvent> = []
  let lastSequence = afterSequence
  for (const event of [...wire.events].sort((a, b) => a.sequence - b.sequence)) {
    if (event.sequence <= lastSequence) continue
    lastSequence = event.sequence
    events.push(WorkflowEvent.fromWire(event))
  }
  return { ...statusFields(wire), events, lastSequence, raw }
}

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Execution["Service"] => {
  const poll = (
    pollToken: Secret,
    options: PollOptions,
    isIdempotent: boolean
  ): Effect.Effect<{ readonly result: PollResult; readonly isPageFull: boolean }, FlowLikeError.FlowLikeError> =>
    Effect.gen(function*() {
      const { afterSequence, wait } = yield* checkPollOptions(options)
      const { value, raw } = yield* http.jsonWithRaw({
        method: "GET",
        path: "/execution/poll",
        urlParams: { after_sequence: afterSequence, timeout: wait },
        auth: Auth.pollToken(pollToken),
        isIdempotent,
        timeout: Duration.sum(Duration.seconds(wait), http.config.timeout)
      }, PollWire)
      return { result: toPollResult(value, raw, afterSequence), isPageFull: value.events.length >= SERVER_PAGE_SIZE }
    })

  /**
   * Successive polls of one run; stops after the poll that saw a terminal status with a page that
   * was not full (a full page may leave events behind even once the run has ended).
   */
  const polls = (
    pollToken: Secret,
    options: WatchOptions
  ): Stream.Stream<PollResult, FlowLikeError.FlowLikeError> => {
    const schedule = options.retry ?? retrySchedule(options.retries ?? WATCH_RETRIES)
    const once = (afterSequence: number) =>
      poll(pollToken, { afterSequence, timeout: options.timeout }, false).pipe(
        Effect.retry({ schedule, while: (error) => error.isRetryable })
      )
    return Stream.paginate(options.afterSequence ?? 0, (afterSequence) =>
      Effect.map(once(afterSequence), ({ isPageFull, result }) => {
        const next = result.done && !isPageFull ? Option.none() : Option.some(result.lastSequence)
        return [[result], next] as const
      }))
  }

  return {
    getRunStatus: Effect.fn("Execution.getRunStatus")(function*(runId: string) {
      const route = yield* path`/execution/run/${runId}`
      const { value, raw } = yield* http.jsonWithRaw({ method: "GET", path: route }, RunStatusWire)
      return toRunStatus(value, raw)
    }),
    pollExecution: Effect.fn("Execution.pollExecution")(
      function*(pollToken: Secret, options: PollOptions = {}) {
        const { result } = yield* poll(pollToken, options, true)
        return result
      }
    ),
    watchRun: (pollToken, options = {}) =>
      polls(pollToken, options).pipe(
        Stream.flatMap((result) => Stream.fromIterable(result.events)),
        Stream.withSpan("Execution.watchRun")
      ),
    awaitRun: Effect.fn("Execution.awaitRun")(
      function*(pollToken: Secret, options: WatchOptions = {}) {
        const results = yield* Stream.runCollect(polls(pollToken, options))
        const last = results.at(-1)
        if (last === undefined) return yield* Effect.die("a watched run produced no poll")
        const outcome: RunOutcome = { ...last, events: results.flatMap((result) => result.events) }
        return outcome
      }
    )
  }
}
