/**
 * Boards: list, read (latest or a pinned version), create or update, delete, version, pre-run
 * analysis (with a helper that turns values into the `runtimeVariables` an invocation needs), board
 * commands, and a board's runs and their logs, a page at a time or all of them as a `Stream`.
 *
 * The server's quirks this follows: `upsertBoard` with an id that is not a board of the app creates
 * a new board with a new id (the answer's `id`); an unknown board id on these routes is a 500
 * (`ServerError`), not a 404; versions are `[major, minor, patch]` in code and `1_0_3` in the query.
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as BoardCommands from "./api/BoardCommands.ts"
import * as BoardsApi from "./api/BoardsApi.ts"
import type { Variable } from "./api/WorkflowsApi.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { checkWhole, offsetPages } from "./internal/paging.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"
import type { BoardVersion, RuntimeVariable } from "./Workflows.ts"

/** A board, decoded; `raw` is the board as the server sent it (nodes, variables, ... included). */
export type Board = typeof BoardsApi.Board.Type & { readonly raw: unknown }

/** What `upsertBoard` may set; fields left out keep their value. */
export interface UpsertBoardOptions {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly stage?: typeof BoardsApi.Stage.Type | undefined
  readonly logLevel?: typeof BoardsApi.LogLevel.Type | undefined
  readonly executionMode?: typeof BoardsApi.ExecutionMode.Type | undefined
  /** A full board JSON (as `getBoard(...).raw`) to create a new board from. */
  readonly template?: unknown
}

/** Options of `getBoard` and `prerunBoard`. */
export interface VersionOptions {
  /** A pinned version instead of the latest. */
  readonly version?: BoardVersion | undefined
}

/** Options of `versionBoard`: which part of the version to bump (the server's default is `Patch`). */
export interface VersionBoardOptions {
  readonly versionType?: "Major" | "Minor" | "Patch" | undefined
}

/** The pre-run analysis: the runtime variables and OAuth providers a run needs, and where it can run. */
export type PrerunBoard = typeof BoardsApi.PrerunBoardResponse.Type & { readonly raw: unknown }

/** A runtime variable the board asks for. */
export type RuntimeVariableInfo = typeof BoardsApi.RuntimeVariableInfo.Type

/**
 * A board command, tagged by `commandType` (the wire's `command_type`): `AddNode`, `MoveNode`,
 * `ConnectPin`, `UpsertVariable`, ... Every variant's fields are typed (`api/BoardCommands.ts`).
 */
export type BoardCommand = typeof BoardCommands.BoardCommand.Type

/** A node of a board, as board commands carry it. */
export type BoardNode = typeof BoardCommands.Node.Type
/** A pin of a node or layer. */
export type BoardPin = typeof BoardCommands.Pin.Type
/** A comment on a board. */
export type BoardComment = typeof BoardCommands.Comment.Type
/** A layer of a board. */
export type BoardLayer = typeof BoardCommands.Layer.Type

/** One run of a board: `start`/`end` in Unix microseconds, `logLevel` its worst level (0 Debug to 4 Fatal). */
export type BoardRun = typeof BoardsApi.BoardRun.Type

/** One log line of a run. */
export type LogMessage = typeof BoardsApi.LogMessage.Type

