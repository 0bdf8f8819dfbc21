/**
 * Credentials turned into request headers.
 *
 * The Flow-Like server wants a personal access token raw in `Authorization` (no `Bearer`), an API key
 * in `X-API-Key`, and a run's poll token (or an HTTP sink's token) as `Authorization: Bearer <token>`
 * in place of the personal credential.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { FlowLikeConfig } from "./Config.ts"
import type { Credential } from "./Config.ts"
import { redact } from "./internal/secret.ts"
import type { Secret } from "./Config.ts"

/** Header names that carry secrets; they are always redacted when requests are logged or inspected. */
export const SECRET_HEADER_NAMES: ReadonlyArray<string> = ["authorization", "x-api-key", "cookie", "set-cookie"]

/** Which credential a request is sent with. */
export type RequestAuth =
  | { readonly _tag: "Credential" }
  | { readonly _tag: "PollToken"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "SinkToken"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "None" }

/** Turns credentials into the headers the server expects. */
export class Auth extends Context.Service<Auth, {
  /** The configured credential's kind. */
  readonly credential: Credential
  /** Headers for a request sent with the given auth. */
  headers(auth: RequestAuth): Readonly<Record<string, string>>
}>()("@flow-like/effect/Auth") {
  /** Builds `Auth` from the configured credential. */
  static readonly layer = Layer.effect(
    Auth,
    Effect.map(FlowLikeConfig, (config) => Auth.of(make(config.credential)))
  )
}

/** Auth for a credential, without the service wrapper. */
export const make = (credential: Credential): Auth["Service"] => ({
  credential,
  headers(auth) {
    switch (auth._tag) {
      case "Credential":
        return credential._tag === "Pat"
          ? { authorization: Redacted.value(credential.value) }
          : { "x-api-key": Redacted.value(credential.value) }
      case "PollToken":
      case "SinkToken":
        return { authorization: `Bearer ${Redacted.value(auth.token)}` }
      case "None":
        return {}
    }
  }
})

/** Send with the configured PAT or API key. */
export const credential: RequestAuth = { _tag: "Credential" }

/** Send with a run's poll token (the poll route only). */
export const pollToken = (token: Secret): RequestAuth => ({ _tag: "PollToken", token: redact(token) })

/** Send with an HTTP sink's own token. */
export const sinkToken = (token: Secret): RequestAuth => ({ _tag: "SinkToken", token: redact(token) })

/** Send without credentials (health). */
export const none: RequestAuth = { _tag: "None" }
