/**
 * `@flow-like/effect/lance`: a real `@lancedb/lancedb` connection to an app's database, opened with
 * credentials from `Db.getDbCredentials` and kept working across their expiry. The credentials
 * expire one hour after issue and LanceDB's Node API has no refresh hook, so the connection presigns
 * again before they expire and reconnects (tables opened through it reopen on their next use); an
 * operation the store refuses as unauthorised refreshes once and runs again. A read connection's
 * writes are refused by the store and are not retried.
 *
 * `@lancedb/lancedb` is an optional peer dependency: without it, `connect` fails with a
 * `ConfigurationError` naming it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FlowLike } from "@flow-like/effect"
 * import * as Lance from "@flow-like/effect/lance"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const db = yield* Lance.connect("app-id", { accessMode: "read" })
 *   const table = yield* Effect.promise(() => db.openTable("documents"))
 *   return yield* Effect.promise(() => table.vectorSearch([0.1, 0.2, 0.3]).limit(10).toArray())
 * }))
 * ```
 *
 * @since 0.4.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Db } from "./Db.ts"
import type { AccessMode, DbCredentials } from "./Db.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { loadLanceDb, openRefreshing } from "./internal/lanceConnection.ts"
import type { Refreshing } from "./internal/lanceConnection.ts"
import type { Connection } from "./internal/lanceTypes.ts"

export type { Connection, Table } from "./internal/lanceTypes.ts"

/** Options of `connect` and `open`. */
export interface ConnectOptions {
  /** `read` (default) or `write`. */
  readonly accessMode?: AccessMode | undefined
  /** Called after each credential refresh, with the new expiry. */
  readonly onRefresh?: ((expiresAt: Date | undefined) => void) | undefined
}

/** A refreshing connection from the Promise world: the connection, and how to end it. */
export interface OpenConnection {
  readonly connection: Connection
  /** Presigns again and reconnects now. */
  refresh(): Promise<void>
  close(): void
}

/** How long to wait before trying a failed background refresh again. */
const RETRY_REFRESH = Duration.seconds(5)

const connectFailure = (operation: string) => (cause: unknown): FlowLikeError.FlowLikeError =>
  FlowLikeError.isFlowLikeError(cause) ? cause : FlowLikeError.make(
    new FlowLikeError.NetworkError({
      message: `${operation}: LanceDB could not open the database: ${cause instanceof Error ? cause.message : String(cause)}`,
      operation
    })
  )

const openWith = (
  operation: string,
  accessMode: AccessMode,
  presign: () => Promise<DbCredentials>,
  initial: DbCredentials,
  now: () => number,
  onRefresh: ConnectOptions["onRefresh"]
): Promise<Refreshing> =>
  loadLanceDb(operation).then((lancedb) =>
    openRefreshing({
      operation,
      accessMode,
      presign,
      now,
      lancedb,
      onRefresh: onRefresh === undefined ? undefined : (credentials) => onRefresh(credentials.expiresAt)
    }, initial).catch((cause: unknown) => Promise.reject(connectFailure(operation)(cause)))
  )

/**
 * A LanceDB connection to the app's database, closed with the scope. A fiber in the scope presigns
 * again before the credentials expire (on the `Clock`, so `TestClock` drives it), and every
 * operation checks the time too.
 */
export const connect = (
  appId: string,
  options: ConnectOptions = {}
): Effect.Effect<Connection, FlowLikeError.FlowLikeError, Db | Scope.Scope> =>
  Effect.gen(function*() {
    const operation = "Lance.connect"
    const accessMode = options.accessMode ?? "read"
    yield* Effect.tryPromise({ try: () => loadLanceDb(operation), catch: connectFailure(operation) })
    const db = yield* Db
    const context = yield* Effect.context<never>()
    const clock = yield* Effect.clockWith(Effect.succeed)
    const presignEffect = db.getDbCredentials(appId, { accessMode })
    const initial = yield* presignEffect
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          openWith(
            operation,
            accessMode,
            () => Effect.runPromiseWith(context)(presignEffect),
            initial,
            () => clock.currentTimeMillisUnsafe(),
            options.onRefresh
          ),
        catch: connectFailure(operation)
      }),
      (handle) => Effect.sync(() => handle.close())
    )
    const refreshLoop: Effect.Effect<void> = Effect.suspend(() => {
      const due = handle.refreshAt()
      if (due === undefined) return Effect.void
      return Effect.sleep(Duration.millis(Math.max(0, due - clock.currentTimeMillisUnsafe()))).pipe(
        Effect.andThen(Effect.tryPromise(() => handle.refresh())),
        Effect.catch((error) =>
          Effect.logWarning(`${operation}: refreshing the credentials failed, trying again: ${error.message}`).pipe(
            Effect.andThen(Effect.sleep(RETRY_REFRESH))
          )
        ),
        Effect.andThen(refreshLoop)
      )
    })
    yield* Effect.forkScoped(refreshLoop)
    return handle.connection
  })

/**
 * The Promise form (used by `FlowLikeClient.createLanceConnection`): `presign` is called for the
 * first credentials and for every refresh, which happens when an operation finds them due.
 */
export const open = async (
  presign: () => Promise<DbCredentials>,
  options: ConnectOptions & { readonly operation?: string | undefined } = {}
): Promise<OpenConnection> => {
  const operation = options.operation ?? "Lance.open"
  const lancedb = await loadLanceDb(operation)
  const initial = await presign()
  const handle = await openRefreshing({
    operation,
    accessMode: options.accessMode ?? "read",
    presign,
    now: () => Date.now(),
    lancedb,
    onRefresh: options.onRefresh === undefined ? undefined : (credentials) => options.onRefresh?.(credentials.expiresAt)
  }, initial).catch((cause: unknown) => Promise.reject(connectFailure(operation)(cause)))
  return { connection: handle.connection, refresh: handle.refresh, close: handle.close }
}
