/**
 * Wire shapes the real server has on declared routes but the `HttpApi` declaration does not (yet)
 * describe. Each belongs in the declaration; until then the dev server states it here, once.
 *
 * The chat route also answers outside its declaration, as the real server passes the provider's
 * answer through (`handlers/Models.ts`): a provider failure with the provider's status and body
 * (`ModelsApi.UpstreamErrorBody`), and `hosted:anthropic` bits in Anthropic's Messages format (JSON,
 * named stream events, its error body), answered before the body is decoded (`AnthropicModel.ts`).
 */
import { Schema } from "effect"

/**
 * The invoke routes' query (`invoke_board.rs`, `invoke_event.rs`): `?local=true` tracks a run
 * without dispatching it; `?isolated=true` dispatches a Kubernetes job (here: runs normally).
 */
export const InvokeQuery = Schema.toCodecStringTree(Schema.Struct({
  local: Schema.optional(Schema.Boolean),
  isolated: Schema.optional(Schema.Boolean)
}))

/** The JSON answer of a `?local=true` invoke, in place of the SSE stream. */
export const LocalInvocation = Schema.toCodecJson(
  Schema.Struct({
    runId: Schema.String,
    /** Always `pending`. */
    status: Schema.String,
    message: Schema.String,
    /** A poll token for the run, as an async invoke hands out. */
    pollToken: Schema.String
  }).pipe(Schema.encodeKeys({ runId: "run_id", pollToken: "poll_token" }))
)
