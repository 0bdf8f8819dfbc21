/** The Db service over the in-memory HTTP client: the wire it sends, provider mapping, secrets, refusals. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { inspect } from "node:util"
import { MockHttpClient } from "@flow-like/testing"
import { Db } from "../src/index.ts"
import type { FlowLikeError } from "../src/index.ts"
import { loadLanceDb } from "../src/internal/lanceConnection.ts"
import { sdkLayer } from "./utils/mock.ts"

const recorded = Effect.map(MockHttpClient.MockHttpClient, (mock) => mock.requests)
const withDb = <A>(use: (db: Db.Db["Service"]) => Effect.Effect<A, FlowLikeError.FlowLikeError>) => Effect.flatMap(Effect.service(Db.Db), use)

const presignAnswer = (shared: unknown) =>
  MockHttpClient.json({ shared_credentials: shared, db_path: "apps/a1/storage/db", table_name: "_default", access_mode: "read" })

describe("Db", () => {
  it.effect("maps Azure and GCP credentials to az:// and gs:// with LanceDB's option keys", () =>
    Effect.gen(function*() {
      const azure = yield* withDb((db) => db.getDbCredentials("a1")).pipe(Effect.provide(sdkLayer(() =>
        presignAnswer({
          Azure: {
            meta_container: "meta",
            content_container: "content",
            logs_container: "logs",
            account_name: "flowlike",
            content_sas_token: "?sv=2024&sig=SECRETSAS",
            expiration: "2026-02-21T14:03:11Z"
          }
        })
      )))
      assert.strictEqual(azure.uri, "az://content/apps/a1/storage/db")
      assert.deepStrictEqual({ ...azure.storageOptions }, {
        azure_storage_account_name: "flowlike",
        azure_storage_sas_token: "?sv=2024&sig=SECRETSAS"
      })
      assert.strictEqual(azure.expiresAt?.toISOString(), "2026-02-21T14:03:11.000Z")
      assert.notInclude(inspect(azure), "SECRETSAS")
      const gcp = yield* withDb((db) => db.getDbCredentials("a1")).pipe(Effect.provide(sdkLayer(() =>
        presignAnswer({
          Gcp: {
            service_account_key: "",
            access_token: "ya29.SECRETTOKEN",
            meta_bucket: "m",
            content_bucket: "c",
            logs_bucket: "l",
            allowed_prefixes: ["apps/a1/"],
            write_access: false,
            expiration: null
          }
        })
      )))
      assert.strictEqual(gcp.uri, "gs://c/apps/a1/storage/db")
      assert.deepStrictEqual({ ...gcp.storageOptions }, { google_cloud_token: "ya29.SECRETTOKEN" })
      assert.strictEqual(gcp.expiresAt, undefined)
      assert.notInclude(JSON.stringify(gcp), "SECRETTOKEN")
    }))

  it.effect("an unknown provider or a malformed answer is a DecodeError that quotes no secret", () =>
    Effect.gen(function*() {
      const unknown = yield* Effect.flip(withDb((db) => db.getDbCredentials("a1")).pipe(Effect.provide(sdkLayer(() =>
        presignAnswer({ Minio: { secret_key: "TOPSECRET" } })
      ))))
      assert.strictEqual(unknown.reason._tag, "DecodeError")
      assert.include(unknown.message, "unsupported storage provider \"Minio\"")
      const malformed = yield* Effect.flip(withDb((db) => db.getDbCredentialsRaw("a1")).pipe(Effect.provide(sdkLayer(() =>
        presignAnswer({ Aws: { secret_access_key: "TOPSECRET", region: 5 } })
      ))))
      assert.strictEqual(malformed.reason._tag, "DecodeError")
      for (const error of [unknown, malformed]) {
        assert.notInclude(JSON.stringify(error), "TOPSECRET")
        assert.notInclude(inspect(error, { depth: 10 }), "TOPSECRET")
        assert.notInclude(error.message, "TOPSECRET")
      }
    }))

  it.effect("sends the query body, limit/offset in the query string, add as PUT {items}, delete as DELETE {query}", () =>
    Effect.gen(function*() {
      yield* withDb((db) =>
        Effect.all([
          db.queryTable("a1", "docs", { vector: [0.5, 1.5], filter: "x > 1", select: ["id"], fts: "cat", rerank: false, limit: 5, offset: 10 }),
          db.addToTable("a1", "docs", [{ id: 1.5 }]),
          db.deleteFromTable("a1", "docs", "id = 1")
        ])
      )
      const [query, add, remove] = yield* recorded
      assert.strictEqual(query?.method, "POST")
      assert.strictEqual(query?.url, "https://flow.test/api/v1/apps/a1/db/docs/query?limit=5&offset=10")
      assert.deepStrictEqual(JSON.parse(query?.body ?? ""), {
        vector_query: { column: "vector", vector: [0.5, 1.5] },
        filter: "x > 1",
        fts_term: "cat",
        rerank: false,
        select: ["id"]
      })
      assert.deepStrictEqual([add?.method, add?.url, JSON.parse(add?.body ?? "")], ["PUT", "https://flow.test/api/v1/apps/a1/db/docs", { items: [{ id: 1.5 }] }])
      assert.deepStrictEqual([remove?.method, JSON.parse(remove?.body ?? "")], ["DELETE", { query: "id = 1" }])
      const [tables, count] = yield* withDb((db) => Effect.all([db.listTables("a1"), db.countItems("a1", "docs")]))
      assert.deepStrictEqual([tables, count], [["docs"], 42])
      assert.deepStrictEqual((yield* recorded).slice(3).map((request) => `${request.method} ${request.url}`), [
        "GET https://flow.test/api/v1/apps/a1/db",
        "GET https://flow.test/api/v1/apps/a1/db/docs/count"
      ])
    }).pipe(Effect.provide(sdkLayer((request) =>
      MockHttpClient.json(
        request.method === "POST" ? [] : request.url.endsWith("/db") ? ["docs"] : request.url.endsWith("/count") ? 42 : null
      )
    ))))

  it.effect("refuses table names LanceDB cannot hold, and bad pages, before sending anything", () =>
    Effect.gen(function*() {
      for (const name of ["my table", "a/b", "", "tä", "x?y"]) {
        const db = yield* Db.Db
        const errors = yield* Effect.all([
          Effect.flip(db.countItems("a1", name)),
          Effect.flip(db.queryTable("a1", name, { filter: "x" })),
          Effect.flip(db.addToTable("a1", name, [{ a: 1 }])),
          Effect.flip(Stream.runDrain(db.iterateRows("a1", name)))
        ])
        for (const error of errors) {
          assert.strictEqual(error.reason._tag, "InvalidArgumentError")
          assert.include(error.message, "letters, digits")
        }
      }
      const page = yield* Effect.flip(withDb((db) => db.listRows("a1", "docs", { limit: 251 })))
      assert.include(page.message, "limit must be a whole number from 1 to 250")
      assert.lengthOf(yield* recorded, 0)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json([])))))

  it.effect("iterateRows pages until a short page", () =>
    Effect.gen(function*() {
      const rows = yield* withDb((db) => Stream.runCollect(db.iterateRows("a1", "docs", { pageSize: 2 })))
      assert.deepStrictEqual(rows.map((row) => row.n), [0, 1, 2, 3, 4])
      assert.deepStrictEqual((yield* recorded).map((request) => new URL(request.url).search), [
        "?limit=2&offset=0",
        "?limit=2&offset=2",
        "?limit=2&offset=4"
      ])
    }).pipe(Effect.provide(sdkLayer((request) => {
      const offset = Number(new URL(request.url).searchParams.get("offset"))
      return MockHttpClient.json([0, 1, 2, 3, 4].slice(offset, offset + 2).map((n) => ({ n })))
    }))))

  it("a missing @lancedb/lancedb is a ConfigurationError naming the package", async () => {
    const missing = Object.assign(new Error("Cannot find package '@lancedb/lancedb'"), { code: "ERR_MODULE_NOT_FOUND" })
    const error = await loadLanceDb("Lance.connect", () => Promise.reject(missing)).then(
      () => assert.fail("expected a rejection"),
      (error: FlowLikeError.FlowLikeError) => error
    )
    assert.strictEqual(error.reason._tag, "ConfigurationError")
    assert.include(error.message, "@lancedb/lancedb")
    assert.include(error.message, "npm install")
  })
})

describe("Db retries", () => {
  it.effect("does not retry an unknown table or a SQL error, and retries other 5xx of reads", () =>
    Effect.gen(function*() {
      const db = yield* Db.Db
      const missing = yield* Effect.flip(db.countItems("a1", "nope"))
      assert.include(missing.message, "Table not initialized")
      const sql = yield* Effect.flip(db.queryTable("a1", "docs", { sql: "SELEC" }))
      assert.strictEqual(sql.code, "DATAFUSION_ERROR")
      assert.lengthOf(yield* recorded, 2)
      const flaky = yield* Effect.forkChild(Effect.flip(db.countItems("a1", "flaky")))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(flaky)
      assert.include(error.message, "storage hiccup")
      assert.lengthOf((yield* recorded).filter((request) => request.url.includes("/flaky/")), 3)
    }).pipe(Effect.provide(sdkLayer((request) => {
      const url = new URL(request.url)
      if (url.pathname.includes("/flaky/")) {
        return MockHttpClient.json({ error: { code: "INTERNAL_ERROR", id: "x", message: "storage hiccup" } }, 500)
      }
      return url.pathname.includes("/nope/")
        ? MockHttpClient.json({ error: { code: "INTERNAL_ERROR", id: "x", message: "Table not initialized" } }, 500)
        : MockHttpClient.json({ error: { code: "DATAFUSION_ERROR", id: "y", message: "Internal Server Error" } }, 500)
    }, { maxRetries: 2 }))))
})
