/**
 * The database end to end: the Promise client over real HTTP against the dev server, whose routes
 * run real LanceDB on a real S3-compatible store (fauxqs) behind a key-checking front, and
 * `createLanceConnection` opening the very same tables over `s3://` with presigned credentials.
 */
import { inspect } from "node:util"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"
import type { DbCredentials } from "@flow-like/client"
import * as Lance from "@flow-like/effect/lance"
import { Index } from "@lancedb/lancedb"

let server: DevServerInstance
let client: FlowLikeClient

/** Vectors whose every value has a fractional part (the server's type inference needs that, see README). */
const vec = (seed: number): Array<number> => [seed + 0.5, 1.25 - seed / 10, 0.75 + seed / 100]

const docs = [
  { id: 1, topic: "cats", text: "cats purr", vector: vec(1) },
  { id: 2, topic: "dogs", text: "dogs bark", vector: vec(2) },
  { id: 3, topic: "cats", text: "kittens play", vector: vec(3) }
]

beforeAll(async () => {
  server = await DevServer.start({ seed: "empty" })
  client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat, maxRetries: 0 })
  await client.addToTable(server.appId, "docs", docs)
})

afterAll(async () => {
  await client.close()
  await server.close()
})

const refusal = (promise: Promise<unknown>) =>
  promise.then(() => expect.unreachable("expected a rejection"), (error: unknown) => {
    expect(error).toBeInstanceOf(FlowLikeError)
    return error as FlowLikeError
  })

describe("Db over REST", () => {
  it("lists tables, pages rows, counts, queries and reads the schema", async () => {
    expect(await client.listTables(server.appId)).toEqual(["docs"])
    expect(await client.countItems(server.appId, "docs")).toBe(3)
    const page = await client.listRows(server.appId, "docs", { limit: 2, offset: 1 })
    expect(page.map((row) => row.id)).toEqual([2, 3])
    const cats = await client.queryTable(server.appId, "docs", { filter: "topic = 'cats'", select: ["id", "text"] })
    expect(cats.map((row) => row.id).sort()).toEqual([1, 3])
    const nearest = await client.queryTable(server.appId, "docs", { vector: vec(2), limit: 1 })
    expect(nearest.map((row) => row.id)).toEqual([2])
    const sql = await client.queryTable(server.appId, "docs", { sql: "SELECT id FROM docs WHERE id = 3" })
    expect(sql).toEqual([{ id: 3 }])
    const schema = await client.getTableSchema(server.appId, "docs")
    expect(schema.fields.map((field) => [field.name, field.type])).toEqual([
      ["id", "Float64"],
      ["topic", "Utf8"],
      ["text", "Utf8"],
      ["vector", "FixedSizeList(Float32, 3)"]
    ])
  })

  it("iterates a whole table a page at a time", async () => {
    const rows = Array.from({ length: 7 }, (_, index) => ({ n: index + 0.5 }))
    await client.addToTable(server.appId, "paged", rows)
    const seen: Array<unknown> = []
    for await (const row of client.iterateRows(server.appId, "paged", { pageSize: 3 })) seen.push(row.n)
    expect(seen).toEqual(rows.map((row) => row.n))
    const pages = server.requests.filter((request) => request.method === "GET" && request.path.endsWith("/db/paged"))
    expect(pages.length).toBe(3)
  })

  it("deletes by filter", async () => {
    await client.addToTable(server.appId, "scratch", [{ k: 1.5 }, { k: 2.5 }])
    await client.deleteFromTable(server.appId, "scratch", "k > 2")
    expect(await client.countItems(server.appId, "scratch")).toBe(1)
  })

  it("gives typed errors with the server's message", async () => {
    const unknown = await refusal(client.countItems(server.appId, "nope"))
    expect(unknown.reason._tag).toBe("ServerError")
    expect(unknown.message).toContain("Table not initialized")
    const empty = await refusal(client.queryTable(server.appId, "docs", {}))
    expect(empty.reason._tag).toBe("InvalidRequestError")
    expect(empty.message).toContain("No valid query parameters provided")
    const malformed = await refusal(client.queryTable(server.appId, "docs", { filter: "id === = 1" }))
    expect(malformed.reason._tag).toBe("ServerError")
    expect(malformed.message).toContain("sql parser error")
    const sql = await refusal(client.queryTable(server.appId, "docs", { sql: "DROP TABLE docs" }))
    expect(sql.message).toContain("DATAFUSION_ERROR")
    const before = server.requests.length
    const badName = await refusal(client.listRows(server.appId, "my table!"))
    expect(badName.reason._tag).toBe("InvalidArgumentError")
    expect(badName.message).toContain("letters, digits")
    expect(server.requests.length).toBe(before)
    const mixed = await refusal(client.addToTable(server.appId, "docs", [{ id: 9, topic: "x", text: "y", vector: [0.5, 0, 1.5] }]))
    expect(mixed.reason._tag).toBe("ServerError")
  })

  it("keeps the credentials' secrets out of JSON and inspect while LanceDB gets them", async () => {
    const credentials = await client.getDbCredentials(server.appId, { accessMode: "write" })
    const raw = await client.getDbCredentialsRaw(server.appId)
    if (!("Aws" in raw.sharedCredentials)) throw new Error("expected Aws credentials")
    const secret = String(credentials.storageOptions.aws_secret_access_key)
    const token = String(credentials.storageOptions.aws_session_token)
    expect(secret.length).toBeGreaterThan(10)
    expect(credentials.uri).toBe(`s3://flow-like-content/apps/${server.appId}/storage/db`)
    expect(credentials.storageOptions.allow_http).toBe("true")
    expect(credentials.storageOptions.aws_endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(credentials.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_000_000)
    for (const text of [JSON.stringify(credentials), inspect(credentials, { depth: 10 }), String(credentials.storageOptions)]) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(token)
      expect(text).toContain("<redacted>")
    }
    expect(JSON.stringify(raw)).not.toContain(String(raw.sharedCredentials.Aws.accessKeyId).length > 0 ? token : "x")
    expect(inspect(raw, { depth: 10 })).not.toMatch(new RegExp(secret.slice(0, 12)))
  })
})

