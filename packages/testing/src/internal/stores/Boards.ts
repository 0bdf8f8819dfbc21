import type { BoardContents } from "../BoardEditor.ts"
import type { BoardDefinition } from "../Model.ts"
import { cuid } from "../Ids.ts"
import type { Apps } from "./Apps.ts"

/** `[major, minor, patch]`. */
export type Version = readonly [number, number, number]

/** A board as `GET …/board/{b}` shows it, kept beside its script. */
export interface BoardRecord {
  readonly id: string
  name: string
  description: string
  stage: "Dev" | "Int" | "QA" | "PreProd" | "Prod"
  logLevel: "Debug" | "Info" | "Warn" | "Error" | "Fatal"
  executionMode: "Hybrid" | "Remote" | "Local"
  version: Version
  /** Saved versions, oldest first. */
  readonly versions: Array<Version>
  /** Nodes, comments, layers and variables (code's shape), changed by commands. */
  readonly nodes: BoardContents["nodes"]
  readonly comments: BoardContents["comments"]
  readonly layers: BoardContents["layers"]
  readonly variables: BoardContents["variables"]
  readonly createdAt: Date
  updatedAt: Date
}

/** What an upsert may change. */
export interface BoardChanges {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly stage?: BoardRecord["stage"] | undefined
  readonly logLevel?: BoardRecord["logLevel"] | undefined
  readonly executionMode?: BoardRecord["executionMode"] | undefined
}

/** Scripted boards and their records, per app. */
export interface Boards {
  /** Adds or replaces a board of an existing app. */
  readonly add: (appId: string, board: BoardDefinition) => void
  readonly get: (appId: string, boardId: string) => BoardDefinition | undefined
  readonly record: (appId: string, boardId: string) => BoardRecord | undefined
  readonly list: (appId: string) => ReadonlyArray<BoardRecord>
  /** Updates a board of the app, or creates one under a new id (the path id is ignored, as `upsert_board.rs` does; `Board::new` names it "New Board"). */
  readonly upsert: (appId: string, boardId: string, changes: BoardChanges) => string
  readonly remove: (appId: string, boardId: string) => boolean
}

const newRecord = (board: BoardDefinition): BoardRecord => {
  const now = new Date()
  return {
    id: board.id,
    name: board.name ?? board.id,
    description: board.description ?? "",
    stage: "Dev",
    logLevel: "Info",
    executionMode: "Hybrid",
    version: [0, 0, 1],
    versions: [],
    nodes: {},
    comments: {},
    layers: {},
    variables: {},
    createdAt: now,
    updatedAt: now
  }
}

/** An empty board store for the apps of `apps`. */
export const makeBoards = (apps: Apps): Boards => {
  const byApp = new Map<string, Map<string, { definition: BoardDefinition; record: BoardRecord }>>()
  const add = (appId: string, board: BoardDefinition) => {
    apps.require(appId)
    const boards = byApp.get(appId) ?? new Map()
    const existing = boards.get(board.id)
    boards.set(board.id, { definition: board, record: existing?.record ?? newRecord(board) })
    byApp.set(appId, boards)
  }
  return {
    add,
    get: (appId, boardId) => byApp.get(appId)?.get(boardId)?.definition,
    record: (appId, boardId) => byApp.get(appId)?.get(boardId)?.record,
    list: (appId) => [...(byApp.get(appId)?.values() ?? [])].map((entry) => entry.record),
    upsert: (appId, boardId, changes) => {
      let entry = byApp.get(appId)?.get(boardId)
      if (entry === undefined) {
        const id = cuid()
        add(appId, { id, name: "New Board", description: "Your new Workflow!", steps: [] })
        entry = byApp.get(appId)?.get(id)
      }
      if (entry === undefined) throw new Error("unreachable: the board was just added")
      const record = entry.record
      if (changes.name !== undefined) record.name = changes.name
      if (changes.description !== undefined) record.description = changes.description
      if (changes.stage !== undefined) record.stage = changes.stage
      if (changes.logLevel !== undefined) record.logLevel = changes.logLevel
      if (changes.executionMode !== undefined) record.executionMode = changes.executionMode
      record.updatedAt = new Date()
      return record.id
    },
    remove: (appId, boardId) => byApp.get(appId)?.delete(boardId) ?? false
  }
}
