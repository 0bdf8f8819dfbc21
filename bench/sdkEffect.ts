/**
 * The Effect services' side of every measured path (`FlowLike.layer`, `Workflows`, `Execution`,
 * `Models`), importing nothing of the Promise client. Effect and the SDK are imported by module, as
 * a Node program that is not bundled should: the `effect` and `@flow-like/effect` barrels load every
 * module of both (see `sdkEffectBarrels.ts`, measured beside it in path 3b).
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import * as Execution from "@flow-like/effect/Execution"
import * as FlowLike from "@flow-like/effect/FlowLike"
import * as Models from "@flow-like/effect/Models"
import * as Workflows from "@flow-like/effect/Workflows"
import { APP_ID, CHAT_MESSAGES, EMBED_MODEL, INVOKE_PAYLOAD, NODE_ID, PAT, sseBoard, STATUS_RUN_ID } from "./protocol.ts"
import { checkStatus, checkVectors } from "./sdkChecks.ts"
import type { OnEvent } from "./sdkClient.ts"

export const makeRuntime = (baseUrl: string) => ManagedRuntime.make(FlowLike.layer({ baseUrl, pat: PAT }))

export type SdkRuntime = ReturnType<typeof makeRuntime>

// ---- getRunStatus ----------------------------------------------------------------------------

/** `n` sequential `getRunStatus` calls in one Effect program, each timed (ms). */
export const effectStatusLatencies = Effect.fnUntraced(function*(n: number) {
  const execution = yield* Execution.Execution
  const latencies: Array<number> = []
  for (let index = 0; index < n; index++) {
    const started = performance.now()
    checkStatus(yield* execution.getRunStatus(STATUS_RUN_ID))
    latencies.push(performance.now() - started)
  }
  return latencies
})

/** `total` `getRunStatus` calls, `concurrency` at a time. */
export const effectStatusConcurrent = Effect.fnUntraced(function*(total: number, concurrency: number) {
  const execution = yield* Execution.Execution
  yield* Effect.forEach(
    Array.from({ length: total }, (_, index) => index),
    () => Effect.map(execution.getRunStatus(STATUS_RUN_ID), checkStatus),
    { concurrency, discard: true }
  )
})

// ---- triggerWorkflow ---------------------------------------------------------------------------

/** Streams a run of `events` events to its end; returns how many events arrived. */
export const effectTrigger = Effect.fnUntraced(function*(events: number, onEvent?: OnEvent) {
  const workflows = yield* Workflows.Workflows
  let count = 0
  yield* workflows.triggerWorkflow(APP_ID, sseBoard(events), NODE_ID, INVOKE_PAYLOAD).pipe(
    Stream.runForEach(() => {
      count++
      onEvent?.(count)
      return Effect.void
    })
  )
  return count
})

// ---- watchRun ----------------------------------------------------------------------------------

/** Watches the run of the poll token to its end; returns how many events arrived. */
export const effectWatch = Effect.fnUntraced(function*(pollToken: string, onEvent?: OnEvent) {
  const execution = yield* Execution.Execution
  let count = 0
  yield* execution.watchRun(pollToken, { waitSeconds: 10 }).pipe(
    Stream.runForEach(() => {
      count++
      onEvent?.(count)
      return Effect.void
    })
  )
  return count
})

// ---- chat stream -------------------------------------------------------------------------------

/** Reads a streamed chat answer to `[DONE]`; returns how many chunks arrived. */
export const effectChat = Effect.fnUntraced(function*(model: string, onChunk?: OnEvent) {
  const models = yield* Models.Models
  let count = 0
  yield* models.chatCompletionsStream({ bitId: model, messages: CHAT_MESSAGES }).pipe(
    Stream.runForEach(() => {
      count++
      onChunk?.(count)
      return Effect.void
    })
  )
  return count
})

// ---- embed -------------------------------------------------------------------------------------

/** Embeds the inputs in batches of `batchSize`, 4 at a time (the SDK's default concurrency). */
export const effectEmbed = Effect.fnUntraced(function*(input: ReadonlyArray<string>, batchSize: number) {
  const models = yield* Models.Models
  const { embeddings } = yield* models.embed({ bitId: EMBED_MODEL, input, batchSize, concurrency: 4 })
  checkVectors(input.length, embeddings)
})
