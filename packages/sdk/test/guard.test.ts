/**
 * The fast paths of hot decoders must agree with the declared schemas: a compiled guard says yes
 * exactly when `Schema.is` does, and the fast envelope decoder gives what the full decode gives.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { ExecutionApi, ModelsApi, WorkflowsApi } from "../src/index.ts"
import { guardOf } from "../src/internal/guard.ts"
import { decodeAsyncInvocation, decodeEmbedResponse, decodePollResponse, decodeRunStatus } from "../src/internal/fastWire.ts"
import { decodeInterComEvent } from "../src/internal/runStream.ts"
import { fastDecoderOf } from "../src/internal/wire.ts"
import * as Fixtures from "./fixtures/index.ts"

const envelopes = [Fixtures.sseBoardRun, Fixtures.sseBoardFailed, Fixtures.sseTimeout, Fixtures.sseUnknownBoard]
  .flatMap((transcript) => transcript.split("\n"))
  .filter((line) => line.startsWith("data: {\"event_id\""))
  .map((line): unknown => JSON.parse(line.slice("data: ".length)))

/** Each fixture envelope, and versions of it broken one field at a time. */
const variants = (value: unknown): Array<unknown> => {
  if (typeof value !== "object" || value === null) return [value]
  const record = value as Record<string, unknown>
  const broken = Object.keys(record).flatMap((key) => [
    { ...record, [key]: undefined },
    { ...record, [key]: 42 },
    { ...record, [key]: "text" },
    { ...record, [key]: null },
    Object.fromEntries(Object.entries(record).filter(([name]) => name !== key))
  ])
  return [value, ...broken, [], null, "x", { ...record, timestamp: { secs_since_epoch: "1", nanos_since_epoch: 0 } }]
}

describe("compiled guards", () => {
  it("agree with Schema.is on the wire side of InterComEvent, for fixtures and broken copies", () => {
    const fast = guardOf(WorkflowsApi.InterComEvent, "encoded")
    const slow = Schema.is(Schema.toEncoded(WorkflowsApi.InterComEvent))
    let checked = 0
    for (const envelope of envelopes) {
      for (const value of variants(envelope)) {
        assert.strictEqual(fast(value), slow(value), JSON.stringify(value))
        checked++
      }
    }
    assert.isAbove(checked, 100)
  })

  it("agree with Schema.is on PolledEvent and PollResponse pages", () => {
    for (const schema of [ExecutionApi.PollResponse, ExecutionApi.PolledEvent] as const) {
      const fast = guardOf(schema as Schema.Codec<unknown, unknown>, "encoded")
      const slow = Schema.is(Schema.toEncoded(schema as Schema.Codec<unknown, unknown>))
      for (const page of [Fixtures.pollEvents, Fixtures.pollCompleted, Fixtures.pollFailed].map((text): unknown => JSON.parse(text))) {
        const values = schema === ExecutionApi.PollResponse ? variants(page) : variants((page as { events: Array<unknown> }).events[0])
        for (const value of values) assert.strictEqual(fast(value), slow(value), JSON.stringify(value))
      }
    }
  })

  it("decodes envelopes fast exactly as the declared schema does", () => {
    const full = Schema.decodeUnknownResult(WorkflowsApi.InterComEvent)
    for (const envelope of envelopes) {
      for (const value of variants(envelope)) {
        const slow = full(value)
        const fast = decodeInterComEvent(value)
        if (Result.isSuccess(slow)) assert.deepStrictEqual(fast, slow.success)
        else assert.isUndefined(fast)
      }
    }
  })

  it("decodes run status, poll pages and async invocations fast exactly as the declared endpoints do", () => {
    const cases = [
      [decodeRunStatus, ExecutionApi.ExecutionApi.endpoints.getRunStatus, [Fixtures.runStatusPending, Fixtures.runStatusRunning, Fixtures.runStatusCompleted, Fixtures.runStatusCompletedStream, Fixtures.runStatusFailed]],
      [decodePollResponse, ExecutionApi.ExecutionApi.endpoints.poll, [Fixtures.pollEvents, Fixtures.pollCompleted, Fixtures.pollFailed]],
      [decodeAsyncInvocation, WorkflowsApi.WorkflowsApi.endpoints.invokeBoardAsync, [Fixtures.invokeAsync, Fixtures.invokeAsyncLambda]]
    ] as const
    let checked = 0
    for (const [fast, endpoint, texts] of cases) {
      const schema = [...endpoint.success][0] as Schema.Codec<unknown, unknown>
      assert.strictEqual(fastDecoderOf(schema), fast, `${endpoint.identifier} uses its fast decoder`)
      const full = Schema.decodeUnknownResult(schema)
      for (const text of texts) {
        for (const variant of variants(JSON.parse(text))) {
          const value: unknown = JSON.parse(JSON.stringify(variant) ?? "null")
          const slow = full(value)
          const quick = fast(value)
          if (Result.isSuccess(slow)) assert.deepStrictEqual(quick, slow.success, JSON.stringify(value))
          else assert.isUndefined(quick, JSON.stringify(value))
          checked++
        }
      }
    }
    assert.isAbove(checked, 300)
  })

  it("decodes embed answers fast exactly as the declared schema does", () => {
    assert.strictEqual(fastDecoderOf(ModelsApi.EmbedResponse), decodeEmbedResponse)
    const full = Schema.decodeUnknownResult(ModelsApi.EmbedResponse)
    const answer = JSON.parse(Fixtures.embed) as Record<string, unknown>
    const vectors = answer["embeddings"] as Array<Array<unknown>>
    const broken = [
      { ...answer, embeddings: [[...(vectors[0] ?? []), "x"]] },
      { ...answer, embeddings: [null] },
      { ...answer, embeddings: [] }
    ]
    let checked = 0
    for (const variant of [...variants(answer), ...broken]) {
      const value: unknown = JSON.parse(JSON.stringify(variant) ?? "null")
      const slow = full(value)
      const quick = decodeEmbedResponse(value)
      if (Result.isSuccess(slow)) assert.deepStrictEqual(quick, slow.success, JSON.stringify(value))
      else assert.isUndefined(quick, JSON.stringify(value))
      checked++
    }
    assert.isAbove(checked, 15)
  })
})
