import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { ApiError, badRequest, internalError } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import { authorizeApp, type Principal } from "../Auth.ts"
import type { Apps } from "../stores/Apps.ts"
import type { DbStore } from "../stores/Db.ts"

/** What the database routes read. */
export interface DbStores {
  readonly apps: Apps
  readonly db: DbStore
}

/** A store call; its `ApiError`s are the answer, anything else the 500. */
const call = <A>(run: () => Promise<A>): Effect.Effect<A, ApiError> =>
  Effect.tryPromise({ try: run, catch: (error) => error instanceof ApiError ? error : internalError() })

/** The table name LanceDB accepts; the real server panics (no answer at all) on any other. */
const TABLE_NAME = /^[A-Za-z0-9_.-]+$/

/**
 * Table routes check the app, then open the table. A name LanceDB cannot hold makes the real server
 * panic and close the connection without an answer: the dev server answers 500 instead (it cannot
 * drop a connection from a handler), which the SDK never sees since it refuses such names.
 */
const table = (stores: DbStores, principal: Principal, appId: string, name: string) =>
  Effect.andThen(
    authorizeApp(stores.apps, principal, appId),
    TABLE_NAME.test(name) ? Effect.void : Effect.fail(internalError())
  )

const page = (query: { readonly limit?: number | undefined; readonly offset?: number | undefined }) => ({
  limit: Math.min(query.limit ?? 25, 250),
  offset: query.offset ?? 0
})

/** `routes/app/db/*.rs`: presign, tables, rows, query, schema, count, add, delete. */
export const makeDbHandlers = (stores: DbStores): Handlers<typeof FlowLikeApi>["db"] => ({
  presignDb: ({ params, payload, principal }) =>
    Effect.gen(function*() {
      const accessMode = (payload.accessMode ?? "read").toLowerCase()
      if (accessMode !== "read" && accessMode !== "write") {
        return yield* badRequest("access_mode must be either 'read' or 'write'")
      }
      yield* authorizeApp(stores.apps, principal, params.appId)
      // `permission.sub()`: scoped credentials are per user, so an API key gets the 500.
      if (principal._tag !== "User") return yield* internalError()
      const issued = yield* call(() => stores.db.presign(params.appId, accessMode))
      const expiration = issued.expiresAt.toISOString()
      const config = { endpoint: issued.endpoint, express: false }
      return {
        sharedCredentials: {
          Aws: {
            accessKeyId: issued.accessKeyId,
            secretAccessKey: issued.secretAccessKey,
            sessionToken: issued.sessionToken,
            metaBucket: issued.bucket,
            contentBucket: issued.bucket,
            logsBucket: issued.bucket,
            region: issued.region,
            expiration,
            metaConfig: config,
            contentConfig: config,
            logsConfig: config,
            contentPathPrefix: `apps/${params.appId}`,
            userContentPathPrefix: `apps/${params.appId}/users/dev-user`
          }
        },
        dbPath: `apps/${params.appId}/storage/db`,
        tableName: payload.tableName,
        accessMode,
        expiration
      }
    }),
  listTables: ({ params, principal }) =>
    Effect.andThen(authorizeApp(stores.apps, principal, params.appId), call(() => stores.db.listTables(params.appId))),
  listRows: ({ params, principal, query }) =>
    Effect.andThen(table(stores, principal, params.appId, params.table), () => {
      const { limit, offset } = page(query)
      return call(() => stores.db.rows(params.appId, params.table, limit, offset))
    }),
  addToTable: ({ params, payload, principal }) =>
    Effect.andThen(table(stores, principal, params.appId, params.table), call(() => stores.db.add(params.appId, params.table, payload.items)))
      .pipe(Effect.as(null)),
  deleteFromTable: ({ params, payload, principal }) =>
    Effect.andThen(table(stores, principal, params.appId, params.table), call(() => stores.db.remove(params.appId, params.table, payload.query)))
      .pipe(Effect.as(null)),
  queryTable: ({ params, payload, principal, query }) =>
    Effect.andThen(table(stores, principal, params.appId, params.table), () => {
      const { limit, offset } = page(query)
      return call(() => stores.db.query(params.appId, params.table, payload, limit, offset))
    }),
  getTableSchema: ({ params, principal }) =>
    Effect.andThen(
      table(stores, principal, params.appId, params.table),
      call(() => stores.db.schema(params.appId, params.table) as Promise<any>)
    ),
  countItems: ({ params, principal }) =>
    Effect.andThen(table(stores, principal, params.appId, params.table), call(() => stores.db.count(params.appId, params.table)))
})
