import type { EventDefinition } from "../Model.ts"
import type { Apps } from "./Apps.ts"

/** An event and the app its board lives in. */
export interface RegisteredEvent {
  readonly appId: string
  readonly event: EventDefinition
}

/** Events, looked up by id alone. */
export interface Events {
  /** Adds or replaces an event of an existing app. */
  readonly add: (appId: string, event: EventDefinition) => void
  /** By id only: the real server does not check that the event belongs to the path's app (`events/db.rs`). */
  readonly get: (eventId: string) => RegisteredEvent | undefined
}

/** An empty event store for the apps of `apps`. */
export const makeEvents = (apps: Apps): Events => {
  const events = new Map<string, RegisteredEvent>()
  return {
    add: (appId, event) => {
      apps.require(appId)
      events.set(event.id, { appId, event })
    },
    get: (eventId) => events.get(eventId)
  }
}