/** Filters of `listBoardRuns`. */
export interface BoardRunsFilters {
  readonly nodeId?: string | undefined
  /** Runs created at or after this time. */
  readonly from?: Date | number | undefined
  /** Runs created at or before this time. */
  readonly to?: Date | number | undefined
  /** A log level number: runs whose worst level is this one (0 means Debug or Info). */
  readonly status?: number | undefined
  /** At most this many runs (the server's default is 100). */
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** Filters of `listBoardLogs`. */
export interface BoardLogsFilters {
  /**
   * A LanceDB SQL filter over the log table (`message`, `node_id`, `operation_id`, `log_level`,
   * `token_in`, `token_out`, `start`, `end`), e.g. `log_level >= 3`; one the server cannot run is a
   * `ServerError` (500).
   */
  readonly query?: string | undefined
  /** At most this many lines (the server's default is 100). */
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** Board reading, writing and history. */
export class Boards extends Context.Service<Boards, {
  /** Every board of the app (boards that fail to open are skipped by the server). */
  listBoards(appId: string): Effect.Effect<ReadonlyArray<Board>, FlowLikeError.FlowLikeError>
  /** One board, the latest or a pinned version. */
  getBoard(appId: string, boardId: string, options?: VersionOptions): Effect.Effect<Board, FlowLikeError.FlowLikeError>
  /** Creates or updates a board; returns its id, which is new when `boardId` was not a board of the app. */
  upsertBoard(appId: string, boardId: string, options?: UpsertBoardOptions): Effect.Effect<{ readonly id: string }, FlowLikeError.FlowLikeError>
  /** Deletes a board. */
  deleteBoard(appId: string, boardId: string): Effect.Effect<void, FlowLikeError.FlowLikeError>
  /** The runtime variables, OAuth providers and execution constraints of a run of this board. */
  prerunBoard(appId: string, boardId: string, options?: VersionOptions): Effect.Effect<PrerunBoard, FlowLikeError.FlowLikeError>
  /**
   * The `runtimeVariables` an invocation needs, from values by variable name or id: each value
   * becomes a full `Variable` whose default value is the value's JSON. A value for an unknown
   * variable, or a missing one, fails with `InvalidArgumentError` naming it.
   */
  runtimeVariables(
    prerun: Pick<PrerunBoard, "runtimeVariables">,
    values: Readonly<Record<string, unknown>>
  ): Effect.Effect<Readonly<Record<string, RuntimeVariable>>, FlowLikeError.FlowLikeError>
  /** The board's saved versions, `[major, minor, patch]` each. */
  getBoardVersions(appId: string, boardId: string): Effect.Effect<ReadonlyArray<BoardVersion>, FlowLikeError.FlowLikeError>
  /** Saves the current board as a new version and returns it. */
  versionBoard(appId: string, boardId: string, options?: VersionBoardOptions): Effect.Effect<BoardVersion, FlowLikeError.FlowLikeError>
  /**
   * Applies commands to the board, in order, and returns them as executed (with what they
   * replaced, e.g. `oldNode`). The server skips a command that fails (an unknown node, a pin that
   * cannot connect) and still answers 200 with it unchanged.
   */
  executeCommands(
    appId: string,
    boardId: string,
    commands: ReadonlyArray<BoardCommand>
  ): Effect.Effect<ReadonlyArray<BoardCommand>, FlowLikeError.FlowLikeError>
  /** One page of the board's runs, newest first. */
  listBoardRuns(appId: string, boardId: string, filters?: BoardRunsFilters): Effect.Effect<ReadonlyArray<BoardRun>, FlowLikeError.FlowLikeError>
  /** Every run matching the filters, paging with `limit` (default 100) from `offset`. */
  allBoardRuns(appId: string, boardId: string, filters?: BoardRunsFilters): Stream.Stream<BoardRun, FlowLikeError.FlowLikeError>
  /** One page of a run's log lines (none for a run that logged nothing yet). */
  listBoardLogs(
    appId: string,
    boardId: string,
    runId: string,
    filters?: BoardLogsFilters
  ): Effect.Effect<ReadonlyArray<LogMessage>, FlowLikeError.FlowLikeError>
  /** Every log line of a run matching the filters, paging with `limit` (default 100). */
  allBoardLogs(appId: string, boardId: string, runId: string, filters?: BoardLogsFilters): Stream.Stream<LogMessage, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Boards") {
  /** `Boards` over the configured transport. */
  static readonly layer: Layer.Layer<Boards, never, FlowLikeHttp> = Layer.effect(
    Boards,
    Effect.map(FlowLikeHttp, (http) => Boards.of(make(http)))
  )
}

const endpoints = BoardsApi.BoardsApi.endpoints
const PAGE_SIZE = 100
const DATA_TYPES = new Set(["Execution", "String", "Integer", "Float", "Boolean", "Date", "PathBuf", "Generic", "Struct", "Byte"])
const VALUE_TYPES = new Set(["Array", "Normal", "HashMap", "HashSet"])

const isVersionPart = (part: unknown) => Number.isInteger(part) && Number(part) >= 0 && Number(part) <= 4_294_967_295

/** `[1, 0, 3]` as the query's `1_0_3`. */
const versionQuery = (operation: string, version: BoardVersion | undefined) => {
  if (version === undefined) return Effect.succeed({})
  return Array.isArray(version) && version.length === 3 && version.every(isVersionPart)
    ? Effect.succeed({ version: version.join("_") })
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: version must be [major, minor, patch] of whole numbers`, operation))
}

const millisOf = (operation: string, name: string, value: Date | number | undefined) => {
  if (value === undefined) return Effect.succeed(undefined)
  const millis = value instanceof Date ? value.getTime() : value
  return Number.isInteger(millis) && millis >= 0
    ? Effect.succeed(millis)
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: ${name} must be a Date or Unix milliseconds`, operation))
}

const encoder = new TextEncoder()

