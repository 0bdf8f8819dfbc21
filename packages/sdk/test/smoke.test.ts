import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
describe("smoke", () => {
  it.effect("runs", () => Effect.gen(function*() { assert.strictEqual(process.version.slice(0, 3), "v24") }))
})
