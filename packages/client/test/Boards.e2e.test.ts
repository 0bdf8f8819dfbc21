/** Boards, apps, sinks, usage history and health through the Promise client, end to end against the dev server. */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import type { WorkflowEvent } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance
let client: FlowLikeClient

beforeEach(async () => {
  server = await DevServer.start({ keepAliveMillis: 50 })
  client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat, maxRetries: 0 })
})

afterEach(async () => {
  await client.close()
  await server.close()
})

const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const items: Array<A> = []
  for await (const item of iterable) items.push(item)
  return items
}

/** The rejection of a promise, which must be a `FlowLikeError`. */
const failure = async (promise: Promise<unknown>): Promise<FlowLikeError> => {
  const error = await promise.then(() => undefined, (error: unknown) => error)
  expect(error).toBeInstanceOf(FlowLikeError)
  return error as FlowLikeError
}

describe("boards end to end", () => {
  it("lists and reads the seeded boards, with their version as [major, minor, patch] and times as Dates", async () => {
    const boards = await client.listBoards(server.seed.appId)
    expect(boards.map((board) => board.name).sort()).toEqual(["failing", "hello", "slow"])
    const hello = await client.getBoard(server.seed.appId, server.seed.boardId)
    expect(hello.name).toBe("hello")
    expect(hello.version).toEqual([0, 0, 1])
    expect(hello.createdAt).toBeInstanceOf(Date)
    expect((hello.raw as { log_level: string }).log_level).toBe("Info")
  })

  it("upserts: an unknown id creates a board under the server's new id; a known id is updated in place", async () => {
    const created = await client.upsertBoard(server.seed.appId, "my-new-board", { name: "Fresh", description: "made by a test" })
    expect(created.id).not.toBe("my-new-board")
    expect(created.id).toMatch(/^[a-z0-9]{24}$/)
    const updated = await client.upsertBoard(server.seed.appId, created.id, { stage: "Prod", logLevel: "Warn" })
    expect(updated.id).toBe(created.id)
    const board = await client.getBoard(server.seed.appId, created.id)
    expect([board.name, board.description, board.stage, board.logLevel]).toEqual(["Fresh", "made by a test", "Prod", "Warn"])
    await client.deleteBoard(server.seed.appId, created.id)
    const gone = await failure(client.getBoard(server.seed.appId, created.id))
    expect(gone.reason._tag).toBe("ServerError")
    expect(gone.status).toBe(500)
  })

  it("versions a board and reads a pinned version in the 1_0_3 query form", async () => {
    expect(await client.getBoardVersions(server.seed.appId, server.seed.boardId)).toEqual([])
    expect(await client.versionBoard(server.seed.appId, server.seed.boardId)).toEqual([0, 0, 2])
    expect(await client.versionBoard(server.seed.appId, server.seed.boardId, { versionType: "Minor" })).toEqual([0, 1, 0])
    expect(await client.getBoardVersions(server.seed.appId, server.seed.boardId)).toEqual([[0, 0, 1], [0, 0, 2]])
    const pinned = await client.getBoard(server.seed.appId, server.seed.boardId, { version: [0, 0, 2] })
    expect(pinned.version).toEqual([0, 0, 2])
    const request = server.requests.findLast((entry) => entry.method === "GET" && entry.path.endsWith(server.seed.boardId))
    expect(request?.query).toBe("version=0_0_2")
    const unknown = await failure(client.getBoard(server.seed.appId, server.seed.boardId, { version: [9, 9, 9] }))
    expect(unknown.status).toBe(500)
    const bad = await failure(client.getBoard(server.seed.appId, server.seed.boardId, { version: [1, -1, 0] as unknown as [number, number, number] }))
    expect(bad.reason._tag).toBe("InvalidArgumentError")
  })

  it("prerun lists the runtime variables, and the helper turns values into the Variables an invocation takes", async () => {
    const boardId = "greeter"
    server.boards.add({
      id: boardId,
      name: "greeter",
      runtimeVariables: [{ id: "var-greeting", name: "greeting", description: "How to greet" }],
      steps: (input) => [{
        type: "log",
        message: `greeting=${new TextDecoder().decode(Uint8Array.from(input.runtimeVariables?.["var-greeting"]?.defaultValue ?? []))}`
      }]
    })
    const prerun = await client.prerunBoard(server.seed.appId, boardId)
    expect(prerun.runtimeVariables.map((variable) => [variable.id, variable.name, variable.dataType])).toEqual([["var-greeting", "greeting", "String"]])
    const runtimeVariables = await client.runtimeVariables(prerun, { greeting: "Moin" })
    expect(runtimeVariables["var-greeting"]?.runtimeConfigured).toBe(true)
    const events = await collect(client.triggerWorkflow(server.seed.appId, boardId, "start", undefined, { runtimeVariables }))
    expect(events.flatMap((event) => event._tag === "Log" ? [event.message] : [])).toContain("greeting=\"Moin\"")

    const unknown = await failure(client.runtimeVariables(prerun, { greting: "typo" }))
    expect(unknown.reason._tag).toBe("InvalidArgumentError")
    expect(unknown.message).toContain("\"greting\"")
    const missing = await failure(client.runtimeVariables(prerun, {}))
    expect(missing.message).toContain("no value for the runtime variable \"greeting\"")
  })

  it("filters a run's logs with LanceDB SQL; a filter LanceDB cannot run is the server's 500 (ServerError)", async () => {
    const started = await client.triggerWorkflowAsync(server.seed.appId, server.seed.failingBoardId, server.seed.nodeId)
    await client.awaitRun(started.pollToken).catch(() => undefined)
    const lines = await client.listBoardLogs(server.seed.appId, server.seed.failingBoardId, started.runId, {
      query: "message LIKE '%fails%' OR log_level >= 3"
    })
    expect(lines.map((line) => line.logLevel)).toEqual(["Info", "Error"])
    const refused = await failure(client.listBoardLogs(server.seed.appId, server.seed.failingBoardId, started.runId, { query: "level >= 3" }))
    expect(refused.reason._tag).toBe("ServerError")
    expect(refused.status).toBe(500)
  })

  it("lists a board's runs with filters, pages through all of them, and reads a run's logs", async () => {
    const runIds: Array<string> = []
    for (let index = 0; index < 3; index++) {
      const started = await client.triggerWorkflowAsync(server.seed.appId, server.seed.boardId, server.seed.nodeId, { index })
      await client.awaitRun(started.pollToken)
      runIds.push(started.runId)
    }
    const failed = await client.triggerWorkflowAsync(server.seed.appId, server.seed.failingBoardId, server.seed.nodeId)
    await client.awaitRun(failed.pollToken).catch(() => undefined)

    const page = await client.listBoardRuns(server.seed.appId, server.seed.boardId, { limit: 2 })
    expect(page.map((run) => run.runId)).toEqual([runIds[2], runIds[1]])
    const all = await collect(client.allBoardRuns(server.seed.appId, server.seed.boardId, { limit: 2 }))
    expect(all.map((run) => run.runId)).toEqual([...runIds].reverse())
    expect(all.every((run) => run.logLevel === 1 && run.nodeId === server.seed.nodeId)).toBe(true)
    const byQuery = server.requests.filter((entry) => entry.path.endsWith("/runs")).map((entry) => entry.query)
    expect(byQuery.slice(-2)).toEqual(["limit=2&offset=0", "limit=2&offset=2"])
    const future = await client.listBoardRuns(server.seed.appId, server.seed.boardId, { from: new Date(Date.now() + 60_000) })
    expect(future).toEqual([])
    const errors = await client.listBoardRuns(server.seed.appId, server.seed.failingBoardId, { status: 3 })
    expect(errors.map((run) => run.runId)).toEqual([failed.runId])

    const logs = await client.listBoardLogs(server.seed.appId, server.seed.failingBoardId, failed.runId)
    expect(logs.map((line) => [line.logLevel, line.message])).toEqual([
      ["Info", "Starting a board that fails"],
      ["Error", "Node 'explode' failed: something went wrong"]
    ])
    const onlyErrors = await collect(client.allBoardLogs(server.seed.appId, server.seed.failingBoardId, failed.runId, { query: "log_level >= 3", limit: 1 }))
    expect(onlyErrors.map((line) => line.message)).toEqual(["Node 'explode' failed: something went wrong"])
    expect(await client.listBoardLogs(server.seed.appId, server.seed.boardId, "no-such-run")).toEqual([])
    const badFilter = await failure(client.listBoardRuns(server.seed.appId, server.seed.boardId, { status: 9 }))
    expect(badFilter.reason._tag).toBe("InvalidArgumentError")
  })

  it("fails with the server's 500 for an app the user is not a member of", async () => {
    const error = await failure(client.listBoards(server.seed.foreignAppId))
    expect(error.status).toBe(500)
    expect(error.message).toContain("apps you are not a member of")
  })
})

