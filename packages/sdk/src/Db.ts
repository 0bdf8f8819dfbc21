/**
 * Db: the app's LanceDB database. Storage credentials for a direct LanceDB connection
 * (`getDbCredentials`, ready for `lancedb.connect`; `connect` in `@flow-like/effect/lance` keeps
 * one open across credential expiry), and the server's table routes: list tables, page through
 * rows, query (filter, SQL, vector, full-text, hybrid), schema, count, add and delete.
 *
 * Table names LanceDB cannot hold (anything outside `[A-Za-z0-9_.-]`) are refused before sending:
 * the real server panics on them and drops the connection.
 *
 * Inserting: the server infers each column's type from the JSON, so a column (or a vector) that
 * mixes whole numbers and fractions, such as `[0.5, 0]`, fails with a 500. Send vectors whose
 * values all have a fractional part, or insert through a LanceDB connection (`@flow-like/effect/lance`).
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as DbApi from "./api/DbApi.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import * as CallOptions from "./CallOptions.ts"
import { FlowLikeHttp, withRetries } from "./FlowLikeHttp.ts"
import type { Request } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { arrowTypeName, redactCredentials, withoutUndefined } from "./internal/dbWire.ts"
import { storageOptionsOf } from "./internal/storageOptions.ts"
import type { StorageOptions } from "./internal/storageOptions.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"

export type { StorageOptions } from "./internal/storageOptions.ts"
/** Arrow's `DataType` as arrow-rs serialises it, as readable text (`FixedSizeList(Float32, 384)`). */
export { arrowTypeName }

/** `read` (the default) or `write`. */
export type AccessMode = "read" | "write"

/** Options of `getDbCredentials` and `getDbCredentialsRaw`. */
export interface CredentialsOptions {
  /** Echoed by the server; it does not restrict the credentials. Default `_default`. */
  readonly tableName?: string | undefined
  /** Default `read`; `write` needs the WriteFiles permission. */
  readonly accessMode?: AccessMode | undefined
}

/** `Aws` credentials in code's shape: the secret key and session token are `Redacted`. */
export type AwsSharedCredentials = Omit<typeof DbApi.AwsSharedCredentials.Type, "secretAccessKey" | "sessionToken"> & {
  readonly secretAccessKey?: Redacted.Redacted<string> | undefined
  readonly sessionToken?: Redacted.Redacted<string> | undefined
}
/** `Azure` credentials in code's shape: SAS tokens and the account key are `Redacted`. */
export type AzureSharedCredentials = Omit<
  typeof DbApi.AzureSharedCredentials.Type,
  "metaSasToken" | "contentSasToken" | "userContentSasToken" | "logsSasToken" | "accountKey"
> & {
  readonly metaSasToken?: Redacted.Redacted<string> | undefined
  readonly contentSasToken?: Redacted.Redacted<string> | undefined
  readonly userContentSasToken?: Redacted.Redacted<string> | undefined
  readonly logsSasToken?: Redacted.Redacted<string> | undefined
  readonly accountKey?: Redacted.Redacted<string> | undefined
}
/** `Gcp` credentials in code's shape: the service-account key and access token are `Redacted`. */
export type GcpSharedCredentials = Omit<typeof DbApi.GcpSharedCredentials.Type, "serviceAccountKey" | "accessToken"> & {
  readonly serviceAccountKey: Redacted.Redacted<string>
  readonly accessToken?: Redacted.Redacted<string> | undefined
}

/** The externally tagged `SharedCredentials` union, as the server sends it (secrets `Redacted`). */
export type SharedCredentials =
  | { readonly Aws: AwsSharedCredentials }
  | { readonly Azure: AzureSharedCredentials }
  | { readonly Gcp: GcpSharedCredentials }

/** The presign answer, decoded. */
export interface DbCredentialsRaw {
  readonly sharedCredentials: SharedCredentials
  /** `apps/{app}/storage/db`. */
  readonly dbPath: string
  readonly tableName: string
  readonly accessMode: string
  /** RFC 3339, when the server knows it. */
  readonly expiration: string | undefined
}

