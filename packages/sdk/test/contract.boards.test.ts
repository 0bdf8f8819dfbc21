/**
 * Contract tests of the boards, apps, sinks and usage routes: golden fixtures of the real server's
 * answers (see fixtures/PROVENANCE.md) decoded by the declarations, and read by the services.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import { MockHttpClient } from "@flow-like/testing"
import { Apps, AppsApi, BoardCommands, Boards, BoardsApi, Sinks, SinksApi, Usage, UsageApi } from "../src/index.ts"
import type { FlowLikeError } from "../src/index.ts"
import * as Fixtures from "./fixtures/index.ts"
import { PAT, sdkLayer } from "./utils/mock.ts"

const api = BoardsApi.BoardsApi.endpoints
const successOf = (endpoint: { readonly success: ReadonlySet<Schema.Top> }) =>
  [...endpoint.success][0] as Schema.Codec<unknown, unknown>

/** Decodes a fixture with a schema, and checks that encoding gives back what decodes the same. */
const roundTrip = <A>(schema: Schema.Codec<A, unknown>, text: string): A => {
  const decoded = Schema.decodeUnknownSync(schema)(JSON.parse(text))
  assert.deepStrictEqual(Schema.decodeUnknownSync(schema)(Schema.encodeSync(schema)(decoded)), decoded)
  return decoded
}

const answer = (body: string, status = 200) => MockHttpClient.text(status, body, { "content-type": "application/json" })

