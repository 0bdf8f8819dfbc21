import { cuid, secret } from "./Ids.ts"
import type { BoardDefinition, EventDefinition } from "./Model.ts"

export interface App {
  readonly id: string
  /** Whether the PAT user is a member. */
  readonly member: boolean
  readonly boards: Map<string, BoardDefinition>
}

export interface RegisteredEvent {
  readonly appId: string
  readonly event: EventDefinition
}

export interface Credentials {
  readonly patId: string
  readonly patSecret: string
  /** `pat_<id>.<secret>` */
  readonly pat: string
  /** `flk_<appId>.<keyId>.<secret>` */
  readonly apiKey: string
  readonly apiKeyAppId: string
}

/** Apps, boards, events and the one seeded user's credentials. */
export interface Catalog {
  readonly credentials: Credentials
  readonly addApp: (appId: string, member: boolean) => void
  readonly app: (appId: string) => App | undefined
  readonly addBoard: (appId: string, board: BoardDefinition) => void
  readonly board: (appId: string, boardId: string) => BoardDefinition | undefined
  readonly addEvent: (appId: string, event: EventDefinition) => void
  /** By id only: the real server does not check that the event belongs to the path's app. */
  readonly event: (eventId: string) => RegisteredEvent | undefined
}

export const makeCatalog = (homeAppId: string): Catalog => {
  const apps = new Map<string, App>()
  const events = new Map<string, RegisteredEvent>()
  const patId = cuid()
  const patSecret = secret()
  const credentials: Credentials = {
    patId,
    patSecret,
    pat: `pat_${patId}.${patSecret}`,
    apiKey: `flk_${homeAppId}.${cuid()}.${secret()}`,
    apiKeyAppId: homeAppId
  }

  const existingApp = (appId: string): App => {
    const app = apps.get(appId)
    if (app === undefined) {
      throw new Error(`Unknown app ${appId}: create it with addApp or addForeignApp first`)
    }
    return app
  }

  const addApp = (appId: string, member: boolean) => {
    apps.set(appId, { id: appId, member, boards: apps.get(appId)?.boards ?? new Map() })
  }
  addApp(homeAppId, true)

  return {
    credentials,
    addApp,
    app: (appId) => apps.get(appId),
    addBoard: (appId, board) => {
      existingApp(appId).boards.set(board.id, board)
    },
    board: (appId, boardId) => apps.get(appId)?.boards.get(boardId),
    addEvent: (appId, event) => {
      existingApp(appId)
      events.set(event.id, { appId, event })
    },
    event: (eventId) => events.get(eventId)
  }
}
