/**
 * The app's file storage routes (`routes/app/data/*`). The server never takes file bytes: it hands
 * out signed storage URLs (S3, Azure SAS or GCS) valid for 24 h, and the client moves the bytes to
 * and from storage itself.
 *
 * - `POST /apps/{app}/data/list {prefix}`: one delimiter level of `apps/{app}/upload/<prefix>`, files
 *   first, then directories; no pagination.
 * - `PUT /apps/{app}/data {prefixes}`: one signed **PUT** URL per key (`{prefix, url}`), or a
 *   per-key failure (`{prefix, error}`); only the first 100 keys are used, the rest dropped silently.
 * - `POST /apps/{app}/data/download {prefixes}`: the same for signed **GET** URLs. A key starting
 *   with `apps/` is read as a full storage path `apps/<any app>/upload/<rest>` and rewritten to the
 *   caller's app.
 * - `DELETE /apps/{app}/data {prefixes}`: deletes every object under each key, answers `null`.
 * - `POST /apps/{app}/data/presign {prefix?, access_mode?}`: scoped storage credentials.
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { nullable, U64 } from "../internal/wire.ts"
import { BadRequest, bodyRouteErrors } from "./ApiErrors.ts"

/** `ListFilesPayload` (`data/list_files.rs`): `prefix` is required (`""` lists the app's root). */
export const ListFilesRequest = Schema.Struct({ prefix: Schema.String }).annotate({ identifier: "ListFilesRequest" })

/**
 * `StorageItem` (`packages/storage/src/files/store.rs`): `location` is the full storage path
 * (`apps/{app}/upload/...`); `last_modified` is chrono's `Display` form (`2026-11-27 10:01:02.123 UTC`,
 * not RFC 3339), empty for directories.
 */
export const StorageItem = Schema.Struct({
  location: Schema.String,
  lastModified: Schema.String,
  size: U64,
  eTag: nullable(Schema.String),
  version: nullable(Schema.String),
  isDir: Schema.Boolean
}).pipe(Schema.encodeKeys({ lastModified: "last_modified", eTag: "e_tag", isDir: "is_dir" })).annotate({
  identifier: "StorageItem"
})

/** `UploadFilesPayload` / `DownloadFilesPayload` / `DeleteFilesPayload`: keys relative to the app's upload folder. */
export const PrefixesRequest = Schema.Struct({ prefixes: Schema.Array(Schema.String) }).annotate({
  identifier: "PrefixesRequest"
})

/** A signed storage URL for one key. */
export const SignedUrl = Schema.Struct({ prefix: Schema.String, url: Schema.String }).annotate({ identifier: "SignedUrl" })

/** A key the server could not sign; the text carries a reference id (`Failed to create signed URL, reference ID: ...`). */
export const SignFailure = Schema.Struct({ prefix: Schema.String, error: Schema.String }).annotate({ identifier: "SignFailure" })

/** One item per key, in order: a URL, or that key's failure. */
export const SignedUrls = Schema.Array(Schema.Union([SignedUrl, SignFailure])).annotate({ identifier: "SignedUrls" })

/** `PresignDataAccessRequest`: `access_mode` is `read` (the default) or `write`, case-insensitive. */
export const PresignDataRequest = Schema.Struct({
  prefix: Schema.optional(Schema.String),
  accessMode: Schema.optional(Schema.String)
}).pipe(Schema.encodeKeys({ accessMode: "access_mode" })).annotate({ identifier: "PresignDataRequest" })

/**
 * `PresignDataAccessResponse`: `shared_credentials` is the externally tagged `SharedCredentials`
 * (exactly one of `Aws`, `Azure`, `Gcp`), kept as sent; `expiration` (RFC 3339) is absent when unknown.
 */
export const PresignDataResponse = Schema.Struct({
  sharedCredentials: Schema.Record(Schema.String, Schema.Unknown),
  path: Schema.String,
  accessMode: Schema.String,
  expiration: nullable(Schema.String)
}).pipe(Schema.encodeKeys({ sharedCredentials: "shared_credentials", accessMode: "access_mode" })).annotate({
  identifier: "PresignDataResponse"
})

const appParams = { app: Schema.String }

/** The file routes. */
export const FilesApi = HttpApiGroup.make("files")
  .add(
    HttpApiEndpoint.post("listFiles", "/apps/:app/data/list", {
      params: appParams,
      payload: ListFilesRequest,
      success: Schema.Array(StorageItem),
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.put("signUpload", "/apps/:app/data", {
      params: appParams,
      payload: PrefixesRequest,
      success: SignedUrls,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.post("signDownload", "/apps/:app/data/download", {
      params: appParams,
      payload: PrefixesRequest,
      success: SignedUrls,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.delete("deleteFiles", "/apps/:app/data", {
      params: appParams,
      payload: PrefixesRequest,
      success: Schema.Null,
      error: bodyRouteErrors
    }),
    HttpApiEndpoint.post("presignData", "/apps/:app/data/presign", {
      params: appParams,
      payload: PresignDataRequest,
      success: PresignDataResponse,
      error: [...bodyRouteErrors, BadRequest]
    })
  )
