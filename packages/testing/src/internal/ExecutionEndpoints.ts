import { Clock, Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { badRequest, notFound } from "./ApiError.ts"
import { authorizeApp, requireIdentity } from "./Auth.ts"
import { type Handler, param, requestTarget } from "./Handler.ts"
import { decodeQuery, i32, u64 } from "./Query.ts"
import { isTerminal, pollJson, type Run, runStatusJson } from "./Runs.ts"
import type { ServerState } from "./ServerState.ts"

/** The real poll cap: `timeout` seconds, at most 30. */
export const pollTimeoutMillis = (timeoutSeconds: number): number => Math.min(timeoutSeconds, 30) * 1000

const pollBatchSize = 100

/** Run status and long polling (`routes/execution/progress.rs`). */
export const makeExecutionEndpoints = (state: ServerState) => {
  const { catalog, runs } = state

  const runStatus: Handler = (input) =>
    Effect.gen(function*() {
      yield* requireIdentity(input.principal)
      const run = runs.get(param(input, "run_id"))
      if (run === undefined) {
        return yield* notFound()
      }
      yield* authorizeApp(catalog, input.principal, run.appId)
      return HttpServerResponse.jsonUnsafe(runStatusJson(run))
    })

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
          return HttpServerResponse.jsonUnsafe(pollJson(run, events))
        }
        yield* Effect.timeoutOption(changed.await, Math.min(state.settings.pollIntervalMillis, deadline - now))
      }
    })

  /** Authorised by `Authorization: Bearer <poll_token>` alone; a `poll_token` query is ignored. */
  const poll: Handler = () =>
    Effect.gen(function*() {
      const { query, request } = yield* requestTarget
      const decoded = yield* decodeQuery(query, { after_sequence: i32, timeout: u64 })
      const authorization = request.headers["authorization"]
      if (authorization === undefined) {
        return yield* badRequest("Missing Authorization header")
      }
      if (!authorization.startsWith("Bearer ")) {
        return yield* badRequest("Invalid Authorization header format")
      }
      const claims = yield* state.pollTokens.verify(authorization.slice("Bearer ".length)).pipe(
        Effect.mapError((reason) => badRequest(`Invalid user JWT: ${reason}`))
      )
      const run = runs.get(claims.run_id)
      if (run === undefined) {
        return yield* notFound()
      }
      return yield* longPoll(run, decoded.after_sequence ?? 0, decoded.timeout ?? 10)
    })

  return { runStatus, poll }
}
