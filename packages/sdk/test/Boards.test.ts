/** The Boards, Apps and Sinks services over the in-memory HTTP client: what goes on the wire. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { MockHttpClient } from "@flow-like/testing"
import { Apps, Boards, Sinks } from "../src/index.ts"
import * as Fixtures from "./fixtures/index.ts"
import { sdkLayer } from "./utils/mock.ts"

interface Sent {
  readonly method: string
  readonly url: string
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
}

/** A layer that records each request and answers with `body`. */
const recording = (body: string, sent: Array<Sent>) =>
  sdkLayer((request) => {
    sent.push({
      method: request.method,
      url: request.url,
      body: request.body === undefined ? undefined : JSON.parse(request.body),
      headers: request.headers
    })
    return MockHttpClient.text(200, body, { "content-type": "application/json" })
  }, { maxRetries: 0 })

describe("Boards over the wire", () => {
  it.effect("upsertBoard sends only the given fields, snake_case, and returns the server's id", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function*() {
      const boards = yield* Boards.Boards
      const result = yield* boards.upsertBoard("app 1", "b/1", { name: "N", logLevel: "Warn", executionMode: "Remote" })
      assert.strictEqual(result.id, "n7r2t9y4u1i8o3p6a5s0d2fg")
      assert.deepStrictEqual(sent, [{
        method: "PUT",
        url: "https://flow.test/api/v1/apps/app%201/board/b%2F1",
        body: { name: "N", log_level: "Warn", execution_mode: "Remote" },
        headers: sent[0]?.headers ?? {}
      }])
    }).pipe(Effect.provide(recording(Fixtures.boardUpsert, sent)))
  })

  it.effect("versions travel as 1_0_3 in the query and version_type when creating one; run filters as milliseconds", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function*() {
      const boards = yield* Boards.Boards
      yield* boards.getBoard("a", "b", { version: [1, 0, 3] }).pipe(Effect.ignore)
      yield* boards.prerunBoard("a", "b", { version: [2, 5, 0] }).pipe(Effect.ignore)
      yield* boards.versionBoard("a", "b", { versionType: "Major" }).pipe(Effect.ignore)
      yield* boards.listBoardRuns("a", "b", { from: new Date(1000), to: 2000, nodeId: "start", status: 0 }).pipe(Effect.ignore)
      yield* boards.listBoardLogs("a", "b", "run-1", { query: "log_level >= 3", limit: 5 }).pipe(Effect.ignore)
      assert.deepStrictEqual(sent.map((entry) => `${entry.method} ${entry.url.replace("https://flow.test/api/v1", "")}`), [
        "GET /apps/a/board/b?version=1_0_3",
        "GET /apps/a/board/b/prerun?version=2_5_0",
        "PATCH /apps/a/board/b?version_type=Major",
        "GET /apps/a/board/b/runs?node_id=start&from=1000&to=2000&status=0",
        "GET /apps/a/board/b/logs?run_id=run-1&query=log_level+%3E%3D+3&limit=5"
      ])
    }).pipe(Effect.provide(recording("null", sent)))
  })

  it.effect("runtimeVariables stores each value as the bytes of its JSON, by name or id, keyed by id", () =>
    Effect.gen(function*() {
      const boards = yield* Boards.Boards
      const prerun = {
        runtimeVariables: [
          { id: "v1", name: "count", dataType: "Integer", valueType: "Normal", secret: false },
          { id: "v2", name: "tags", dataType: "String", valueType: "Array", secret: true }
        ]
      }
      const variables = yield* boards.runtimeVariables(prerun, { count: 42, v2: ["a"] })
      assert.deepStrictEqual(Object.keys(variables), ["v1", "v2"])
      assert.strictEqual(new TextDecoder().decode(Uint8Array.from(variables["v1"]?.defaultValue ?? [])), "42")
      assert.strictEqual(new TextDecoder().decode(Uint8Array.from(variables["v2"]?.defaultValue ?? [])), "[\"a\"]")
      assert.strictEqual(variables["v2"]?.secret, true)
      const cyclic: Record<string, unknown> = {}
      cyclic["self"] = cyclic
      const error = yield* Effect.flip(boards.runtimeVariables(prerun, { count: cyclic, tags: [] }))
      assert.strictEqual(error.reason._tag, "InvalidArgumentError")
      assert.include(error.message, "cannot be written as JSON")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.text(500, "")))))
})

describe("Apps and Sinks over the wire", () => {
  it.effect("createApp PUTs the metadata to a fresh id, never to an existing app", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function*() {
      const apps = yield* Apps.Apps
      const created = yield* apps.createApp("My App", "Desc", { bits: ["bit-1"], language: "de" })
      assert.strictEqual(created.name, "My App")
      assert.strictEqual(created.id, "a1b2c3d4e5f6g7h8i9j0k1l2")
      const [put] = sent
      assert.match(put?.url ?? "", /^https:\/\/flow\.test\/api\/v1\/apps\/new-[0-9a-f-]{36}\?language=de$/)
      const body = put?.body as { meta: Record<string, unknown>; bits: Array<string>; app?: unknown }
      assert.deepStrictEqual([body.meta["name"], body.meta["description"], body.bits, "app" in body], ["My App", "Desc", ["bit-1"], false])
      assert.deepStrictEqual(Object.keys(body.meta["created_at"] as object), ["secs_since_epoch", "nanos_since_epoch"])
    }).pipe(Effect.provide(recording(Fixtures.app, sent)))
  })

  it.effect("updateSink sends the token revealed only in the body; a sink path is percent-encoded per segment", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function*() {
      const sinks = yield* Sinks.Sinks
      yield* sinks.updateSink("event-1", { path: "hooks/new", authToken: Redacted.make("s3cret") })
      assert.deepStrictEqual(sent[0]?.body, { path: "hooks/new", auth_token: "s3cret" })
      assert.strictEqual(sent[0]?.method, "PATCH")
      const error = yield* Effect.flip(sinks.triggerHttpSink("app", "a/../b"))
      assert.strictEqual(error.reason._tag, "InvalidArgumentError")
      const wrongMethod = yield* Effect.flip(sinks.triggerHttpSink("app", "a", { method: "PUT" as never }))
      assert.include(wrongMethod.message, "GET, POST, PATCH or DELETE")
      assert.strictEqual(sent.length, 1)
    }).pipe(Effect.provide(recording(Fixtures.sink, sent)))
  })

  it.effect("bad inputs fail with InvalidArgumentError before anything is sent", () => {
    const sent: Array<Sent> = []
    return Effect.gen(function*() {
      const boards = yield* Boards.Boards
      const sinks = yield* Sinks.Sinks
      const apps = yield* Apps.Apps
      const errors = yield* Effect.all([
        Effect.flip(boards.listBoardLogs("a", "b", "")),
        Effect.flip(boards.listBoardRuns("a", "b", { limit: -1 })),
        Effect.flip(boards.listBoardRuns("a", "b", { from: new Date(Number.NaN) })),
        Effect.flip(boards.getBoard("a", "")),
        Effect.flip(sinks.triggerHttpSink("a", "hook", { body: { big: 1n } })),
        Effect.flip(apps.listApps({ offset: 1.5 }))
      ])
      assert.deepStrictEqual(errors.map((error) => error.reason._tag), Array(6).fill("InvalidArgumentError"))
      assert.include(errors[0]?.message ?? "", "runId must be a non-empty string")
      assert.include(errors[4]?.message ?? "", "the body cannot be sent")
      assert.strictEqual(sent.length, 0)
    }).pipe(Effect.provide(recording("null", sent)))
  })
})
