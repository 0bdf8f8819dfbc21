/**
 * The app's LanceDB database (`packages/api/src/routes/app/db/`): scoped storage credentials for
 * a direct LanceDB connection, and table routes the server runs with the app's own credentials on
 * `apps/{app}/storage/db`.
 *
 * - `POST /apps/{app}/db/presign` answers `PresignDbAccessResponse`: `shared_credentials` is the
 *   externally tagged `SharedCredentials` enum (exactly one of the keys `Aws`, `Azure`, `Gcp`);
 *   every provider's credentials expire one hour after issue.
 * - `GET /apps/{app}/db` lists the table names. `GET`/`PUT`/`DELETE /apps/{app}/db/{t}` list rows
 *   (`limit` default 25, at most 250, and `offset` in the query string), add `{items}` and delete
 *   `{query}` (a SQL-style filter); both answer `null`.
 * - `POST /apps/{app}/db/{t}/query` takes `QueryTablePayload` in the body and `limit`/`offset` in
 *   the query string (body keys `limit`/`offset` are ignored). `sql` wins (DataFusion, the table
 *   registered under its own name, limit/offset/select ignored); else vector, full-text, hybrid
 *   (vector + fts, `rerank` default true) or filter scan. No parameter at all is a 400.
 * - `GET …/{t}/schema` answers arrow-rs's `Schema` JSON; `GET …/{t}/count` a bare number.
 * - An unknown table is a 500 `INTERNAL_ERROR` ("Table not initialized"); SQL errors are 500
 *   `DATAFUSION_ERROR`. A table name outside `[A-Za-z0-9_.-]` makes the server panic and drop the
 *   connection: the SDK refuses such names before sending.
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { nullable, U64 } from "../internal/wire.ts"
import { BadRequest, bodyRouteErrors, InternalError } from "./ApiErrors.ts"

/** A bucket's endpoint settings (`BucketConfig`): a custom endpoint (R2, a local store) and S3 Express. */
export const BucketConfig = Schema.Struct({
  endpoint: nullable(Schema.String),
  express: Schema.optional(Schema.Boolean)
}).annotate({ identifier: "BucketConfig" })

const prefixKeys = { contentPathPrefix: "content_path_prefix", userContentPathPrefix: "user_content_path_prefix" } as const

/** `AwsSharedCredentials` (`packages/core/src/credentials/aws_credentials.rs`); R2 is reported as `Aws` too. */
export const AwsSharedCredentials = Schema.Struct({
  accessKeyId: nullable(Schema.String),
  secretAccessKey: nullable(Schema.String),
  sessionToken: nullable(Schema.String),
  metaBucket: Schema.String,
  contentBucket: Schema.String,
  /** Missing from older servers. */
  logsBucket: nullable(Schema.String),
  region: Schema.String,
  /** RFC 3339. */
  expiration: nullable(Schema.String),
  metaConfig: nullable(BucketConfig),
  contentConfig: nullable(BucketConfig),
  logsConfig: nullable(BucketConfig),
  contentPathPrefix: nullable(Schema.String),
  userContentPathPrefix: nullable(Schema.String)
}).pipe(Schema.encodeKeys({
  accessKeyId: "access_key_id",
  secretAccessKey: "secret_access_key",
  sessionToken: "session_token",
  metaBucket: "meta_bucket",
  contentBucket: "content_bucket",
  logsBucket: "logs_bucket",
  metaConfig: "meta_config",
  contentConfig: "content_config",
  logsConfig: "logs_config",
  ...prefixKeys
})).annotate({ identifier: "AwsSharedCredentials" })

