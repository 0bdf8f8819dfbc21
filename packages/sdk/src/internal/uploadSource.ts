/**
 * What `Files.uploadFile` accepts, turned into a body it can send (and send again when the source
 * can be read twice): a path (read in place through reused buffers), a `Blob`, bytes, or a stream
 * (one-shot: its length must be given, or it is spooled to a temporary file first, then read like
 * a path).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { type FileHandle, mkdtemp, open, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as FlowLikeError from "../FlowLikeError.ts"

/** A file to upload: a path (or `file:` URL), a `Blob`/`File`, bytes, or a byte stream. */
export type UploadSource =
  | string
  | URL
  | Blob
  | Uint8Array
  | ArrayBuffer
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Stream.Stream<Uint8Array, unknown>

/** A source ready to send. */
export interface Prepared {
  readonly size: number
  /**
   * A fresh web stream of the bytes; for a one-shot source it may be opened only once. (A web
   * stream goes to `fetch` as is: an Effect `Stream` turned into one is read ahead without bound,
   * so a large file would sit in memory.)
   */
  readonly open: () => ReadableStream<Uint8Array>
  /** Whether `open` can be called again (a retry re-sends the bytes). */
  readonly isReplayable: boolean
  /** A name to use as the key when none is given (a path's file name, a `File`'s name). */
  readonly name: string | undefined
  readonly contentType: string | undefined
}

/** Pieces of bytes in memory are sent in slices of this size, so that progress moves. */
const SLICE = 1024 * 1024

const isAsyncIterable = (value: unknown): value is AsyncIterable<Uint8Array> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value

const fromBlob = (blob: Blob, name: string | undefined): Prepared => ({
  size: blob.size,
  open: () => blob.stream(),
  isReplayable: true,
  name,
  contentType: blob.type === "" ? undefined : blob.type
})

/** Reused read buffers of a file upload: a chunk's buffer comes round again only after it was sent. */
const POOL_SIZE = 8
const POOL_BUFFER = 256 * 1024

/**
 * A file read from disk in place, through a few reused buffers: no allocation per chunk, so memory
 * stays flat however large the file (allocating per chunk, as `Blob.stream()` does, lets about
 * 64 MB of spent buffers pile up between garbage collections). A buffer is reused after
 * `POOL_SIZE - 1` later chunks were read; the sender writes a chunk and waits for the socket to
 * drain before it takes the next, and at most a few chunks wait between the file and the sender,
 * so a reused buffer has always left the process.
 */
const fromPath = (path: string, size: number): Prepared => ({
  size,
  open: () => {
    const pool: Array<Uint8Array> = []
    let handle: FileHandle | undefined
    let position = 0
    let index = 0
    const close = async () => {
      const open = handle
      handle = undefined
      await open?.close()
    }
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        handle ??= await open(path, "r")
        if (position >= size) {
          await close()
          return controller.close()
        }
        const slot = index++ % POOL_SIZE
        const buffer = pool[slot] ??= new Uint8Array(POOL_BUFFER)
        const { bytesRead } = await handle.read(buffer, 0, Math.min(POOL_BUFFER, size - position), position)
        if (bytesRead === 0) {
          await close()
          return controller.error(new Error(`${path} shrank to ${position} bytes while it was read (it had ${size})`))
        }
        position += bytesRead
        controller.enqueue(buffer.subarray(0, bytesRead))
      },
      cancel: close
    }, { highWaterMark: 0 })
  },
  isReplayable: true,
  name: basename(path),
  contentType: undefined
})

const fromBytes = (bytes: Uint8Array): Prepared => ({
  size: bytes.byteLength,
  open: () => {
    let offset = 0
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (offset >= bytes.byteLength) return controller.close()
        controller.enqueue(bytes.subarray(offset, offset + SLICE))
        offset += SLICE
      }
    })
  },
  isReplayable: true,
  name: undefined,
  contentType: undefined
})

const fromAsyncIterable = (source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> => {
  const iterator = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const next = await iterator.next()
      if (next.done === true) controller.close()
      else controller.enqueue(next.value)
    },
    cancel: async () => {
      await iterator.return?.()
    }
  })
}

