/** Ids placed in URL paths: checked, then percent-encoded. Public through `FlowLikeHttp`. */
import * as Effect from "effect/Effect"
import * as FlowLikeError from "../FlowLikeError.ts"

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why an id cannot be placed in a path segment, or `undefined` when it can. */
export const idProblem = (id: unknown): string | undefined => {
  if (typeof id !== "string" || id.trim() === "") return "must be a non-empty string"
  if (id === "." || id === "..") return `must not be "${id}" (URL normalisation would remove it)`
  if (LONE_SURROGATE.test(id)) return "must not contain a lone surrogate (it cannot be encoded)"
  return undefined
}

/** Builds an API path from literal parts and ids; each id is checked and percent-encoded. */
export const path = (strings: TemplateStringsArray, ...ids: ReadonlyArray<string>): Effect.Effect<string, FlowLikeError.FlowLikeError> =>
  Effect.suspend(() => {
    let out = strings[0] ?? ""
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      const problem = idProblem(id)
      if (problem !== undefined || typeof id !== "string") {
        const label = (strings[i] ?? "").split("/").filter((part) => part !== "").at(-1) ?? "id"
        return Effect.fail(FlowLikeError.invalidArgument(`The id after /${label}/ ${problem ?? "must be a string"}`))
      }
      out += encodeURIComponent(id) + (strings[i + 1] ?? "")
    }
    return Effect.succeed(out)
  })