/** `AzureSharedCredentials` (`packages/core/src/credentials/azure_credentials.rs`); SAS tokens may start with `?`. */
export const AzureSharedCredentials = Schema.Struct({
  metaContainer: Schema.String,
  contentContainer: Schema.String,
  /** Missing from older servers. */
  logsContainer: nullable(Schema.String),
  accountName: Schema.String,
  metaSasToken: nullable(Schema.String),
  contentSasToken: nullable(Schema.String),
  userContentSasToken: nullable(Schema.String),
  logsSasToken: nullable(Schema.String),
  accountKey: nullable(Schema.String),
  /** RFC 3339. */
  expiration: nullable(Schema.String),
  contentPathPrefix: nullable(Schema.String),
  userContentPathPrefix: nullable(Schema.String)
}).pipe(Schema.encodeKeys({
  metaContainer: "meta_container",
  contentContainer: "content_container",
  logsContainer: "logs_container",
  accountName: "account_name",
  metaSasToken: "meta_sas_token",
  contentSasToken: "content_sas_token",
  userContentSasToken: "user_content_sas_token",
  logsSasToken: "logs_sas_token",
  accountKey: "account_key",
  ...prefixKeys
})).annotate({ identifier: "AzureSharedCredentials" })

/** `GcpSharedCredentials` (`packages/core/src/credentials/gcp_credentials.rs`); `serviceAccountKey` is `""` when scoped. */
export const GcpSharedCredentials = Schema.Struct({
  serviceAccountKey: Schema.String,
  accessToken: nullable(Schema.String),
  metaBucket: Schema.String,
  contentBucket: Schema.String,
  /** Missing from older servers. */
  logsBucket: nullable(Schema.String),
  allowedPrefixes: Schema.Array(Schema.String),
  writeAccess: Schema.Boolean,
  /** RFC 3339. */
  expiration: nullable(Schema.String),
  contentPathPrefix: nullable(Schema.String),
  userContentPathPrefix: nullable(Schema.String)
}).pipe(Schema.encodeKeys({
  serviceAccountKey: "service_account_key",
  accessToken: "access_token",
  metaBucket: "meta_bucket",
  contentBucket: "content_bucket",
  logsBucket: "logs_bucket",
  allowedPrefixes: "allowed_prefixes",
  writeAccess: "write_access",
  ...prefixKeys
})).annotate({ identifier: "GcpSharedCredentials" })

/** `SharedCredentials`, externally tagged: exactly one of `Aws`, `Azure`, `Gcp`. */
export const SharedCredentials = Schema.Union([
  Schema.Struct({ Aws: AwsSharedCredentials }),
  Schema.Struct({ Azure: AzureSharedCredentials }),
  Schema.Struct({ Gcp: GcpSharedCredentials })
]).annotate({ identifier: "SharedCredentials" })

/** `PresignDbAccessResponse` (`db/presign_db_access.rs`). */
export const PresignDbAccessResponse = Schema.Struct({
  sharedCredentials: SharedCredentials,
  /** Always `apps/{app}/storage/db`. */
  dbPath: Schema.String,
  /** Echoed; it does not restrict the credentials. */
  tableName: Schema.String,
  /** `read` or `write`, lowercased. */
  accessMode: Schema.String,
  /** RFC 3339; missing when unknown. */
  expiration: nullable(Schema.String)
}).pipe(Schema.encodeKeys({
  sharedCredentials: "shared_credentials",
  dbPath: "db_path",
  tableName: "table_name",
  accessMode: "access_mode"
})).annotate({ identifier: "PresignDbAccessResponse" })

/** The presign body: `table_name` is required (422 without), `access_mode` `read` (default) or `write`. */
export const PresignDbAccessPayload = Schema.Struct({
  tableName: Schema.String,
  accessMode: Schema.optional(Schema.String)
}).pipe(Schema.encodeKeys({ tableName: "table_name", accessMode: "access_mode" })).annotate({
  identifier: "PresignDbAccessPayload"
})

/** One row: Arrow record batches converted to JSON objects (vectors as arrays of numbers, rounded to float32). */
export const Row = Schema.Record(Schema.String, Schema.Unknown).annotate({ identifier: "Row" })

