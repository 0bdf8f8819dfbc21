import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { makeExecutionEndpoints } from "./ExecutionEndpoints.ts"
import type { Handler } from "./Handler.ts"
import { makeInvokeEndpoints } from "./InvokeEndpoints.ts"
import type { Endpoint } from "./Router.ts"
import type { ServerState } from "./ServerState.ts"

const health: Handler = () => Effect.succeed(HttpServerResponse.jsonUnsafe({ status: "ok" }))

/** The routes served so far, under `/api/v1` like the real `construct_router`. */
export const routes = (state: ServerState): ReadonlyArray<Endpoint> => {
  const invoke = makeInvokeEndpoints(state)
  const execution = makeExecutionEndpoints(state)
  return [
    { path: "/api/v1/health", methods: { GET: health } },
    { path: "/api/v1/apps/:app/board/:board/invoke", methods: { POST: invoke.invokeBoard } },
    { path: "/api/v1/apps/:app/board/:board/invoke/async", methods: { POST: invoke.invokeBoardAsync } },
    { path: "/api/v1/apps/:app/events/:event/invoke", methods: { POST: invoke.invokeEvent } },
    { path: "/api/v1/apps/:app/events/:event/invoke/async", methods: { POST: invoke.invokeEventAsync } },
    { path: "/api/v1/execution/run/:run_id", methods: { GET: execution.runStatus } },
    { path: "/api/v1/execution/poll", methods: { GET: execution.poll } }
  ]
}
