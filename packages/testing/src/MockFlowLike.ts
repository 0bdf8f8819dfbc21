/**
 * Mock layers of the SDK's services for unit tests of code that uses them: give the operations your
 * code calls, and every other operation fails loudly with a defect naming itself.
 *
 * @example
 * ```ts
 * const layer = MockFlowLike.layer({
 *   workflows: {
 *     triggerWorkflow: () => Stream.fromIterable([MockFlowLike.workflowEvent("log", { message: "hi" })])
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, Redacted, Schema, Stream } from "effect"
import { Apps, Boards, Db, Execution, Models, Sinks, Usage, WorkflowEvent, Workflows, WorkflowsApi } from "@flow-like/effect"

/** Implementations for some operations of each service. */
export interface Implementations {
  readonly workflows?: Partial<Workflows.Workflows["Service"]> | undefined
  readonly execution?: Partial<Execution.Execution["Service"]> | undefined
  readonly models?: Partial<Models.Models["Service"]> | undefined
  readonly boards?: Partial<Boards.Boards["Service"]> | undefined
  readonly apps?: Partial<Apps.Apps["Service"]> | undefined
  readonly sinks?: Partial<Sinks.Sinks["Service"]> | undefined
  readonly usage?: Partial<Usage.Usage["Service"]> | undefined
}

const notMocked = (name: string) => `${name} was called but is not mocked: pass it to MockFlowLike.layer`

const workflowsDefaults: Workflows.Workflows["Service"] = {
  triggerWorkflow: () => Stream.die(notMocked("Workflows.triggerWorkflow")),
  triggerWorkflowAsync: () => Effect.die(notMocked("Workflows.triggerWorkflowAsync")),
  triggerEvent: () => Stream.die(notMocked("Workflows.triggerEvent")),
  triggerEventAsync: () => Effect.die(notMocked("Workflows.triggerEventAsync"))
}

const executionDefaults: Execution.Execution["Service"] = {
  getRunStatus: () => Effect.die(notMocked("Execution.getRunStatus")),
  pollExecution: () => Effect.die(notMocked("Execution.pollExecution")),
  watchRun: () => Stream.die(notMocked("Execution.watchRun")),
  awaitRun: () => Effect.die(notMocked("Execution.awaitRun"))
}

const modelsDefaults: Models.Models["Service"] = {
  chatCompletions: () => Effect.die(notMocked("Models.chatCompletions")),
  chatCompletionsStream: () => Stream.die(notMocked("Models.chatCompletionsStream")),
  embed: () => Effect.die(notMocked("Models.embed")),
  getUsage: () => Effect.die(notMocked("Models.getUsage")),
  searchBits: () => Effect.die(notMocked("Models.searchBits")),
  getBit: () => Effect.die(notMocked("Models.getBit")),
  listLlms: () => Effect.die(notMocked("Models.listLlms")),
  listEmbeddingModels: () => Effect.die(notMocked("Models.listEmbeddingModels"))
}

const boardsDefaults: Boards.Boards["Service"] = {
  listBoards: () => Effect.die(notMocked("Boards.listBoards")),
  getBoard: () => Effect.die(notMocked("Boards.getBoard")),
  upsertBoard: () => Effect.die(notMocked("Boards.upsertBoard")),
  deleteBoard: () => Effect.die(notMocked("Boards.deleteBoard")),
  prerunBoard: () => Effect.die(notMocked("Boards.prerunBoard")),
  runtimeVariables: () => Effect.die(notMocked("Boards.runtimeVariables")),
  getBoardVersions: () => Effect.die(notMocked("Boards.getBoardVersions")),
  versionBoard: () => Effect.die(notMocked("Boards.versionBoard")),
  executeCommands: () => Effect.die(notMocked("Boards.executeCommands")),
  listBoardRuns: () => Effect.die(notMocked("Boards.listBoardRuns")),
  allBoardRuns: () => Stream.die(notMocked("Boards.allBoardRuns")),
  listBoardLogs: () => Effect.die(notMocked("Boards.listBoardLogs")),
  allBoardLogs: () => Stream.die(notMocked("Boards.allBoardLogs"))
}

const appsDefaults: Apps.Apps["Service"] = {
  listApps: () => Effect.die(notMocked("Apps.listApps")),
  allApps: () => Stream.die(notMocked("Apps.allApps")),
  getApp: () => Effect.die(notMocked("Apps.getApp")),
  createApp: () => Effect.die(notMocked("Apps.createApp")),
  health: () => Effect.die(notMocked("Apps.health"))
}

