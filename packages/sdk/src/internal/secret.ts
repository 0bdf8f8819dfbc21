import * as Redacted from "effect/Redacted"
import type { Secret } from "../Config.ts"

/** Wraps a secret in `Redacted` unless it already is. */
export const redact = (secret: Secret): Redacted.Redacted<string> =>
  Redacted.isRedacted(secret) ? secret : Redacted.make(secret)

/** The plain value of a secret, for the one place it goes on the wire. */
export const reveal = (secret: Secret): string => Redacted.isRedacted(secret) ? Redacted.value(secret) : secret
