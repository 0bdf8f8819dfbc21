/**
 * The API's documentation, outside `/api/v1` like the real server's: the OpenAPI 3.1 document of
 * every declared route at `GET /api-doc/openapi.json`, and a reference page that works offline at
 * `GET /docs`. Both are generated from the declaration, once.
 */
import { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { OpenApi } from "effect/http-api"
import { renderApiReference } from "./ApiReference.ts"
import type { Route } from "./ApiRouter.ts"

/** Where the real server serves its OpenAPI document. */
export const openApiPath = "/api-doc/openapi.json"

const lazily = <A>(make: () => A): () => A => {
  let value: { readonly made: A } | undefined
  return () => (value ??= { made: make() }).made
}

/** The OpenAPI document of `FlowLikeApi`. */
export const openApiDocument = lazily(() => OpenApi.fromApi(FlowLikeApi))

const referencePage = lazily(() => renderApiReference(openApiDocument(), { openApiPath }))

/** `GET /api-doc/openapi.json` and `GET /docs`. */
export const documentationRoutes: ReadonlyArray<Route> = [
  {
    method: "GET",
    path: openApiPath,
    handle: Effect.sync(() => HttpServerResponse.jsonUnsafe(openApiDocument()))
  },
  {
    method: "GET",
    path: "/docs",
    handle: Effect.sync(() => HttpServerResponse.text(referencePage(), { contentType: "text/html; charset=utf-8" }))
  }
]
