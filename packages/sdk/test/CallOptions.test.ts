import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { MockHttpClient } from "@flow-like/testing"
import { CallOptions, Execution, Workflows } from "../src/index.ts"
import { sdkLayer } from "./utils/mock.ts"

const requests = Effect.map(Effect.service(MockHttpClient.MockHttpClient), (mock) => mock.requests)

describe("CallOptions", () => {
  it.live("sets headers and maxRetries for every request of the effect it wraps, and only that one", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const failed = yield* Effect.flip(
        execution.getRunStatus("r1").pipe(CallOptions.with({ maxRetries: 0, headers: { "X-Trace": "t1" } }))
      )
      assert.strictEqual(failed.reason._tag, "ServerError")
      const [first] = yield* requests
      assert.strictEqual(first?.headers["x-trace"], "t1")
      assert.strictEqual((yield* requests).length, 1)
      yield* Effect.flip(execution.getRunStatus("r2").pipe(CallOptions.with({ maxRetries: 1 })))
      const all = yield* requests
      assert.strictEqual(all.length, 3)
      assert.isUndefined(all[2]?.headers["x-trace"])
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.errorEnvelope(503, "SERVICE_UNAVAILABLE", "busy", { headers: { "retry-after": "0" } })))))

  it.effect("refuses a per-call header that no HTTP header can carry, naming it but not its value", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const error = yield* Effect.flip(execution.getRunStatus("r1").pipe(CallOptions.with({ headers: { "x-note": "a\r\nb-secret" } })))
      assert.strictEqual(error.reason._tag, "InvalidArgumentError")
      assert.include(error.message, "x-note")
      assert.notInclude(error.message, "b-secret")
      assert.strictEqual((yield* requests).length, 0)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json({})))))
})

describe("MockHttpClient builders", () => {
  it.effect("runStream, runStatus and pollPage speak the server's wire formats", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const execution = yield* Execution.Execution
      const events = yield* Stream.runCollect(workflows.triggerWorkflow("app", "board", "node"))
      assert.deepStrictEqual(Array.from(events, (event) => event._tag), ["RunInitiated", "Log", "Progress", "Completed"])
      const status = yield* execution.getRunStatus("r1")
      assert.strictEqual(status.status, "Running")
      assert.strictEqual(status.progress, 40)
      const page = yield* execution.pollExecution("token")
      assert.deepStrictEqual(page.events.map((event) => [event.sequence, event._tag]), [[1, "Log"], [2, "Unknown"]])
      assert.isTrue(page.done)
      const failed = yield* Effect.flip(Stream.runDrain(workflows.triggerWorkflow("app", "failing", "node")))
      assert.strictEqual(failed.reason._tag, "RunError")
    }).pipe(Effect.provide(sdkLayer((request) => {
      if (request.url.includes("/board/failing/")) return MockHttpClient.runStream("r2", [], { status: "failed" })
      if (request.url.includes("/invoke")) {
        return MockHttpClient.runStream("r1", [["log", { message: "hi" }], ["progress", { id: "p", message: "half", progress: 50, done: false, success: false }]])
      }
      if (request.url.includes("/execution/run/")) return MockHttpClient.runStatus({ runId: "r1", status: "Running", progress: 40 })
      return MockHttpClient.pollPage({
        runId: "r1",
        status: "Completed",
        events: [{ sequence: 1, eventType: "log", payload: { message: "a" } }, { sequence: 2, eventType: "generic_result", payload: { x: 1 } }]
      })
    }))))
})