const sinksDefaults: Sinks.Sinks["Service"] = {
  streamHttpSink: () => Stream.die(notMocked("Sinks.streamHttpSink")),
  triggerHttpSink: () => Effect.die(notMocked("Sinks.triggerHttpSink")),
  listSinks: () => Effect.die(notMocked("Sinks.listSinks")),
  listAppSinks: () => Effect.die(notMocked("Sinks.listAppSinks")),
  getSink: () => Effect.die(notMocked("Sinks.getSink")),
  updateSink: () => Effect.die(notMocked("Sinks.updateSink")),
  toggleSink: () => Effect.die(notMocked("Sinks.toggleSink"))
}

const usageDefaults: Usage.Usage["Service"] = {
  listLlmUsage: () => Effect.die(notMocked("Usage.listLlmUsage")),
  allLlmUsage: () => Stream.die(notMocked("Usage.allLlmUsage")),
  listEmbeddingUsage: () => Effect.die(notMocked("Usage.listEmbeddingUsage")),
  allEmbeddingUsage: () => Stream.die(notMocked("Usage.allEmbeddingUsage")),
  listExecutionUsage: () => Effect.die(notMocked("Usage.listExecutionUsage")),
  allExecutionUsage: () => Stream.die(notMocked("Usage.allExecutionUsage")),
  getUsageSummary: () => Effect.die(notMocked("Usage.getUsageSummary"))
}

/** Every mocked service of the SDK. */
export type MockedServices =
  | Workflows.Workflows
  | Execution.Execution
  | Models.Models
  | Boards.Boards
  | Apps.Apps
  | Sinks.Sinks
  | Usage.Usage

/** The SDK's services backed by the given implementations; an operation not given dies naming itself. */
export const layer = (implementations: Implementations = {}): Layer.Layer<MockedServices> =>
  Layer.mergeAll(
    Layer.succeed(Workflows.Workflows, Workflows.Workflows.of({ ...workflowsDefaults, ...implementations.workflows })),
    Layer.succeed(Execution.Execution, Execution.Execution.of({ ...executionDefaults, ...implementations.execution })),
    Layer.succeed(Models.Models, Models.Models.of({ ...modelsDefaults, ...implementations.models })),
    Layer.succeed(Boards.Boards, Boards.Boards.of({ ...boardsDefaults, ...implementations.boards })),
    Layer.succeed(Apps.Apps, Apps.Apps.of({ ...appsDefaults, ...implementations.apps })),
    Layer.succeed(Sinks.Sinks, Sinks.Sinks.of({ ...sinksDefaults, ...implementations.sinks })),
    Layer.succeed(Usage.Usage, Usage.Usage.of({ ...usageDefaults, ...implementations.usage }))
  )

const dbDefaults: Db.Db["Service"] = {
  getDbCredentialsRaw: () => Effect.die(notMocked("Db.getDbCredentialsRaw")),
  getDbCredentials: () => Effect.die(notMocked("Db.getDbCredentials")),
  listTables: () => Effect.die(notMocked("Db.listTables")),
  listRows: () => Effect.die(notMocked("Db.listRows")),
  iterateRows: () => Stream.die(notMocked("Db.iterateRows")),
  queryTable: () => Effect.die(notMocked("Db.queryTable")),
  getTableSchema: () => Effect.die(notMocked("Db.getTableSchema")),
  countItems: () => Effect.die(notMocked("Db.countItems")),
  addToTable: () => Effect.die(notMocked("Db.addToTable")),
  deleteFromTable: () => Effect.die(notMocked("Db.deleteFromTable"))
}

/** `Db` backed by the given operations; the others die naming themselves. */
export const dbLayer = (implementation: Partial<Db.Db["Service"]> = {}): Layer.Layer<Db.Db> =>
  Layer.succeed(Db.Db, Db.Db.of({ ...dbDefaults, ...implementation }))

let eventCounter = 0

/** A streamed event as the SDK would decode it from the server's frame. */
export const workflowEvent = (eventType: string, payload: unknown, timestamp = new Date(0)): WorkflowEvent.WorkflowEvent => {
  const envelope = { eventId: `mock-event-${++eventCounter}`, eventType, payload, timestamp }
  return WorkflowEvent.fromEnvelope(eventType, JSON.stringify(Schema.encodeSync(WorkflowsApi.InterComEvent)(envelope)), envelope)
}

/** A polled event as the SDK would decode it. */
export const runEvent = (sequence: number, eventType: string, payload: unknown): WorkflowEvent.RunEvent =>
  WorkflowEvent.fromPolled({ sequence, eventType, payload, createdAt: new Date(0).toISOString() })

/** An asynchronous invocation result. */
export const asyncInvocation = (runId: string, pollToken = `poll-token-${runId}`): Workflows.AsyncInvocation => ({
  runId,
  pollToken: Redacted.make(pollToken),
  status: "dispatched",
  backend: "http",
  raw: { run_id: runId, status: "dispatched", backend: "http" }
})
