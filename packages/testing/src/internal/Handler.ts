import { Effect } from "effect"
import { HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { ApiError, Rejection } from "./ApiError.ts"
import type { Principal } from "./Auth.ts"

export interface HandlerInput {
  readonly principal: Principal
  readonly params: Readonly<Record<string, string | undefined>>
}

/** A route handler; its failures become the server's error responses. */
export type Handler = (input: HandlerInput) => Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  ApiError | Rejection,
  HttpServerRequest.HttpServerRequest
>

export const param = (input: HandlerInput, name: string): string => input.params[name] ?? ""

const splitUrl = (url: string): { readonly path: string; readonly query: string } => {
  const index = url.indexOf("?")
  return index === -1 ? { path: url, query: "" } : { path: url.slice(0, index), query: url.slice(index + 1) }
}

/** The current request with its path and raw query string (without `?`). */
export const requestTarget = Effect.map(HttpServerRequest.HttpServerRequest, (request) => ({
  request,
  ...splitUrl(request.url)
}))
