import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Redacted, Schedule, Stream } from "effect"
import { TestClock } from "effect/testing"
import { MockHttpClient } from "@flow-like/testing"
import { Execution } from "../src/index.ts"
import { sdkLayer } from "./utils/mock.ts"

const POLL_TOKEN = "eyJhbGciOiJFUzI1NiJ9.run.sig"

interface WireEvent {
  readonly sequence: number
  readonly event_type: string
  readonly payload: unknown
  readonly created_at: string
  delivered: boolean
}

/**
 * A fake run with the server's poll rules: bearer poll token, events after `after_sequence` that
 * were not delivered yet, at most 100 per answer, each delivered once, terminal status once the
 * last event was delivered. `faults` answers the n-th poll (from 0) with a failure instead.
 */
const fakeRun = (options: {
  readonly eventCount: number
  readonly finalStatus: string
  readonly error?: string
  readonly faults?: Readonly<Record<number, MockHttpClient.MockResponse>>
  readonly redeliver?: boolean
}) => {
  const events: Array<WireEvent> = Array.from({ length: options.eventCount }, (_, index) => ({
    sequence: index + 1,
    event_type: index === 0 ? "log" : "progress",
    payload: index === 0 ? { message: "Execution started" } : { message: `step ${index}`, progress: index },
    created_at: "2026-11-24T00:00:00Z",
    delivered: false
  }))
  let polls = 0
  const handler: MockHttpClient.Handler = (request) => {
    const url = new URL(request.url)
    if (url.pathname !== "/api/v1/execution/poll") return MockHttpClient.text(404, "", {})
    const fault = options.faults?.[polls++]
    if (fault !== undefined) return fault
    if (request.headers["authorization"] !== `Bearer ${POLL_TOKEN}`) {
      return MockHttpClient.errorEnvelope(400, "BAD_REQUEST", "Invalid Authorization header format")
    }
    const after = Number(url.searchParams.get("after_sequence") ?? "0")
    const page = events
      .filter((event) => event.sequence > after && (options.redeliver === true || !event.delivered))
      .slice(0, 100)
    for (const event of page) event.delivered = true
    const finished = events.every((event) => event.delivered)
    const redelivered = options.redeliver === true ? events.slice(0, 2) : []
    return MockHttpClient.json({
      run_id: "run1",
      status: finished ? options.finalStatus : "Running",
      progress: finished ? 100 : 50,
      current_step: null,
      error: finished ? options.error ?? null : null,
      events: [...redelivered, ...page].map(({ delivered: _, ...event }) => event),
      started_at: "2026-11-24T00:00:00Z",
      completed_at: finished ? "2026-11-24T00:00:05Z" : null
    })
  }
  return { handler, pollCount: () => polls }
}

const sequencesOf = (events: ReadonlyArray<unknown>) =>
  events.flatMap((event) => typeof event === "object" && event !== null && "sequence" in event ? [event.sequence] : [])
const oneTo = (n: number) => Array.from({ length: n }, (_, index) => index + 1)

