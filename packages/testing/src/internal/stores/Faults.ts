import { Context } from "effect"
import type { Fault, FaultRule } from "../Model.ts"

/** Set for a request hit by a `dropMidStream` fault: SSE handlers break off after this many events. */
export const StreamDropAfter = Context.Reference<number | undefined>(
  "@flow-like/testing/DevServer/StreamDropAfter",
  { defaultValue: () => undefined }
)

/** Injected faults, each applied to at most `times` matching requests, first matching rule first. */
export interface Faults {
  readonly inject: (rule: FaultRule) => void
  readonly clear: () => void
  /** The fault for this request, if any, consuming one use of its rule. */
  readonly take: (method: string, path: string) => Fault | undefined
}

const pathMatches = (pattern: string | RegExp, path: string): boolean =>
  typeof pattern === "string"
    ? path === pattern || (pattern.endsWith("/") && path.startsWith(pattern))
    : (pattern.lastIndex = 0, pattern.test(path))

/** No faults yet. */
export const makeFaults = (): Faults => {
  let rules: Array<{ readonly rule: FaultRule; remaining: number }> = []
  return {
    inject: (rule) => {
      rules.push({ rule, remaining: rule.times ?? 1 })
    },
    clear: () => {
      rules = []
    },
    take: (method, path) => {
      const entry = rules.find(({ remaining, rule }) =>
        remaining > 0 &&
        (rule.method === undefined || rule.method.toUpperCase() === method.toUpperCase()) &&
        pathMatches(rule.path, path)
      )
      if (entry === undefined) return undefined
      entry.remaining -= 1
      return entry.rule.fault
    }
  }
}