describe("contract: boards, apps, sinks and usage as the real server sends them", () => {
  it("boards: a board, the list, upsert, versions, delete, prerun, commands, runs and logs", () => {
    const board = roundTrip(BoardsApi.Board, Fixtures.board)
    assert.deepStrictEqual(board.version, [1, 0, 3])
    assert.strictEqual(board.logLevel, "Info")
    assert.strictEqual(board.createdAt.getTime(), 1764237662123)
    assert.strictEqual(roundTrip(successOf(api.listBoards), Fixtures.boards) instanceof Array, true)
    assert.strictEqual(roundTrip(BoardsApi.UpsertBoardResponse, Fixtures.boardUpsert).id, "n7r2t9y4u1i8o3p6a5s0d2fg")
    assert.deepStrictEqual(roundTrip(successOf(api.getBoardVersions), Fixtures.boardVersions), [[0, 0, 1], [1, 0, 2]])
    assert.deepStrictEqual(roundTrip(successOf(api.versionBoard), Fixtures.boardVersionCreated), [1, 1, 0])
    assert.strictEqual(roundTrip(successOf(api.deleteBoard), Fixtures.boardDelete), null)
    const prerun = roundTrip(BoardsApi.PrerunBoardResponse, Fixtures.boardPrerun)
    assert.deepStrictEqual(prerun.runtimeVariables.map((variable) => [variable.name, variable.secret]), [["api_key", true]])
    assert.deepStrictEqual(prerun.oauthRequirements, [{ providerId: "google", scopes: ["email"] }])
    const commands = roundTrip(successOf(api.executeCommands), Fixtures.boardCommands) as ReadonlyArray<BoardsApi.BoardCommandType>
    assert.deepStrictEqual(commands.map((command) => command.commandType), ["ConnectPin", "MoveNode"])
    assert.deepStrictEqual(commands[1]?.commandType === "MoveNode" ? commands[1].toCoordinates : undefined, [120, 40, 0])
    const runs = roundTrip(Schema.Array(BoardsApi.BoardRun), Fixtures.boardRuns)
    assert.strictEqual((runs[0]?.end ?? 0) - (runs[0]?.start ?? 0), 500_000)
    const logs = roundTrip(Schema.Array(BoardsApi.LogMessage), Fixtures.boardLogs)
    assert.deepStrictEqual(logs.map((line) => line.logLevel), ["Info", "Debug"])
    assert.deepStrictEqual(logs[1]?.stats?.bitIds, ["dev-echo"])
  })

  describe("every board command variant (GenericCommand, internally tagged by command_type)", () => {
    /** The wire JSON without its `null`s: serde writes `None` as `null`, the SDK leaves it out. */
    const withoutNulls = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(withoutNulls)
        : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).flatMap(([key, item]) => (item === null ? [] : [[key, withoutNulls(item)]])))
        : value

    it("covers the server's 14 variants", () => {
      assert.deepStrictEqual(Object.keys(Fixtures.boardCommandVariants).length, 14)
      assert.strictEqual(BoardCommands.BoardCommand.members.length, 14)
    })

    for (const [tag, text] of Object.entries(Fixtures.boardCommandVariants)) {
      it(`${tag}: decodes to camelCase, and encodes back to every field the server sent`, () => {
        const command = roundTrip(BoardCommands.BoardCommand, text)
        assert.strictEqual(command.commandType, tag)
        const encoded = Schema.encodeSync(BoardCommands.BoardCommand)(command)
        assert.deepStrictEqual(encoded, withoutNulls(JSON.parse(text)))
        assert.notInclude(JSON.stringify(command), "_type\"")
      })
    }

    it("reads the nested parts: nodes with pins, comments with times, layers, variables as bytes", () => {
      const decode = (tag: string) => Schema.decodeUnknownSync(BoardCommands.BoardCommand)(JSON.parse(Fixtures.boardCommandVariants[tag] ?? ""))
      const removed = decode("RemoveNode")
      assert.strictEqual(removed.commandType, "RemoveNode")
      if (removed.commandType !== "RemoveNode") return
      assert.deepStrictEqual(removed.node.pins["p_start_exec"]?.connectedTo, ["p_log_exec"])
      assert.strictEqual(removed.node.start, true)
      const log = removed.connectedNodes[0]
      assert.deepStrictEqual(log?.pins["p_log_level"]?.options?.validValues, ["Debug", "Info", "Warn", "Error"])
      assert.deepStrictEqual(log?.requiredOauthScopes, { google: ["email"] })
      assert.strictEqual(log?.wasm?.packageId, "com.example.logging")
      const comment = decode("RemoveComment")
      assert.strictEqual(comment.commandType === "RemoveComment" ? comment.comment.timestamp.getTime() : 0, 1764237662123)
      const layer = decode("RemoveLayer")
      assert.strictEqual(layer.commandType === "RemoveLayer" ? layer.layer.variables["v_greeting"]?.defaultValue?.length : 0, 4)
      const upsert = decode("UpsertVariable")
      assert.strictEqual(upsert.commandType === "UpsertVariable" ? upsert.oldVariable?.hash : 0, 4503599627370496)
    })

    it("a command missing a field the server requires, or of an unknown type, does not decode", () => {
      const invalid = (value: unknown) => Schema.decodeUnknownExit(BoardCommands.BoardCommand)(value)._tag === "Failure"
      assert.isTrue(invalid({ command_type: "MoveNode", node_id: "n1" }))
      assert.isTrue(invalid({ command_type: "ConnectPin", from_pin: "a", to_pin: "b", from_node: "n1" }))
      assert.isTrue(invalid({ command_type: "Teleport" }))
      assert.isFalse(invalid({ command_type: "MoveNode", node_id: "n1", to_coordinates: [1, 2, 0] }))
    })
  })

  it("apps, sinks and usage", () => {
    const apps = roundTrip(successOf(AppsApi.AppsApi.endpoints.listApps), Fixtures.apps) as ReadonlyArray<typeof AppsApi.AppWithMetadata.Type>
    assert.strictEqual(apps[0]?.[1]?.name, "My App")
    assert.strictEqual(apps[1]?.[1], null)
    assert.strictEqual(roundTrip(AppsApi.App, Fixtures.app).executionMode, "Any")
    const sink = roundTrip(SinksApi.Sink, Fixtures.sink)
    assert.strictEqual(sink.hasAuthToken, true)
    assert.strictEqual(sink.createdAt, "2026-11-27 10:01:02.123456")
    assert.strictEqual(roundTrip(Schema.Array(SinksApi.Sink), Fixtures.sinks).length, 1)
    assert.strictEqual(roundTrip(SinksApi.TriggerResponse, Fixtures.sink401).runId, null)
    assert.strictEqual(roundTrip(SinksApi.TriggerResponse, Fixtures.sink404).message, "Route not found")
    const page = roundTrip(successOf(UsageApi.UsageApi.endpoints.llmHistory), Fixtures.usageLlm) as Usage.UsagePage<Usage.LlmUsageRecord>
    assert.deepStrictEqual([page.total, page.pageSize, page.items[0]?.tokenOut], [51, 50, 30])
    assert.strictEqual(roundTrip(UsageApi.UsageSummary, Fixtures.usageSummary).totalExecutions, 17)
  })
})