/** `limit` (default 25, at most 250) and `offset`, in the query string. */
export const PageQuery = Schema.Struct({
  limit: Schema.optional(U64),
  offset: Schema.optional(U64)
}).annotate({ identifier: "PageQuery" })

/** `QueryTablePayload` (`db/db_query.rs`). */
export const QueryTablePayload = Schema.Struct({
  sql: Schema.optional(Schema.String),
  /** `column` is required by some server versions and ignored by others. */
  vectorQuery: Schema.optional(Schema.Struct({ column: Schema.optional(Schema.String), vector: Schema.Array(Schema.Number) })),
  filter: Schema.optional(Schema.String),
  ftsTerm: Schema.optional(Schema.String),
  rerank: Schema.optional(Schema.Boolean),
  select: Schema.optional(Schema.Array(Schema.String))
}).pipe(Schema.encodeKeys({ vectorQuery: "vector_query", ftsTerm: "fts_term" })).annotate({
  identifier: "QueryTablePayload"
})

/** The insert body: the rows, each column's type inferred from the JSON. */
export const AddPayload = Schema.Struct({ items: Schema.Array(Row) }).annotate({ identifier: "AddPayload" })

/** The delete body: `query` is a SQL-style filter such as `id > 10`. */
export const DeletePayload = Schema.Struct({ query: Schema.String }).annotate({ identifier: "DeletePayload" })

/** One field of arrow-rs's `Schema` JSON; `data_type` is serde's form of `DataType` (`"Utf8"`, `{"FixedSizeList": …}`). */
export const ArrowField = Schema.Struct({
  name: Schema.String,
  dataType: Schema.Unknown,
  nullable: Schema.Boolean,
  dictId: Schema.optional(Schema.Number),
  dictIsOrdered: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Schema.Record(Schema.String, Schema.String))
}).pipe(Schema.encodeKeys({ dataType: "data_type", dictId: "dict_id", dictIsOrdered: "dict_is_ordered" })).annotate({
  identifier: "ArrowField"
})

/** arrow-rs 57's `Schema` as JSON. */
export const ArrowSchema = Schema.Struct({
  fields: Schema.Array(ArrowField),
  metadata: Schema.optional(Schema.Record(Schema.String, Schema.String))
}).annotate({ identifier: "ArrowSchema" })

const params = { appId: Schema.String, table: Schema.String }

/** The database routes. */
export const DbApi = HttpApiGroup.make("db")
  .add(
    HttpApiEndpoint.post("presignDb", "/apps/:appId/db/presign", {
      params: { appId: Schema.String },
      payload: PresignDbAccessPayload,
      success: PresignDbAccessResponse,
      error: [BadRequest, ...bodyRouteErrors]
    }),
    HttpApiEndpoint.get("listTables", "/apps/:appId/db", {
      params: { appId: Schema.String },
      success: Schema.Array(Schema.String),
      error: [InternalError]
    }),
    HttpApiEndpoint.get("listRows", "/apps/:appId/db/:table", {
      params,
      query: PageQuery,
      success: Schema.Array(Row),
      error: [BadRequest, InternalError]
    }),
    HttpApiEndpoint.put("addToTable", "/apps/:appId/db/:table", {
      params,
      payload: AddPayload,
      success: Schema.Null,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.delete("deleteFromTable", "/apps/:appId/db/:table", {
      params,
      payload: DeletePayload,
      success: Schema.Null,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.post("queryTable", "/apps/:appId/db/:table/query", {
      params,
      query: PageQuery,
      payload: QueryTablePayload,
      success: Schema.Array(Row),
      error: [BadRequest, ...bodyRouteErrors]
    }),
    HttpApiEndpoint.get("getTableSchema", "/apps/:appId/db/:table/schema", {
      params,
      success: ArrowSchema,
      error: [InternalError]
    }),
    HttpApiEndpoint.get("countItems", "/apps/:appId/db/:table/count", {
      params,
      success: U64,
      error: [InternalError]
    })
  )
