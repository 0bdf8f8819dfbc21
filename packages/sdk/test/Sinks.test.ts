/**
 * The sink trigger's body limit (the Effect shape): the server reads at most 10 MiB of a sink body
 * (`axum::body::to_bytes(body, 10 * 1024 * 1024)` in `sink/trigger.rs`), so a larger JSON body
 * fails with `InvalidArgumentError` before anything is sent, and one of exactly 10 MiB is sent.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { MockHttpClient } from "@flow-like/testing"
import { Sinks } from "../src/index.ts"
import * as Fixtures from "./fixtures/index.ts"
import { sdkLayer } from "./utils/mock.ts"

const LIMIT = 10 * 1024 * 1024

/** A JSON string body whose encoded JSON text is `bytes` long in UTF-8 (`é` is two bytes). */
const bodyOf = (bytes: number, char: "x" | "é" = "x"): string => {
  const width = char === "x" ? 1 : 2
  const inner = bytes - 2
  return char.repeat(Math.floor(inner / width)) + "x".repeat(inner % width)
}

const byteLength = (body: string) => Buffer.byteLength(JSON.stringify(body))

describe("Sinks: the 10 MiB body limit", () => {
  it("the bodies used below are what they say", () => {
    assert.strictEqual(byteLength(bodyOf(LIMIT)), LIMIT)
    assert.strictEqual(byteLength(bodyOf(LIMIT + 1)), LIMIT + 1)
    assert.strictEqual(byteLength(bodyOf(LIMIT + 1, "é")), LIMIT + 1)
    assert.isBelow(JSON.stringify(bodyOf(LIMIT + 1, "é")).length, LIMIT)
  })

  it.effect("a body over the limit (counted in UTF-8 bytes, not characters) fails before sending, in both trigger methods", () =>
    Effect.gen(function*() {
      let sent = 0
      const layer = sdkLayer(() => {
        sent += 1
        return MockHttpClient.sse([Fixtures.sseBoardRun])
      })
      for (const body of [bodyOf(LIMIT + 1), bodyOf(LIMIT + 1, "é")]) {
        const triggered = yield* Effect.flip(
          Effect.flatMap(Effect.service(Sinks.Sinks), (sinks) => sinks.triggerHttpSink("app1", "hook", { body })).pipe(Effect.provide(layer))
        )
        assert.strictEqual(triggered.reason._tag, "InvalidArgumentError")
        assert.include(triggered.message, "10 MB limit")
        assert.include(triggered.message, "Sinks.triggerHttpSink")
        const streamed = yield* Effect.flip(
          Stream.runDrain(Stream.unwrap(Effect.map(Effect.service(Sinks.Sinks), (sinks) => sinks.streamHttpSink("app1", "hook", { body })))).pipe(
            Effect.provide(layer)
          )
        )
        assert.strictEqual(streamed.reason._tag, "InvalidArgumentError")
        assert.include(streamed.message, "Sinks.streamHttpSink")
      }
      assert.strictEqual(sent, 0)
    }))

  it.effect("a body of exactly 10 MiB is sent whole", () =>
    Effect.gen(function*() {
      const lengths: Array<number> = []
      const result = yield* Effect.flatMap(Effect.service(Sinks.Sinks), (sinks) => sinks.triggerHttpSink("app1", "hook", { body: bodyOf(LIMIT) })).pipe(
        Effect.provide(sdkLayer((request) => {
          lengths.push(Buffer.byteLength(request.body ?? ""))
          return MockHttpClient.sse([Fixtures.sseBoardRun])
        }))
      )
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(lengths, [LIMIT])
    }))
})
