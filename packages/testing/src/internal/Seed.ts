import { Predicate } from "effect"
import { cuid } from "./Ids.ts"
import type { BoardStep, RunInput, SeedInfo } from "./Model.ts"
import type { Boards } from "./stores/Boards.ts"
import type { Events } from "./stores/Events.ts"

const startNode = "start"

const nameIn = (payload: unknown): string =>
  Predicate.hasProperty(payload, "name") && Predicate.isString(payload.name) ? payload.name : "world"

/** ~150 ms of logs, node-state updates, progress and a custom event, so streaming is visible. */
const helloSteps = (input: RunInput): ReadonlyArray<BoardStep> => [
  { type: "log", message: "Hello from the Flow-Like dev server" },
  { type: "nodeState", nodeIds: [startNode], method: "add" },
  { type: "progress", id: "hello", message: "Reading the payload", progress: 0 },
  { type: "sleep", millis: 50 },
  { type: "log", message: `Payload: ${JSON.stringify(input.payload ?? null)}` },
  { type: "nodeState", nodeIds: [startNode], method: "remove" },
  { type: "nodeState", nodeIds: ["greet"], method: "add" },
  { type: "progress", id: "hello", message: "Greeting", progress: 50 },
  { type: "sleep", millis: 50 },
  {
    type: "event",
    eventType: "generic_result",
    payload: { greeting: `Hello, ${nameIn(input.payload)}!`, payload: input.payload ?? null }
  },
  { type: "nodeState", nodeIds: ["greet"], method: "remove" },
  { type: "progress", id: "hello", message: "Done", progress: 100, done: true },
  { type: "sleep", millis: 50 }
]

/** ~2 s: progress 0 to 100 in steps of 10. */
const slowSteps: ReadonlyArray<BoardStep> = [
  { type: "log", message: "Starting a slow job" },
  ...Array.from({ length: 11 }, (_, index): ReadonlyArray<BoardStep> => [
    { type: "progress", id: "slow", message: `Step ${index} of 10`, progress: index * 10, done: index === 10 },
    ...(index < 10 ? [{ type: "sleep", millis: 200 } as const] : [])
  ]).flat(),
  { type: "log", message: "Slow job finished" }
]

const failingSteps: ReadonlyArray<BoardStep> = [
  { type: "log", message: "Starting a board that fails" },
  { type: "sleep", millis: 50 },
  { type: "fail", message: "Node 'explode' failed: something went wrong" }
]

export const seedIds = (appId: string): SeedInfo => ({
  appId,
  foreignAppId: cuid(),
  boardId: cuid(),
  nodeId: startNode,
  eventId: cuid(),
  slowBoardId: cuid(),
  failingBoardId: cuid()
})

/** Registers the demo boards and event of `seed` in its home app. */
export const seedDemo = (stores: { readonly boards: Boards; readonly events: Events }, seed: SeedInfo): void => {
  const { boards, events } = stores
  boards.add(seed.appId, { id: seed.boardId, name: "hello", nodeIds: [startNode], steps: helloSteps })
  boards.add(seed.appId, { id: seed.slowBoardId, name: "slow", nodeIds: [startNode], steps: slowSteps })
  boards.add(seed.appId, { id: seed.failingBoardId, name: "failing", nodeIds: [startNode], steps: failingSteps })
  events.add(seed.appId, { id: seed.eventId, boardId: seed.boardId, nodeId: startNode, name: "hello-event" })
}