describe("apps and health end to end", () => {
  it("lists apps flattened with their names, reads one, and creates one the server's way", async () => {
    const apps = await client.listApps()
    expect(apps.map((app) => [app.id, app.name])).toEqual([[server.seed.appId, "Demo App"]])
    const created = await client.createApp("My App", "Made by a test")
    expect(created.name).toBe("My App")
    expect(created.id).toMatch(/^[a-z0-9]{24}$/)
    const put = server.requests.findLast((entry) => entry.method === "PUT")
    expect(put?.path.startsWith("/api/v1/apps/new-")).toBe(true)
    expect(JSON.parse(put?.body ?? "{}").meta.name).toBe("My App")
    const listed = await collect(client.allApps())
    expect(listed.map((app) => app.name)).toEqual(["My App", "Demo App"])
    const app = await client.getApp(created.id)
    expect(app.id).toBe(created.id)
    expect("name" in app).toBe(false)
    expect(app.boards).toEqual([])
    const missing = await failure(client.getApp("no-such-app"))
    expect(missing.status).toBe(500)
    const empty = await failure(client.createApp(""))
    expect(empty.reason._tag).toBe("InvalidArgumentError")
  })

  it("pages through every app, 100 at a time", async () => {
    for (let index = 0; index < 120; index++) server.apps.add()
    const apps = await collect(client.allApps())
    expect(apps.length).toBe(121)
    expect(new Set(apps.map((app) => app.id)).size).toBe(121)
  })

  it("health is { healthy, status } from {\"status\":\"ok\"}, sent without credentials", async () => {
    expect(await client.health()).toEqual({ healthy: true, status: "ok" })
    const request = server.requests.findLast((entry) => entry.path === "/api/v1/health")
    expect(request?.headers["authorization"]).toBeUndefined()
  })
})

