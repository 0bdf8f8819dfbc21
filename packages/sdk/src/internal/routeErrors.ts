/**
 * Error lists shared by the route groups of the boards, apps, sinks and usage domains.
 *
 * @since 0.4.0
 */
import { BadRequest, bodyRouteErrors, Forbidden, InternalError, NotFound } from "../api/ApiErrors.ts"

/** Which errors a kind of route declares. */
export const ApiErrorsFor = {
  /** A route without a body. */
  read: [BadRequest, Forbidden, NotFound, InternalError],
  /** A JSON route with a body. */
  body: [...bodyRouteErrors, BadRequest, NotFound]
} as const
