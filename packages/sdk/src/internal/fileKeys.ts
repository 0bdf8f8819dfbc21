/**
 * File keys as the data routes read them. Upload, list and delete build the storage path with
 * `construct_upload`, which URL-decodes each segment and drops empty ones; download (at `ab1f822`)
 * does not decode, and reads a key starting with `apps/` as a full storage path
 * `apps/<any app>/upload/<rest>` (so does presign). So the SDK sends percent-encoded segments to
 * the first three, the full path `apps/{app}/upload/<key>` unencoded to download, and presign's
 * prefix unencoded.
 */
import * as Effect from "effect/Effect"
import * as FlowLikeError from "../FlowLikeError.ts"

const CONTROL = /[\u0000-\u001f\u007f]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A key without empty segments (`a//b/` is `a/b`); `.`, `..`, control characters and lone surrogates refused. */
export const normaliseKey = (
  key: unknown,
  operation: string,
  options: { readonly allowEmpty?: boolean } = {}
): Effect.Effect<string, FlowLikeError.FlowLikeError> => {
  const fail = (why: string) => Effect.fail(FlowLikeError.invalidArgument(`${operation}: the key ${why}`, operation))
  if (typeof key !== "string") return fail("must be a string")
  const segments = key.split("/").filter((segment) => segment !== "")
  if (segments.length === 0 && options.allowEmpty !== true) return fail("must name a file (it is empty)")
  if (segments.some((segment) => segment === "." || segment === "..")) return fail("must not contain . or .. segments")
  if (CONTROL.test(key)) return fail("must not contain control characters")
  if (LONE_SURROGATE.test(key)) return fail("must not contain a lone surrogate")
  return Effect.succeed(segments.join("/"))
}

/** The key as upload, list and delete expect it: each segment percent-encoded (the server decodes them). */
export const encodeKey = (key: string): string => key.split("/").filter((s) => s !== "").map(encodeURIComponent).join("/")

/** The key as download expects it: the full storage path, not decoded by the server. */
export const downloadPath = (appId: string, key: string): string => `apps/${appId}/upload/${key}`

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * A listed `location` as a key relative to the app: the `apps/{app}/upload/` prefix removed and the
 * object store's percent-encoding of each segment undone.
 */
export const keyOfLocation = (location: string): string => {
  const segments = location.split("/")
  const rest = segments[0] === "apps" && segments[2] === "upload" ? segments.slice(3) : segments
  return rest.filter((s) => s !== "").map(decodeSegment).join("/")
}

const CHRONO = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? UTC$/

/**
 * chrono's `Display` of a UTC time (`2026-11-27 10:01:02.123 UTC`, with 0, 3, 6 or 9 fraction
 * digits) as a `Date`; `undefined` for anything else (directories have `""`).
 */
export const parseLastModified = (text: string): Date | undefined => {
  const match = CHRONO.exec(text)
  if (match === null) return undefined
  const fraction = (match[3] ?? "").slice(1, 4).padEnd(3, "0")
  const date = new Date(`${match[1]}T${match[2]}.${fraction}Z`)
  return Number.isNaN(date.getTime()) ? undefined : date
}
