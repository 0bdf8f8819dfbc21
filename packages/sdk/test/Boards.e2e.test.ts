/**
 * The Boards, Apps, Sinks and Usage services end to end (the Effect shape): over real HTTP on
 * loopback against the dev server.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { DevServer, DevServerService } from "@flow-like/testing"
import { Apps, Boards, Execution, FlowLike, Sinks, Usage, Workflows } from "../src/index.ts"

const e2e = Layer.unwrap(Effect.map(DevServerService, (server) =>
  FlowLike.layer({ baseUrl: server.url, pat: server.pat, maxRetries: 0 }))).pipe(Layer.provideMerge(DevServer.layer({ keepAliveMillis: 50 })))

describe("Boards, Apps, Sinks and Usage services end to end", () => {
  it.live("boards: upsert, read, version, prerun with the runtime-variables helper, runs and logs as streams", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const boards = yield* Boards.Boards
      const workflows = yield* Workflows.Workflows
      const appId = dev.seed.appId
      const { id } = yield* boards.upsertBoard(appId, "anything", { name: "Effect board" })
      assert.strictEqual((yield* boards.getBoard(appId, id)).name, "Effect board")
      assert.deepStrictEqual(yield* boards.versionBoard(appId, id, { versionType: "Major" }), [1, 0, 0])
      assert.deepStrictEqual(yield* boards.getBoardVersions(appId, id), [[0, 0, 1]])

      dev.boards.add({ id: "with-vars", runtimeVariables: [{ id: "limit", name: "limit", dataType: "Integer" }], steps: [] })
      const prerun = yield* boards.prerunBoard(appId, "with-vars")
      const variables = yield* boards.runtimeVariables(prerun, { limit: 5 })
      assert.deepStrictEqual(variables["limit"]?.defaultValue, [53])
      assert.strictEqual(variables["limit"]?.dataType, "Integer")

      const events = yield* Stream.runCollect(workflows.triggerWorkflow(appId, dev.seed.boardId, dev.seed.nodeId))
      assert.strictEqual(events.at(-1)?._tag, "Completed")
      const started = yield* workflows.triggerWorkflowAsync(appId, dev.seed.failingBoardId, dev.seed.nodeId)
      const execution = yield* Execution.Execution
      assert.strictEqual((yield* Effect.flip(execution.awaitRun(started.pollToken))).reason._tag, "RunError")
      const runs = yield* boards.listBoardRuns(appId, dev.seed.failingBoardId, { status: 3 })
      assert.deepStrictEqual(runs.map((run) => run.runId), [started.runId])
      const logs = yield* Stream.runCollect(boards.allBoardLogs(appId, dev.seed.failingBoardId, started.runId, { limit: 1 }))
      assert.deepStrictEqual(logs.map((line) => line.logLevel), ["Info", "Error"])
      const streamedRuns = yield* Stream.runCollect(boards.allBoardRuns(appId, dev.seed.boardId))
      assert.strictEqual(streamedRuns.length, 1)
      assert.strictEqual(streamedRuns[0]?.logLevel, 1)

      const unknown = yield* Effect.flip(boards.prerunBoard(appId, "no-such-board"))
      assert.strictEqual(unknown.reason._tag, "ServerError")
    }).pipe(Effect.provide(e2e)))

  it.live("apps and health, and the sink trigger stream interrupted early leaves the run alone", () =>
    Effect.gen(function*() {
      const dev = yield* DevServerService
      const apps = yield* Apps.Apps
      const sinks = yield* Sinks.Sinks
      const usage = yield* Usage.Usage
      const created = yield* apps.createApp("Effect App", undefined, { tags: ["demo"] })
      assert.strictEqual(created.name, "Effect App")
      assert.strictEqual(created.description, "")
      const all = yield* Stream.runCollect(apps.allApps())
      assert.deepStrictEqual(all.map((app) => app.name), ["Effect App", "Demo App"])
      assert.deepStrictEqual(yield* apps.health(), { healthy: true, status: "ok" })

      const first = yield* Stream.runHead(sinks.streamHttpSink(dev.seed.appId, dev.seed.sinkPath, { body: "plain text" }))
      assert.strictEqual(first._tag === "Some" ? first.value._tag : undefined, "RunInitiated")
      const closed = yield* Effect.promise(() => dev.nextStreamClosed())
      assert.strictEqual(closed.byClient, true)
      const runId = first._tag === "Some" && first.value._tag === "RunInitiated" ? first.value.runId : ""
      assert.strictEqual(yield* Effect.promise(() => dev.runs.executed(runId)), "Completed")
      assert.strictEqual(dev.runs.status(runId), "Pending")
      const result = yield* sinks.triggerHttpSink(dev.seed.appId, dev.seed.sinkPath, { body: "plain text" })
      const greeting = result.events.find((event) => event.eventType === "generic_result")
      assert.deepStrictEqual(greeting?.payload, { greeting: "Hello, world!", payload: "plain text" })
      assert.strictEqual((yield* sinks.toggleSink(dev.seed.eventId)).active, false)
      assert.strictEqual(dev.sinks.get(dev.seed.eventId)?.active, false)

      assert.deepStrictEqual(yield* usage.getUsageSummary(), {
        totalLlmPrice: 0,
        totalEmbeddingPrice: 0,
        totalLlmInvocations: 0,
        totalEmbeddingInvocations: 0,
        totalExecutions: 0
      })
    }).pipe(Effect.provide(e2e)))
})
