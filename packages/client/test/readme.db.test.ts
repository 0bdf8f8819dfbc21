/** The README's "Database and LanceDB" examples, run as written against the dev server, and its dev-server promises. */
import { Effect } from "effect"
import { expect, it } from "vitest"
import { FlowLike } from "@flow-like/effect"
import * as Lance from "@flow-like/effect/lance"
import { FlowLikeClient } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"

it("the Promise and Effect examples of the database section work", async () => {
  const server = await DevServer.start({ seed: "empty" })
  try {
    const appId = server.appId
    await using client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
    await client.addToTable(appId, "docs", [{ id: 1, text: "cats purr", vector: [0.25, 0.5, 0.75] }])
    const tables = await client.listTables(appId)
    const nearest = await client.queryTable(appId, "docs", { vector: [0.25, 0.5, 0.75], filter: "id > 0", limit: 5 })
    const count = await client.countItems(appId, "docs")
    const texts: Array<unknown> = []
    for await (const row of client.iterateRows(appId, "docs")) texts.push(row.text)
    expect([tables, nearest.map((row) => row.text), count, texts]).toEqual([["docs"], ["cats purr"], 1, ["cats purr"]])

    const db = await client.createLanceConnection(appId, { accessMode: "write" })
    const table = await db.openTable("docs")
    const hits = await table.vectorSearch([0.25, 0.5, 0.75]).limit(10).toArray()
    db.close()
    expect(hits.map((row) => row.id)).toEqual([1])

    const program = Effect.scoped(Effect.gen(function*() {
      const db = yield* Lance.connect(appId, { accessMode: "read" })
      const table = yield* Effect.promise(() => db.openTable("docs"))
      return yield* Effect.promise(() => table.query().where("id = 1").toArray())
    }))
    const rows = await Effect.runPromise(program.pipe(Effect.provide(FlowLike.layer({ baseUrl: server.url, pat: server.pat }))))
    expect(rows.map((row) => row.text)).toEqual(["cats purr"])

    // "JavaScript writes 0.0 as 0": the pitfall's cause.
    expect(JSON.stringify([0.5, 0.0])).toBe("[0.5,0]")
  } finally {
    await server.close()
  }
})

it("the credential lifetime is a dev-server option and a seeding call", async () => {
  const server = await DevServer.start({ seed: "empty", dbCredentialLifetimeMillis: 120_000 })
  try {
    await using client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
    const lifetime = async () => (await client.getDbCredentials(server.appId)).expiresAt!.getTime() - Date.now()
    const first = await lifetime()
    expect(first).toBeGreaterThan(100_000)
    expect(first).toBeLessThanOrEqual(120_000)
    server.db.setCredentialLifetime(30_000)
    const second = await lifetime()
    expect(second).toBeGreaterThan(10_000)
    expect(second).toBeLessThanOrEqual(30_000)
    expect(server.db.presignCount()).toBe(2)
  } finally {
    await server.close()
  }
})