describe("HTTP sinks end to end", () => {
  it("triggers a sink and returns the run's result once it ended; the stream shape yields its events", async () => {
    const result = await client.triggerHttpSink(server.seed.appId, "hello", { body: { name: "Sink" } })
    expect(result.status).toBe("completed")
    expect(result.runId).toMatch(/^[a-z0-9]{24}$/)
    expect(result.events.at(-1)?._tag).toBe("Completed")
    const greeting = result.events.find((event) => event.eventType === "generic_result")
    expect(greeting?.payload).toEqual({ greeting: "Hello, Sink!", payload: { name: "Sink" } })
    expect(result.events.some((event) => event.eventType.startsWith("run:"))).toBe(false)
    const logs = await client.listBoardLogs(server.seed.appId, server.seed.boardId, result.runId ?? "")
    expect(logs.map((line) => line.message)).toEqual([
      "Execution started",
      "Hello from the Flow-Like dev server",
      "Payload: {\"name\":\"Sink\"}",
      "Execution completed"
    ])
    const [run] = await client.listBoardRuns(server.seed.appId, server.seed.boardId)
    expect([run?.runId, run?.nodeId, run?.eventId]).toEqual([result.runId, server.seed.eventId, server.seed.eventId])

    const events: Array<WorkflowEvent> = await collect(client.streamHttpSink(server.seed.appId, "/hello", { method: "PATCH" }))
    expect(events[0]?._tag).toBe("RunInitiated")
    expect(events.at(-1)?._tag).toBe("Completed")
  })

  it("sends a sink token as Authorization: Bearer in place of the PAT, and fails typed without it", async () => {
    const result = await client.triggerHttpSink(server.seed.appId, server.seed.secureSinkPath, { token: server.seed.sinkToken })
    expect(result.status).toBe("completed")
    const sent = server.requests.findLast((entry) => entry.path.endsWith("/hello-secure"))
    expect(sent?.headers["authorization"]).toBe(`Bearer ${server.seed.sinkToken}`)

    const missing = await failure(client.triggerHttpSink(server.seed.appId, server.seed.secureSinkPath))
    expect(missing.reason._tag).toBe("AuthenticationError")
    expect(missing.status).toBe(401)
    expect(missing.message).toContain("Invalid or missing auth token")
    const wrong = await failure(client.triggerHttpSink(server.seed.appId, server.seed.secureSinkPath, { token: "wrong-token" }))
    expect(wrong.status).toBe(401)
    expect(wrong.message).not.toContain("wrong-token")
    expect(wrong.message).not.toContain(server.pat)
  })

  it("an unknown sink path is a 404 with the server's message; bad inputs fail before sending", async () => {
    const before = server.requests.length
    const unknown = await failure(client.triggerHttpSink(server.seed.appId, "nope"))
    expect(unknown.reason._tag).toBe("NotFoundError")
    expect(unknown.message).toContain("Route not found")
    const getWithBody = await failure(client.triggerHttpSink(server.seed.appId, "hello", { method: "GET", body: { a: 1 } }))
    expect(getWithBody.reason._tag).toBe("InvalidArgumentError")
    const noPath = await failure(client.triggerHttpSink(server.seed.appId, "/"))
    expect(noPath.reason._tag).toBe("InvalidArgumentError")
    expect(server.requests.length).toBe(before + 1)
  })

  it("a sink body over the server's 10 MiB (in UTF-8 bytes) fails before sending, in both shapes; exactly 10 MiB is sent and runs", async () => {
    const limit = 10 * 1024 * 1024
    const before = server.requests.length
    for (const body of ["x".repeat(limit - 1), "é".repeat(limit / 2)]) {
      const triggered = await failure(client.triggerHttpSink(server.seed.appId, "hello", { body }))
      expect(triggered.reason._tag).toBe("InvalidArgumentError")
      expect(triggered.message).toContain("10 MB limit")
      const streamed = await failure(collect(client.streamHttpSink(server.seed.appId, "hello", { body })))
      expect(streamed.reason._tag).toBe("InvalidArgumentError")
    }
    expect(server.requests.length).toBe(before)
    server.boards.add({ id: "quiet", steps: [] })
    server.events.add({ id: "quiet-event", boardId: "quiet", nodeId: server.seed.nodeId })
    server.sinks.add({ eventId: "quiet-event", path: "/quiet" })
    const atLimit = await client.triggerHttpSink(server.seed.appId, "quiet", { body: "x".repeat(limit - 2) })
    expect(atLimit.status).toBe("completed")
    expect(server.requests.length).toBe(before + 1)
  })

  it("a failed run rejects with RunError after its events", async () => {
    const eventId = "failing-event"
    server.events.add({ id: eventId, boardId: server.seed.failingBoardId, nodeId: server.seed.nodeId })
    server.sinks.add({ eventId, path: "/fails" })
    const error = await failure(client.triggerHttpSink(server.seed.appId, "fails"))
    expect(error.reason._tag).toBe("RunError")
    expect(error.message).toContain("something went wrong")
  })

  it("leaving a streamed trigger early only stops watching: the run still runs to its end on the server (there is no cancel route)", async () => {
    server.boards.add({
      id: "gated",
      // Each run waits on a gate named after it (gates stay open once opened).
      steps: (input) => [
        { type: "log", message: "waiting for the gate" },
        { type: "await", gate: input.runId },
        { type: "log", message: "ran on after the client left" }
      ]
    })
    server.events.add({ id: "gated-event", boardId: "gated", nodeId: server.seed.nodeId })
    server.sinks.add({ eventId: "gated-event", path: "/gated" })
    const triggers: ReadonlyArray<readonly [string, () => AsyncIterable<WorkflowEvent>]> = [
      ["streamHttpSink", () => client.streamHttpSink(server.seed.appId, "gated")],
      ["triggerWorkflow", () => client.triggerWorkflow(server.seed.appId, "gated", server.seed.nodeId)]
    ]
    for (const [name, trigger] of triggers) {
      let runId: string | undefined
      for await (const event of trigger()) {
        if (event._tag === "RunInitiated") {
          runId = event.runId
          break
        }
      }
      if (runId === undefined) throw new Error(`${name}: no run id`)
      const closed = await server.nextStreamClosed()
      expect([name, closed.byClient, closed.runId]).toEqual([name, true, runId])
      const before = server.requests.length
      const executed = server.runs.executed(runId)
      server.gates.open(runId)
      expect([name, await executed]).toEqual([name, "Completed"])
      const logs = await client.listBoardLogs(server.seed.appId, "gated", runId)
      expect(logs.map((line) => line.message)).toEqual([
        "Execution started",
        "waiting for the gate",
        "ran on after the client left",
        "Execution completed"
      ])
      // The API records a streamed run's end only when its proxy passes `completed` on: nobody was reading.
      expect([name, server.runs.status(runId)]).toEqual([name, "Pending"])
      expect(server.requests.slice(before).map((entry) => entry.method)).toEqual(["GET"])
    }
    expect(server.requests.some((entry) => entry.path.includes("cancel") || entry.method === "DELETE")).toBe(false)
  })

  it("a streamed run read to its end is recorded Completed by the API", async () => {
    const result = await client.triggerHttpSink(server.seed.appId, "hello")
    expect(result.runId).toBeDefined()
    expect(server.runs.status(result.runId ?? "")).toBe("Completed")
    expect(await server.runs.executed(result.runId ?? "")).toBe("Completed")
  })

  it("manages sinks: list, list by app, get, update the token, toggle off (then the trigger is a 404)", async () => {
    const all = await client.listSinks()
    expect(all.map((sink) => sink.path).sort()).toEqual(["/hello", "/hello-secure"])
    const byApp = await client.listAppSinks(server.seed.appId)
    expect(byApp.length).toBe(2)
    const sink = await client.getSink(server.seed.eventId)
    expect([sink.path, sink.hasAuthToken, sink.active]).toEqual(["/hello", false, true])
    expect(sink.createdAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/)
    const updated = await client.updateSink(server.seed.eventId, { authToken: "new-secret" })
    expect(updated.hasAuthToken).toBe(true)
    expect((await failure(client.triggerHttpSink(server.seed.appId, "hello"))).status).toBe(401)
    expect((await client.triggerHttpSink(server.seed.appId, "hello", { token: "new-secret" })).status).toBe("completed")
    const off = await client.toggleSink(server.seed.eventId)
    expect(off.active).toBe(false)
    expect((await failure(client.triggerHttpSink(server.seed.appId, "hello", { token: "new-secret" }))).status).toBe(404)
    expect((await client.listSinks()).map((entry) => entry.path)).toEqual(["/hello-secure"])
    const unknown = await failure(client.getSink("no-such-event"))
    expect(unknown.reason._tag).toBe("NotFoundError")
    expect(unknown.message).toContain("Sink not found for this event")
  })
})

