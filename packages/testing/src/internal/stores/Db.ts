/**
 * The dev server's database: real LanceDB on a real S3-compatible store (fauxqs, bound to
 * 127.0.0.1), started lazily on first use and stopped with the server. The table routes use a
 * master key straight on fauxqs; `db/presign` issues per-app keys that work only through the
 * checking front (`S3Front.ts`), which refuses expired keys and writes with read keys.
 */
import { randomBytes } from "node:crypto"
import { Server as NetServer } from "node:net"
import { ApiError, badRequest } from "../ApiError.ts"
import { type IssuedKey, type S3Front, startS3Front } from "../S3Front.ts"

type LanceDb = typeof import("@lancedb/lancedb")
type Connection = import("@lancedb/lancedb").Connection
type Table = import("@lancedb/lancedb").Table

/** The bucket the store keeps every app's database in. */
export const CONTENT_BUCKET = "flow-like-content"
const REGION = "us-east-1"
const MASTER_KEY = "FLDEVMASTERKEY"
const MASTER_SECRET = "dev-master-secret"
const DEFAULT_LIFETIME_MILLIS = 3_600_000
const MINIMUM_NODE = [22, 5] as const

/** What `db/presign` hands out. */
export interface IssuedCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string
  readonly expiresAt: Date
  readonly endpoint: string
  readonly bucket: string
  readonly region: string
}

/** The body of a query, in code's shape. */
export interface QueryInput {
  readonly sql?: string | undefined
  readonly vectorQuery?: { readonly column?: string | undefined; readonly vector: ReadonlyArray<number> } | undefined
  readonly filter?: string | undefined
  readonly ftsTerm?: string | undefined
  readonly rerank?: boolean | undefined
  readonly select?: ReadonlyArray<string> | undefined
}

type Row = Record<string, unknown>

/** The database store. */
export interface DbStore {
  presign(appId: string, mode: "read" | "write"): Promise<IssuedCredentials>
  listTables(appId: string): Promise<ReadonlyArray<string>>
  rows(appId: string, table: string, limit: number, offset: number): Promise<ReadonlyArray<Row>>
  add(appId: string, table: string, items: ReadonlyArray<Row>): Promise<void>
  remove(appId: string, table: string, filter: string): Promise<void>
  query(appId: string, table: string, input: QueryInput, limit: number, offset: number): Promise<ReadonlyArray<Row>>
  schema(appId: string, table: string): Promise<unknown>
  count(appId: string, table: string): Promise<number>
  /** Credential lifetime for later presigns. */
  setCredentialLifetime(millis: number): void
  /** Makes every key issued so far expired now. */
  expireCredentials(): void
  /** How many presigns were answered. */
  readonly presigned: () => number
  /** Requests the front refused, by S3 error code. */
  readonly refused: () => ReadonlyMap<string, number>
  close(): Promise<void>
}

/** A failure of a table route, as the real server answers it (500 with a code). */
const storageError = (message: string, code = "INTERNAL_ERROR") => new ApiError({ status: 500, code, message })

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error"

/** Values as the server's `record_batches_to_vec` gives them: plain JSON (bigints as numbers, vectors as arrays). */
const toJson = (row: unknown): Row =>
  JSON.parse(JSON.stringify(row, (_key, value: unknown) => {
    if (typeof value === "bigint") return Number(value)
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>)
    return value
  })) as Row

/** Arrow JS's `DataType` as arrow-rs serialises `DataType` with serde (nested fields in the wire's snake_case). */
const rustType = (type: { readonly typeId: number; toString(): string } & Record<string, any>): unknown => {
  const name = String(type.constructor?.name ?? "")
  const text = type.toString()
  if (text.startsWith("FixedSizeList")) return { FixedSizeList: [rustField(type.children[0]), type.listSize] }
  if (text.startsWith("List")) return { List: rustField(type.children[0]) }
  if (text.startsWith("Struct")) return { Struct: type.children.map(rustField) }
  const simple: Record<string, string> = {
    Utf8: "Utf8", LargeUtf8: "LargeUtf8", Bool: "Boolean", Float64: "Float64", Float32: "Float32", Float16: "Float16",
    Int64: "Int64", Int32: "Int32", Int16: "Int16", Int8: "Int8", Uint64: "UInt64", Uint32: "UInt32", Null: "Null",
    Binary: "Binary", LargeBinary: "LargeBinary"
  }
  return simple[name] ?? simple[text] ?? text
}

/** A field in code's shape, for the declared `ArrowField` (the router encodes it to snake_case). */
const schemaField = (field: { name: string; type: any; nullable: boolean; metadata: Map<string, string> }) => ({
  name: field.name,
  dataType: rustType(field.type),
  nullable: field.nullable,
  dictId: 0,
  dictIsOrdered: false,
  metadata: Object.fromEntries(field.metadata ?? new Map())
})

const rustField = (field: { name: string; type: any; nullable: boolean; metadata: Map<string, string> }): unknown => ({
  name: field.name,
  data_type: rustType(field.type),
  nullable: field.nullable,
  dict_id: 0,
  dict_is_ordered: false,
  metadata: Object.fromEntries(field.metadata ?? new Map())
})

