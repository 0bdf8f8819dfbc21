import { Effect } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { failureResponse } from "./ApiError.ts"
import { authenticate } from "./Auth.ts"
import type { Catalog } from "./Catalog.ts"
import type { Handler } from "./Handler.ts"

export interface Endpoint {
  readonly path: HttpRouter.PathInput
  readonly methods: { readonly GET?: Handler; readonly POST?: Handler }
}

const emptyResponse = (status: number, headers: Record<string, string> = {}) =>
  HttpServerResponse.empty({ status, headers: { ...headers, "content-length": "0" } })

/** axum's `Allow` value: `GET` routes also answer `HEAD`. */
const allowHeader = (endpoint: Endpoint): string =>
  [...(endpoint.methods.GET ? ["GET", "HEAD"] : []), ...(endpoint.methods.POST ? ["POST"] : [])].join(",")

const handlerFor = (endpoint: Endpoint, method: string): Handler | undefined => {
  switch (method) {
    case "GET":
    case "HEAD":
      return endpoint.methods.GET
    case "POST":
      return endpoint.methods.POST
    default:
      return undefined
  }
}

/**
 * One route per path for every method, so that a wrong method gets axum's empty 405 with `Allow`.
 * A matched request then passes the global auth middleware (which only fails on a malformed PAT)
 * and its handler; failures become the server's error responses.
 */
const dispatch = (catalog: Catalog, endpoint: Endpoint) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const handler = handlerFor(endpoint, request.method)
    if (handler === undefined) {
      return emptyResponse(405, { allow: allowHeader(endpoint) })
    }
    const params = yield* HttpRouter.params
    return yield* authenticate(catalog, request.headers).pipe(
      Effect.flatMap((principal) => handler({ principal, params })),
      Effect.catch((failure) => Effect.succeed(failureResponse(failure)))
    )
  })

const isRouteNotFound = (error: unknown): boolean =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

/** The routed app: unknown paths get axum's empty 404. */
export const makeRouter = (catalog: Catalog, endpoints: ReadonlyArray<Endpoint>) =>
  Effect.gen(function*() {
    const router = yield* HttpRouter.make
    for (const endpoint of endpoints) {
      yield* router.add("*", endpoint.path, dispatch(catalog, endpoint))
    }
    return router.asHttpEffect().pipe(
      Effect.catchIf(isRouteNotFound, () => Effect.succeed(emptyResponse(404)))
    )
  })
