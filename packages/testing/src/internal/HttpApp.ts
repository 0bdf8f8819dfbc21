import { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { HttpIncomingMessage } from "effect/http"
import { endpointRoutes, type Handlers, type Intercept, makeRouter } from "./ApiRouter.ts"
import { documentationRoutes } from "./Documentation.ts"
import { readLimit } from "./JsonBody.ts"
import { recording, withFaults } from "./Middleware.ts"
import type { ResponseLogEntry } from "./Model.ts"
import type { Credentials } from "./stores/Credentials.ts"
import type { Faults } from "./stores/Faults.ts"
import type { Requests } from "./stores/Requests.ts"

/** What the app is built from: the handlers, and the stores its middleware use. */
export interface HttpAppOptions {
  readonly credentials: Credentials
  readonly handlers: Handlers<typeof FlowLikeApi>
  /** Run before a route's body is decoded, keyed by `group.endpoint`. */
  readonly intercepts?: Readonly<Record<string, Intercept>> | undefined
  readonly requests: Requests
  readonly faults: Faults
  readonly onResponse: ((entry: ResponseLogEntry) => void) | undefined
}

/**
 * The whole app: every declared route (plus the documentation) on one router, inside fault
 * injection, inside request recording; bodies are read up to 10 MB (the sink triggers' limit); the JSON routes keep axum's 2 MB.
 */
export const makeHttpApp = (options: HttpAppOptions) =>
  Effect.map(
    makeRouter([...endpointRoutes(FlowLikeApi, options.handlers, options.credentials, options.intercepts), ...documentationRoutes]),
    (router) =>
      router.pipe(
        withFaults(options.faults),
        recording(options.requests, options.onResponse),
        Effect.provideService(HttpIncomingMessage.MaxBodySize, readLimit)
      )
  )
