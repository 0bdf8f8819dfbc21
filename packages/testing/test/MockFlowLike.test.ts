import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Stream } from "effect"
import { Apps, Boards, Db, Execution, Workflows } from "@flow-like/effect"
import { MockFlowLike } from "@flow-like/testing"

/** Code under test: counts the log lines of a run and reports its final status. */
const summarize = Effect.gen(function*() {
  const workflows = yield* Workflows.Workflows
  const execution = yield* Execution.Execution
  const logs = yield* workflows.triggerWorkflow("app", "board", "start").pipe(
    Stream.filter((event) => event._tag === "Log"),
    Stream.runCount
  )
  const run = yield* workflows.triggerWorkflowAsync("app", "board", "start")
  const outcome = yield* execution.awaitRun(run.pollToken)
  return { logs, status: outcome.status, runId: run.runId }
})

describe("MockFlowLike", () => {
  it.effect("serves the given operations with decoded fixtures", () =>
    Effect.gen(function*() {
      const result = yield* summarize
      assert.deepStrictEqual(result, { logs: 2, status: "Completed", runId: "run-7" })
    }).pipe(Effect.provide(MockFlowLike.layer({
      workflows: {
        triggerWorkflow: () =>
          Stream.fromIterable([
            MockFlowLike.workflowEvent("run_initiated", { run_id: "r" }),
            MockFlowLike.workflowEvent("log", { message: "one" }),
            MockFlowLike.workflowEvent("log", { message: "two" }),
            MockFlowLike.workflowEvent("completed", { run_id: "r", status: "completed", duration_ms: 1, log_level: 1 })
          ]),
        triggerWorkflowAsync: () => Effect.succeed(MockFlowLike.asyncInvocation("run-7"))
      },
      execution: {
        awaitRun: () =>
          Effect.succeed({
            runId: "run-7",
            status: "Completed",
            progress: 100,
            currentStep: undefined,
            error: undefined,
            startedAt: undefined,
            completedAt: undefined,
            done: true,
            lastSequence: 1,
            raw: {},
            events: [MockFlowLike.runEvent(1, "log", { message: "done" })]
          })
      }
    }))))

  it.effect("fails loudly, naming the operation, when code calls something not mocked", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(summarize)
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(Cause.pretty(exit.cause), "Workflows.triggerWorkflow was called but is not mocked")
    }).pipe(Effect.provide(MockFlowLike.layer())))

  it.effect("mocks the boards and apps services too, and names an operation that is not mocked", () =>
    Effect.gen(function*() {
      const apps = yield* Apps.Apps
      assert.deepStrictEqual(yield* apps.health(), { healthy: true, status: "ok" })
      const boards = yield* Boards.Boards
      const exit = yield* Effect.exit(boards.listBoards("app"))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : "", "Boards.listBoards was called but is not mocked")
    }).pipe(Effect.provide(MockFlowLike.layer({ apps: { health: () => Effect.succeed({ healthy: true, status: "ok" }) } }))))

  it.effect("builds fixtures that decode like real events", () =>
    Effect.sync(() => {
      const event = MockFlowLike.workflowEvent("progress", { message: "half", progress: 50 })
      assert.strictEqual(event._tag, "Progress")
      assert.strictEqual(event._tag === "Progress" ? event.progress : 0, 50)
      assert.strictEqual(MockFlowLike.runEvent(3, "run:r1", { runId: "r1", nodeIds: ["a"], method: "add" })._tag, "NodeState")
    }))
})

describe("MockFlowLike.dbLayer", () => {
  it.effect("answers the mocked Db operations and dies naming the others", () =>
    Effect.gen(function*() {
      const db = yield* Db.Db
      assert.strictEqual(yield* db.countItems("app", "docs"), 7)
      const exit = yield* Effect.exit(db.listTables("app"))
      assert.ok(Exit.isFailure(exit) && Cause.pretty(exit.cause).includes("Db.listTables was called but is not mocked"))
    }).pipe(Effect.provide(MockFlowLike.dbLayer({ countItems: () => Effect.succeed(7) }))))
})
