/**
 * The board routes: read, upsert, delete and version boards, their pre-run analysis, board
 * commands, and a board's runs and their logs.
 *
 * Versions travel in three shapes: `[1, 0, 3]` in JSON, `1_0_3` in the `version` query of
 * `GET …/board/{b}` and `…/prerun`, and `version_type=Major|Minor|Patch` when creating one.
 * An unknown board id on these routes is a 500 (`master_board` fails with an `anyhow` error).
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { nullable, SystemTime, U64, U8 } from "../internal/wire.ts"
import { bodyRouteErrors } from "./ApiErrors.ts"
import { ApiErrorsFor } from "../internal/routeErrors.ts"
import * as BoardCommands from "./BoardCommands.ts"
import { BoardVersion } from "./WorkflowsApi.ts"

const open = Schema.Record(Schema.String, Schema.Unknown)

/** A board's stage (`flow/board.rs`). */
export const Stage = Schema.Literals(["Dev", "Int", "QA", "PreProd", "Prod"]).annotate({ identifier: "Stage" })
/** A board's log level, a string on the wire (the server's OpenAPI document says integer). */
export const LogLevel = Schema.Literals(["Debug", "Info", "Warn", "Error", "Fatal"]).annotate({ identifier: "LogLevel" })
/** Where a board may run. */
export const ExecutionMode = Schema.Literals(["Hybrid", "Remote", "Local"]).annotate({ identifier: "ExecutionMode" })

/**
 * A `Board` (`packages/core/src/flow/board.rs`). Nodes, variables, comments, layers and refs are
 * kept as the server's JSON (snake_case); secret variables come with `default_value` nulled.
 */
export const Board = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  version: BoardVersion,
  stage: Schema.String,
  logLevel: Schema.String,
  executionMode: nullable(Schema.String),
  nodes: Schema.optional(open),
  variables: Schema.optional(open),
  comments: Schema.optional(open),
  layers: Schema.optional(open),
  refs: Schema.optional(Schema.Record(Schema.String, Schema.String)),
  viewport: Schema.optional(Schema.Tuple([Schema.Number, Schema.Number, Schema.Number])),
  pageIds: Schema.optional(Schema.Array(Schema.String)),
  createdAt: SystemTime,
  updatedAt: SystemTime
}).pipe(Schema.encodeKeys({
  logLevel: "log_level",
  executionMode: "execution_mode",
  pageIds: "page_ids",
  createdAt: "created_at",
  updatedAt: "updated_at"
})).annotate({ identifier: "Board" })

/** `UpsertBoard` (`board/upsert_board.rs`): only the given fields change; `template` is a full board JSON for a new board. */
export const UpsertBoard = Schema.Struct({
  name: nullable(Schema.String),
  description: nullable(Schema.String),
  stage: nullable(Stage),
  logLevel: nullable(LogLevel),
  executionMode: nullable(ExecutionMode),
  template: nullable(Schema.Unknown)
}).pipe(Schema.encodeKeys({ logLevel: "log_level", executionMode: "execution_mode" })).annotate({
  identifier: "UpsertBoard"
})

/** The upsert's answer: the board's id (a new one when the path id was not a board of the app). */
export const UpsertBoardResponse = Schema.Struct({ id: Schema.String }).annotate({ identifier: "UpsertBoardResponse" })

/** `?version=1_0_3` (`get_board.rs`, `prerun_board.rs`). */
export const VersionQuery = Schema.Struct({
  version: Schema.optional(Schema.String)
})

/** `?version_type=` (`version_board.rs`, default `Patch`). */
export const VersionTypeQuery = Schema.Struct({
  versionType: Schema.optional(Schema.Literals(["Major", "Minor", "Patch"]))
}).pipe(Schema.encodeKeys({ versionType: "version_type" }))

/** A runtime variable a board asks for before it runs (`prerun_board.rs`). */
export const RuntimeVariableInfo = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: nullable(Schema.String),
  /** `Debug` of the variable's type, e.g. `String`. */
  dataType: Schema.String,
  valueType: Schema.String,
  secret: Schema.Boolean,
  schema: nullable(Schema.String)
}).pipe(Schema.encodeKeys({ dataType: "data_type", valueType: "value_type" })).annotate({ identifier: "RuntimeVariableInfo" })

/** An OAuth provider a board needs, and its scopes. */
export const OAuthRequirement = Schema.Struct({
  providerId: Schema.String,
  scopes: Schema.Array(Schema.String)
}).pipe(Schema.encodeKeys({ providerId: "provider_id" })).annotate({ identifier: "OAuthRequirement" })

/** `PrerunBoardResponse` (`prerun_board.rs`). */
export const PrerunBoardResponse = Schema.Struct({
  runtimeVariables: Schema.Array(RuntimeVariableInfo),
  oauthRequirements: Schema.Array(OAuthRequirement),
  requiresLocalExecution: Schema.Boolean,
  executionMode: Schema.String,
  canExecuteLocally: Schema.Boolean,
  hasWasmNodes: Schema.optional(Schema.Boolean),
  wasmPackageIds: Schema.optional(Schema.Array(Schema.String)),
  wasmPackagePermissions: Schema.optional(Schema.Record(Schema.String, Schema.Array(Schema.String)))
}).pipe(Schema.encodeKeys({
  runtimeVariables: "runtime_variables",
  oauthRequirements: "oauth_requirements",
  requiresLocalExecution: "requires_local_execution",
  executionMode: "execution_mode",
  canExecuteLocally: "can_execute_locally",
  hasWasmNodes: "has_wasm_nodes",
  wasmPackageIds: "wasm_package_ids",
  wasmPackagePermissions: "wasm_package_permissions"
})).annotate({ identifier: "PrerunBoardResponse" })