describe("contract: the services over the real server's answers", () => {
  it.effect("listApps flattens the [App, Metadata | null] pairs into apps with names", () =>
    Effect.gen(function*() {
      const apps = yield* Effect.flatMap(Effect.service(Apps.Apps), (service) => service.listApps())
      assert.deepStrictEqual(apps.map((app) => app.name), ["My App", undefined])
      assert.strictEqual(apps[0]?.description, "Made in the studio")
      assert.strictEqual((apps[0]?.raw as { id: string }).id, "a1b2c3d4e5f6g7h8i9j0k1l2")
    }).pipe(Effect.provide(sdkLayer(() => answer(Fixtures.apps)))))

  it.effect("health is { healthy, status } from {\"status\":\"ok\"}, and not healthy for any other status", () =>
    Effect.gen(function*() {
      const ok = yield* Effect.flatMap(Effect.service(Apps.Apps), (service) => service.health()).pipe(
        Effect.provide(sdkLayer(() => answer(Fixtures.health)))
      )
      assert.deepStrictEqual(ok, { healthy: true, status: "ok" })
      const degraded = yield* Effect.flatMap(Effect.service(Apps.Apps), (service) => service.health()).pipe(
        Effect.provide(sdkLayer(() => answer("{\"status\":\"degraded\"}")))
      )
      assert.deepStrictEqual(degraded, { healthy: false, status: "degraded" })
    }))

  it.effect("a sink trigger reads the §4 SSE run stream, sends the sink token as a bearer, and types the 401 and 404 bodies", () =>
    Effect.gen(function*() {
      const requests: Array<{ readonly url: string; readonly authorization: string | undefined }> = []
      const result = yield* Effect.flatMap(Effect.service(Sinks.Sinks), (service) =>
        service.triggerHttpSink("app1", "my/hook", { token: "sink-secret", body: { a: 1 } })).pipe(
          Effect.provide(sdkLayer((request) => {
            requests.push({ url: request.url, authorization: request.headers["authorization"] })
            return MockHttpClient.sse([Fixtures.sseBoardRun])
          }))
        )
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.events.at(-1)?._tag, "Completed")
      assert.strictEqual(result.runId, result.events.find((event) => event._tag === "RunInitiated")?.runId)
      assert.deepStrictEqual(requests, [{ url: "https://flow.test/api/v1/sink/trigger/http/app1/my/hook", authorization: "Bearer sink-secret" }])

      const run = (body: string, status: number) =>
        Effect.flip(Effect.flatMap(Effect.service(Sinks.Sinks), (service) => service.triggerHttpSink("app1", "hook")).pipe(
          Effect.provide(sdkLayer(() => answer(body, status), { maxRetries: 0 }))
        ))
      const unauthorized: FlowLikeError.FlowLikeError = yield* run(Fixtures.sink401, 401)
      assert.strictEqual(unauthorized.reason._tag, "AuthenticationError")
      assert.include(unauthorized.message, "Invalid or missing auth token")
      assert.notInclude(unauthorized.message, PAT)
      const missing = yield* run(Fixtures.sink404, 404)
      assert.strictEqual(missing.reason._tag, "NotFoundError")
      assert.include(missing.message, "Route not found")
    }))

  it.effect("getSink of an event without a sink is NotFoundError with the server's message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatMap(Effect.service(Sinks.Sinks), (service) => service.getSink("e1"))).pipe(
        Effect.provide(sdkLayer(() => answer(Fixtures.error404Sink, 404), { maxRetries: 0 }))
      )
      assert.strictEqual(error.reason._tag, "NotFoundError")
      assert.include(error.message, "Sink not found for this event")
    }))

  it.effect("allBoardRuns pages with limit/offset until a short page; allLlmUsage pages by number until the total", () =>
    Effect.gen(function*() {
      const queries: Array<string> = []
      const runs = yield* Effect.flatMap(Effect.service(Boards.Boards), (service) =>
        Stream.runCollect(service.allBoardRuns("app1", "b1", { limit: 1 }))).pipe(
          Effect.provide(sdkLayer((request) => {
            const url = new URL(request.url)
            queries.push(url.search)
            return answer(url.searchParams.get("offset") === "0" ? Fixtures.boardRuns : "[]")
          }))
        )
      assert.strictEqual(runs.length, 1)
      assert.deepStrictEqual(queries, ["?limit=1&offset=0", "?limit=1&offset=1"])

      const pages: Array<string> = []
      const records = yield* Effect.flatMap(Effect.service(Usage.Usage), (service) => Stream.runCollect(service.allLlmUsage())).pipe(
        Effect.provide(sdkLayer((request) => {
          const page = new URL(request.url).searchParams.get("page") ?? "0"
          pages.push(page)
          const body = JSON.parse(Fixtures.usageLlm)
          return answer(JSON.stringify({ ...body, total: 2, page: Number(page), page_size: 1 }))
        }))
      )
      assert.strictEqual(records.length, 2)
      assert.deepStrictEqual(pages, ["0", "1"])
    }))
})
