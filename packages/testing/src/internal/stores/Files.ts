/**
 * The dev server's object store: objects are files in a directory (one file per object, named by a
 * hash of its key), their metadata in memory, and URLs signed with HMAC-SHA256 that expire. It
 * stands in for the S3 bucket behind the real server's signed URLs; `Storage.ts` serves it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { rename, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** One stored object. */
export interface StoredObject {
  /** The storage path, e.g. `apps/{app}/upload/docs/a.txt`, in object_store's encoded form. */
  readonly key: string
  readonly file: string
  readonly size: number
  readonly lastModified: Date
  readonly etag: string
}

/** The signed-URL path prefix (outside `/api/v1`). */
export const STORAGE_PREFIX = "/_storage/"

/** Signed URLs of the real server last 24 h. */
export const URL_LIFETIME_SECONDS = 24 * 60 * 60

/** Why a signed URL was refused: tampered with, or expired. */
export type Refusal = "SignatureDoesNotMatch" | "Expired"

/** The object store. */
export interface Files {
  /** The directory the objects live in. */
  readonly directory: string
  /** Sets the server's own URL once it listens (signed URLs point at it). */
  readonly setBaseUrl: (url: string) => void
  /** A signed URL for `method` on `key`, valid for `seconds`. */
  readonly sign: (method: "GET" | "PUT", key: string, seconds?: number) => string
  /** Checks a signed request: `undefined` when valid, else why not. */
  readonly verify: (method: string, key: string, query: URLSearchParams) => Refusal | undefined
  readonly get: (key: string) => StoredObject | undefined
  /** A fresh file path to write an object's bytes to before `commit`. */
  readonly scratch: () => string
  /** Moves a scratch file into place as the object `key`. */
  readonly commit: (key: string, scratch: string, size: number) => Promise<StoredObject>
  /** Removes the object `key` and every object under `key/`. */
  readonly deleteTree: (key: string) => Promise<void>
  /** Objects directly under `folder/` and the sub-folders there (object_store's `list_with_delimiter`). */
  readonly list: (folder: string) => { readonly objects: ReadonlyArray<StoredObject>; readonly folders: ReadonlyArray<string> }
  /** Keys (relative prefixes as sent) whose signing fails, as the server's per-key `{prefix, error}`. */
  readonly failingKeys: Set<string>
  /** How many of the next signed URLs are signed already expired. */
  expireNext: number
  /** Removes the directory if the store created it. */
  readonly close: () => void
}

/** Segment characters object_store's `PathPart` percent-encodes (and whole `.`/`..` segments). */
const ILLEGAL = /[\u0000-\u001f\u007f%\\{}^`[\]"<>~#|]/g

/** A segment as object_store stores it. */
export const encodeSegment = (segment: string): string =>
  segment === "." ? "%2E" : segment === ".." ? "%2E%2E" : segment.replace(ILLEGAL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)

/** Percent-decodes a segment, or keeps it when it is not valid percent-encoding (`construct_upload`'s `decode(seg).unwrap_or(seg)`). */
export const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Opens a store in `directory`, or in a new temporary directory removed on `close`. */
export const makeFiles = (directory?: string): Files => {
  const isTemporary = directory === undefined
  const root = directory ?? mkdtempSync(join(tmpdir(), "flow-like-dev-storage-"))
  const objectsDir = join(root, "objects")
  mkdirSync(objectsDir, { recursive: true })
  const secret = randomBytes(32)
  const objects = new Map<string, StoredObject>()
  let baseUrl = ""
  let scratchCount = 0

  const mac = (method: string, key: string, expires: string) =>
    createHmac("sha256", secret).update(`${method}\n${key}\n${expires}`).digest("hex")
  const fileOf = (key: string) => join(objectsDir, createHash("sha256").update(key).digest("hex"))
  const urlPath = (key: string) => key.split("/").map(encodeURIComponent).join("/")

  const store: Files = {
    directory: root,
    setBaseUrl: (url) => {
      baseUrl = url
    },
    sign: (method, key, seconds = URL_LIFETIME_SECONDS) => {
      const isExpired = store.expireNext > 0
      if (isExpired) store.expireNext -= 1
      const expires = String(Math.floor(Date.now() / 1000) + (isExpired ? -1 : seconds))
      return `${baseUrl}${STORAGE_PREFIX}${urlPath(key)}?X-Method=${method}&X-Expires=${expires}&X-Signature=${mac(method, key, expires)}`
    },
    verify: (method, key, query) => {
      const signedMethod = query.get("X-Method") ?? ""
      const expires = query.get("X-Expires") ?? ""
      const given = Buffer.from(query.get("X-Signature") ?? "", "utf8")
      const expected = Buffer.from(mac(signedMethod, key, expires), "utf8")
      const effective = method === "HEAD" ? "GET" : method
      if (given.length !== expected.length || !timingSafeEqual(given, expected) || signedMethod !== effective) {
        return "SignatureDoesNotMatch"
      }
      return Number(expires) * 1000 < Date.now() ? "Expired" : undefined
    },
    get: (key) => objects.get(key),
    scratch: () => join(objectsDir, `.upload-${process.pid}-${++scratchCount}-${randomBytes(4).toString("hex")}`),
    commit: async (key, scratch, size) => {
      const file = fileOf(key)
      await rename(scratch, file)
      const object: StoredObject = { key, file, size, lastModified: new Date(), etag: `"${randomBytes(16).toString("hex")}"` }
      objects.set(key, object)
      return object
    },
    deleteTree: async (key) => {
      for (const object of [...objects.values()]) {
        if (object.key === key || object.key.startsWith(`${key}/`)) {
          objects.delete(object.key)
          await rm(object.file, { force: true })
        }
      }
    },
    list: (folder) => {
      const prefix = folder === "" ? "" : `${folder}/`
      const found: Array<StoredObject> = []
      const folders = new Set<string>()
      for (const object of objects.values()) {
        if (!object.key.startsWith(prefix)) continue
        const rest = object.key.slice(prefix.length)
        const slash = rest.indexOf("/")
        if (slash === -1) found.push(object)
        else folders.add(`${prefix}${rest.slice(0, slash)}`)
      }
      found.sort((a, b) => a.key.localeCompare(b.key))
      return { objects: found, folders: [...folders].sort() }
    },
    failingKeys: new Set(),
    expireNext: 0,
    close: () => {
      if (isTemporary) rmSync(root, { recursive: true, force: true })
    }
  }
  return store
}
