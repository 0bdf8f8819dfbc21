/**
 * The app routes. There is no `POST /apps`: an app is created with `PUT /apps/{any id}` and a
 * `meta` body (the path id is ignored and a new id generated), and an `App` has no name: the
 * name lives in its `Metadata`, which `GET /apps` pairs with each app.
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { nullable, SystemTime, U64 } from "../internal/wire.ts"
import { ApiErrorsFor } from "../internal/routeErrors.ts"
import { BitMetadata } from "./BitsApi.ts"

/** An `App` (`packages/core/src/app.rs`), without a name. */
export const App = Schema.Struct({
  id: Schema.String,
  /** `Active`, `Inactive` or `Archived`. */
  status: Schema.String,
  /** `Public`, `PublicRequestAccess`, `Private`, `Prototype` or `Offline`. */
  visibility: Schema.String,
  authors: Schema.Array(Schema.String),
  bits: Schema.Array(Schema.String),
  boards: Schema.Array(Schema.String),
  events: Schema.Array(Schema.String),
  templates: Schema.Array(Schema.String),
  changelog: nullable(Schema.String),
  primaryCategory: nullable(Schema.String),
  secondaryCategory: nullable(Schema.String),
  ratingSum: Schema.optional(U64),
  ratingCount: Schema.optional(U64),
  downloadCount: Schema.optional(U64),
  interactionsCount: Schema.optional(U64),
  avgRating: nullable(Schema.Number),
  relevanceScore: nullable(Schema.Number),
  /** `Any`, `Local` or `Remote`. */
  executionMode: nullable(Schema.String),
  version: nullable(Schema.String),
  price: nullable(Schema.Number),
  widgetIds: Schema.optional(Schema.Array(Schema.String)),
  pageIds: Schema.optional(Schema.Array(Schema.String)),
  createdAt: SystemTime,
  updatedAt: SystemTime
}).pipe(Schema.encodeKeys({
  primaryCategory: "primary_category",
  secondaryCategory: "secondary_category",
  ratingSum: "rating_sum",
  ratingCount: "rating_count",
  downloadCount: "download_count",
  interactionsCount: "interactions_count",
  avgRating: "avg_rating",
  relevanceScore: "relevance_score",
  executionMode: "execution_mode",
  widgetIds: "widget_ids",
  pageIds: "page_ids",
  createdAt: "created_at",
  updatedAt: "updated_at"
})).annotate({ identifier: "App" })

/** `GET /apps` query (`internal/get_apps.rs`): `limit` defaults to 100 and is capped at 100. */
export const ListAppsQuery = Schema.Struct({
  language: Schema.optional(Schema.String),
  limit: Schema.optional(U64),
  offset: Schema.optional(U64)
})

/** One item of `GET /apps`: the app and its metadata in the asked language, if it has any. */
export const AppWithMetadata = Schema.Tuple([App, Schema.NullOr(BitMetadata)]).annotate({ identifier: "AppWithMetadata" })

/** `PUT /apps/{id}` body (`internal/upsert_app.rs`): a new app needs `meta`; updating one needs `app`. */
export const UpsertApp = Schema.Struct({
  app: nullable(App),
  meta: nullable(BitMetadata),
  bits: nullable(Schema.Array(Schema.String))
}).annotate({ identifier: "UpsertApp" })

/** The language query of `PUT /apps/{id}`. */
export const LanguageQuery = Schema.Struct({ language: Schema.optional(Schema.String) })

/** The app routes. */
export const AppsApi = HttpApiGroup.make("apps")
  .add(
    HttpApiEndpoint.get("listApps", "/apps", {
      query: ListAppsQuery,
      success: Schema.Array(AppWithMetadata),
      error: ApiErrorsFor.read
    }),
    HttpApiEndpoint.get("getApp", "/apps/:app", {
      params: { app: Schema.String },
      success: App,
      error: ApiErrorsFor.read
    }),
    HttpApiEndpoint.put("upsertApp", "/apps/:app", {
      params: { app: Schema.String },
      query: LanguageQuery,
      payload: UpsertApp,
      success: App,
      error: ApiErrorsFor.body
    })
  )