/** The value's JSON text as bytes, as the server stores a variable's value. */
const valueBytes = (operation: string, name: string, value: unknown) => {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch {
    text = undefined
  }
  return text === undefined
    ? Effect.fail(FlowLikeError.invalidArgument(`${operation}: the value of ${name} cannot be written as JSON`, operation))
    : Effect.succeed(Array.from(encoder.encode(text)))
}

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Boards["Service"] => {
  const params = (appId: string, boardId: string) => ({ app: appId, board: boardId })

  const listBoardRuns = (operation: string, appId: string, boardId: string, filters: BoardRunsFilters) =>
    Effect.gen(function*() {
      yield* checkWhole(operation, "limit", filters.limit)
      yield* checkWhole(operation, "offset", filters.offset)
      if (filters.status !== undefined && !(Number.isInteger(filters.status) && filters.status >= 0 && filters.status <= 4)) {
        return yield* FlowLikeError.invalidArgument(`${operation}: status must be a log level from 0 to 4`, operation)
      }
      const request = yield* Endpoint.request(endpoints.listBoardRuns, {
        params: params(appId, boardId),
        query: {
          nodeId: filters.nodeId,
          from: yield* millisOf(operation, "from", filters.from),
          to: yield* millisOf(operation, "to", filters.to),
          status: filters.status,
          limit: filters.limit,
          offset: filters.offset
        }
      }, { operation })
      return yield* http.json(request, Endpoint.success(endpoints.listBoardRuns))
    })

  const listBoardLogs = (operation: string, appId: string, boardId: string, runId: string, filters: BoardLogsFilters) =>
    Effect.gen(function*() {
      yield* checkWhole(operation, "limit", filters.limit)
      yield* checkWhole(operation, "offset", filters.offset)
      if (typeof runId !== "string" || runId.trim() === "") {
        return yield* FlowLikeError.invalidArgument(`${operation}: runId must be a non-empty string`, operation)
      }
      const request = yield* Endpoint.request(endpoints.listBoardLogs, {
        params: params(appId, boardId),
        query: { runId, query: filters.query, limit: filters.limit, offset: filters.offset }
      }, { operation })
      return yield* http.json(request, Endpoint.success(endpoints.listBoardLogs))
    })

  const runtimeVariables: Boards["Service"]["runtimeVariables"] = (prerun, values) =>
    Effect.gen(function*() {
      const operation = "Boards.runtimeVariables"
      const wanted = prerun.runtimeVariables
      const byKey = new Map<string, RuntimeVariableInfo>()
      for (const variable of wanted) {
        byKey.set(variable.id, variable)
        if (!byKey.has(variable.name)) byKey.set(variable.name, variable)
      }
      const out: Record<string, RuntimeVariable> = {}
      for (const [key, value] of Object.entries(values)) {
        const info = byKey.get(key)
        if (info === undefined) {
          return yield* FlowLikeError.invalidArgument(
            `${operation}: the board has no runtime variable ${JSON.stringify(key)} (it asks for ${wanted.map((v) => JSON.stringify(v.name)).join(", ") || "none"})`,
            operation
          )
        }
        if (!DATA_TYPES.has(info.dataType) || !VALUE_TYPES.has(info.valueType)) {
          return yield* FlowLikeError.invalidArgument(
            `${operation}: the variable ${JSON.stringify(info.name)} has a type this SDK does not know (${info.dataType}/${info.valueType})`,
            operation
          )
        }
        const variable: typeof Variable.Type = {
          id: info.id,
          name: info.name,
          description: info.description,
          defaultValue: yield* valueBytes(operation, JSON.stringify(info.name), value),
          dataType: info.dataType as typeof Variable.Type["dataType"],
          valueType: info.valueType as typeof Variable.Type["valueType"],
          exposed: false,
          secret: info.secret,
          editable: false,
          schema: info.schema,
          runtimeConfigured: true
        }
        out[info.id] = variable
      }
      const missing = wanted.filter((variable) => out[variable.id] === undefined)
      if (missing.length > 0) {
        return yield* FlowLikeError.invalidArgument(
          `${operation}: no value for the runtime variable${missing.length === 1 ? "" : "s"} ${missing.map((v) => JSON.stringify(v.name)).join(", ")}`,
          operation
        )
      }
      return out
    })

  return {
    listBoards: (appId) =>
      withSpan("Boards.listBoards")(Effect.gen(function*() {
        const request = yield* Endpoint.request(endpoints.listBoards, { params: { app: appId } }, { operation: "Boards.listBoards" })
        const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.listBoards))
        const rawBoards = Array.isArray(raw) ? raw : []
        return value.map((board, index): Board => ({ ...board, raw: rawBoards[index] }))
      })),
    getBoard: (appId, boardId, options = {}) =>
      withSpan("Boards.getBoard")(Effect.gen(function*() {
        const operation = "Boards.getBoard"
        const query = yield* versionQuery(operation, options.version)
        const request = yield* Endpoint.request(endpoints.getBoard, { params: params(appId, boardId), query }, { operation })
        const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.getBoard))
        return { ...value, raw }
      })),
    upsertBoard: (appId, boardId, options = {}) =>
      withSpan("Boards.upsertBoard")(Effect.flatMap(
        Endpoint.request(endpoints.upsertBoard, {
          params: params(appId, boardId),
          payload: {
            name: options.name,
            description: options.description,
            stage: options.stage,
            logLevel: options.logLevel,
            executionMode: options.executionMode,
            template: options.template
          }
        }, { operation: "Boards.upsertBoard" }),
        (request) => http.json(request, Endpoint.success(endpoints.upsertBoard))
      )),
    deleteBoard: (appId, boardId) =>
      withSpan("Boards.deleteBoard")(Effect.flatMap(
        Endpoint.request(endpoints.deleteBoard, { params: params(appId, boardId) }, { operation: "Boards.deleteBoard", isIdempotent: true }),
        (request) => Effect.asVoid(http.json(request, Endpoint.success(endpoints.deleteBoard)))
      )),
    prerunBoard: (appId, boardId, options = {}) =>
      withSpan("Boards.prerunBoard")(Effect.gen(function*() {
        const operation = "Boards.prerunBoard"
        const query = yield* versionQuery(operation, options.version)
        const request = yield* Endpoint.request(endpoints.prerunBoard, { params: params(appId, boardId), query }, { operation })
        const { raw, value } = yield* http.jsonWithRaw(request, Endpoint.success(endpoints.prerunBoard))
        return { ...value, raw }
      })),
    runtimeVariables: (prerun, values) => withSpan("Boards.runtimeVariables")(runtimeVariables(prerun, values)),
    getBoardVersions: (appId, boardId) =>
      withSpan("Boards.getBoardVersions")(Effect.flatMap(
        Endpoint.request(endpoints.getBoardVersions, { params: params(appId, boardId) }, { operation: "Boards.getBoardVersions" }),
        (request) => http.json(request, Endpoint.success(endpoints.getBoardVersions))
      )),
    versionBoard: (appId, boardId, options = {}) =>
      withSpan("Boards.versionBoard")(Effect.flatMap(
        Endpoint.request(endpoints.versionBoard, {
          params: params(appId, boardId),
          query: { versionType: options.versionType }
        }, { operation: "Boards.versionBoard" }),
        (request) => http.json(request, Endpoint.success(endpoints.versionBoard))
      )),
    executeCommands: (appId, boardId, commands) =>
      withSpan("Boards.executeCommands")(Effect.flatMap(
        Endpoint.request(endpoints.executeCommands, { params: params(appId, boardId), payload: { commands } }, {
          operation: "Boards.executeCommands"
        }),
        (request) => http.json(request, Endpoint.success(endpoints.executeCommands))
      )),
    listBoardRuns: (appId, boardId, filters = {}) =>
      withSpan("Boards.listBoardRuns")(listBoardRuns("Boards.listBoardRuns", appId, boardId, filters)),
    allBoardRuns: (appId, boardId, filters = {}) =>
      withStreamSpan("Boards.allBoardRuns")(Stream.unwrap(Effect.map(
        checkWhole("Boards.allBoardRuns", "limit", filters.limit, 1),
        () =>
          offsetPages(filters.limit ?? PAGE_SIZE, filters.offset ?? 0, (offset, limit) =>
            listBoardRuns("Boards.allBoardRuns", appId, boardId, { ...filters, offset, limit }))
      ))),
    listBoardLogs: (appId, boardId, runId, filters = {}) =>
      withSpan("Boards.listBoardLogs")(listBoardLogs("Boards.listBoardLogs", appId, boardId, runId, filters)),
    allBoardLogs: (appId, boardId, runId, filters = {}) =>
      withStreamSpan("Boards.allBoardLogs")(Stream.unwrap(Effect.map(
        checkWhole("Boards.allBoardLogs", "limit", filters.limit, 1),
        () =>
          offsetPages(filters.limit ?? PAGE_SIZE, filters.offset ?? 0, (offset, limit) =>
            listBoardLogs("Boards.allBoardLogs", appId, boardId, runId, { ...filters, offset, limit }))
      )))
  }
}
