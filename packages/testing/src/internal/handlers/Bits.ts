import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { internalError, notFound } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import type { Principal } from "../Auth.ts"
import type { ModelsStore } from "../stores/Models.ts"

/** `user.sub()?`: an API key or no credential is the 500 `anyhow` error. */
const requireUser = (principal: Principal) => principal._tag === "User" ? Effect.void : Effect.fail(internalError())

/** The hub's bits (`routes/bit/search_bits.rs`, `get_bit.rs`): search and read, for users. */
export const makeBitsHandlers = (models: ModelsStore): Handlers<typeof FlowLikeApi>["bits"] => ({
  searchBits: ({ payload, principal, query }) =>
    Effect.as(requireUser(principal), models.search(payload, query.language ?? "en")),
  getBit: ({ params, principal }) =>
    Effect.andThen(requireUser(principal), () => {
      const bit = models.getBit(params.bitId)
      return bit === undefined ? Effect.fail(notFound()) : Effect.succeed(bit)
    })
})
