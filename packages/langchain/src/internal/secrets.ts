/** The credential in LangChain's serialisation: redacted in `inspect`, a named secret in JSON. */
import * as Redacted from "effect/Redacted"
import type { ConnectionFields } from "./runner.ts"

/**
 * The fields LangChain keeps for serialisation: no runtime, signal or fetch, and the credential redacted (so
 * `inspect` never shows it) under the name of its environment variable (`token` becomes `pat` or
 * `apiKey` by its prefix).
 */
export const serialisableFields = (fields: ConnectionFields): Record<string, unknown> => {
  const { runtime: _runtime, closeSignal: _closeSignal, fetch: _fetch, pat, apiKey, token, ...rest } = fields
  const kept: Record<string, unknown> = { ...rest }
  const redacted = (value: string | Redacted.Redacted<string>) => Redacted.isRedacted(value) ? value : Redacted.make(value)
  if (pat !== undefined) kept["pat"] = redacted(pat)
  if (apiKey !== undefined) kept["apiKey"] = redacted(apiKey)
  if (token !== undefined) {
    const value = Redacted.isRedacted(token) ? Redacted.value(token) : token
    kept[value.startsWith("flk_") ? "apiKey" : "pat"] = redacted(token)
  }
  return kept
}

/** The secrets' environment variables, for LangChain's serialisation. */
export const lcSecrets: Record<string, string> = { pat: "FLOW_LIKE_PAT", apiKey: "FLOW_LIKE_API_KEY" }
