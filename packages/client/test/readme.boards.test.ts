/** The README's boards, apps, sinks and usage sections, run as written against the dev server, and the promises they make. */
import { afterEach, beforeEach, expect, it } from "vitest"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import { hasReason } from "@flow-like/effect/FlowLikeError"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance
const saved = { ...process.env }

beforeEach(async () => {
  server = await DevServer.start({ keepAliveMillis: 50 })
  process.env["FLOW_LIKE_BASE_URL"] = server.url
  process.env["FLOW_LIKE_PAT"] = server.pat
  delete process.env["FLOW_LIKE_API_KEY"]
})

afterEach(async () => {
  process.env = { ...saved }
  await server.close()
})

it("the Boards example works as written", async () => {
  const appId = server.seed.appId
  const boardId = "greeter"
  server.boards.add({
    id: boardId,
    runtimeVariables: [{ name: "greeting" }],
    steps: [{ type: "log", message: "hi" }, { type: "fail", message: "boom" }]
  })
  const seen: Array<unknown> = []
  const console = { log: (value: unknown) => seen.push(value) }

  await using client = new FlowLikeClient()
  const { id } = await client.upsertBoard(appId, "draft", { name: "Greeter", stage: "Dev" })
  const board = await client.getBoard(appId, id)
  const version = await client.versionBoard(appId, id, { versionType: "Minor" })
  const pinned = await client.getBoard(appId, id, { version: [0, 0, 1] })

  const prerun = await client.prerunBoard(appId, boardId)
  const runtimeVariables = await client.runtimeVariables(prerun, { greeting: "Moin" })
  const triggered = client.triggerWorkflow(appId, boardId, "start", undefined, { runtimeVariables })
  await expect((async () => {
    for await (const event of triggered) {
      console.log(event.eventType)
    }
  })()).rejects.toBeInstanceOf(FlowLikeError)

  const failed = await client.triggerWorkflowAsync(appId, boardId, "start")
  await client.awaitRun(failed.pollToken).catch(() => undefined)
  const logsSeen: Array<string> = []
  for await (const run of client.allBoardRuns(appId, boardId, { status: 3 })) {
    const logs = await client.listBoardLogs(appId, boardId, run.runId, { query: "log_level >= 3" })
    logsSeen.push(...logs.map((line) => line.message))
  }

  expect(id).not.toBe("draft")
  expect(board.version).toEqual([0, 0, 1])
  expect(version).toEqual([0, 1, 0])
  expect(pinned.version).toEqual([0, 0, 1])
  expect(seen).toEqual(["run_initiated", "log", "log"])
  expect(logsSeen).toEqual(["boom"])

  const before = server.requests.length
  const refused = await client.executeCommands(appId, id, [{ commandType: "Teleport" } as never]).catch((error: unknown) => error)
  expect(hasReason(refused, "InvalidArgumentError")).toBe(true)
  expect(server.requests.length).toBe(before)
})

it("the Apps and health example works as written", async () => {
  await using client = new FlowLikeClient()
  const apps = await client.listApps()
  const app = await client.createApp("My App", "What it does")
  const health = await client.health()
  expect(apps.map((entry) => [entry.name, entry.description])).toEqual([["Demo App", "The dev server's demo app"]])
  expect([app.name, app.description]).toEqual(["My App", "What it does"])
  expect(health).toEqual({ healthy: true, status: "ok" })
})

it("the HTTP sinks example works as written, and triggers are never retried", async () => {
  const appId = server.seed.appId
  const sinkToken = "webhook-token"
  server.sinks.add({ eventId: server.seed.eventId, path: "my/webhook", authToken: sinkToken })
  const seen: Array<unknown> = []
  const console = { log: (...values: ReadonlyArray<unknown>) => seen.push(values) }

  await using client = new FlowLikeClient()
  const result = await client.triggerHttpSink(appId, "my/webhook", { body: { event: "user.created" }, token: sinkToken })
  console.log(result.runId, result.status, result.events.length)
  expect(result.status).toBe("completed")
  expect(seen[0]).toEqual([result.runId, "completed", result.events.length])

  const noToken = await client.streamHttpSink(appId, "my/webhook", { method: "POST", body: {} }).then(() => undefined, (error: unknown) => error)
  expect(hasReason(noToken, "AuthenticationError")).toBe(true)

  server.faults.inject({ path: "/api/v1/sink/trigger/http/", times: Infinity, fault: { kind: "status", status: 503 } })
  const before = server.requests.length
  const unavailable = await client.triggerHttpSink(appId, "my/webhook", { token: sinkToken }).catch((error: unknown) => error)
  expect(hasReason(unavailable, "ServerError")).toBe(true)
  expect(server.requests.length).toBe(before + 1)
})

it("leaving a watch only stops watching: nothing asks the server to stop the run, which still ends Completed", async () => {
  await using client = new FlowLikeClient()
  const started = await client.triggerWorkflowAsync(server.seed.appId, server.seed.slowBoardId, server.seed.nodeId)
  for await (const event of client.watchRun(started.pollToken)) {
    if (event._tag !== "Gap") break
  }
  const controller = new AbortController()
  const aborted = client.awaitRun(started.pollToken, { signal: controller.signal })
  controller.abort()
  expect(hasReason(await aborted.catch((error: unknown) => error), "AbortedError")).toBe(true)
  const outcome = await client.awaitRun(started.pollToken, { onGap: "continue" })
  expect(outcome.status).toBe("Completed")
  expect(server.requests.every((entry) => entry.method === "GET" || !entry.path.startsWith("/api/v1/execution"))).toBe(true)
})

it("usage pages count from 0 and hold at most 100 records", async () => {
  for (let index = 0; index < 120; index++) server.usage.addExecution({ boardId: "b", nodeId: "n", version: "", microseconds: index, status: "Completed" })
  await using client = new FlowLikeClient()
  const page = await client.listExecutionUsage({ pageSize: 500 })
  expect([page.page, page.pageSize, page.items.length, page.total]).toEqual([0, 100, 100, 120])
  const all: Array<number> = []
  for await (const record of client.allExecutionUsage()) all.push(record.microseconds)
  expect(all.length).toBe(120)
  expect((await client.getUsageSummary()).totalExecutions).toBe(120)
})

it("the server has no POST /apps (405 with Allow), and the seeding namespaces the README lists exist", async () => {
  const post = await fetch(`${server.apiUrl}/apps`, { method: "POST", headers: { authorization: server.pat, "content-type": "application/json" }, body: "{}" })
  expect(post.status).toBe(405)
  expect(post.headers.get("allow")).toBe("GET,HEAD")
  for (const namespace of ["apps", "boards", "events", "faults", "gates", "runs", "models", "sinks", "usage"] as const) {
    expect(typeof server[namespace]).toBe("object")
  }
})
