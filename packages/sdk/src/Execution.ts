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
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { ExecutionApi } from "./api/ExecutionApi.ts"
import type { PollResponse, RunStatus as RunStatusSchema } from "./api/ExecutionApi.ts"
import * as Auth from "./Auth.ts"
import { secretProblem } from "./Config.ts"
import type { Secret } from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp, withRetries } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { reveal } from "./internal/secret.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"
import * as WorkflowEvent from "./WorkflowEvent.ts"

/** Run statuses as the server spells them. */
export type RunStatusName = "Pending" | "Running" | "Completed" | "Failed" | "Cancelled" | "Timeout"

/** The statuses after which a run changes no more. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["Completed", "Failed", "Cancelled", "Timeout"])

/** The terminal statuses of a run that did not succeed. */
export const FAILED_STATUSES: ReadonlySet<string> = new Set(["Failed", "Cancelled", "Timeout"])

/** Whether a status is terminal. */
export const isTerminal = (status: string): boolean => TERMINAL_STATUSES.has(status)

/** A run's status record (`ExecutionApi.RunStatus`), with `done` derived and the answer as sent. */
export type RunStatus = typeof RunStatusSchema.Type & {
  /** Whether the status is terminal. */
  readonly done: boolean
  /** The record exactly as the server sent it, fields this SDK does not know included. */
  readonly raw: unknown
}

/** One long-poll answer (`ExecutionApi.PollResponse`). */
export type PollResult = Omit<typeof PollResponse.Type, "events"> & {
  /** Events after the requested sequence, in order, each once, at most 100. */
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
  /**
   * How long the server may hold the poll waiting for events, in seconds (default 10, at most 30).
   * The client's own `timeout` is added on top of it.
   */
  readonly waitSeconds?: number | undefined
}

/**
 * Events the server handed out but this client never received: the server marks events delivered
 * before it sends the answer, so an answer lost on the way takes its events with it. Only with
 * `onGap: "continue"`.
 */
export interface EventGap {
  readonly _tag: "Gap"
  readonly eventType: "gap"
  readonly payload: undefined
  /** The last missing sequence, so that `sequence` keeps increasing along the stream. */
  readonly sequence: number
  readonly createdAt: undefined
  /** The first missing sequence. */
  readonly missingFrom: number
  /** The last missing sequence. */
  readonly missingTo: number
}

const gapOf = (missingFrom: number, missingTo: number): EventGap => ({
  _tag: "Gap",
  eventType: "gap",
  payload: undefined,
  sequence: missingTo,
  createdAt: undefined,
  missingFrom,
  missingTo
})

/** What `watchRun` yields: the run's events, and with `onGap: "continue"` a marker where events were lost. */
export type WatchedEvent = WorkflowEvent.RunEvent | EventGap

/** Options of `watchRun` and `awaitRun`. */
export interface WatchOptions extends PollOptions {
  /** How many times a failed poll is retried, with backoff, before the watch fails (default 10). */
  readonly retries?: number | undefined
  /** A schedule for retrying failed polls, in place of `retries` and the default backoff. */
  readonly retry?: Schedule.Schedule<unknown, FlowLikeError.FlowLikeError> | undefined
  /**
   * What to do when sequences show that events were lost (a poll answer lost on the way): fail with
   * `MissedEventsError` naming the missing range (`"fail"`, the default), or go on and yield an
   * `EventGap` marker in their place (`"continue"`).
   */
  readonly onGap?: "fail" | "continue" | undefined
}

/** The final state of a run followed to its end (`raw` is the last poll's answer). */
export interface RunOutcome extends Omit<PollResult, "events"> {
  /** Every event of the run that this call received, in order (and gap markers with `onGap: "continue"`). */
  readonly events: ReadonlyArray<WatchedEvent>
}

const SERVER_MAX_WAIT_SECONDS = 30
const SERVER_DEFAULT_WAIT_SECONDS = 10
const SERVER_PAGE_SIZE = 100
const WATCH_RETRIES = 10
const MAX_SEQUENCE = 2_147_483_647