/** `GenericCommand`, internally tagged by `command_type` (`commandType` in code); every variant is typed in `BoardCommands.ts`. */
export const BoardCommand = BoardCommands.BoardCommand

/** One board command, in code. */
export type BoardCommandType = typeof BoardCommand.Type

/** The commands' body. */
export const ExecuteCommands = Schema.Struct({ commands: Schema.Array(BoardCommand) }).annotate({ identifier: "ExecuteCommands" })

/** `GET …/runs` filters (`board/get_runs.rs`): `from`/`to` in Unix milliseconds, `status` a log level number (0 = Debug or Info). */
export const RunsQuery = Schema.Struct({
  nodeId: Schema.optional(Schema.String),
  from: Schema.optional(U64),
  to: Schema.optional(U64),
  status: Schema.optional(U8),
  limit: Schema.optional(U64),
  offset: Schema.optional(U64)
}).pipe(Schema.encodeKeys({ nodeId: "node_id" }))

/** One run of a board (`LogMeta`): `start`/`end` in Unix microseconds, `log_level` the run's worst level (0-4). */
export const BoardRun = Schema.Struct({
  appId: Schema.String,
  runId: Schema.String,
  boardId: Schema.String,
  start: U64,
  end: U64,
  logLevel: U8,
  version: Schema.String,
  nodes: nullable(Schema.Array(Schema.Tuple([Schema.String, U8]))),
  logs: nullable(U64),
  nodeId: Schema.String,
  eventVersion: nullable(Schema.String),
  eventId: Schema.optional(Schema.String),
  payload: Schema.Array(U8),
  isRemote: Schema.optional(Schema.Boolean)
}).pipe(Schema.encodeKeys({
  appId: "app_id",
  runId: "run_id",
  boardId: "board_id",
  logLevel: "log_level",
  nodeId: "node_id",
  eventVersion: "event_version",
  eventId: "event_id",
  isRemote: "is_remote"
})).annotate({ identifier: "BoardRun" })

/** `GET …/logs` (`board/query_logs.rs`): `run_id` is required; `query` is a LanceDB SQL filter. */
export const LogsQuery = Schema.Struct({
  runId: Schema.String,
  query: Schema.optional(Schema.String),
  limit: Schema.optional(U64),
  offset: Schema.optional(U64)
}).pipe(Schema.encodeKeys({ runId: "run_id" }))

/** A log line's token counts and the bits it used. */
export const LogStat = Schema.Struct({
  tokenIn: nullable(U64),
  tokenOut: nullable(U64),
  bitIds: nullable(Schema.Array(Schema.String))
}).pipe(Schema.encodeKeys({ tokenIn: "token_in", tokenOut: "token_out", bitIds: "bit_ids" })).annotate({ identifier: "LogStat" })

/** One log line of a run (`LogMessage`, `core/flow/execution/log.rs`). */
export const LogMessage = Schema.Struct({
  message: Schema.String,
  operationId: nullable(Schema.String),
  nodeId: nullable(Schema.String),
  logLevel: Schema.String,
  stats: nullable(LogStat),
  start: SystemTime,
  end: SystemTime
}).pipe(Schema.encodeKeys({ operationId: "operation_id", nodeId: "node_id", logLevel: "log_level" })).annotate({
  identifier: "LogMessage"
})

const boardParams = { app: Schema.String, board: Schema.String }
const readErrors = ApiErrorsFor.read

/** The board routes. */
export const BoardsApi = HttpApiGroup.make("boards")
  .add(
    HttpApiEndpoint.get("listBoards", "/apps/:app/board", {
      params: { app: Schema.String },
      success: Schema.Array(Board),
      error: readErrors
    }),
    HttpApiEndpoint.get("getBoard", "/apps/:app/board/:board", {
      params: boardParams,
      query: VersionQuery,
      success: Board,
      error: readErrors
    }),
    HttpApiEndpoint.put("upsertBoard", "/apps/:app/board/:board", {
      params: boardParams,
      payload: UpsertBoard,
      success: UpsertBoardResponse,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.delete("deleteBoard", "/apps/:app/board/:board", {
      params: boardParams,
      success: Schema.Null,
      error: readErrors
    }),
    HttpApiEndpoint.patch("versionBoard", "/apps/:app/board/:board", {
      params: boardParams,
      query: VersionTypeQuery,
      success: BoardVersion,
      error: readErrors
    }),
    HttpApiEndpoint.post("executeCommands", "/apps/:app/board/:board", {
      params: boardParams,
      payload: ExecuteCommands,
      success: Schema.Array(BoardCommand),
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.get("getBoardVersions", "/apps/:app/board/:board/version", {
      params: boardParams,
      success: Schema.Array(BoardVersion),
      error: readErrors
    }),
    HttpApiEndpoint.get("prerunBoard", "/apps/:app/board/:board/prerun", {
      params: boardParams,
      query: VersionQuery,
      success: PrerunBoardResponse,
      error: readErrors
    }),
    HttpApiEndpoint.get("listBoardRuns", "/apps/:app/board/:board/runs", {
      params: boardParams,
      query: RunsQuery,
      success: Schema.Array(BoardRun),
      error: readErrors
    }),
    HttpApiEndpoint.get("listBoardLogs", "/apps/:app/board/:board/logs", {
      params: boardParams,
      query: LogsQuery,
      success: Schema.Array(LogMessage),
      error: readErrors
    })
  )
