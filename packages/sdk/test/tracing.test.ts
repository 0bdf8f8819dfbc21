import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream, Tracer } from "effect"
import { MockHttpClient } from "@flow-like/testing"
import { Execution, Workflows } from "../src/index.ts"
import { sdkLayer } from "./utils/mock.ts"

const recordingTracer = () => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span(options) {
      names.push(options.name)
      return Tracer.nativeTracer.span(options)
    }
  })
  return { names, tracer }
}

const requests = Effect.map(Effect.service(MockHttpClient.MockHttpClient), (mock) => mock.requests)

const answer: MockHttpClient.Handler = (request) =>
  request.url.includes("/invoke")
    ? MockHttpClient.runStream("r1", [["log", { message: "hi" }]])
    : MockHttpClient.runStatus({ runId: "r1", status: "Running" })

const work = Effect.gen(function*() {
  const execution = yield* Execution.Execution
  const workflows = yield* Workflows.Workflows
  yield* execution.getRunStatus("r1")
  yield* Stream.runDrain(workflows.triggerWorkflow("a", "b", "n"))
})

describe("tracing", () => {
  it.effect("sends no trace headers and makes no spans when no tracer is installed", () =>
    Effect.gen(function*() {
      yield* work
      for (const request of yield* requests) {
        assert.isUndefined(request.headers["traceparent"])
        assert.isUndefined(request.headers["b3"])
      }
    }).pipe(Effect.provide(sdkLayer(answer))))

  it.effect("makes a span per operation and per request under a tracer, still without trace headers", () => {
    const { names, tracer } = recordingTracer()
    return Effect.gen(function*() {
      yield* work.pipe(Effect.withTracer(tracer))
      assert.deepStrictEqual(names, ["Execution.getRunStatus", "GET", "Workflows.triggerWorkflow", "POST"])
      for (const request of yield* requests) assert.isUndefined(request.headers["traceparent"])
    }).pipe(Effect.provide(sdkLayer(answer)))
  })

  it.effect("sends trace headers under a tracer when tracePropagation is on", () => {
    const { tracer } = recordingTracer()
    return Effect.gen(function*() {
      yield* work.pipe(Effect.withTracer(tracer))
      const [first] = yield* requests
      assert.match(first?.headers["traceparent"] ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    }).pipe(Effect.provide(sdkLayer(answer, { tracePropagation: true })))
  })
})
