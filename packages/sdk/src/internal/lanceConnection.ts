/**
 * A LanceDB connection that outlives its credentials. `@lancedb/lancedb` (0.39) has no
 * credential-refresh hook in Node, so the connection (and every table and query built through it)
 * is a thin proxy over the current real one: before the credentials' refresh time it presigns
 * again and reconnects (tables reopen on their next use), and an operation that fails as the
 * store refuses expired credentials refreshes once and runs again.
 */
import type { DbCredentials } from "../Db.ts"
import * as FlowLikeError from "../FlowLikeError.ts"

type Lance = typeof import("@lancedb/lancedb")
type Connection = import("@lancedb/lancedb").Connection
type Table = import("@lancedb/lancedb").Table
type AnyFunction = (...args: Array<unknown>) => unknown

const PEER = "@lancedb/lancedb"

/** Loads LanceDB, or fails with a `ConfigurationError` naming the optional peer dependency to install. */
export const loadLanceDb = async (
  operation: string,
  importer: () => Promise<unknown> = () => import(PEER)
): Promise<Lance> => {
  try {
    return await importer() as Lance
  } catch (cause) {
    const code = (cause as { code?: unknown } | undefined)?.code
    const missing = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND"
    throw FlowLikeError.make(
      new FlowLikeError.ConfigurationError({
        message: missing
          ? `${operation} needs the optional peer dependency ${PEER}: install it with \`npm install ${PEER}@^0.39 apache-arrow@18.1.0\``
          : `${operation}: ${PEER} could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`,
        operation
      })
    )
  }
}

/** How the store says no to credentials: S3's 403 (expired, unknown key), or the "expired token" codes. */
const AUTH_FAILURE = /\b403\b|Forbidden|ExpiredToken|InvalidAccessKeyId|InvalidToken|token has expired|lacked the necessary privileges|AuthenticationFailed|\b401\b/i

/** Table and query operations that write: a read connection's write is refused for good, not refreshed. */
const WRITES = new Set([
  "add", "update", "delete", "mergeInsert", "createIndex", "dropIndex", "optimize", "addColumns", "alterColumns",
  "dropColumns", "checkout", "restore", "createTable", "createEmptyTable", "dropTable", "dropAllTables", "renameTable"
])

/** Query-builder methods that run the query (everything else only configures it). */
const TERMINALS = new Set(["toArray", "toArrow", "execute", "explainPlan", "analyzePlan", "outputSchema"])

/** Table methods that build queries synchronously. */
const BUILDERS = new Set(["query", "search", "vectorSearch", "mergeInsert", "takeOffsets", "takeRowIds"])

/** Table members answered by the current table without any I/O. */
const LOCAL = new Set(["name", "isOpen", "display", "toString"])

/** What a refreshing connection needs. */
export interface RefreshingOptions {
  readonly operation: string
  readonly accessMode: "read" | "write"
  /** Presigns again: fresh `{ uri, storageOptions, expiresAt }`. */
  readonly presign: () => Promise<DbCredentials>
  /** The current time in milliseconds (the Effect version passes its `Clock`). */
  readonly now: () => number
  readonly lancedb: Lance
  /** Called after every successful refresh (for logs and tests). */
  readonly onRefresh?: ((credentials: DbCredentials) => void) | undefined
}

/** The handle the Effect and Promise versions share. */
export interface Refreshing {
  readonly connection: Connection
  /** Presigns again and reconnects now; concurrent callers share one refresh. */
  refresh(): Promise<void>
  /** When the next refresh is due (epoch millis), or `undefined` when the credentials have no expiry. */
  refreshAt(): number | undefined
  close(): void
}

/** Refresh this long before expiry: a quarter of the lifetime, at most 5 minutes. */
const refreshMargin = (lifetimeMillis: number) => Math.min(300_000, Math.max(0, lifetimeMillis) / 4)