/** What `lancedb.connect(uri, { storageOptions })` needs, and when it stops working. */
export interface DbCredentials {
  /** `s3://{bucket}/{dbPath}`, `az://{container}/{dbPath}` or `gs://{bucket}/{dbPath}`. */
  readonly uri: string
  /** LanceDB's storage options; secret values are hidden from `JSON.stringify` and `inspect`. */
  readonly storageOptions: StorageOptions
  /** When the credentials expire (one hour after issue on the real server), when known. */
  readonly expiresAt: Date | undefined
}

/** A row as JSON: column name to value (vectors are arrays of numbers). */
export type Row = Readonly<Record<string, unknown>>

/** One page of rows. */
export interface PageOptions {
  /** Rows per page, 1 to 250 (the server's default 25, its maximum 250). */
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** A query: `sql` wins; otherwise a vector search, full-text search, both (hybrid), or a filter scan. */
export interface Query extends PageOptions {
  /** A SQL-style filter such as `category = 'news' AND year > 2020`. */
  readonly filter?: string | undefined
  /** DataFusion SQL with the table registered under its own name; `limit`, `offset` and `select` do not apply. */
  readonly sql?: string | undefined
  /** A query vector (the table's vector column is used). */
  readonly vector?: ReadonlyArray<number> | undefined
  /** The vector column to search, default `vector` (sent as `vector_query.column`). */
  readonly vectorColumn?: string | undefined
  /** A full-text search term (the table needs an FTS index). */
  readonly fts?: string | undefined
  /** Rerank a hybrid (vector + fts) search; the server's default is true. */
  readonly rerank?: boolean | undefined
  /** The columns to return. */
  readonly select?: ReadonlyArray<string> | undefined
}

/** One column of a table's schema. */
export interface SchemaField {
  readonly name: string
  /** The Arrow type as text, e.g. `Utf8`, `Int64`, `FixedSizeList(384, Float32)`. */
  readonly type: string
  readonly nullable: boolean
  /** The Arrow type as arrow-rs serialises it (`"Utf8"`, `{"FixedSizeList": [...]}`). */
  readonly dataType: unknown
  readonly metadata: Readonly<Record<string, string>>
}

/** A table's Arrow schema. */
export interface TableSchema {
  readonly fields: ReadonlyArray<SchemaField>
  readonly metadata: Readonly<Record<string, string>>
  /** The schema JSON as sent. */
  readonly raw: unknown
}

/** The app's LanceDB database. */
export class Db extends Context.Service<Db, {
  /** The presign answer, decoded: provider credentials, `dbPath`, `accessMode`, `expiration`. */
  getDbCredentialsRaw(appId: string, options?: CredentialsOptions): Effect.Effect<DbCredentialsRaw, FlowLikeError.FlowLikeError>
  /** `{ uri, storageOptions, expiresAt }` for `lancedb.connect`; an unknown provider fails with `DecodeError`. */
  getDbCredentials(appId: string, options?: CredentialsOptions): Effect.Effect<DbCredentials, FlowLikeError.FlowLikeError>
  /** The app's table names. */
  listTables(appId: string): Effect.Effect<ReadonlyArray<string>, FlowLikeError.FlowLikeError>
  /** One page of a table's rows. */
  listRows(appId: string, table: string, options?: PageOptions): Effect.Effect<ReadonlyArray<Row>, FlowLikeError.FlowLikeError>
  /** Every row of a table, fetched a page (default 250 rows) at a time as the stream is read. */
  iterateRows(appId: string, table: string, options?: { readonly pageSize?: number | undefined }): Stream.Stream<Row, FlowLikeError.FlowLikeError>
  /** Rows matching a query; a query with none of `filter`, `sql`, `vector`, `fts` is the server's 400. */
  queryTable(appId: string, table: string, query: Query): Effect.Effect<ReadonlyArray<Row>, FlowLikeError.FlowLikeError>
  /** The table's Arrow schema. */
  getTableSchema(appId: string, table: string): Effect.Effect<TableSchema, FlowLikeError.FlowLikeError>
  /** The number of rows. */
  countItems(appId: string, table: string): Effect.Effect<number, FlowLikeError.FlowLikeError>
  /**
   * Appends rows (creating the table on first use). Column types are inferred from the JSON: a
   * column or vector mixing whole numbers and fractions (`[0.5, 0]`) fails with the server's 500.
   */
  addToTable(appId: string, table: string, items: ReadonlyArray<Row>): Effect.Effect<void, FlowLikeError.FlowLikeError>
  /** Deletes the rows matching a SQL-style filter such as `id = 3`. */
  deleteFromTable(appId: string, table: string, filter: string): Effect.Effect<void, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Db") {
  /** `Db` over the configured transport. */
  static readonly layer: Layer.Layer<Db, never, FlowLikeHttp> = Layer.effect(
    Db,
    Effect.map(FlowLikeHttp, (http) => Db.of(make(http)))
  )
}

const endpoints = DbApi.DbApi.endpoints
const MAX_PAGE = 250
const TABLE_NAME = /^[A-Za-z0-9_.-]+$/

const invalid = (operation: string, message: string) => FlowLikeError.invalidArgument(`${operation}: ${message}`, operation)

/** Refuses a table name LanceDB cannot hold (the real server panics on it and drops the connection). */
export const checkTableName = (operation: string, table: unknown): Effect.Effect<void, FlowLikeError.FlowLikeError> =>
  typeof table === "string" && TABLE_NAME.test(table)
    ? Effect.void
    : Effect.fail(invalid(
      operation,
      `the table name ${JSON.stringify(table)} cannot be used: LanceDB table names may only contain letters, digits, "_", "." and "-"`
    ))

const checkCount = (operation: string, name: string, value: unknown, minimum: number, maximum: number) =>
  value === undefined || (Number.isInteger(value) && (value as number) >= minimum && (value as number) <= maximum)
    ? Effect.void
    : Effect.fail(invalid(operation, `${name} must be a whole number from ${minimum} to ${maximum}`))

const checkAccessMode = (operation: string, mode: unknown) =>
  mode === undefined || mode === "read" || mode === "write"
    ? Effect.void
    : Effect.fail(invalid(operation, `accessMode must be "read" or "write", not ${JSON.stringify(mode)}`))

const decodePresign = Schema.decodeUnknownEffect(DbApi.PresignDbAccessResponse)

/**
 * Answers that retrying cannot change: an unknown table ("Table not initialized") and SQL errors.
 * The server sends them as 500s, which the transport would otherwise retry.
 */
const isPermanent = (error: FlowLikeError.FlowLikeError): boolean =>
  error.reason._tag === "ServerError" &&
  (error.reason.code === "DATAFUSION_ERROR" || error.reason.message.includes("Table not initialized"))

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Db["Service"] => {
  /** `http.json`, retried like the transport does, except for the table routes' permanent 500s. */
  const retried = <A>(request: Request, send: (request: Request) => Effect.Effect<A, FlowLikeError.FlowLikeError>) =>
    Effect.gen(function*() {
      const once = send({ ...request, isRetriedByCaller: true }).pipe(
        Effect.map((value) => ({ ok: true as const, value })),
        Effect.catchIf(isPermanent, (error) => Effect.succeed({ ok: false as const, error }))
      )
      const isIdempotent = request.isIdempotent ?? request.method === "GET"
      const call = yield* Effect.service(CallOptions.CallOptions)
      const outcome = isIdempotent
        ? yield* withRetries(once, {
          maxRetries: call.maxRetries ?? http.config.maxRetries,
          maxDelay: http.config.maxRetryDelay,
          maxTime: http.config.maxRetryTime
        })
        : yield* once
      return outcome.ok ? outcome.value : yield* outcome.error
    })
  const json = <S extends Schema.Top & { readonly DecodingServices: never }>(request: Request, schema: S) =>
    retried(request, (sent) => http.json(sent, schema))

  const getDbCredentialsRaw = (appId: string, options: CredentialsOptions = {}) =>
    withSpan("Db.getDbCredentialsRaw")(presign("Db.getDbCredentialsRaw", appId, options))

  const presign = (operation: string, appId: string, options: CredentialsOptions) =>
    Effect.gen(function*() {
      yield* checkAccessMode(operation, options.accessMode)
      const tableName = options.tableName ?? "_default"
      if (typeof tableName !== "string" || tableName === "") {
        return yield* invalid(operation, "tableName must be a non-empty string")
      }
      const request = yield* Endpoint.request(endpoints.presignDb, {
        params: { appId },
        payload: { tableName, accessMode: options.accessMode ?? "read" }
      }, { operation, isIdempotent: true })
      // Decoded here rather than by the transport, so that a failure never quotes the secrets in the body.
      const raw = yield* http.json(request, Schema.Unknown)
      const providers = Predicate.isObject(raw) && Predicate.isObject(Reflect.get(raw, "shared_credentials"))
        ? Object.keys(Reflect.get(raw, "shared_credentials") as object)
        : []
      const value = yield* decodePresign(raw).pipe(Effect.mapError(() =>
        FlowLikeError.make(
          new FlowLikeError.DecodeError({
            message: providers.length === 1 && !["Aws", "Azure", "Gcp"].includes(providers[0]!)
              ? `${operation}: unsupported storage provider "${providers[0]}" (expected Aws, Azure or Gcp)`
              : `${operation}: the presign answer does not have the expected shape (shared_credentials with one of Aws, Azure, Gcp; db_path; table_name; access_mode)`,
            operation
          })
        )
      ))
      const result: DbCredentialsRaw = {
        sharedCredentials: redactCredentials(value.sharedCredentials),
        dbPath: value.dbPath,
        tableName: value.tableName,
        accessMode: value.accessMode,
        expiration: value.expiration
      }
      return result
    })

  const getDbCredentials = (appId: string, options: CredentialsOptions = {}) =>
    withSpan("Db.getDbCredentials")(Effect.flatMap(
      presign("Db.getDbCredentials", appId, options),
      (raw) => storageOptionsOf("Db.getDbCredentials", raw)
    ))

  const tableCall = <A>(operation: string, table: string, body: Effect.Effect<A, FlowLikeError.FlowLikeError>) =>
    withSpan(operation)(Effect.andThen(checkTableName(operation, table), body))

  const listRows = (appId: string, table: string, options: PageOptions = {}) =>
    tableCall("Db.listRows", table, Effect.gen(function*() {
      yield* checkCount("Db.listRows", "limit", options.limit, 1, MAX_PAGE)
      yield* checkCount("Db.listRows", "offset", options.offset, 0, Number.MAX_SAFE_INTEGER)
      const request = yield* Endpoint.request(endpoints.listRows, {
        params: { appId, table },
        query: withoutUndefined({ limit: options.limit, offset: options.offset })
      }, { operation: "Db.listRows" })
      return yield* json(request, Endpoint.success(endpoints.listRows))
    }))

  return Db.of({
    getDbCredentialsRaw,
    getDbCredentials,
    listTables: (appId) =>
      withSpan("Db.listTables")(Effect.gen(function*() {
        const request = yield* Endpoint.request(endpoints.listTables, { params: { appId } }, { operation: "Db.listTables" })
        return yield* json(request, Endpoint.success(endpoints.listTables))
      })),
    listRows,
    iterateRows: (appId, table, options = {}) => {
      const pageSize = options.pageSize ?? MAX_PAGE
      return withStreamSpan("Db.iterateRows")(Stream.unwrap(Effect.as(
        Effect.andThen(checkTableName("Db.iterateRows", table), checkCount("Db.iterateRows", "pageSize", pageSize, 1, MAX_PAGE)),
        Stream.paginate(0, (offset: number) =>
          Effect.map(
            listRows(appId, table, { limit: pageSize, offset }),
            (rows) => [rows, rows.length < pageSize ? Option.none() : Option.some(offset + rows.length)] as const
          ))
      )))
    },
    queryTable: (appId, table, query) =>
      tableCall("Db.queryTable", table, Effect.gen(function*() {
        const operation = "Db.queryTable"
        if (typeof query !== "object" || query === null) return yield* invalid(operation, "the query must be an object")
        yield* checkCount(operation, "limit", query.limit, 1, MAX_PAGE)
        yield* checkCount(operation, "offset", query.offset, 0, Number.MAX_SAFE_INTEGER)
        if (query.vector !== undefined && (!Array.isArray(query.vector) || !query.vector.every(Number.isFinite))) {
          return yield* invalid(operation, "vector must be an array of finite numbers")
        }
        const request = yield* Endpoint.request(endpoints.queryTable, {
          params: { appId, table },
          query: withoutUndefined({ limit: query.limit, offset: query.offset }),
          payload: {
            sql: query.sql,
            vectorQuery: query.vector === undefined ? undefined : { column: query.vectorColumn ?? "vector", vector: query.vector },
            filter: query.filter,
            ftsTerm: query.fts,
            rerank: query.rerank,
            select: query.select
          }
        }, { operation, isIdempotent: true })
        return yield* json(request, Endpoint.success(endpoints.queryTable))
      })),
    getTableSchema: (appId, table) =>
      tableCall("Db.getTableSchema", table, Effect.gen(function*() {
        const request = yield* Endpoint.request(endpoints.getTableSchema, { params: { appId, table } }, {
          operation: "Db.getTableSchema"
        })
        const { raw, value } = yield* retried(request, (sent) => http.jsonWithRaw(sent, Endpoint.success(endpoints.getTableSchema)))
        const schema: TableSchema = {
          fields: value.fields.map((field) => ({
            name: field.name,
            type: arrowTypeName(field.dataType),
            nullable: field.nullable,
            dataType: field.dataType,
            metadata: field.metadata ?? {}
          })),
          metadata: value.metadata ?? {},
          raw
        }
        return schema
      })),
    countItems: (appId, table) =>
      tableCall("Db.countItems", table, Effect.gen(function*() {
        const request = yield* Endpoint.request(endpoints.countItems, { params: { appId, table } }, { operation: "Db.countItems" })
        return yield* json(request, Endpoint.success(endpoints.countItems))
      })),
    addToTable: (appId, table, items) =>
      tableCall("Db.addToTable", table, Effect.gen(function*() {
        const operation = "Db.addToTable"
        if (!Array.isArray(items) || items.length === 0 || !items.every((item) => Predicate.isObject(item) && !Array.isArray(item))) {
          return yield* invalid(operation, "items must be a non-empty array of row objects")
        }
        const request = yield* Endpoint.request(endpoints.addToTable, { params: { appId, table }, payload: { items } }, {
          operation,
          isIdempotent: false
        })
        yield* json(request, Endpoint.success(endpoints.addToTable))
      })),
    deleteFromTable: (appId, table, filter) =>
      tableCall("Db.deleteFromTable", table, Effect.gen(function*() {
        const operation = "Db.deleteFromTable"
        if (typeof filter !== "string" || filter.trim() === "") {
          return yield* invalid(operation, "filter must be a non-empty SQL-style expression such as \"id = 3\"")
        }
        const request = yield* Endpoint.request(endpoints.deleteFromTable, { params: { appId, table }, payload: { query: filter } }, {
          operation,
          isIdempotent: true
        })
        yield* json(request, Endpoint.success(endpoints.deleteFromTable))
      }))
  })
}