describe("createLanceConnection", () => {
  it("finds REST rows by vector search and filter over s3://, and REST reads rows it wrote", async () => {
    const db = await client.createLanceConnection(server.appId, { accessMode: "write" })
    try {
      expect(await db.tableNames()).toContain("docs")
      // The connection shows nothing of the credentials it was opened with.
      const issued: Array<DbCredentials> = []
      const opened = await Lance.open(async () => {
        const credentials = await client.getDbCredentials(server.appId)
        issued.push(credentials)
        return credentials
      })
      const secret = issued[0]!.storageOptions.aws_secret_access_key!
      for (const shown of [inspect(opened.connection, { depth: 6, showHidden: true }), String(opened.connection.display()), JSON.stringify(opened.connection) ?? ""]) {
        expect(shown).not.toContain(secret)
      }
      opened.close()
      const table = await db.openTable("docs")
      const nearest = await table.vectorSearch(vec(3)).limit(1).toArray()
      expect(nearest.map((row) => row.id)).toEqual([3])
      const dogs = await table.query().where("topic = 'dogs'").toArray()
      expect(dogs.map((row) => row.text)).toEqual(["dogs bark"])
      const written = await db.createTable("from_lance", [{ id: 1, vector: [0, 1, 0] }, { id: 2, vector: [1, 0, 0] }])
      expect(await written.countRows()).toBe(2)
      const rows = await client.queryTable(server.appId, "from_lance", { vector: [1, 0, 0], limit: 1 })
      expect(rows.map((row) => row.id)).toEqual([2])
      await db.dropTable("from_lance")
      expect(await client.listTables(server.appId)).not.toContain("from_lance")
    } finally {
      db.close()
    }
  })

  it("full-text and hybrid queries work once the table has an FTS index (built through a write connection)", async () => {
    await client.addToTable(server.appId, "notes", docs)
    const noIndex = await refusal(client.queryTable(server.appId, "notes", { fts: "purr" }))
    expect(noIndex.reason._tag).toBe("ServerError")
    const db = await client.createLanceConnection(server.appId, { accessMode: "write" })
    try {
      const table = await db.openTable("notes")
      await table.createIndex("text", { config: Index.fts() })
    } finally {
      db.close()
    }
    const found = await client.queryTable(server.appId, "notes", { fts: "purr" })
    expect(found.map((row) => row.id)).toEqual([1])
    const hybrid = await client.queryTable(server.appId, "notes", { fts: "bark", vector: vec(2), limit: 1 })
    expect(hybrid.map((row) => row.id)).toEqual([2])
  })

  it("keeps working for hours on credentials that live one minute (the store's clock and the SDK's moved together)", async () => {
    server.db.setCredentialLifetime(60_000)
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() })
    const db = await client.createLanceConnection(server.appId)
    try {
      const table = await db.openTable("docs")
      const presigns = server.db.presignCount()
      const expired = server.db.refused().get("ExpiredToken") ?? 0
      for (let hour = 1; hour <= 3; hour++) {
        vi.setSystemTime(Date.now() + 3_600_000)
        const rows = await table.query().where("id = 3").toArray()
        expect(rows.map((row) => row.text)).toEqual(["kittens play"])
        expect(server.db.presignCount()).toBe(presigns + hour)
      }
      // Each refresh came before the old key was used again: the store refused nothing.
      expect(server.db.refused().get("ExpiredToken") ?? 0).toBe(expired)
    } finally {
      vi.useRealTimers()
      db.close()
      server.db.setCredentialLifetime(3_600_000)
    }
  })

  it("closing the client closes the connections it opened", async () => {
    const own = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
    const db = await own.createLanceConnection(server.appId)
    expect(db.isOpen()).toBe(true)
    await own.close()
    expect(db.isOpen()).toBe(false)
  })

  it("a read connection's write is refused by the store", async () => {
    const db = await client.createLanceConnection(server.appId)
    try {
      const table = await db.openTable("docs")
      const presigns = server.db.presignCount()
      await expect(table.add([{ id: 4, topic: "x", text: "y", vector: vec(4) }])).rejects.toThrow(/403|privileges/)
      expect(server.db.refused().get("AccessDenied")).toBeGreaterThan(0)
      expect(server.db.presignCount()).toBe(presigns)
      expect(await client.countItems(server.appId, "docs")).toBe(3)
    } finally {
      db.close()
    }
  })

  it("keeps working across a credential expiry without the caller doing anything", async () => {
    const db = await client.createLanceConnection(server.appId)
    try {
      const table = await db.openTable("docs")
      expect(await table.countRows()).toBe(3)
      const presigns = server.db.presignCount()
      server.db.expireCredentials()
      const nearest = await table.vectorSearch(vec(1)).where("topic = 'cats'").limit(1).toArray()
      expect(nearest.map((row) => row.id)).toEqual([1])
      expect(server.db.refused().get("ExpiredToken")).toBeGreaterThan(0)
      expect(server.db.presignCount()).toBe(presigns + 1)
      expect(await (await db.openTable("docs")).countRows()).toBe(3)
      expect(await db.tableNames()).toContain("docs")
    } finally {
      db.close()
    }
  })

  it("presigns again before the credentials expire, without a refused request", async () => {
    const refreshed: Array<Date | undefined> = []
    const db = await client.createLanceConnection(server.appId, { onRefresh: (expiresAt) => refreshed.push(expiresAt) })
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() })
    try {
      const table = await db.openTable("docs")
      const presigns = server.db.presignCount()
      const expired = server.db.refused().get("ExpiredToken") ?? 0
      // 56 minutes on: inside the last 5 minutes of the hour the credentials are valid for.
      vi.setSystemTime(Date.now() + 56 * 60_000)
      const rows = await table.query().where("topic = 'dogs'").toArray()
      expect(rows.map((row) => row.id)).toEqual([2])
      expect(server.db.presignCount()).toBe(presigns + 1)
      expect(refreshed).toHaveLength(1)
      expect(refreshed[0]!.getTime()).toBeGreaterThan(Date.now() + 3_000_000)
      expect(server.db.refused().get("ExpiredToken") ?? 0).toBe(expired)
    } finally {
      vi.useRealTimers()
      db.close()
    }
  })
})