describe("usage history end to end", () => {
  it("pages through the history with page and page_size, and sums it up", async () => {
    for (let index = 0; index < 5; index++) {
      server.usage.addLlm({ modelId: "dev-echo", tokenIn: index, tokenOut: 1, price: 10, appId: server.seed.appId })
    }
    server.usage.addEmbedding({ modelId: "dev-embed-small", tokenCount: 4, price: 2 })
    server.usage.addExecution({ boardId: server.seed.boardId, nodeId: "start", version: "0.0.1", microseconds: 1200, status: "Completed" })
    const first = await client.listLlmUsage({ pageSize: 2 })
    expect([first.total, first.page, first.pageSize, first.items.length]).toEqual([5, 0, 2, 2])
    expect(first.items.map((item) => item.tokenIn)).toEqual([4, 3])
    const all = await collect(client.allLlmUsage({ pageSize: 2 }))
    expect(all.map((item) => item.tokenIn)).toEqual([4, 3, 2, 1, 0])
    expect((await client.listLlmUsage({ appId: "other-app" })).total).toBe(0)
    expect((await collect(client.allEmbeddingUsage())).map((item) => item.tokenCount)).toEqual([4])
    expect((await client.listExecutionUsage()).items[0]?.microseconds).toBe(1200)
    const summary = await client.getUsageSummary()
    expect([summary.totalLlmInvocations, summary.totalEmbeddingInvocations, summary.totalExecutions]).toEqual([5, 1, 1])
    const bad = await failure(client.listLlmUsage({ pageSize: 0 }))
    expect(bad.reason._tag).toBe("InvalidArgumentError")
  })
})
