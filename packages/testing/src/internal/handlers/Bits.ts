import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { notFound } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import type { ModelsStore } from "../stores/Models.ts"

/** The hub's bits (`routes/bit.rs`): search and read. No credential needed. */
export const makeBitsHandlers = (models: ModelsStore): Handlers<typeof FlowLikeApi>["bits"] => ({
  searchBits: ({ payload, query }) => Effect.succeed(models.search(payload, query.language ?? "en")),
  getBit: ({ params }) => {
    const bit = models.getBit(params.bitId)
    return bit === undefined ? Effect.fail(notFound()) : Effect.succeed(bit)
  }
})
