import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Comment, Layer, Node } from "@flow-like/effect/api/BoardCommands"
import { Variable } from "@flow-like/effect/api/WorkflowsApi"
import { Effect, Schema, SchemaAST } from "effect"
import { type ApiError, badRequest, internalError } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import { authorizeApp, type Principal } from "../Auth.ts"
import { executeCommands } from "../BoardEditor.ts"
import { FilterError, type LogRow, parseLogFilter } from "../LogFilter.ts"
import { serdeNulls } from "../SerdeJson.ts"
import type { Apps } from "../stores/Apps.ts"
import type { BoardRecord, Boards, Version } from "../stores/Boards.ts"
import type { Logs } from "../stores/Logs.ts"
import type { Run, Runs } from "../stores/Runs.ts"

/** What the board routes read and write. */
export interface BoardsStores {
  readonly apps: Apps
  readonly boards: Boards
  readonly runs: Runs
  readonly logs: Logs
}

type BoardsHandlers = Handlers<typeof FlowLikeApi>["boards"]

/** The board's parts as the server writes them: the board's JSON keeps them as given (snake_case). */
const serdeMap = <A, I>(part: Schema.Codec<A, I>) => {
  const map = Schema.Record(Schema.String, part)
  const encode = Schema.encodeSync(map)
  const withNulls = serdeNulls(SchemaAST.toEncoded(map.ast))
  return (value: Readonly<Record<string, A>>) => withNulls(encode(value)) as Record<string, unknown>
}
const encodeNodes = serdeMap(Node)
const encodeComments = serdeMap(Comment)
const encodeLayers = serdeMap(Layer)
const encodeVariables = serdeMap(Variable)

const answerBoard = (record: BoardRecord, version: Version = record.version) => ({
  id: record.id,
  name: record.name,
  description: record.description,
  version,
  stage: record.stage,
  logLevel: record.logLevel,
  executionMode: record.executionMode,
  nodes: encodeNodes(record.nodes),
  variables: encodeVariables(record.variables),
  comments: encodeComments(record.comments),
  layers: encodeLayers(record.layers),
  refs: {},
  viewport: [0, 0, 1] as const,
  pageIds: [],
  createdAt: record.createdAt,
  updatedAt: record.updatedAt
})

/**
 * `?version=1_0_3` as `get_board.rs` parses it: a part that is not a number is a 400
 * `Invalid number format`, the wrong number of parts (or an unknown version) a 500.
 */
const parseVersion = (text: string | undefined, record: BoardRecord): Effect.Effect<Version, ApiError> => {
  if (text === undefined) return Effect.succeed(record.version)
  const parts = text.split("_")
  if (parts.some((part) => !/^\d+$/.test(part))) return Effect.fail(badRequest("Invalid number format: invalid digit found in string"))
  if (parts.length !== 3) return Effect.fail(internalError())
  const [major = 0, minor = 0, patch = 0] = parts.map(Number)
  const version: Version = [major, minor, patch]
  const known = [record.version, ...record.versions].some((candidate) => candidate.every((part, index) => part === version[index]))
  return known ? Effect.succeed(version) : Effect.fail(internalError())
}

const LEVELS = ["Debug", "Info", "Warn", "Error", "Fatal"] as const

/** The run's level as `execution_run.log_level` holds it: 0 until it ends, 1 when it completed, 3 when it failed. */
const runLevel = (run: Run): number =>
  run.status === "Completed" ? 1 : run.status === "Failed" || run.status === "Timeout" || run.status === "Cancelled" ? 3 : 0

const micros = (iso: string | undefined): number | undefined => iso === undefined ? undefined : Date.parse(iso) * 1000

/** The filter, or `undefined` when LanceDB would refuse it (the route's 500). */
const logFilter = (query: string | undefined): ((row: LogRow) => boolean) | undefined => {
  if (query === undefined || query === "") return () => true
  try {
    return parseLogFilter(query)
  } catch (error) {
    if (error instanceof FilterError) return undefined
    throw error
  }
}

/** A log line as its row in the run's log table. */
const rowOf = (message: string, level: number, time: Date): LogRow => ({
  message,
  operation_id: null,
  node_id: null,
  log_level: level,
  token_in: null,
  token_out: null,
  bit_ids: null,
  start: time.getTime() * 1000,
  end: time.getTime() * 1000
})

