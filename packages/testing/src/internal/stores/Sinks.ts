import { cuid } from "../Ids.ts"
import type { SinkDefinition } from "../Model.ts"

/** An `event_sink` row. */
export interface SinkRecord {
  readonly id: string
  readonly eventId: string
  readonly appId: string
  active: boolean
  /** Always with a leading `/`. */
  path: string | undefined
  authToken: string | undefined
  readonly createdAt: Date
  updatedAt: Date
}

/** HTTP sinks, keyed by their event. */
export interface Sinks {
  readonly add: (appId: string, sink: SinkDefinition) => SinkRecord
  readonly byEvent: (eventId: string) => SinkRecord | undefined
  /** The active sink at `path` of the app (`sink/trigger.rs`). */
  readonly active: (appId: string, path: string) => SinkRecord | undefined
  /** Every sink, most recently updated first. */
  readonly list: () => ReadonlyArray<SinkRecord>
}

/** `/path` from `path` or `/path`, as the server normalises a sink path. */
export const normalisePath = (path: string): string => path.startsWith("/") ? path : `/${path}`

/** An empty sink store. */
export const makeSinks = (): Sinks => {
  const sinks = new Map<string, SinkRecord>()
  return {
    add: (appId, sink) => {
      const now = new Date()
      const record: SinkRecord = {
        id: cuid(),
        eventId: sink.eventId,
        appId,
        active: sink.active ?? true,
        path: normalisePath(sink.path),
        authToken: sink.authToken,
        createdAt: now,
        updatedAt: now
      }
      sinks.set(sink.eventId, record)
      return record
    },
    byEvent: (eventId) => sinks.get(eventId),
    active: (appId, path) => [...sinks.values()].find((sink) => sink.appId === appId && sink.active && sink.path === path),
    list: () => [...sinks.values()].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())
  }
}
