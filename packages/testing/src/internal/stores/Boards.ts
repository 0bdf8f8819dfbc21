import type { BoardDefinition } from "../Model.ts"
import type { Apps } from "./Apps.ts"

/** Scripted boards, per app. */
export interface Boards {
  /** Adds or replaces a board of an existing app. */
  readonly add: (appId: string, board: BoardDefinition) => void
  readonly get: (appId: string, boardId: string) => BoardDefinition | undefined
}

/** An empty board store for the apps of `apps`. */
export const makeBoards = (apps: Apps): Boards => {
  const byApp = new Map<string, Map<string, BoardDefinition>>()
  return {
    add: (appId, board) => {
      apps.require(appId)
      const boards = byApp.get(appId) ?? new Map<string, BoardDefinition>()
      boards.set(board.id, board)
      byApp.set(appId, boards)
    },
    get: (appId, boardId) => byApp.get(appId)?.get(boardId)
  }
}