/**
 * The server infers column types from the JSON: a column (or a vector) with both whole numbers and
 * fractions fails. JSON has no `0.0` from JavaScript, so `[0.5, 0]` is such a mix.
 */
const mixedNumberColumn = (items: ReadonlyArray<Row>): string | undefined => {
  const kinds = new Map<string, Set<"whole" | "fraction">>()
  const note = (column: string, value: unknown) => {
    const values = Array.isArray(value) ? value : [value]
    for (const v of values) {
      if (typeof v !== "number") continue
      const set = kinds.get(column) ?? new Set()
      set.add(Number.isInteger(v) ? "whole" : "fraction")
      kinds.set(column, set)
    }
  }
  for (const item of items) for (const [column, value] of Object.entries(item)) note(column, value)
  for (const [column, set] of kinds) if (set.size > 1) return column
  return undefined
}

/** A tiny subset of DataFusion SQL: `SELECT <columns|*|COUNT(*)> FROM <table> [WHERE <expr>] [LIMIT n]`. */
const SQL = /^\s*select\s+(.+?)\s+from\s+("?)([A-Za-z0-9_.-]+)\2(?:\s+where\s+(.+?))?(?:\s+limit\s+(\d+))?\s*;?\s*$/is

/**
 * Runs `start` with servers told to listen on all interfaces sent to 127.0.0.1 instead. The
 * workspace patches fauxqs to bind 127.0.0.1 (`patches/`), but a patch does not travel with the
 * published package: this keeps an installed `@flow-like/testing` on loopback too.
 */
export const onLoopback = async <A>(start: () => Promise<A>): Promise<A> => {
  const listen = NetServer.prototype.listen
  const loopback = (host: unknown) => host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host
  NetServer.prototype.listen = function(this: NetServer, ...args: Array<any>) {
    if (args[0] !== null && typeof args[0] === "object" && "host" in args[0]) args[0] = { ...args[0], host: loopback(args[0].host) }
    else if (typeof args[1] === "string") args[1] = loopback(args[1])
    return listen.apply(this, args as never)
  } as typeof listen
  try {
    return await start()
  } finally {
    NetServer.prototype.listen = listen
  }
}

const nodeIsRecentEnough = (version: string) => {
  const [major = 0, minor = 0] = version.split(".").map(Number)
  return major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1])
}

