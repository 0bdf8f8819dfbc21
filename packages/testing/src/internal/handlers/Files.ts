import type { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import { Effect } from "effect"
import { type ApiError, badRequest, internalError } from "../ApiError.ts"
import type { Handlers } from "../ApiRouter.ts"
import { authorizeApp, type Principal } from "../Auth.ts"
import { cuid, secret } from "../Ids.ts"
import type { Apps } from "../stores/Apps.ts"
import { decodeSegment, encodeSegment, type Files } from "../stores/Files.ts"

/** What the file routes read and write. */
export interface FilesStores {
  readonly apps: Apps
  readonly files: Files
}

type FilesHandlers = Handlers<typeof FlowLikeApi>["files"]

/** The real server signs at most this many prefixes per request and drops the rest. */
const MAX_PREFIXES = 100

/** Every data route calls `user.sub()` after the permission check: an API key or no credential is a 500. */
const authorize = (apps: Apps, principal: Principal, appId: string): Effect.Effect<void, ApiError> =>
  Effect.andThen(authorizeApp(apps, principal, appId), principal._tag === "User" ? Effect.void : Effect.fail(internalError()))

const base = (appId: string) => `apps/${encodeSegment(appId)}/upload`

const join = (root: string, segments: ReadonlyArray<string>) =>
  [root, ...segments.filter((segment) => segment !== "").map(encodeSegment)].join("/")

/** `construct_upload`: each segment URL-decoded, empty ones dropped. */
const constructUpload = (appId: string, prefix: string) => join(base(appId), prefix.split("/").map(decodeSegment))

/** The download (and presign) rule at `ab1f822`: `apps/<any>/upload/<rest>` is rewritten to the caller's app; segments are not decoded. */
const downloadPath = (appId: string, prefix: string) => {
  if (prefix.startsWith("apps/")) {
    const segments = prefix.split("/")
    return join(base(appId), segments.length > 3 ? segments.slice(3) : [])
  }
  return join(base(appId), prefix.split("/"))
}

/** chrono's `Display` of a UTC time: `2026-11-27 10:01:02.123 UTC` (no fraction on a whole second). */
const chronoDisplay = (date: Date) => {
  const iso = date.toISOString()
  const millis = iso.slice(20, 23)
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === "000" ? "" : `.${millis}`} UTC`
}

/** The data routes (`routes/app/data/*`), over the directory-backed object store. */
export const makeFilesHandlers = ({ apps, files }: FilesStores): FilesHandlers => {
  const signAll = (prefixes: ReadonlyArray<string>, method: "GET" | "PUT", pathOf: (prefix: string) => string) =>
    prefixes.slice(0, MAX_PREFIXES).map((prefix) =>
      files.failingKeys.has(prefix)
        ? { prefix, error: `Failed to create signed URL, reference ID: ${cuid()}` }
        : { prefix, url: files.sign(method, pathOf(prefix)) }
    )

  return {
    listFiles: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        yield* authorize(apps, principal, params.app)
        const listing = files.list(constructUpload(params.app, payload.prefix))
        return [
          ...listing.objects.map((object) => ({
            location: object.key,
            lastModified: chronoDisplay(object.lastModified),
            size: object.size,
            eTag: object.etag,
            version: undefined,
            isDir: false
          })),
          ...listing.folders.map((folder) => ({
            location: folder,
            lastModified: "",
            size: 0,
            eTag: undefined,
            version: undefined,
            isDir: true
          }))
        ]
      }),
    signUpload: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        yield* authorize(apps, principal, params.app)
        return signAll(payload.prefixes, "PUT", (prefix) => constructUpload(params.app, prefix))
      }),
    signDownload: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        yield* authorize(apps, principal, params.app)
        return signAll(payload.prefixes, "GET", (prefix) => downloadPath(params.app, prefix))
      }),
    deleteFiles: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        yield* authorize(apps, principal, params.app)
        for (const prefix of payload.prefixes) {
          yield* Effect.promise(() => files.deleteTree(constructUpload(params.app, prefix)))
        }
        return null
      }),
    presignData: ({ params, payload, principal }) =>
      Effect.gen(function*() {
        const accessMode = (payload.accessMode ?? "read").toLowerCase()
        if (accessMode !== "read" && accessMode !== "write") {
          return yield* badRequest("access_mode must be either 'read' or 'write'")
        }
        yield* authorize(apps, principal, params.app)
        const expiration = new Date(Date.now() + 60 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")
        return {
          sharedCredentials: {
            Aws: {
              access_key_id: `ASIA${cuid().slice(0, 16).toUpperCase()}`,
              secret_access_key: secret(),
              session_token: secret(),
              meta_bucket: "flow-like-meta",
              content_bucket: "flow-like-content",
              logs_bucket: "flow-like-logs",
              region: "us-east-1",
              expiration,
              content_path_prefix: `apps/${params.app}`
            }
          },
          path: payload.prefix === undefined ? base(params.app) : downloadPath(params.app, payload.prefix),
          accessMode,
          expiration
        }
      })
  }
}
