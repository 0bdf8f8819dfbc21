/**
 * Files: the app's storage (`apps/{app}/upload/...`) through signed URLs. The Flow-Like server never
 * takes file bytes; it signs storage URLs, and the bytes go straight to storage (S3, Azure, GCS)
 * without any Flow-Like credential.
 *
 * - Uploads ask for a signed PUT URL, then stream the bytes with an explicit `Content-Length` (S3
 *   refuses chunked presigned PUTs). A path is read from disk as it is sent, through reused
 *   buffers; a stream needs `contentLength` or is spooled to a temporary file. A body that can be read again (path, `Blob`,
 *   bytes, spooled stream) is retried on network errors, 408, 429 and 5xx; an expired URL is
 *   replaced by a fresh one once.
 * - Downloads ask for a signed GET URL and stream the bytes, resuming with `Range` after a dropped
 *   transfer; `downloadFileTo` writes a temporary file and renames it once complete.
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as FilesApi from "./api/FilesApi.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { FlowLikeHttp } from "./FlowLikeHttp.ts"
import * as Endpoint from "./internal/endpoint.ts"
import { writeToPath } from "./internal/fileSink.ts"
import { downloadPath, encodeKey, keyOfLocation, normaliseKey, parseLastModified } from "./internal/fileKeys.ts"
import { withSpan, withStreamSpan } from "./internal/trace.ts"
import * as Transfer from "./internal/transfer.ts"
import { prepare, type Prepared, type UploadSource } from "./internal/uploadSource.ts"

export type { UploadSource } from "./internal/uploadSource.ts"

/** How far an upload has got: `loaded` of `total` bytes; `loaded === total` only once storage accepted the file. */
export type UploadProgress = Transfer.Progress

/** A listed file or directory. */
export interface FileInfo {
  /** Relative to the app's storage (`apps/{app}/upload/` removed); directories end without `/`. */
  readonly key: string
  readonly size: number
  /** `undefined` for directories (the server sends no time for them). */
  readonly lastModified: Date | undefined
  readonly isDir: boolean
  readonly etag: string | undefined
  /** The full storage path, as the server sent it. */
  readonly location: string
}

/** Options of `listFiles`. */
export interface ListFilesOptions {
  /** A folder to list (default: the app's root). */
  readonly prefix?: string | undefined
  /** Also list every folder below, depth first; the folders themselves are listed too. */
  readonly recursive?: boolean | undefined
}

/** Options of `uploadFile`. */
export interface UploadOptions {
  /** Where to store it; default: a path's or `File`'s name. Empty segments are dropped. */
  readonly key?: string | undefined
  /** Sent as `Content-Type`; default: the `Blob`'s type, else `application/octet-stream`. */
  readonly contentType?: string | undefined
  /** The byte length of a stream; without it the stream is spooled to a temporary file first. */
  readonly contentLength?: number | undefined
  /** Called at most every 100 ms while bytes go out, and once with `loaded === total` after storage accepted them. */
  readonly onProgress?: ((progress: UploadProgress) => void) | undefined
}

/** An uploaded file. */
export interface UploadResult {
  readonly key: string
  readonly size: number
  /** The storage's `ETag`, if it sent one. */
  readonly etag: string | undefined
}

/** One file of `uploadFiles`. */
export interface UploadItem {
  readonly file: UploadSource
  readonly key?: string | undefined
  readonly contentType?: string | undefined
  readonly contentLength?: number | undefined
}

/** Options of `uploadFiles`. */
export interface UploadFilesOptions {
  /** Uploads at once, default 4. */
  readonly concurrency?: number | undefined
  /** Progress of every file, each with its `key`. */
  readonly onProgress?: ((progress: UploadProgress) => void) | undefined
}

/** A file that was not uploaded, and why (a per-key signing failure of the server, or the upload's own error). */
export interface UploadFailure {
  readonly key: string
  readonly error: FlowLikeError.FlowLikeError
}

/** What `uploadFiles` did: every file is either uploaded or failed, in input order. */
export interface UploadFilesResult {
  readonly uploaded: ReadonlyArray<UploadResult>
  readonly failed: ReadonlyArray<UploadFailure>
}