/** An empty database store; nothing starts until the first use. */
export const makeDbStore = (options: {
  readonly lifetimeMillis?: number | undefined
  /** The Node version to judge (tests); default the running one. */
  readonly nodeVersion?: string | undefined
} = {}): DbStore => {
  const nodeVersion = options.nodeVersion ?? process.versions.node
  let lifetime = options.lifetimeMillis ?? DEFAULT_LIFETIME_MILLIS
  const keys = new Map<string, IssuedKey>()
  let presigned = 0
  let started: Promise<{ lancedb: LanceDb; stop: () => Promise<void>; fauxqsEndpoint: string; front: S3Front }> | undefined
  const connections = new Map<string, Promise<Connection>>()
  let closed = false
  let runningFront: S3Front | undefined

  const start = () =>
    (started ??= (async () => {
      if (!nodeIsRecentEnough(nodeVersion)) {
        throw storageError(
          `The dev server's database needs Node >= ${MINIMUM_NODE.join(".")} (its object store, fauxqs, does); this is Node ${nodeVersion}`,
          "INTERNAL_ERROR"
        )
      }
      process.env.LANCEDB_LOG ??= "error"
      const [{ startFauxqs }, lancedb] = await Promise.all([import("fauxqs"), import("@lancedb/lancedb")])
      const fauxqs = await onLoopback(() => startFauxqs({ port: 0, logger: false }))
      if (!fauxqs.address.includes("127.0.0.1")) {
        await fauxqs.stop()
        throw new Error(`its object store listened on ${fauxqs.address}, not on loopback`)
      }
      fauxqs.createBucket(CONTENT_BUCKET)
      const front = await startS3Front({
        target: { host: "127.0.0.1", port: fauxqs.port },
        bucket: CONTENT_BUCKET,
        keys,
        masterKey: MASTER_KEY,
        now: Date.now
      })
      runningFront = front
      return {
        lancedb,
        front,
        fauxqsEndpoint: `http://127.0.0.1:${fauxqs.port}`,
        stop: async () => {
          await front.close()
          await fauxqs.stop()
        }
      }
    })().catch((error: unknown) => {
      started = undefined
      throw error instanceof ApiError ? error : storageError(`The dev server's database could not start: ${messageOf(error)}`)
    }))

  const connection = (appId: string) => {
    let found = connections.get(appId)
    if (found === undefined) {
      found = start().then(({ fauxqsEndpoint, lancedb }) =>
        lancedb.connect(`s3://${CONTENT_BUCKET}/apps/${appId}/storage/db`, {
          storageOptions: {
            aws_access_key_id: MASTER_KEY,
            aws_secret_access_key: MASTER_SECRET,
            aws_region: REGION,
            aws_endpoint: fauxqsEndpoint,
            allow_http: "true"
          }
        })
      )
      found.catch(() => connections.delete(appId))
      connections.set(appId, found)
    }
    return found
  }

  const hasTable = async (appId: string, table: string) => (await (await connection(appId)).tableNames()).includes(table)

  /** The table, or the real server's 500 "Table not initialized". */
  const open = async (appId: string, table: string): Promise<Table> => {
    const db = await connection(appId)
    if (!(await hasTable(appId, table))) throw storageError("Table not initialized")
    return db.openTable(table)
  }

  /** Runs a LanceDB call; its failures become the server's 500 with LanceDB's message. */
  const guard = async <A>(run: () => Promise<A>, code = "INTERNAL_ERROR"): Promise<A> => {
    try {
      return await run()
    } catch (error) {
      if (error instanceof ApiError) throw error
      throw storageError(messageOf(error), code)
    }
  }

  const rowsOf = async (query: { toArray(): Promise<Array<unknown>> }) => (await query.toArray()).map(toJson)

  return {
    presign: async (appId, mode) => {
      const { front } = await start()
      const accessKeyId = `FLDEV${randomBytes(8).toString("hex").toUpperCase()}`
      const expiresAt = new Date(Date.now() + lifetime)
      keys.set(accessKeyId, { appId, mode, expiresAt: expiresAt.getTime() })
      presigned++
      return {
        accessKeyId,
        secretAccessKey: randomBytes(24).toString("base64url"),
        sessionToken: randomBytes(32).toString("base64url"),
        expiresAt,
        endpoint: front.endpoint,
        bucket: CONTENT_BUCKET,
        region: REGION
      }
    },
    listTables: (appId) => guard(async () => [...await (await connection(appId)).tableNames()], "LANCEDB_ERROR"),
    rows: (appId, table, limit, offset) => guard(async () => rowsOf((await open(appId, table)).query().limit(limit).offset(offset))),
    add: (appId, table, items) =>
      guard(async () => {
        const mixed = mixedNumberColumn(items)
        if (mixed !== undefined) {
          throw storageError(`Json error: column ${mixed} mixes whole numbers and fractions (its type cannot be inferred)`)
        }
        const db = await connection(appId)
        if (await hasTable(appId, table)) await (await db.openTable(table)).add(items as Array<Row>)
        else await db.createTable(table, items as Array<Row>)
      }),
    remove: (appId, table, filter) => guard(async () => void await (await open(appId, table)).delete(filter)),
    query: (appId, table, input, limit, offset) =>
      guard(async () => {
        // The real route matches the parameters before it touches the table.
        if (input.sql === undefined && input.vectorQuery === undefined && input.ftsTerm === undefined && input.filter === undefined) {
          throw badRequest("No valid query parameters provided")
        }
        const handle = await open(appId, table)
        if (input.sql !== undefined) {
          const match = SQL.exec(input.sql)
          if (match === null || match[3] !== table) {
            throw storageError(`SQL error: ParserError("the dev server supports only SELECT <columns> FROM ${table} [WHERE ...] [LIMIT n]")`, "DATAFUSION_ERROR")
          }
          const [, columns = "*", , , where, max] = match
          if (/^count\(\*\)$/i.test(columns.trim())) {
            return [{ "count(*)": await handle.countRows(where) }]
          }
          let query = handle.query()
          if (where !== undefined) query = query.where(where)
          if (columns.trim() !== "*") query = query.select(columns.split(",").map((column) => column.trim()))
          if (max !== undefined) query = query.limit(Number(max))
          return guard(() => rowsOf(query), "DATAFUSION_ERROR")
        }
        const vector = input.vectorQuery?.vector
        let query: any = vector !== undefined ? handle.vectorSearch([...vector]) : handle.query()
        if (vector !== undefined && input.vectorQuery?.column !== undefined) query = query.column(input.vectorQuery.column)
        if (input.ftsTerm !== undefined) query = query.fullTextSearch(input.ftsTerm)
        if (input.filter !== undefined) query = query.where(input.filter)
        if (input.select !== undefined) query = query.select([...input.select])
        return rowsOf(query.limit(limit).offset(offset))
      }),
    schema: (appId, table) =>
      guard(async () => {
        const schema = await (await open(appId, table)).schema()
        return { fields: schema.fields.map(schemaField), metadata: Object.fromEntries(schema.metadata ?? new Map()) }
      }),
    count: (appId, table) => guard(async () => (await open(appId, table)).countRows()),
    setCredentialLifetime: (millis) => {
      if (!(Number.isFinite(millis) && millis > 0)) throw new Error(`The credential lifetime must be a positive number of milliseconds, not ${millis}`)
      lifetime = millis
    },
    expireCredentials: () => {
      const now = Date.now()
      for (const key of keys.values()) key.expiresAt = Math.min(key.expiresAt, now)
    },
    presigned: () => presigned,
    refused: () => new Map(runningFront?.refused ?? []),
    close: async () => {
      if (closed) return
      closed = true
      const running = started
      if (running === undefined) return
      for (const pending of connections.values()) await pending.then((db) => db.close(), () => undefined)
      await running.then(({ stop }) => stop(), () => undefined)
    }
  }
}