/** Board CRUD, versions, prerun, commands, runs and logs (`routes/app/board/*.rs`). */
export const makeBoardsHandlers = (stores: BoardsStores): BoardsHandlers => {
  const { apps, boards, runs } = stores

  /** The permission check, then the board: an unknown one is `master_board`'s `anyhow` 500. */
  const boardOf = (principal: Principal, appId: string, boardId: string) =>
    Effect.gen(function*() {
      yield* authorizeApp(apps, principal, appId)
      const record = boards.record(appId, boardId)
      if (record === undefined) return yield* internalError()
      return record
    })

  const runsOf = (appId: string, boardId: string) =>
    runs.list().filter((run) => run.appId === appId && run.boardId === boardId)

  return {
    listBoards: ({ params, principal }) =>
      Effect.as(authorizeApp(apps, principal, params.app), boards.list(params.app).map((record) => answerBoard(record))),
    getBoard: ({ params, principal, query }) =>
      Effect.gen(function*() {
        const record = yield* boardOf(principal, params.app, params.board)
        return answerBoard(record, yield* parseVersion(query.version, record))
      }),
    upsertBoard: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        yield* authorizeApp(apps, principal, params.app)
        return { id: boards.upsert(params.app, params.board, payload) }
      }),
    deleteBoard: ({ params, principal }) =>
      Effect.gen(function*() {
        yield* boardOf(principal, params.app, params.board)
        boards.remove(params.app, params.board)
        return null
      }),
    versionBoard: ({ params, principal, query }) =>
      Effect.gen(function*() {
        const record = yield* boardOf(principal, params.app, params.board)
        const [major, minor, patch] = record.version
        record.versions.push(record.version)
        record.version = query.versionType === "Major"
          ? [major + 1, 0, 0]
          : query.versionType === "Minor"
          ? [major, minor + 1, 0]
          : [major, minor, patch + 1]
        record.updatedAt = new Date()
        return record.version
      }),
    executeCommands: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        const record = yield* boardOf(principal, params.app, params.board)
        const { executed } = executeCommands(record, payload.commands)
        record.updatedAt = new Date()
        return executed
      }),
    getBoardVersions: ({ params, principal }) =>
      Effect.map(boardOf(principal, params.app, params.board), (record) => [...record.versions]),
    /** An invalid `version` is silently ignored here (`prerun_board.rs`). */
    prerunBoard: ({ params, principal }) =>
      Effect.gen(function*() {
        yield* boardOf(principal, params.app, params.board)
        const definition = boards.get(params.app, params.board)
        return {
          runtimeVariables: (definition?.runtimeVariables ?? []).map((variable) => ({
            id: variable.id ?? `${params.board}-${variable.name}`,
            name: variable.name,
            description: variable.description,
            dataType: variable.dataType ?? "String",
            valueType: variable.valueType ?? "Normal",
            secret: variable.secret ?? false
          })),
          oauthRequirements: [],
          requiresLocalExecution: false,
          executionMode: "Hybrid",
          canExecuteLocally: true,
          hasWasmNodes: false,
          wasmPackageIds: [],
          wasmPackagePermissions: {}
        }
      }),
    listBoardRuns: ({ params, principal, query }) =>
      Effect.gen(function*() {
        yield* authorizeApp(apps, principal, params.app)
        const millis = (value: number) => (value >= 1_000_000_000_000_000 ? Math.floor(value / 1000) : value)
        const matching = runsOf(params.app, params.board).filter((run) => {
          const created = Date.parse(run.createdAt)
          if (query.nodeId !== undefined && run.nodeId !== query.nodeId) return false
          if (query.from !== undefined && created < millis(query.from)) return false
          if (query.to !== undefined && created > millis(query.to)) return false
          if (query.status !== undefined) {
            const level = runLevel(run)
            if (query.status === 0 ? level > 1 : level !== query.status) return false
          }
          return true
        }).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
        const offset = query.offset ?? 0
        return matching.slice(offset, offset + (query.limit ?? 100)).map((run) => {
          const start = micros(run.startedAt) ?? micros(run.createdAt) ?? 0
          return {
            appId: run.appId,
            runId: run.id,
            boardId: run.boardId,
            start,
            end: micros(run.completedAt) ?? start,
            logLevel: runLevel(run),
            version: "",
            nodeId: run.nodeId ?? "",
            eventId: run.eventId ?? "",
            payload: [],
            isRemote: true
          }
        })
      }),
    /** A run without log lines (or an unknown run) has no log table: an empty list (`query_logs.rs`). */
    listBoardLogs: ({ params, principal, query }) =>
      Effect.gen(function*() {
        yield* authorizeApp(apps, principal, params.app)
        const keep = logFilter(query.query)
        if (keep === undefined) return yield* internalError()
        const run = runs.get(query.runId)
        if (run === undefined || run.appId !== params.app || run.boardId !== params.board) return []
        const streamed = stores.logs.get(run.id)?.flatMap((line) =>
          keep(rowOf(line.message, line.level, line.time))
            ? [{ message: line.message, logLevel: LEVELS[line.level] ?? "Info", start: line.time, end: line.time }]
            : []
        )
        const lines = streamed ?? run.events.flatMap((event) => {
          const message: unknown = typeof event.payload === "object" && event.payload !== null && "message" in event.payload
            ? event.payload.message
            : undefined
          if (typeof message !== "string" || (event.eventType !== "log" && event.eventType !== "error")) return []
          const level = event.eventType === "error" ? 3 : 1
          const time = new Date(event.createdAt)
          return keep(rowOf(message, level, time)) ? [{ message, logLevel: LEVELS[level] ?? "Info", start: time, end: time }] : []
        })
        const offset = query.offset ?? 0
        return lines.slice(offset, offset + (query.limit ?? 100))
      })
  }
}
