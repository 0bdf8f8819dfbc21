/**
 * Apps and the API's health: list the caller's apps with their names, read one, create one, and
 * check that the API is up.
 *
 * The real server differs from the old SDKs here: there is no `POST /apps` (an app is created with
 * `PUT /apps/{id}` and its metadata, under a new id the server chooses), an `App` carries no name
 * (the name is in its metadata, which only the list pairs with it), and health is `{"status":"ok"}`
 * with no `healthy` field (this SDK derives it).
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as AppsApi from "./api/AppsApi.ts"
import type { BitMetadata } from "./api/BitsApi.ts"
import { HealthApi } from "./api/HealthApi.ts"
import * as Auth from "./Auth.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { checkWhole, offsetPages } from "./internal/paging.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"

/** An app's metadata in one language. */
export type AppMetadata = typeof BitMetadata.Type

/** An app, decoded; `raw` is the app as the server sent it. */
export type App = typeof AppsApi.App.Type & { readonly raw: unknown }

/** An app of the list with its name and description from its metadata (`undefined` when it has none). */
export type AppInfo = App & {
  readonly name: string | undefined
  readonly description: string | undefined
  readonly meta: AppMetadata | undefined
}

/** Options of `listApps`. */
export interface ListAppsOptions {
  /** Metadata language, the server's default `en`. */
  readonly language?: string | undefined
  /** At most 100 (the server's cap and default). */
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** Options of `createApp`. */
export interface CreateAppOptions {
  /** Bits (models, templates, ...) the app starts with. */
  readonly bits?: ReadonlyArray<string> | undefined
  /** Language of the metadata, the server's default `en`. */
  readonly language?: string | undefined
  readonly tags?: ReadonlyArray<string> | undefined
}

/** The answer of `health()`. */
export interface Health {
  /** Whether the server said `ok`. */
  readonly healthy: boolean
  /** The server's `status`, as sent. */
  readonly status: string
}

/** Apps and health. */
export class Apps extends Context.Service<Apps, {
  /** One page of the caller's apps, most recently updated first, each with its name. */
  listApps(options?: ListAppsOptions): Effect.Effect<ReadonlyArray<AppInfo>, FlowLikeError.FlowLikeError>
  /** Every app of the caller, paging 100 at a time. */
  allApps(options?: ListAppsOptions): Stream.Stream<AppInfo, FlowLikeError.FlowLikeError>
  /** One app (no name: the server keeps it in the metadata, see `listApps`). */
  getApp(appId: string): Effect.Effect<App, FlowLikeError.FlowLikeError>
  /** Creates an app with this name and description; the server chooses its id. */
  createApp(name: string, description?: string, options?: CreateAppOptions): Effect.Effect<AppInfo, FlowLikeError.FlowLikeError>
  /** Whether the API is up; sent without credentials. */
  health(): Effect.Effect<Health, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Apps") {
  /** `Apps` over the configured transport. */
  static readonly layer: Layer.Layer<Apps, never, FlowLikeHttp> = Layer.effect(
    Apps,
    Effect.map(FlowLikeHttp, (http) => Apps.of(make(http)))
  )
}

const endpoints = AppsApi.AppsApi.endpoints
const PAGE_SIZE = 100

const nowMetadata = (name: string, description: string, tags: ReadonlyArray<string>): AppMetadata => {
  const now = new Date()
  return { name, description, tags, previewMedia: [], createdAt: now, updatedAt: now }
}

/** A path id for a new app: the server ignores it, but one of an existing app would be an update (403). */
const placeholderId = () => `new-${crypto.randomUUID()}`

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Apps["Service"] => {
  const listApps = (operation: string, options: ListAppsOptions) =>
    Effect.gen(function*() {
      yield* checkWhole(operation, "limit", options.limit)
      yield* checkWhole(operation, "offset", options.offset)
      const request = yield* Endpoint.request(endpoints.listApps, {
        query: { language: options.language, limit: options.limit, offset: options.offset }
      }, { operation })
      const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.listApps))
      const rawItems = Array.isArray(raw) ? raw : []
      return value.map(([app, meta], index): AppInfo => {
        const rawItem: unknown = rawItems[index]
        return {
          ...app,
          raw: Array.isArray(rawItem) ? rawItem[0] : undefined,
          name: meta?.name,
          description: meta?.description,
          meta: meta ?? undefined
        }
      })
    })

  return {
    listApps: (options = {}) => withSpan("Apps.listApps")(listApps("Apps.listApps", options)),
    allApps: (options = {}) =>
      withStreamSpan("Apps.allApps")(Stream.unwrap(Effect.map(
        checkWhole("Apps.allApps", "limit", options.limit, 1),
        () => offsetPages(Math.min(options.limit ?? PAGE_SIZE, PAGE_SIZE), options.offset ?? 0, (offset, limit) =>
          listApps("Apps.allApps", { ...options, offset, limit }))
      ))),
    getApp: (appId) =>
      withSpan("Apps.getApp")(Effect.gen(function*() {
        const request = yield* Endpoint.request(endpoints.getApp, { params: { app: appId } }, { operation: "Apps.getApp" })
        const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.getApp))
        return { ...value, raw }
      })),
    createApp: (name, description, options = {}) =>
      withSpan("Apps.createApp")(Effect.gen(function*() {
        const operation = "Apps.createApp"
        if (typeof name !== "string" || name.trim() === "") {
          return yield* FlowLikeError.invalidArgument(`${operation}: name must be a non-empty string`, operation)
        }
        if (description !== undefined && typeof description !== "string") {
          return yield* FlowLikeError.invalidArgument(`${operation}: description must be a string`, operation)
        }
        const meta = nowMetadata(name, description ?? "", options.tags ?? [])
        const request = yield* Endpoint.request(endpoints.upsertApp, {
          params: { app: placeholderId() },
          query: { language: options.language },
          payload: { meta, bits: options.bits }
        }, { operation })
        const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.upsertApp))
        return { ...value, raw, name: meta.name, description: meta.description, meta }
      })),
    health: () =>
      withSpan("Apps.health")(Effect.gen(function*() {
        const request = yield* Endpoint.request(HealthApi.endpoints.health, {}, { operation: "Apps.health", auth: Auth.none })
        const { status } = yield* http.json(request, Endpoint.success(HealthApi.endpoints.health))
        return { healthy: status === "ok", status }
      }))
  }
}