/** Reads and follows runs. */
export class Execution extends Context.Service<Execution, {
  /** The run's status record (needs read access to the run's app). */
  getRunStatus(runId: string): Effect.Effect<RunStatus, FlowLikeError.FlowLikeError>
  /** One long poll with the run's poll token. Events are delivered once: keep `lastSequence`. */
  pollExecution(pollToken: Secret, options?: PollOptions): Effect.Effect<PollResult, FlowLikeError.FlowLikeError>
  /**
   * Every event of the run until it ends, retrying failed polls. A run that ends `Failed`,
   * `Cancelled` or `Timeout` fails the stream with `RunError` after its last event.
   */
  watchRun(pollToken: Secret, options?: WatchOptions): Stream.Stream<WatchedEvent, FlowLikeError.FlowLikeError>
  /**
   * Follows the run to its end and returns its final state; a run that ends `Failed`, `Cancelled` or
   * `Timeout` fails with `RunError` carrying its events.
   */
  awaitRun(pollToken: Secret, options?: WatchOptions): Effect.Effect<RunOutcome, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Execution") {
  /** `Execution` over the configured transport. */
  static readonly layer: Layer.Layer<Execution, never, FlowLikeHttp> = Layer.effect(
    Execution,
    Effect.map(FlowLikeHttp, (http) => Execution.of(make(http)))
  )
}

const endpoints = ExecutionApi.endpoints

const checkPollOptions = (
  operation: string,
  options: PollOptions
): Effect.Effect<{ afterSequence: number; wait: number }, FlowLikeError.FlowLikeError> => {
  const afterSequence = options.afterSequence ?? 0
  const wait = options.waitSeconds ?? SERVER_DEFAULT_WAIT_SECONDS
  if (!Number.isInteger(afterSequence) || afterSequence < 0 || afterSequence > MAX_SEQUENCE) {
    return Effect.fail(FlowLikeError.invalidArgument(`${operation}: afterSequence must be a whole number from 0`, operation))
  }
  if (!Number.isFinite(wait) || wait < 0) {
    return Effect.fail(
      FlowLikeError.invalidArgument(`${operation}: waitSeconds must be a number of seconds from 0 (the server waits at most 30)`, operation)
    )
  }
  return Effect.succeed({ afterSequence, wait: Math.min(Math.ceil(wait), SERVER_MAX_WAIT_SECONDS) })
}

const checkPollToken = (operation: string, pollToken: Secret) => {
  const value = reveal(pollToken)
  const problem = typeof value !== "string" || value === "" ? "must be a non-empty string" : secretProblem(value)
  return problem === undefined
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: pollToken ${problem}`, operation))
}

const checkRetries = (operation: string, retries: number | undefined) =>
  retries === undefined || (Number.isInteger(retries) && retries >= 0)
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: retries must be a whole number from 0`, operation))

/** Keeps each event once, in sequence order, after `afterSequence`, whatever the server sent. */
const toPollResult = (value: typeof PollResponse.Type, raw: unknown, afterSequence: number): PollResult => {
  const events: Array<WorkflowEvent.RunEvent> = []
  let lastSequence = afterSequence
  for (const event of [...value.events].sort((a, b) => a.sequence - b.sequence)) {
    if (event.sequence <= lastSequence) continue
    lastSequence = event.sequence
    events.push(WorkflowEvent.fromPolled(event))
  }
  return { ...value, events, done: isTerminal(value.status), lastSequence, raw }
}

const failedRun = (operation: string, result: PollResult, lastSequence: number): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.RunError({
      message: `${operation}: the run ${result.runId} ended ${result.status}${result.error === undefined ? "" : `: ${result.error}`}`,
      operation,
      runId: result.runId,
      runStatus: result.status,
      error: result.error,
      lastSequence
    })
  )

