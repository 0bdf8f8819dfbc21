import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import type { Handlers } from "../ApiRouter.ts"

/** `GET /health` (`routes/health.rs`): no credentials needed. */
export const healthHandlers: Handlers<typeof FlowLikeApi>["health"] = {
  health: () => Effect.succeed({ status: "ok" })
}
