import type { Effect } from "effect"
import { Latch } from "effect"

/** Named one-shot gates: once opened they stay open. */
export interface Gates {
  readonly open: (gate: string) => void
  readonly await: (gate: string) => Effect.Effect<void>
}

/** No gate open yet. */
export const makeGates = (): Gates => {
  const latches = new Map<string, Latch.Latch>()
  const latch = (gate: string): Latch.Latch => {
    const existing = latches.get(gate)
    if (existing !== undefined) return existing
    const created = Latch.makeUnsafe(false)
    latches.set(gate, created)
    return created
  }
  return {
    open: (gate) => {
      latch(gate).openUnsafe()
    },
    await: (gate) => latch(gate).await
  }
}
