/**
 * What wraps the router: recording every request, and injected faults. Each is a function from an
 * HTTP app to an HTTP app.
 */
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { apiError, apiErrorResponse } from "./ApiError.ts"
import type { Fault, ResponseLogEntry } from "./Model.ts"
import { type Faults, StreamDropAfter } from "./stores/Faults.ts"
import type { Requests } from "./stores/Requests.ts"

/** An HTTP app: answers the current request. */
export type App<E, R> = Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>

const splitUrl = (url: string): { readonly path: string; readonly query: string } => {
  const index = url.indexOf("?")
  return index === -1 ? { path: url, query: "" } : { path: url.slice(0, index), query: url.slice(index + 1) }
}

/**
 * Records every request (its body is read once here and kept for the handler) before anything
 * else, and reports each answer to `onResponse` once its head is ready.
 */
export const recording = (requests: Requests, onResponse: ((entry: ResponseLogEntry) => void) | undefined) =>
<E, R>(app: App<E, R>): App<E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const startedAt = performance.now()
    const { path, query } = splitUrl(request.url)
    requests.record({
      method: request.method,
      path,
      query,
      headers: Object.fromEntries(Object.entries(request.headers)),
      body: yield* Effect.orElseSucceed(request.text, () => "")
    })
    const response = yield* app
    onResponse?.({ method: request.method, path, status: response.status, millis: performance.now() - startedAt })
    return response
  })

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

const statusResponse = (fault: Extract<Fault, { readonly kind: "status" }>) => {
  const response = fault.body === undefined
    ? apiErrorResponse(apiError(fault.status))
    : HttpServerResponse.text(fault.body, {
      status: fault.status,
      contentType: fault.contentType ?? (isJson(fault.body) ? "application/json" : "text/plain; charset=utf-8")
    })
  return fault.retryAfter === undefined ? response : HttpServerResponse.setHeader(response, "retry-after", fault.retryAfter)
}

const applyFault = <E, R>(
  fault: Fault,
  request: HttpServerRequest.HttpServerRequest,
  app: App<E, R>
): App<E, R> => {
  switch (fault.kind) {
    case "status":
      return Effect.succeed(statusResponse(fault))
    case "latency":
      return Effect.andThen(Effect.sleep(fault.millis), app)
    case "drop":
      return Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()).pipe(
        Effect.andThen(Effect.interruptible(Effect.never))
      )
    case "dropMidStream":
      return Effect.provideService(app, StreamDropAfter, fault.afterEvents)
    case "cutBody":
      return app
  }
}

/** Applies the first matching injected fault, if any, in place of (or around) routing. */
export const withFaults = (faults: Faults) =>
<E, R>(app: App<E, R>): App<E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const fault = faults.take(request.method, splitUrl(request.url).path)
    return yield* (fault === undefined ? app : applyFault(fault, request, app))
  })