const missedEvents = (operation: string, runId: string, gap: EventGap): FlowLikeError.FlowLikeError =>
  FlowLikeError.make(
    new FlowLikeError.MissedEventsError({
      message: `${operation}: events ${gap.missingFrom} to ${gap.missingTo} of run ${runId} were lost (a poll answer was lost on the way, and the server hands each event out once); pass onGap: "continue" to go on past them`,
      operation,
      runId,
      missingFrom: gap.missingFrom,
      missingTo: gap.missingTo
    })
  )

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Execution["Service"] => {
  const poll = (
    operation: string,
    pollToken: Secret,
    options: PollOptions,
    isRetriedByCaller: boolean
  ): Effect.Effect<{ readonly result: PollResult; readonly isPageFull: boolean }, FlowLikeError.FlowLikeError> =>
    Effect.gen(function*() {
      const { afterSequence, wait } = yield* checkPollOptions(operation, options)
      yield* checkPollToken(operation, pollToken)
      const request = yield* Endpoint.request(endpoints.poll, { query: { afterSequence, timeout: wait } }, {
        operation,
        auth: Auth.pollToken(pollToken),
        isIdempotent: true,
        isRetriedByCaller,
        serverWait: Duration.seconds(wait)
      })
      const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.poll))
      return { result: toPollResult(value, raw, afterSequence), isPageFull: value.events.length >= SERVER_PAGE_SIZE }
    })

  /**
   * Every event of one run, from successive polls; stops after the poll that saw a terminal status
   * with a page that was not full (a full page may leave events behind even once the run has ended).
   * Sequences count from 1 without holes, so a hole is events lost on the way. Any failure carries
   * the last sequence delivered, and with `collected` the events so far.
   */
  const follow = (
    operation: string,
    pollToken: Secret,
    options: WatchOptions,
    collected?: Array<WatchedEvent>,
    onLast?: (result: PollResult) => void
  ): Stream.Stream<WatchedEvent, FlowLikeError.FlowLikeError> =>
    Stream.suspend(() => {
      let lastSequence = options.afterSequence ?? 0
      let hasReachedServer = false
      const once = (afterSequence: number) => {
        const attempt = poll(operation, pollToken, { afterSequence, waitSeconds: options.waitSeconds }, true)
        const retried = options.retry === undefined
          ? withRetries(attempt, {
            maxRetries: options.retries ?? WATCH_RETRIES,
            maxDelay: http.config.maxRetryDelay,
            maxTime: http.config.maxRetryTime
          }, { hasReachedServer: () => hasReachedServer })
          : Effect.retry(attempt, { schedule: options.retry, while: (error) => error.isRetryable })
        return Effect.tap(retried, () =>
          Effect.sync(() => {
            hasReachedServer = true
          }))
      }
      const pages = Stream.paginate(lastSequence, (afterSequence) =>
        Effect.map(once(afterSequence), ({ isPageFull, result }) => {
          onLast?.(result)
          const next = result.done && !isPageFull ? Option.none() : Option.some(result.lastSequence)
          return [[result], next] as const
        }))
      const toItems = (result: PollResult): Stream.Stream<WatchedEvent, FlowLikeError.FlowLikeError> => {
        const items: Array<WatchedEvent> = []
        let failure: FlowLikeError.FlowLikeError | undefined
        for (const event of result.events) {
          if (event.sequence > lastSequence + 1) {
            const gap = gapOf(lastSequence + 1, event.sequence - 1)
            if (options.onGap !== "continue") {
              failure = missedEvents(operation, result.runId, gap)
              break
            }
            items.push(gap)
          }
          items.push(event)
          lastSequence = event.sequence
        }
        if (failure === undefined && result.done && FAILED_STATUSES.has(result.status)) {
          failure = failedRun(operation, result, lastSequence)
        }
        const stream = Stream.fromIterable(items)
        return failure === undefined ? stream : Stream.concat(stream, Stream.fail(failure))
      }
      return Stream.unwrap(Effect.as(checkRetries(operation, options.retries), pages)).pipe(
        Stream.flatMap(toItems),
        Stream.mapError((error) => FlowLikeError.withProgress(error, lastSequence, collected))
      )
    })

  return {
    getRunStatus: (runId) =>
      withSpan("Execution.getRunStatus")(Effect.gen(function*() {
        const request = yield* Endpoint.request(endpoints.getRunStatus, { params: { runId } }, {
          operation: "Execution.getRunStatus"
        })
        const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.getRunStatus))
        const status: RunStatus = { ...value, done: isTerminal(value.status), raw }
        return status
      })),
    pollExecution: (pollToken, options = {}) =>
      withSpan("Execution.pollExecution")(
        Effect.map(poll("Execution.pollExecution", pollToken, options, false), ({ result }) => result)
      ),
    watchRun: (pollToken, options = {}) => withStreamSpan("Execution.watchRun")(follow("Execution.watchRun", pollToken, options)),
    awaitRun: (pollToken, options = {}) =>
      withSpan("Execution.awaitRun")(Effect.suspend(() => {
        const events: Array<WatchedEvent> = []
        let last: PollResult | undefined
        return Stream.runForEach(
          follow("Execution.awaitRun", pollToken, options, events, (result) => {
            last = result
          }),
          (event) => Effect.sync(() => events.push(event))
        ).pipe(
          Effect.flatMap(() =>
            last === undefined ? Effect.die("a watched run produced no poll") : Effect.succeed<RunOutcome>({ ...last, events })
          )
        )
      }))
  }
}
