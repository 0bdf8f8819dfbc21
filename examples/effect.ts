/**
 * The Effect side of the SDK against the embedded dev server: services from a layer, typed events
 * as a Stream, a run followed by long polling, errors handled by reason, and Flow-Like as an Effect
 * AI provider (`LanguageModel.generateText`).
 * Run it with `node examples/effect.ts` after `pnpm build`.
 */
import { Console, Effect, Layer, Stream } from "effect"
import { LanguageModel } from "effect/ai"
import { Execution, FlowLike, FlowLikeLanguageModel, Workflows } from "@flow-like/effect"
import { DevServer, DevServerService } from "@flow-like/testing"

const program = Effect.gen(function*() {
  const dev = yield* DevServerService
  const workflows = yield* Workflows.Workflows
  const execution = yield* Execution.Execution

  yield* workflows.triggerWorkflow(dev.seed.appId, dev.seed.boardId, dev.seed.nodeId, { key: "value" }).pipe(
    Stream.filter((event) => event._tag === "Log"),
    Stream.runForEach((event) => Console.log(`log: ${event._tag === "Log" ? event.message : ""}`))
  )

  const run = yield* workflows.triggerWorkflowAsync(dev.seed.appId, dev.seed.slowBoardId, dev.seed.nodeId)
  const outcome = yield* execution.awaitRun(run.pollToken)
  yield* Console.log(`run ${outcome.runId}: ${outcome.status} after ${outcome.events.length} events`)

  yield* execution.getRunStatus("no-such-run").pipe(
    Effect.catchReason("FlowLikeError", "NotFoundError", (reason) => Console.log(`not found: ${reason.url}`))
  )

  const answer = yield* LanguageModel.generateText({ prompt: "Hello from Effect AI" }).pipe(
    Effect.provide(FlowLikeLanguageModel.model(dev.seed.bits.llmBitId))
  )
  yield* Console.log(`generateText: ${answer.text}`)
})

const layer = Layer.unwrap(
  Effect.map(DevServerService, (dev) => FlowLike.layer({ baseUrl: dev.url, pat: dev.pat }))
).pipe(Layer.provideMerge(DevServer.layer()))

Effect.runPromise(program.pipe(Effect.provide(layer)))
