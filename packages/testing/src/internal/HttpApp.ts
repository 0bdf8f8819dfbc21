import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { type HttpServerRequest, HttpIncomingMessage, HttpServerResponse } from "effect/http"
import { apiError, apiErrorResponse } from "./ApiError.ts"
import { StreamDropAfter } from "./Faults.ts"
import { requestTarget } from "./Handler.ts"
import { maxBodySize } from "./JsonBody.ts"
import type { Fault } from "./Model.ts"
import { makeRouter } from "./Router.ts"
import { routes } from "./Routes.ts"
import type { ServerState } from "./ServerState.ts"

const statusResponse = (fault: Extract<Fault, { readonly kind: "status" }>) => {
  const response = fault.body === undefined
    ? apiErrorResponse(apiError(fault.status))
    : HttpServerResponse.text(fault.body, {
      status: fault.status,
      contentType: fault.contentType ?? (isJson(fault.body) ? "application/json" : "text/plain; charset=utf-8")
    })
  return fault.retryAfter === undefined ? response : HttpServerResponse.setHeader(response, "retry-after", fault.retryAfter)
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

const withFault = <E, R>(
  fault: Fault | undefined,
  request: HttpServerRequest.HttpServerRequest,
  routed: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> => {
  if (fault === undefined) return routed
  switch (fault.kind) {
    case "status":
      return Effect.succeed(statusResponse(fault))
    case "latency":
      return Effect.andThen(Effect.sleep(fault.millis), routed)
    case "drop":
      return Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()).pipe(
        Effect.andThen(Effect.interruptible(Effect.never))
      )
    case "dropMidStream":
      return Effect.provideService(routed, StreamDropAfter, fault.afterEvents)
  }
}

/**
 * Every request is recorded (with its body), then faults are applied before routing, then the
 * request is routed.
 */
export const makeHttpApp = (state: ServerState) =>
  Effect.map(makeRouter(state.catalog, routes(state)), (routed) =>
    Effect.gen(function*() {
      const { path, query, request } = yield* requestTarget
      const startedAt = performance.now()
      const body = yield* Effect.orElseSucceed(request.text, () => "")
      state.requests.push({
        method: request.method,
        path,
        query,
        headers: Object.fromEntries(Object.entries(request.headers)),
        body
      })
      const response = yield* withFault(state.faults.take(request.method, path), request, routed)
      state.settings.onResponse?.({ method: request.method, path, status: response.status, millis: performance.now() - startedAt })
      return response
    }).pipe(Effect.provideService(HttpIncomingMessage.MaxBodySize, maxBodySize)))
