/**
 * End to end: the SDK over real HTTP on loopback against the dev server, which follows the real
 * server's routes, bodies, statuses, SSE framing and poll rules.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schedule, Stream } from "effect"
import { inspect } from "node:util"
import { DevServer, DevServerService } from "@flow-like/testing"
import type { BoardStep, RunInput } from "@flow-like/testing"
import { Config, Execution, FlowLike, Workflows } from "../src/index.ts"
import { captureLogs } from "./utils/mock.ts"

type Credentials = "pat" | "apiKey" | { readonly pat: string }

const e2e = (options: Omit<Config.Options, "baseUrl" | "pat" | "apiKey"> = {}, credentials: Credentials = "pat") =>
  Layer.unwrap(Effect.map(DevServerService, (server) =>
    FlowLike.layer({
      ...options,
      baseUrl: server.url,
      ...(credentials === "pat" ? { pat: server.pat } : credentials === "apiKey" ? { apiKey: server.apiKey } : credentials)
    }))).pipe(Layer.provideMerge(DevServer.layer({ keepAliveMillis: 50 })))

const server = DevServerService

const steps: ReadonlyArray<BoardStep> = [
  { type: "nodeState", nodeIds: ["n1"], method: "add" },
  { type: "log", message: "working" },
  { type: "progress", message: "half", progress: 50 },
  { type: "event", eventType: "generic_result", payload: { answer: 42 } },
  { type: "nodeState", nodeIds: ["n1"], method: "remove" }
]

const sequences = (events: ReadonlyArray<Execution.WatchedEvent>) =>
  events.map((event) => event._tag === "Gap" ? Number.NaN : event.sequence)

describe("end to end against the dev server", () => {
  it.live("streams a board's events until completed, decoded", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "b1", steps })
      const workflows = yield* Workflows.Workflows
      const closed = Effect.promise(() => dev.nextStreamClosed())
      const [events, streamClosed] = yield* Effect.all(
        [Stream.runCollect(workflows.triggerWorkflow(dev.appId, "b1", "start", { q: 1 })), closed],
        { concurrency: 2 }
      )
      const tags = Array.from(events, (event) => event._tag)
      assert.strictEqual(tags[0], "RunInitiated")
      assert.strictEqual(tags.at(-1), "Completed")
      assert.includeMembers(tags, ["NodeState", "Log", "Progress", "Unknown"])
      const custom = Array.from(events).find((event) => event.eventType === "generic_result")
      assert.deepStrictEqual(custom?.payload, { answer: 42 })
      assert.isFalse(streamClosed.byClient)
      const request = dev.requests.at(-1)
      assert.strictEqual(request?.path, `/api/v1/apps/${dev.appId}/board/b1/invoke`)
      assert.strictEqual(request?.headers["authorization"], dev.pat)
      assert.match(request?.headers["user-agent"] ?? "", /^flow-like-effect\/0\.1\.0 \(node v24/)
      assert.strictEqual(request?.headers["content-type"], "application/json")
    }).pipe(Effect.provide(e2e())))

  it.live("sends an event's payload inside the server's wrapper, without node-state events", () =>
    Effect.gen(function*() {
      const dev = yield* server
      const seen: Array<unknown> = []
      dev.boards.add({
        id: "eb",
        steps: (input: RunInput) => {
          seen.push(input.payload)
          return steps
        }
      })
      dev.events.add({ id: "ev1", boardId: "eb", nodeId: "start" })
      const workflows = yield* Workflows.Workflows
      const events = yield* Stream.runCollect(workflows.triggerEvent(dev.appId, "ev1", { user: "u1" }))
      assert.deepStrictEqual(seen, [{ user: "u1" }])
      assert.isFalse(Array.from(events).some((event) => event._tag === "NodeState"))
      const started = yield* workflows.triggerEventAsync(dev.appId, "ev1")
      assert.isString(started.runId)
      assert.strictEqual(dev.requests.at(-1)?.path, `/api/v1/apps/${dev.appId}/events/ev1/invoke/async`)
    }).pipe(Effect.provide(e2e())))

  it.live("starts a run asynchronously and watches it to the end, every event once", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "slow", steps })
      const workflows = yield* Workflows.Workflows
      const execution = yield* Execution.Execution
      const run = yield* workflows.triggerWorkflowAsync(dev.appId, "slow", "start", { n: 1 })
      assert.strictEqual(run.status, "dispatched")
      const events = Array.from(yield* Stream.runCollect(execution.watchRun(run.pollToken, { waitSeconds: 5 })))
      assert.deepStrictEqual(sequences(events), events.map((_, index) => index + 1))
      assert.strictEqual(events.at(-1)?._tag, "Log")
      const status = yield* execution.getRunStatus(run.runId)
      assert.strictEqual(status.status, "Completed")
      assert.isTrue(status.done)
      const again = yield* execution.pollExecution(run.pollToken, { afterSequence: 0, waitSeconds: 1 })
      assert.deepStrictEqual(again.events, [], "the server delivers each event once")
      assert.isTrue(again.done)
      const poll = dev.requests.find((request) => request.path === "/api/v1/execution/poll")
      assert.strictEqual(poll?.headers["authorization"], `Bearer ${Redacted.value(run.pollToken)}`)
    }).pipe(Effect.provide(e2e())))

  it.live("fails a failed run with RunError in every path: awaitRun, watchRun and the stream", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "bad", steps: [{ type: "log", message: "about to fail" }, { type: "fail", message: "boom" }] })
      const workflows = yield* Workflows.Workflows
      const execution = yield* Execution.Execution
      const run = yield* workflows.triggerWorkflowAsync(dev.appId, "bad", "start")
      const awaited = yield* Effect.flip(execution.awaitRun(run.pollToken))
      assert.strictEqual(awaited.reason._tag, "RunError")
      if (awaited.reason._tag !== "RunError") return
      assert.strictEqual(awaited.reason.runStatus, "Failed")
      assert.strictEqual(awaited.reason.runId, run.runId)
      assert.include(awaited.reason.error ?? "", "boom")
      assert.isAbove(awaited.events?.length ?? 0, 0)
      const second = yield* workflows.triggerWorkflowAsync(dev.appId, "bad", "start")
      const seen: Array<string> = []
      const watched = yield* Effect.flip(
        Stream.runForEach(execution.watchRun(second.pollToken), (event) => Effect.sync(() => seen.push(event._tag === "Gap" ? "gap" : event.eventType)))
      )
      assert.strictEqual(watched.reason._tag, "RunError")
      assert.strictEqual(watched.reason._tag === "RunError" ? watched.reason.lastSequence : undefined, seen.length)
      assert.include(seen, "log")
      const streamed = yield* Effect.flip(Stream.runDrain(workflows.triggerWorkflow(dev.appId, "bad", "start")))
      assert.strictEqual(streamed.reason._tag, "RunError")
      assert.include(streamed.message, "boom")
    }).pipe(Effect.provide(e2e())))

  it.live("fails with a typed RunError on the proxy's own error frame, even when it is not JSON", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "px", steps: [{ type: "proxyError", data: "{\"error\":\"executor said \"no\"\"}" }] })
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(Stream.runDrain(workflows.triggerWorkflow(dev.appId, "px", "start")))
      assert.strictEqual(error.reason._tag, "RunError")
      assert.include(error.message, "executor said")
    }).pipe(Effect.provide(e2e())))

  it.live("watching survives injected failures without losing or repeating events", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({
        id: "many",
        steps: Array.from({ length: 150 }, (_, index): BoardStep => ({ type: "progress", message: `s${index}`, progress: index % 100 }))
      })
      const workflows = yield* Workflows.Workflows
      const execution = yield* Execution.Execution
      const run = yield* workflows.triggerWorkflowAsync(dev.appId, "many", "start")
      dev.faults.inject({ method: "GET", path: "/api/v1/execution/poll", times: 2, fault: { kind: "status", status: 503, retryAfter: "0" } })
      dev.faults.inject({ method: "GET", path: "/api/v1/execution/poll", times: 1, fault: { kind: "drop" } })
      dev.faults.inject({ method: "GET", path: "/api/v1/execution/poll", times: 1, fault: { kind: "status", status: 502 } })
      const events = Array.from(
        yield* Stream.runCollect(execution.watchRun(run.pollToken, { waitSeconds: 5, retry: Schedule.recurs(10) }))
      )
      const expected = events.map((_, index) => index + 1)
      assert.deepStrictEqual(sequences(events), expected)
      const progress = events.flatMap((event) => event._tag === "Progress" ? [event.message] : [])
      assert.deepStrictEqual(progress, Array.from({ length: 150 }, (_, index) => `s${index}`))
      const last = events.at(-1)
      assert.strictEqual(last?._tag === "Log" ? last.eventType : undefined, "log")
      const polls = dev.requests.filter((request) => request.path === "/api/v1/execution/poll")
      assert.isAtLeast(polls.length, 5, "the failed polls were retried")
    }).pipe(Effect.provide(e2e())))

  it.live("retries a GET after a 503 with Retry-After, and never retries an invocation", () =>
    Effect.gen(function*() {
      const dev = yield* server
      const workflows = yield* Workflows.Workflows
      const execution = yield* Execution.Execution
      const run = yield* workflows.triggerWorkflowAsync(dev.appId, dev.seed.boardId, dev.seed.nodeId)
      dev.faults.inject({ method: "GET", path: `/api/v1/execution/run/${run.runId}`, fault: { kind: "status", status: 503, retryAfter: "1" } })
      const status = yield* execution.getRunStatus(run.runId)
      assert.strictEqual(status.runId, run.runId)
      assert.strictEqual(dev.requests.filter((request) => request.path.endsWith(`/execution/run/${run.runId}`)).length, 2)

      dev.faults.inject({ method: "POST", path: `/api/v1/apps/${dev.appId}/board/${dev.seed.boardId}/invoke/async`, fault: { kind: "status", status: 503, retryAfter: "0" } })
      const before = dev.requests.length
      const error = yield* Effect.flip(workflows.triggerWorkflowAsync(dev.appId, dev.seed.boardId, dev.seed.nodeId))
      assert.strictEqual(error.status, 503)
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(dev.requests.length - before, 1)
    }).pipe(Effect.provide(e2e())))

  it.live("closes the connection when the consumer stops mid-stream, and the server sees it", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "gated", steps: [{ type: "log", message: "first" }, { type: "await", gate: "never" }] })
      const workflows = yield* Workflows.Workflows
      const closed = Effect.promise(() => dev.nextStreamClosed())
      const [events, streamClosed] = yield* Effect.all([
        Stream.runCollect(workflows.triggerWorkflow(dev.appId, "gated", "start").pipe(Stream.take(3))),
        closed
      ], { concurrency: 2 })
      assert.deepStrictEqual(Array.from(events, (event) => event.eventType), ["run_initiated", "log", "log"])
      assert.isTrue(streamClosed.byClient)
    }).pipe(Effect.provide(e2e())))

  it.live("fails with NetworkError when the server drops the connection mid-stream", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "b", steps })
      dev.faults.inject({ method: "POST", path: `/api/v1/apps/${dev.appId}/board/b/invoke`, fault: { kind: "dropMidStream", afterEvents: 2 } })
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(Stream.runDrain(workflows.triggerWorkflow(dev.appId, "b", "start")))
      assert.strictEqual(error.reason._tag, "NetworkError")
    }).pipe(Effect.provide(e2e())))

  it.live("times out a slow request", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.faults.inject({ method: "GET", path: "/api/v1/execution/run/r-slow", fault: { kind: "latency", millis: 2_000 } })
      const execution = yield* Execution.Execution
      const error = yield* Effect.flip(execution.getRunStatus("r-slow"))
      assert.strictEqual(error.reason._tag, "TimeoutError")
    }).pipe(Effect.provide(e2e({ timeout: "200 millis", maxRetries: 0 }))))

  it.live("fails with the stream idle timeout when the server goes quiet without keep-alives", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "quiet", steps: [{ type: "await", gate: "never" }] })
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(Stream.runDrain(workflows.triggerWorkflow(dev.appId, "quiet", "start")))
      assert.strictEqual(error.reason._tag, "TimeoutError")
    }).pipe(Effect.provide(
      Layer.unwrap(Effect.map(DevServerService, (dev) =>
        FlowLike.layer({ baseUrl: dev.url, pat: dev.pat, streamIdleTimeout: "300 millis" }))).pipe(
          Layer.provideMerge(DevServer.layer({ keepAliveMillis: 60_000 }))
        )
    )))

  it.live("keeps streaming through keep-alive comments longer than the idle timeout", () =>
    Effect.gen(function*() {
      const dev = yield* server
      dev.boards.add({ id: "waits", steps: [{ type: "await", gate: "go" }, { type: "log", message: "after the wait" }] })
      const workflows = yield* Workflows.Workflows
      // The 400 ms wait is the behaviour under test (a run quieter than the idle timeout, kept alive
      // by the server's comments), not synchronisation: the gate opens the run's next step.
      const events = yield* Stream.runCollect(
        workflows.triggerWorkflow(dev.appId, "waits", "start").pipe(
          Stream.tap((event) =>
            event._tag === "RunInitiated"
              ? Effect.sleep("400 millis").pipe(Effect.andThen(Effect.sync(() => dev.gates.open("go"))))
              : Effect.void
          )
        )
      )
      assert.isTrue(Array.from(events).some((event) => event._tag === "Log" && event.message === "after the wait"))
    }).pipe(Effect.provide(e2e({ streamIdleTimeout: "200 millis" }))))

  it.live("reports an unknown run as NotFoundError and a bad credential as the server's 500, without the secret", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const workflows = yield* Workflows.Workflows
      const dev = yield* server
      const [error, lines] = yield* captureLogs(Effect.flip(workflows.triggerWorkflowAsync(dev.appId, dev.seed.boardId, "start")))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.status, 500)
      assert.isString(error.errorId)
      assert.include(error.message, "invalid credentials")
      for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), ...lines]) {
        assert.notInclude(text, "d3JvbmctYnV0LXdlbGwtZm9ybWVk")
      }
      const missing = yield* Effect.flip(execution.getRunStatus("no-such-run"))
      assert.strictEqual(missing.reason._tag, "NotFoundError", "the server looks a run up before checking permissions")
    }).pipe(Effect.provide(e2e({ maxRetries: 0 }, { pat: "pat_unknown.d3JvbmctYnV0LXdlbGwtZm9ybWVk" }))))

  it.live("reports an unknown run as NotFoundError", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const missing = yield* Effect.flip(execution.getRunStatus("no-such-run"))
      assert.strictEqual(missing.reason._tag, "NotFoundError")
      assert.strictEqual(missing.code, "NOT_FOUND")
    }).pipe(Effect.provide(e2e())))

  it.live("authenticates with an API key in X-API-Key", () =>
    Effect.gen(function*() {
      const dev = yield* server
      const workflows = yield* Workflows.Workflows
      const run = yield* workflows.triggerWorkflowAsync(dev.appId, dev.seed.boardId, dev.seed.nodeId)
      assert.isString(run.runId)
      const request = dev.requests.at(-1)
      assert.strictEqual(request?.headers["x-api-key"], dev.apiKey)
      assert.isUndefined(request?.headers["authorization"])
    }).pipe(Effect.provide(e2e({}, "apiKey"))))
})