describe("Execution", () => {
  it.effect("polls with the poll token as bearer instead of the PAT, caps the server wait and derives done", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const first = yield* execution.pollExecution(POLL_TOKEN, { waitSeconds: 45 })
      assert.strictEqual(first.done, true)
      assert.strictEqual(first.status, "Completed")
      assert.strictEqual(first.lastSequence, 3)
      assert.deepStrictEqual(sequencesOf(first.events), [1, 2, 3])
      assert.strictEqual(first.events[0]?._tag, "Log")
      const again = yield* execution.pollExecution(Redacted.make(POLL_TOKEN), { afterSequence: first.lastSequence })
      assert.deepStrictEqual(again.events, [])
      assert.strictEqual(again.lastSequence, 3)
      const mock = yield* MockHttpClient.MockHttpClient
      const [request, second] = mock.requests
      assert.strictEqual(request?.headers["authorization"], `Bearer ${POLL_TOKEN}`)
      const url = new URL(request?.url ?? "")
      assert.strictEqual(url.searchParams.get("timeout"), "30")
      assert.strictEqual(url.searchParams.get("after_sequence"), "0")
      assert.isNull(url.searchParams.get("poll_token"))
      assert.strictEqual(new URL(second?.url ?? "").searchParams.get("after_sequence"), "3")
    }).pipe(Effect.provide(sdkLayer(fakeRun({ eventCount: 3, finalStatus: "Completed" }).handler))))

  it.effect("rejects bad poll arguments before sending", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const negative = yield* Effect.flip(execution.pollExecution(POLL_TOKEN, { afterSequence: -1 }))
      assert.strictEqual(negative.reason._tag, "InvalidArgumentError")
      const badWait = yield* Effect.flip(execution.pollExecution(POLL_TOKEN, { waitSeconds: Number.NaN }))
      assert.strictEqual(badWait.reason._tag, "InvalidArgumentError")
      assert.strictEqual((yield* MockHttpClient.MockHttpClient).requests.length, 0)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json({})))))

  it.effect("watches a run across pages until it ends, with every event once and in order", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const events = Array.from(yield* Stream.runCollect(execution.watchRun(POLL_TOKEN)))
      assert.deepStrictEqual(sequencesOf(events), oneTo(250))
    }).pipe(Effect.provide(sdkLayer(fakeRun({ eventCount: 250, finalStatus: "Completed" }).handler))))

  it.effect("survives injected failures without losing or duplicating events", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const events = Array.from(
        yield* Stream.runCollect(execution.watchRun(POLL_TOKEN, { retry: Schedule.recurs(5) }))
      )
      assert.deepStrictEqual(sequencesOf(events), oneTo(250))
    }).pipe(Effect.provide(sdkLayer(fakeRun({
      eventCount: 250,
      finalStatus: "Completed",
      faults: {
        0: MockHttpClient.errorEnvelope(503, "SERVICE_UNAVAILABLE", "Service Unavailable"),
        2: MockHttpClient.transportFailure("socket hang up"),
        3: MockHttpClient.text(502, "bad gateway"),
        5: MockHttpClient.errorEnvelope(429, "TOO_MANY_REQUESTS", "slow down", { headers: { "retry-after": "0" } })
      }
    }).handler))))

  it.effect("backs off between failed polls on the clock, honouring Retry-After", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const fiber = yield* Effect.forkChild(Stream.runCollect(execution.watchRun(POLL_TOKEN)))
      yield* TestClock.adjust("9 seconds")
      const mock = yield* MockHttpClient.MockHttpClient
      assert.strictEqual(mock.requests.length, 1)
      yield* TestClock.adjust("2 seconds")
      const events = Array.from(yield* Fiber.join(fiber))
      assert.deepStrictEqual(sequencesOf(events), oneTo(5))
    }).pipe(Effect.provide(sdkLayer(fakeRun({
      eventCount: 5,
      finalStatus: "Completed",
      faults: { 0: MockHttpClient.errorEnvelope(503, "SERVICE_UNAVAILABLE", "busy", { headers: { "retry-after": "10" } }) }
    }).handler))))

  it.effect("drops events the server sends again", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const events = Array.from(yield* Stream.runCollect(execution.watchRun(POLL_TOKEN)))
      assert.deepStrictEqual(sequencesOf(events), oneTo(120))
    }).pipe(Effect.provide(sdkLayer(fakeRun({ eventCount: 120, finalStatus: "Completed", redeliver: true }).handler))))

  it.effect("gives up after the given number of retries", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const fiber = yield* Effect.forkChild(Effect.flip(Stream.runCollect(execution.watchRun(POLL_TOKEN, { retries: 2 }))))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.status, 503)
      assert.strictEqual((yield* MockHttpClient.MockHttpClient).requests.length, 3)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.errorEnvelope(503, "SERVICE_UNAVAILABLE", "busy")))))

  it.effect("stops on a non-retryable failure", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const error = yield* Effect.flip(Stream.runCollect(execution.watchRun("wrong-token", { retry: Schedule.recurs(5) })))
      assert.strictEqual(error.reason._tag, "InvalidRequestError")
      assert.include(error.message, "Invalid Authorization header format")
      assert.notInclude(error.message, "wrong-token")
    }).pipe(Effect.provide(sdkLayer(fakeRun({ eventCount: 3, finalStatus: "Completed" }).handler))))

  it.effect("fails awaiting a failed run with a RunError carrying its status, error, last sequence and every event", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const error = yield* Effect.flip(execution.awaitRun(POLL_TOKEN))
      assert.strictEqual(error.reason._tag, "RunError")
      if (error.reason._tag !== "RunError") return
      assert.strictEqual(error.reason.runStatus, "Failed")
      assert.strictEqual(error.reason.error, "Board exploded")
      assert.strictEqual(error.reason.lastSequence, 130)
      assert.strictEqual(error.operation, "Execution.awaitRun")
      assert.deepStrictEqual(sequencesOf(error.events ?? []), oneTo(130))
    }).pipe(Effect.provide(sdkLayer(fakeRun({ eventCount: 130, finalStatus: "Failed", error: "Board exploded" }).handler))))

  it.effect("reads a run's status record", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const status = yield* execution.getRunStatus("run1")
      assert.strictEqual(status.runId, "run1")
      assert.strictEqual(status.status, "Running")
      assert.strictEqual(status.done, false)
      assert.strictEqual(status.mode, "Queue")
      assert.strictEqual(status.progress, 40)
      assert.strictEqual(status.eventId, undefined)
      assert.strictEqual(status.inputPayloadLength, 12)
      assert.deepInclude(status.raw, { board_id: "board1", output_payload_len: 0 })
      const mock = yield* MockHttpClient.MockHttpClient
      assert.strictEqual(mock.requests[0]?.url, "https://flow.test/api/v1/execution/run/run1")
      assert.strictEqual(mock.requests[0]?.headers["authorization"]?.startsWith("pat_"), true)
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.json({
        run_id: "run1",
        board_id: "board1",
        event_id: null,
        status: "Running",
        mode: "Queue",
        progress: 40,
        current_step: null,
        error: null,
        input_payload_len: 12,
        output_payload_len: 0,
        started_at: "2026-11-24T00:00:00Z",
        completed_at: null,
        created_at: "2026-11-24T00:00:00Z"
      })
    ))))

  it.effect("reports an unknown run as NotFoundError", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const error = yield* Effect.flip(execution.getRunStatus("nope"))
      assert.strictEqual(error.reason._tag, "NotFoundError")
      assert.strictEqual(error.code, "NOT_FOUND")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.errorEnvelope(404, "NOT_FOUND", "Not Found")))))
})