/** Options of the downloads. */
export interface DownloadOptions {
  /** Resumptions after a dropped transfer or a retryable status, default 3. */
  readonly maxRetries?: number | undefined
}

/** A file written by `downloadFileTo`. */
export interface DownloadResult {
  readonly key: string
  readonly path: string
  readonly size: number
}

/** Options of `presignData`. */
export interface PresignDataOptions {
  /** A folder inside the app's storage the credentials are for (default: all of it). */
  readonly prefix?: string | undefined
  /** `read` (the server's default) or `write`. */
  readonly accessMode?: "read" | "write" | undefined
}

/** Scoped storage credentials for the app's files. */
export interface DataAccess {
  /**
   * `{ Aws: {...} }`, `{ Azure: {...} }` or `{ Gcp: {...} }` as the server sent it, `Redacted` (it
   * holds secret keys): read it with `Redacted.value`.
   */
  readonly sharedCredentials: Redacted.Redacted<Readonly<Record<string, unknown>>>
  /** The storage path they cover, `apps/{app}/upload[/prefix]`. */
  readonly path: string
  readonly accessMode: string
  readonly expiration: Date | undefined
}

/** The app's files. */
export class Files extends Context.Service<Files, {
  /** The files and folders under `prefix` (one level, or all with `recursive`); folders come after files. */
  listFiles(appId: string, options?: ListFilesOptions): Effect.Effect<ReadonlyArray<FileInfo>, FlowLikeError.FlowLikeError>
  /** Uploads one file through a signed URL. */
  uploadFile(appId: string, file: UploadSource, options?: UploadOptions): Effect.Effect<UploadResult, FlowLikeError.FlowLikeError>
  /** `uploadFile` as a stream of its progress, ending with `loaded === total` once storage accepted the file. */
  uploadFileProgress(
    appId: string,
    file: UploadSource,
    options?: Omit<UploadOptions, "onProgress">
  ): Stream.Stream<UploadProgress, FlowLikeError.FlowLikeError>
  /** Uploads several files: one signing request per 100 keys, bounded concurrency, per-file failures reported, not thrown. */
  uploadFiles(
    appId: string,
    files: ReadonlyArray<UploadItem>,
    options?: UploadFilesOptions
  ): Effect.Effect<UploadFilesResult, FlowLikeError.FlowLikeError>
  /** The file's bytes. */
  downloadFile(appId: string, key: string, options?: DownloadOptions): Effect.Effect<Uint8Array, FlowLikeError.FlowLikeError>
  /** The file's bytes as a stream, resumed with `Range` after a dropped transfer. */
  downloadFileStream(appId: string, key: string, options?: DownloadOptions): Stream.Stream<Uint8Array, FlowLikeError.FlowLikeError>
  /** Downloads to `path` through a temporary file beside it, renamed once complete (removed on failure). */
  downloadFileTo(appId: string, key: string, path: string, options?: DownloadOptions): Effect.Effect<DownloadResult, FlowLikeError.FlowLikeError>
  /** Deletes the file, or everything under a folder. */
  deleteFile(appId: string, key: string): Effect.Effect<void, FlowLikeError.FlowLikeError>
  /** Scoped storage credentials for direct access. */
  presignData(appId: string, options?: PresignDataOptions): Effect.Effect<DataAccess, FlowLikeError.FlowLikeError>
}>()("@flow-like/effect/Files") {
  /** `Files` over the configured transport. */
  static readonly layer: Layer.Layer<Files, never, FlowLikeHttp> = Layer.effect(
    Files,
    Effect.map(FlowLikeHttp, (http) => Files.of(make(http)))
  )
}

const endpoints = FilesApi.FilesApi.endpoints

/** The server signs at most this many keys per request and drops the rest silently. */
const SIGN_BATCH = 100
const UPLOAD_CONCURRENCY = 4
const DOWNLOAD_RETRIES = 3

type Signed = typeof FilesApi.SignedUrls.Type[number]

