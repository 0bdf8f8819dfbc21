/**
 * Writing a download to a path: a temporary file beside the target, renamed once the transfer is
 * complete and removed when it fails, so the target is never left half written.
 */
import * as Effect from "effect/Effect"
import { once } from "node:events"
import { createWriteStream } from "node:fs"
import { rename, rm } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import * as FlowLikeError from "../FlowLikeError.ts"

/** How much the file may hold for the disk before the transfer stops reading (the default 16 KiB makes reads wait on every write). */
const WRITE_BUFFER = 1024 * 1024

/** A sink for chunks: `undefined` when taken at once, a promise when the disk needs time (backpressure). */
export type Write = (chunk: Uint8Array) => void | Promise<void>

/**
 * Runs `transfer` with a `write` into a temporary file beside `path`, then renames it to `path`;
 * on failure or interruption the temporary file is removed. Write errors are `InvalidArgumentError`s.
 */
export const writeToPath = <A>(
  operation: string,
  path: string,
  transfer: (write: Write) => Effect.Effect<A, FlowLikeError.FlowLikeError>
): Effect.Effect<A, FlowLikeError.FlowLikeError> => {
  const temporary = join(dirname(path), `.${basename(path)}.${globalThis.crypto.randomUUID().slice(0, 12)}.part`)
  const failWrite = (error: unknown) =>
    FlowLikeError.invalidArgument(`${operation}: cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`, operation)
  return Effect.scoped(Effect.gen(function*() {
    const file = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const stream = createWriteStream(temporary, { flags: "wx", highWaterMark: WRITE_BUFFER })
        let failure: unknown
        stream.on("error", (error) => (failure ??= error))
        return { stream, failure: () => failure }
      }),
      ({ stream }) => Effect.sync(() => stream.destroy())
    )
    const result = yield* transfer((chunk) => {
      if (file.failure() !== undefined) return Promise.reject(failWrite(file.failure()))
      if (file.stream.write(chunk)) return undefined
      return once(file.stream, "drain").then(() => undefined, (error: unknown) => Promise.reject(failWrite(error)))
    })
    yield* Effect.tryPromise({
      try: async () => {
        const closed = once(file.stream, "close")
        file.stream.end()
        await closed
        if (file.failure() !== undefined) throw file.failure()
      },
      catch: failWrite
    })
    return result
  })).pipe(
    Effect.tap(() => Effect.tryPromise({ try: () => rename(temporary, path), catch: failWrite })),
    Effect.onError(() => Effect.promise(() => rm(temporary, { force: true })))
  )
}