/** Opens a refreshing connection (the first presign already done: `initial`). */
export const openRefreshing = async (options: RefreshingOptions, initial: DbCredentials): Promise<Refreshing> => {
  const connect = (credentials: DbCredentials) =>
    options.lancedb.connect(credentials.uri, { storageOptions: { ...credentials.storageOptions } })

  let current = await connect(initial)
  let generation = 0
  let closed = false
  let refreshDue: number | undefined
  /**
   * The expiry is a wall-clock time; how long is left is measured once on the wall clock, and the
   * refresh scheduled that far ahead on `options.now` (the Effect `Clock`, which a test may drive).
   */
  const schedule = (credentials: DbCredentials) => {
    if (credentials.expiresAt === undefined) {
      refreshDue = undefined
      return
    }
    const remaining = credentials.expiresAt.getTime() - Date.now()
    refreshDue = options.now() + remaining - refreshMargin(remaining)
  }
  schedule(initial)

  let pending: Promise<void> | undefined
  const refresh = (): Promise<void> =>
    (pending ??= (async () => {
      try {
        const credentials = await options.presign()
        const next = await connect(credentials)
        // The previous connection is left to the garbage collector, not closed: queries already
        // built on its tables may still be running.
        current = next
        generation++
        schedule(credentials)
        options.onRefresh?.(credentials)
      } finally {
        pending = undefined
      }
    })())

  const ensureFresh = async () => {
    if (closed) return
    if (refreshDue !== undefined && options.now() >= refreshDue) await refresh()
  }

  const retryable = (error: unknown, method: string) =>
    !closed && AUTH_FAILURE.test(error instanceof Error ? error.message : String(error)) &&
    !(options.accessMode === "read" && WRITES.has(method))

  /** Runs `run` on fresh credentials; once more after a refresh if the store refused them. */
  const withRefresh = async <A>(method: string, run: () => Promise<A>): Promise<A> => {
    await ensureFresh()
    try {
      return await run()
    } catch (error) {
      if (!retryable(error, method)) throw error
      await refresh()
      return run()
    }
  }

  /** A table that reopens itself on the current connection after a refresh. */
  const tableProxy = (initialTable: Table, reopen: (connection: Connection) => Promise<Table>): Table => {
    let table = initialTable
    let tableGeneration = generation
    const fresh = async () => {
      if (tableGeneration !== generation) {
        table = await reopen(current)
        tableGeneration = generation
      }
      return table
    }
    return new Proxy(initialTable, {
      get: (_target, key) => {
        const value: unknown = Reflect.get(table, key)
        if (typeof key !== "string" || typeof value !== "function" || LOCAL.has(key)) {
          return typeof value === "function" ? (value as AnyFunction).bind(table) : value
        }
        if (key === "close") return () => table.close()
        if (BUILDERS.has(key)) {
          return (...args: Array<unknown>) =>
            queryProxy(key, [{ method: key, args }], (table[key as keyof Table] as AnyFunction).apply(table, args), fresh)
        }
        return (...args: Array<unknown>) =>
          withRefresh(key, async () => {
            const target = await fresh()
            return (target[key as keyof Table] as AnyFunction).apply(target, args)
          })
      }
    })
  }

  /** A query builder that records its calls, so that it can be rebuilt on a reopened table and run again. */
  const queryProxy = (
    root: string,
    chain: ReadonlyArray<{ readonly method: string; readonly args: ReadonlyArray<unknown> }>,
    built: unknown,
    fresh: () => Promise<Table>
  ): any => {
    const rebuild = async () => {
      let value: any = await fresh()
      for (const { args, method } of chain) value = value[method](...args)
      return value
    }
    return new Proxy(built as object, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key)
        if (typeof key !== "string" || typeof value !== "function") return value
        if (TERMINALS.has(key)) {
          return (...args: Array<unknown>) =>
            withRefresh(root === "mergeInsert" ? "mergeInsert" : key, async () => (await rebuild())[key](...args))
        }
        return (...args: Array<unknown>) => {
          const result = (value as AnyFunction).apply(target, args)
          const next = [...chain, { method: key, args }]
          return result !== null && typeof result === "object" ? queryProxy(root, next, result, fresh) : result
        }
      }
    })
  }

  const connection = new Proxy(current, {
    get: (_target, key) => {
      const value: unknown = Reflect.get(current, key)
      if (typeof key !== "string" || typeof value !== "function" || LOCAL.has(key)) {
        return typeof value === "function" ? (value as AnyFunction).bind(current) : value
      }
      if (key === "close") {
        return () => {
          closed = true
          current.close()
        }
      }
      if (key === "openTable" || key === "createTable" || key === "createEmptyTable") {
        return (...args: Array<unknown>) =>
          withRefresh(key, async () => {
            const table = await (current[key] as AnyFunction).apply(current, args) as Table
            const name = table.name
            const namespace = key === "openTable" ? args[1] : undefined
            return tableProxy(table, (connection) => connection.openTable(name, namespace as never))
          })
      }
      return (...args: Array<unknown>) => withRefresh(key, async () => (current[key as keyof Connection] as AnyFunction).apply(current, args))
    }
  }) as Connection

  return {
    connection,
    refresh,
    refreshAt: () => refreshDue,
    close: () => {
      if (closed) return
      closed = true
      current.close()
    }
  }
}
