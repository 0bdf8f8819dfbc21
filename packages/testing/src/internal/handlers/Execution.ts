import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Clock, Effect } from "effect"
import { badRequest, notFound } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import { authorizeApp } from "../Auth.ts"
import type { Apps } from "../stores/Apps.ts"
import type { PollTokens } from "../stores/PollTokens.ts"
import { isTerminal, type Run, type Runs, type StoredEvent } from "../stores/Runs.ts"

/** What the execution routes read. */
export interface ExecutionStores {
  readonly apps: Apps
  readonly runs: Runs
  readonly pollTokens: PollTokens
  /** The long poll's own loop tick. */
  readonly pollIntervalMillis: number
}

type ExecutionHandlers = Handlers<typeof FlowLikeApi>["execution"]

/** The real poll cap: `timeout` seconds, at most 30. */
export const pollTimeoutMillis = (timeoutSeconds: number): number => Math.min(timeoutSeconds, 30) * 1000

const pollBatchSize = 100

const statusFields = (run: Run) => ({
  runId: run.id,
  status: run.status,
  progress: run.progress,
  currentStep: run.currentStep,
  error: run.error,
  startedAt: run.startedAt,
  completedAt: run.completedAt
})

const polledEvent = ({ createdAt, eventType, payload, sequence }: StoredEvent) => ({
  sequence,
  eventType,
  payload,
  createdAt
})

/** Run status and long polling (`routes/execution/progress.rs`). */
export const makeExecutionHandlers = (stores: ExecutionStores): ExecutionHandlers => {
  const { apps, runs } = stores

  /**
   * Returns as soon as there are undelivered events after `afterSequence` (marking them
   * delivered), the run is terminal, or the deadline passes. Checks on every tick and whenever
   * the run changes.
   */
  const longPoll = (run: Run, afterSequence: number, timeoutSeconds: number) =>
    Effect.gen(function*() {
      const deadline = (yield* Clock.currentTimeMillis) + pollTimeoutMillis(timeoutSeconds)
      while (true) {
        const changed = run.changed
        const events = runs.takeUndelivered(run, afterSequence, pollBatchSize)
        const now = yield* Clock.currentTimeMillis
        if (events.length > 0 || isTerminal(run.status) || now >= deadline) {
          return { ...statusFields(run), events: events.map(polledEvent) }
        }
        yield* Effect.timeoutOption(changed.await, Math.min(stores.pollIntervalMillis, deadline - now))
      }
    })

  return {
    /** The run is looked up before the permission check (`progress.rs` ~447-460): unknown is 404 for anyone. */
    getRunStatus: ({ params, principal }) =>
      Effect.gen(function*() {
        const run = runs.get(params.runId)
        if (run === undefined) {
          return yield* notFound()
        }
        yield* authorizeApp(apps, principal, run.appId)
        return {
          ...statusFields(run),
          boardId: run.boardId,
          eventId: run.eventId,
          mode: run.mode,
          inputPayloadLength: run.inputPayloadLen,
          outputPayloadLength: 0,
          createdAt: run.createdAt
        }
      }),
    /** Authorised by `Authorization: Bearer <poll_token>` alone; a `poll_token` query is ignored. */
    poll: ({ query, request }) =>
      Effect.gen(function*() {
        const authorization = request.headers["authorization"]
        if (authorization === undefined) {
          return yield* badRequest("Missing Authorization header")
        }
        if (!authorization.startsWith("Bearer ")) {
          return yield* badRequest("Invalid Authorization header format")
        }
        const claims = yield* stores.pollTokens.verify(authorization.slice("Bearer ".length)).pipe(
          Effect.mapError((reason) => badRequest(`Invalid user JWT: ${reason}`))
        )
        const run = runs.get(claims.run_id)
        if (run === undefined) {
          return yield* notFound()
        }
        return yield* longPoll(run, query.afterSequence ?? 0, query.timeout ?? 10)
      })
  }
}
