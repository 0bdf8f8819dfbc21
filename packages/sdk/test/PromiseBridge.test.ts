import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Stream } from "effect"
import { PromiseBridge } from "../src/index.ts"

describe("PromiseBridge", () => {
  it("abortedError names a text reason or an error's message, not the plain AbortError", () => {
    const withReason = (reason?: unknown) => {
      const controller = new AbortController()
      controller.abort(reason)
      return PromiseBridge.abortedError(controller.signal)
    }
    assert.strictEqual(withReason("the client was closed").message, "The operation was aborted: the client was closed")
    assert.strictEqual(withReason(new Error("user left")).message, "The operation was aborted: user left")
    assert.strictEqual(withReason().message, "The operation was aborted")
    assert.strictEqual(withReason().reason._tag, "AbortedError")
  })

  it("callOptions reads the timeout in milliseconds", () => {
    const options = PromiseBridge.callOptions({ timeout: 1500, maxRetries: 1, headers: { "x-a": "1" } })
    assert.isTrue(Duration.equals(Duration.fromInputUnsafe(options.timeout ?? 0), Duration.millis(1500)))
    assert.strictEqual(options.maxRetries, 1)
    assert.deepStrictEqual(options.headers, { "x-a": "1" })
    assert.isUndefined(PromiseBridge.callOptions(undefined).timeout)
  })

  it.effect("whenAborted ends a stream with AbortedError when the signal fires, and at once if it has", () =>
    Effect.gen(function*() {
      const controller = new AbortController()
      const fiber = yield* Stream.runDrain(Stream.interruptWhen(Stream.never, PromiseBridge.whenAborted(controller.signal))).pipe(
        Effect.flip,
        Effect.forkChild
      )
      yield* Effect.yieldNow
      controller.abort("stop")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "AbortedError")
      assert.include(error.message, "stop")
      const already = yield* Effect.flip(Stream.runDrain(Stream.interruptWhen(Stream.never, PromiseBridge.whenAborted(controller.signal))))
      assert.strictEqual(already.reason._tag, "AbortedError")
    }))
})