/** A per-key signing failure as an error: the answer was a 200, the key's item carried `error`. */
const signFailure = (operation: string, key: string, text: string): FlowLikeError.FlowLikeError => {
  const reference = /reference ID: (\S+)/.exec(text)?.[1]
  return FlowLikeError.make(
    new FlowLikeError.ServerError({
      message: `${operation}: the server could not sign a URL for ${key}: ${text}`,
      operation,
      status: 200,
      code: "SIGN_FAILED",
      errorId: reference
    })
  )
}

const checkAppId = (operation: string, appId: unknown) =>
  typeof appId === "string" && appId.trim() !== ""
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: appId must be a non-empty string`, operation))

/** Builds the service over a transport. */
export const make = (http: FlowLikeHttp["Service"]): Files["Service"] => {
  /** Signs `prefixes` in batches of 100; the answer has one item per prefix, in order. */
  const sign = (
    operation: string,
    endpoint: typeof endpoints.signUpload | typeof endpoints.signDownload,
    appId: string,
    prefixes: ReadonlyArray<string>
  ): Effect.Effect<ReadonlyArray<Signed | undefined>, FlowLikeError.FlowLikeError> =>
    Effect.gen(function*() {
      const out: Array<Signed | undefined> = []
      for (let start = 0; start < prefixes.length; start += SIGN_BATCH) {
        const batch = prefixes.slice(start, start + SIGN_BATCH)
        const request = yield* Endpoint.request(endpoint, { params: { app: appId }, payload: { prefixes: batch } }, {
          operation,
          isIdempotent: true
        })
        const items = yield* http.json(request, FilesApi.SignedUrls)
        const byPrefix = new Map(items.map((item) => [item.prefix, item]))
        for (const prefix of batch) out.push(byPrefix.get(prefix))
      }
      return out
    })

  const urlOf = (operation: string, key: string, item: Signed | undefined) =>
    item === undefined
      ? Effect.fail(signFailure(operation, key, "the answer had no item for this key"))
      : "url" in item
      ? Effect.succeed(item.url)
      : Effect.fail(signFailure(operation, key, item.error))

  const signOne = (operation: string, endpoint: typeof endpoints.signUpload | typeof endpoints.signDownload, appId: string, key: string, prefix: string) =>
    Effect.flatMap(sign(operation, endpoint, appId, [prefix]), (items) => urlOf(operation, key, items[0]))

  /** Uploads a prepared body to a signed URL, asking once for a new URL if storage says it expired. */
  const uploadTo = (
    operation: string,
    appId: string,
    key: string,
    url: string,
    body: Prepared,
    contentType: string | undefined,
    onProgress: UploadOptions["onProgress"]
  ) => {
    const send = (target: string) =>
      Transfer.put(http, {
        url: target,
        key,
        body,
        contentType: contentType ?? body.contentType ?? "application/octet-stream",
        operation,
        onProgress
      })
    return send(url).pipe(
      Effect.catchIf(
        (error) => Transfer.isExpired(error) && body.isReplayable,
        () => Effect.flatMap(signOne(operation, endpoints.signUpload, appId, key, encodeKey(key)), send)
      ),
      Effect.map((etag): UploadResult => ({ key, size: body.size, etag }))
    )
  }

  const uploadFile = (operation: string, appId: string, file: UploadSource, options: UploadOptions) =>
    Effect.scoped(Effect.gen(function*() {
      yield* checkAppId(operation, appId)
      const body = yield* prepare(file, { contentLength: options.contentLength, operation })
      const key = yield* normaliseKey(options.key ?? body.name, operation)
      const url = yield* signOne(operation, endpoints.signUpload, appId, key, encodeKey(key))
      return yield* uploadTo(operation, appId, key, url, body, options.contentType, options.onProgress)
    }))

  const downloadStream = (operation: string, appId: string, key: string, options: DownloadOptions) =>
    Stream.unwrap(Effect.gen(function*() {
      yield* checkAppId(operation, appId)
      const normalised = yield* normaliseKey(key, operation)
      const maxRetries = options.maxRetries ?? DOWNLOAD_RETRIES
      if (!Number.isInteger(maxRetries) || maxRetries < 0) {
        return yield* FlowLikeError.invalidArgument(`${operation}: maxRetries must be a whole number from 0`, operation)
      }
      const resign = signOne(operation, endpoints.signDownload, appId, normalised, downloadPath(appId, normalised))
      const url = yield* resign
      return Transfer.get(http, { url, operation, maxRetries, resign })
    }))

  /** Downloads into `write` (see `Transfer.getInto`), resolving with the byte count. */
  const downloadInto = (
    operation: string,
    appId: string,
    key: string,
    options: DownloadOptions,
    write: (chunk: Uint8Array) => void | Promise<void>
  ) =>
    Effect.gen(function*() {
      yield* checkAppId(operation, appId)
      const normalised = yield* normaliseKey(key, operation)
      const maxRetries = options.maxRetries ?? DOWNLOAD_RETRIES
      if (!Number.isInteger(maxRetries) || maxRetries < 0) {
        return yield* FlowLikeError.invalidArgument(`${operation}: maxRetries must be a whole number from 0`, operation)
      }
      const resign = signOne(operation, endpoints.signDownload, appId, normalised, downloadPath(appId, normalised))
      const url = yield* resign
      return yield* Transfer.getInto(http, { url, operation, maxRetries, resign, write })
    })

  const listLevel = (operation: string, appId: string, prefix: string) =>
    Effect.gen(function*() {
      const request = yield* Endpoint.request(endpoints.listFiles, { params: { app: appId }, payload: { prefix: encodeKey(prefix) } }, {
        operation,
        isIdempotent: true
      })
      const items = yield* http.json(request, Schema.Array(FilesApi.StorageItem))
      return items.map((item): FileInfo => ({
        key: keyOfLocation(item.location),
        size: item.size,
        lastModified: parseLastModified(item.lastModified),
        isDir: item.isDir,
        etag: item.eTag,
        location: item.location
      }))
    })

  return {
    listFiles: (appId, options = {}) =>
      withSpan("Files.listFiles")(Effect.gen(function*() {
        const operation = "Files.listFiles"
        yield* checkAppId(operation, appId)
        const prefix = yield* normaliseKey(options.prefix ?? "", operation, { allowEmpty: true })
        if (options.recursive !== true) return yield* listLevel(operation, appId, prefix)
        const all: Array<FileInfo> = []
        const walk = (folder: string): Effect.Effect<void, FlowLikeError.FlowLikeError> =>
          Effect.flatMap(listLevel(operation, appId, folder), (items) =>
            Effect.forEach(items, (item) => {
              all.push(item)
              return item.isDir && item.key !== folder ? walk(item.key) : Effect.void
            }, { discard: true }))
        yield* walk(prefix)
        return all
      })),
    uploadFile: (appId, file, options = {}) => withSpan("Files.uploadFile")(uploadFile("Files.uploadFile", appId, file, options)),
    uploadFileProgress: (appId, file, options = {}) =>
      withStreamSpan("Files.uploadFileProgress")(Stream.callback<UploadProgress, FlowLikeError.FlowLikeError>((queue) =>
        uploadFile("Files.uploadFileProgress", appId, file, {
          ...options,
          onProgress: (progress) => {
            Queue.offerUnsafe(queue, progress)
          }
        }).pipe(
          Effect.flatMap(() => Queue.end(queue)),
          Effect.catch((error) => Queue.fail(queue, error))
        )
      )),
    uploadFiles: (appId, files, options = {}) =>
      withSpan("Files.uploadFiles")(Effect.scoped(Effect.gen(function*() {
        const operation = "Files.uploadFiles"
        yield* checkAppId(operation, appId)
        const concurrency = options.concurrency ?? UPLOAD_CONCURRENCY
        if (!Number.isInteger(concurrency) || concurrency < 1) {
          return yield* FlowLikeError.invalidArgument(`${operation}: concurrency must be a whole number from 1`, operation)
        }
        if (!Array.isArray(files)) return yield* FlowLikeError.invalidArgument(`${operation}: files must be an array`, operation)
        const prepared = yield* Effect.forEach(files, (item) =>
          Effect.gen(function*() {
            const body = yield* prepare(item.file, { contentLength: item.contentLength, operation })
            const key = yield* normaliseKey(item.key ?? body.name, operation)
            return { item, body, key }
          }))
        const keys = prepared.map(({ key }) => key)
        const duplicate = keys.find((key, index) => keys.indexOf(key) !== index)
        if (duplicate !== undefined) {
          return yield* FlowLikeError.invalidArgument(`${operation}: the key ${duplicate} appears twice`, operation)
        }
        const signed = yield* sign(operation, endpoints.signUpload, appId, keys.map(encodeKey))
        const outcomes = yield* Effect.forEach(prepared, ({ body, item, key }, index) =>
          Effect.flatMap(urlOf(operation, key, signed[index]), (url) =>
            uploadTo(operation, appId, key, url, body, item.contentType, options.onProgress)).pipe(
              Effect.map((result) => ({ _tag: "Uploaded" as const, result })),
              Effect.catch((error) => Effect.succeed({ _tag: "Failed" as const, failure: { key, error } }))
            ), { concurrency })
        return {
          uploaded: outcomes.flatMap((outcome) => outcome._tag === "Uploaded" ? [outcome.result] : []),
          failed: outcomes.flatMap((outcome) => outcome._tag === "Failed" ? [outcome.failure] : [])
        }
      }))),
    downloadFile: (appId, key, options = {}) =>
      withSpan("Files.downloadFile")(Effect.suspend(() => {
        const chunks: Array<Uint8Array> = []
        return downloadInto("Files.downloadFile", appId, key, options, (chunk) => {
          chunks.push(chunk)
        }).pipe(
          Effect.map((size) => {
            const out = new Uint8Array(size)
            let offset = 0
            for (const chunk of chunks) {
              out.set(chunk, offset)
              offset += chunk.byteLength
            }
            return out
          })
        )
      })),
    downloadFileStream: (appId, key, options = {}) =>
      withStreamSpan("Files.downloadFileStream")(downloadStream("Files.downloadFileStream", appId, key, options)),
    downloadFileTo: (appId, key, path, options = {}) =>
      withSpan("Files.downloadFileTo")(Effect.gen(function*() {
        const operation = "Files.downloadFileTo"
        if (typeof path !== "string" || path === "") {
          return yield* FlowLikeError.invalidArgument(`${operation}: path must be a non-empty string`, operation)
        }
        const size = yield* writeToPath(operation, path, (write) => downloadInto(operation, appId, key, options, write))
        const result: DownloadResult = { key, path, size }
        return result
      })),
    deleteFile: (appId, key) =>
      withSpan("Files.deleteFile")(Effect.gen(function*() {
        const operation = "Files.deleteFile"
        yield* checkAppId(operation, appId)
        const normalised = yield* normaliseKey(key, operation)
        const request = yield* Endpoint.request(endpoints.deleteFiles, { params: { app: appId }, payload: { prefixes: [encodeKey(normalised)] } }, {
          operation,
          isIdempotent: true
        })
        yield* http.json(request, Schema.Null)
      })),
    presignData: (appId, options = {}) =>
      withSpan("Files.presignData")(Effect.gen(function*() {
        const operation = "Files.presignData"
        yield* checkAppId(operation, appId)
        if (options.accessMode !== undefined && options.accessMode !== "read" && options.accessMode !== "write") {
          return yield* FlowLikeError.invalidArgument(`${operation}: accessMode must be "read" or "write"`, operation)
        }
        const prefix = options.prefix === undefined ? undefined : yield* normaliseKey(options.prefix, operation, { allowEmpty: true })
        const request = yield* Endpoint.request(endpoints.presignData, {
          params: { app: appId },
          payload: { prefix, accessMode: options.accessMode }
        }, { operation, isIdempotent: true })
        const value = yield* http.json(request, FilesApi.PresignDataResponse)
        const expiration = value.expiration === undefined ? undefined : new Date(value.expiration)
        const access: DataAccess = {
          sharedCredentials: Redacted.make(value.sharedCredentials, { label: "sharedCredentials" }),
          path: value.path,
          accessMode: value.accessMode,
          expiration: expiration === undefined || Number.isNaN(expiration.getTime()) ? undefined : expiration
        }
        return access
      }))
  }
}
