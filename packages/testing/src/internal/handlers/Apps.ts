import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { apiError, internalError } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import { authorizeApp, type Principal } from "../Auth.ts"
import { cuid } from "../Ids.ts"
import type { App, Apps } from "../stores/Apps.ts"
import type { Boards } from "../stores/Boards.ts"

/** What the app routes read and write. */
export interface AppsStores {
  readonly apps: Apps
  readonly boards: Boards
}

type AppsHandlers = Handlers<typeof FlowLikeApi>["apps"]

/** `user.sub()?`: only a signed-in user has one; anyone else gets the `anyhow` 500. */
const requireUser = (principal: Principal) => principal._tag === "User" ? Effect.void : Effect.fail(internalError())

/** The app routes (`routes/app/internal/*.rs`). */
export const makeAppsHandlers = (stores: AppsStores): AppsHandlers => {
  const { apps, boards } = stores

  const answerApp = (app: App) => ({
    id: app.id,
    status: "Active",
    visibility: "Private",
    authors: [],
    bits: [...app.bits],
    boards: boards.list(app.id).map((board) => board.id),
    events: [],
    templates: [],
    ratingSum: 0,
    ratingCount: 0,
    downloadCount: 0,
    interactionsCount: 0,
    executionMode: "Any",
    widgetIds: [],
    pageIds: [],
    createdAt: app.createdAt,
    updatedAt: app.updatedAt
  })

  const answerMeta = (app: App) =>
    app.meta === undefined ? null : {
      name: app.meta.name,
      description: app.meta.description,
      tags: [...app.meta.tags],
      previewMedia: [],
      createdAt: app.createdAt,
      updatedAt: app.updatedAt
    }

  return {
    listApps: ({ principal, query }) =>
      Effect.gen(function*() {
        yield* requireUser(principal)
        const offset = query.offset ?? 0
        const limit = Math.min(query.limit ?? 100, 100)
        return apps.list().filter((app) => app.isMember).slice(offset, offset + limit).map((app) => [answerApp(app), answerMeta(app)] as const)
      }),
    getApp: ({ params, principal }) =>
      Effect.gen(function*() {
        yield* authorizeApp(apps, principal, params.app)
        return answerApp(apps.require(params.app))
      }),
    /**
     * A new app needs `meta` (else 500 "Meta is required for new apps") and gets a new id whatever
     * the path says; a PUT to an existing app without `app` in the body is a 403.
     */
    upsertApp: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        yield* requireUser(principal)
        const existing = apps.get(params.app)
        if (existing !== undefined) {
          yield* authorizeApp(apps, principal, params.app)
          if (payload.app === undefined) return yield* apiError(403)
          if (payload.meta !== undefined) {
            existing.meta = { name: payload.meta.name, description: payload.meta.description, tags: payload.meta.tags }
          }
          existing.updatedAt = new Date()
          return answerApp(existing)
        }
        if (payload.meta === undefined) return yield* internalError()
        const id = cuid()
        apps.add(id, true)
        const app = apps.require(id)
        app.meta = { name: payload.meta.name, description: payload.meta.description, tags: payload.meta.tags }
        app.bits = payload.bits ?? []
        return answerApp(app)
      })
  }
}