/** A one-shot source as a web stream: as is, from its async iterator, or from the Effect `Stream` (run in `context`). */
const oneShot = (
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Stream.Stream<Uint8Array, unknown>,
  context: Context.Context<never>
): ReadableStream<Uint8Array> =>
  Stream.isStream(source)
    ? Stream.toReadableStreamWith(source as Stream.Stream<Uint8Array, unknown>, context)
    : source instanceof ReadableStream
    ? source
    : fromAsyncIterable(source)

/**
 * Writes a one-shot stream of unknown length to a temporary file (removed when `scope` closes), so
 * that it can be sent with a `Content-Length` and sent again on a retry.
 */
const spool = (
  stream: ReadableStream<Uint8Array>,
  operation: string
): Effect.Effect<Prepared, FlowLikeError.FlowLikeError, Scope.Scope> =>
  Effect.gen(function*() {
    const directory = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => mkdtemp(join(tmpdir(), "flow-like-upload-")),
        catch: (error) => FlowLikeError.invalidArgument(`${operation}: cannot create a temporary file to measure the stream: ${String(error)}`, operation)
      }),
      (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
    )
    const path = join(directory, "body")
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => open(path, "w"),
        catch: (error) => FlowLikeError.invalidArgument(`${operation}: cannot write a temporary file: ${String(error)}`, operation)
      }),
      (file) => Effect.promise(() => file.close())
    )
    yield* Effect.tryPromise({
      try: async () => {
        for await (const chunk of stream) await handle.write(chunk)
      },
      catch: (error) => FlowLikeError.invalidArgument(`${operation}: the stream to upload failed: ${String(error)}`, operation)
    })
    const size = yield* Effect.promise(async () => (await stat(path)).size)
    return { ...fromPath(path, size), name: undefined }
  })

/** Makes a source ready to send; spooled files live as long as `scope`. */
export const prepare = (
  source: UploadSource,
  options: { readonly contentLength?: number | undefined; readonly operation: string }
): Effect.Effect<Prepared, FlowLikeError.FlowLikeError, Scope.Scope> => {
  const { operation } = options
  if (typeof source === "string" || source instanceof URL) {
    const path = source instanceof URL ? fileURLToPath(source) : source
    return Effect.tryPromise({
      try: async () => {
        const info = await stat(path)
        if (!info.isFile()) throw new Error("it is not a regular file")
        return info.size
      },
      catch: (error) =>
        FlowLikeError.invalidArgument(
          `${operation}: cannot read the file ${path}: ${error instanceof Error ? error.message : String(error)}`,
          operation
        )
    }).pipe(Effect.map((size) => fromPath(path, size)))
  }
  if (source instanceof Blob) return Effect.succeed(fromBlob(source, source instanceof File ? source.name : undefined))
  if (source instanceof Uint8Array) return Effect.succeed(fromBytes(source))
  if (source instanceof ArrayBuffer) return Effect.succeed(fromBytes(new Uint8Array(source)))
  if (Stream.isStream(source) || source instanceof ReadableStream || isAsyncIterable(source)) {
    return Effect.flatMap(Effect.context<never>(), (context) => oneShotPrepared(oneShot(source, context), options))
  }
  return Effect.fail(
    FlowLikeError.invalidArgument(
      `${operation}: file must be a path, a URL, a Blob, bytes (Uint8Array or ArrayBuffer) or a byte stream`,
      operation
    )
  )
}

const oneShotPrepared = (
  stream: ReadableStream<Uint8Array>,
  options: { readonly contentLength?: number | undefined; readonly operation: string }
): Effect.Effect<Prepared, FlowLikeError.FlowLikeError, Scope.Scope> => {
  const { operation } = options
  {
    const length = options.contentLength
    if (length === undefined) return spool(stream, operation)
    if (!Number.isInteger(length) || length < 0) {
      return Effect.fail(FlowLikeError.invalidArgument(`${operation}: contentLength must be a whole number of bytes`, operation))
    }
    let isOpened = false
    return Effect.succeed({
      size: length,
      open: () => {
        if (isOpened) throw new Error("a stream can be sent only once")
        isOpened = true
        return stream
      },
      isReplayable: false,
      name: undefined,
      contentType: undefined
    })
  }
}
