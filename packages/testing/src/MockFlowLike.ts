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
import { Db, Execution, Models, WorkflowEvent, Workflows, WorkflowsApi } from "@flow-like/effect"

/** Implementations for some operations of each service. */
export interface Implementations {
  readonly workflows?: Partial<Workflows.Workflows["Service"]> | undefined
  readonly execution?: Partial<Execution.Execution["Service"]> | undefined
  readonly models?: Partial<Models.Models["Service"]> | undefined
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

/** `Workflows`, `Execution` and `Models` backed by the given implementations. */
export const layer = (
  implementations: Implementations = {}
): Layer.Layer<Workflows.Workflows | Execution.Execution | Models.Models> =>
  Layer.mergeAll(
    Layer.succeed(Workflows.Workflows, Workflows.Workflows.of({ ...workflowsDefaults, ...implementations.workflows })),
    Layer.succeed(Execution.Execution, Execution.Execution.of({ ...executionDefaults, ...implementations.execution })),
    Layer.succeed(Models.Models, Models.Models.of({ ...modelsDefaults, ...implementations.models }))
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
