/**
 * `@flow-like/effect/lance` end to end: a scoped LanceDB connection over `s3://` to the dev server's
 * store, refreshed by a fiber in its scope on the `Clock` (driven here by `TestClock`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { DevServer, DevServerService } from "@flow-like/testing"
import { FlowLike } from "../src/index.ts"
import * as Lance from "../src/lance.ts"

const e2e = Layer.unwrap(Effect.map(DevServerService, (server) => FlowLike.layer({ baseUrl: server.url, pat: server.pat, maxRetries: 0 })))
  .pipe(Layer.provideMerge(DevServer.layer({ seed: "empty" })))

const rows = [
  { id: 1.5, text: "alpha", vector: [0.25, 0.5, 0.75] },
  { id: 2.5, text: "beta", vector: [0.75, 0.5, 0.25] }
]

describe("Lance.connect", () => {
  it.effect("opens the REST tables over s3:// and refreshes its credentials in its scope before they expire", () =>
    Effect.gen(function*() {
      const server = yield* DevServerService
      yield* Effect.promise(() => server.db.addRows("docs", rows))
      const refreshed = yield* Deferred.make<Date | undefined>()
      yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* Lance.connect(server.appId, { onRefresh: (expiresAt) => Deferred.doneUnsafe(refreshed, Effect.succeed(expiresAt)) })
        const table = yield* Effect.promise(() => db.openTable("docs"))
        const nearest = yield* Effect.promise(() => table.vectorSearch([0.75, 0.5, 0.25]).limit(1).toArray())
        assert.deepStrictEqual(nearest.map((row) => row.text), ["beta"])
        const presigns = server.db.presignCount()
        // The credentials are valid for an hour; the scope's fiber presigns 5 minutes before.
        yield* TestClock.adjust("54 minutes")
        assert.strictEqual(server.db.presignCount(), presigns)
        yield* TestClock.adjust("1 minute")
        const expiresAt = yield* Deferred.await(refreshed)
        assert.strictEqual(server.db.presignCount(), presigns + 1)
        assert.ok(expiresAt !== undefined && expiresAt.getTime() > Date.now() + 3_000_000)
        const filtered = yield* Effect.promise(() => table.query().where("text = 'alpha'").toArray())
        assert.deepStrictEqual(filtered.map((row) => row.id), [1.5])
      }))
    }).pipe(Effect.provide(e2e)), { timeout: 60_000 })

  it.effect("a read connection cannot write, and the refusal is not retried", () =>
    Effect.gen(function*() {
      const server = yield* DevServerService
      yield* Effect.promise(() => server.db.addRows("docs", rows))
      yield* Effect.scoped(Effect.gen(function*() {
        const db = yield* Lance.connect(server.appId, { accessMode: "read" })
        const table = yield* Effect.promise(() => db.openTable("docs"))
        const presigns = server.db.presignCount()
        const refused = yield* Effect.promise(() => table.add([{ id: 3.5, text: "gamma", vector: [0.5, 0.5, 0.5] }]).then(() => undefined, (error: unknown) => error))
        assert.instanceOf(refused, Error)
        assert.strictEqual(server.db.presignCount(), presigns)
        assert.strictEqual(server.db.refused().get("AccessDenied"), 1)
      }))
    }).pipe(Effect.provide(e2e)), { timeout: 60_000 })

  it.effect("with a lifetime under 20 minutes, refreshes when a quarter of it is left", () =>
    Effect.gen(function*() {
      const server = yield* DevServerService
      yield* Effect.promise(() => server.db.addRows("docs", rows))
      server.db.setCredentialLifetime(400_000)
      const refreshed = yield* Deferred.make<void>()
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Lance.connect(server.appId, { onRefresh: () => Deferred.doneUnsafe(refreshed, Effect.void) })
        const presigns = server.db.presignCount()
        // 400 s of lifetime: refreshed 100 s before expiry, at about 300 s (less what the presign took).
        yield* TestClock.adjust("280 seconds")
        assert.strictEqual(server.db.presignCount(), presigns)
        yield* TestClock.adjust("20 seconds")
        yield* Deferred.await(refreshed)
        assert.strictEqual(server.db.presignCount(), presigns + 1)
      }))
    }).pipe(Effect.provide(e2e)), { timeout: 60_000 })
})
