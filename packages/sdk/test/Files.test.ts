/**
 * The Files service over an in-memory HTTP client that reads upload bodies the way a socket would,
 * one chunk at a time, with the test clock moving between chunks.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import { Files, FlowLike } from "../src/index.ts"
import { BASE_URL, PAT } from "./utils/mock.ts"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly bodyBytes: number
  /** When the request was answered, on the test clock. */
  readonly at: number
}

const SLICE = 1024 * 1024

/**
 * Answers the signing routes with `storageUrl`, reads PUT bodies chunk by chunk (30 ms of test
 * clock per chunk) and answers GETs with `download(range)`.
 */
const harness = (options: {
  readonly storageUrl: string
  readonly download?: (range: string | undefined) => Response
}) => {
  const seen: Array<Seen> = []
  const inFlight = { now: 0, max: 0 }
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const isStorage = request.method === "PUT" && !url.pathname.startsWith("/api/")
      if (isStorage) inFlight.max = Math.max(inFlight.max, ++inFlight.now)
      let bodyBytes = 0
      const body = request.body._tag === "Raw" ? request.body.body : undefined
      if (body instanceof ReadableStream) {
        const reader = (body as ReadableStream<Uint8Array>).getReader()
        while (true) {
          const next = yield* Effect.tryPromise({
            try: () => reader.read(),
            // As `fetch` does: a body that fails is a transport failure of the request.
            catch: (cause) => new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })
          })
          if (next.done) break
          bodyBytes += next.value.byteLength
          yield* TestClock.adjust("30 millis")
        }
      }
      if (isStorage) inFlight.now--
      const at = yield* Clock.currentTimeMillis
      seen.push({ method: request.method, url: url.toString(), headers: { ...request.headers }, bodyBytes, at })
      if (url.pathname.endsWith("/data") || url.pathname.endsWith("/data/download")) {
        const body = request.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(request.body.body)) : { prefixes: [] }
        return HttpClientResponse.fromWeb(
          request,
          Response.json(body.prefixes.map((prefix: string) => ({ prefix, url: options.storageUrl })))
        )
      }
      if (request.method === "GET") return HttpClientResponse.fromWeb(request, options.download!(request.headers["range"]))
      return HttpClientResponse.fromWeb(request, new Response(null, { status: 200, headers: { etag: "\"e1\"" } }))
    })
  )
  const layer = FlowLike.layerWithoutHttpClient({ baseUrl: BASE_URL, pat: PAT }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  )
  return { seen, layer, inFlight }
}

describe("Files", () => {
  it.effect("reports progress at most every 100 ms, and 100% only after storage answered", () =>
    Effect.gen(function*() {
      const { layer, seen } = harness({ storageUrl: "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=abc" })
      const reports: Array<number> = []
      const result = yield* Effect.flatMap(Effect.service(Files.Files), (files) =>
        files.uploadFile("app", new Uint8Array(8 * SLICE), {
          key: "k.bin",
          onProgress: (progress) => {
            const put = seen.find((request) => request.method === "PUT" && request.url.includes("amazonaws"))
            // 100% is reported after the PUT was answered (and recorded), never before.
            if (progress.loaded === progress.total) assert.isDefined(put)
            reports.push(progress.loaded / SLICE)
          }
        })).pipe(Effect.provide(layer))
      // Chunks arrive at 0, 30, ..., 210 ms: reported at 0 and 120 ms, then 8 MiB once answered.
      assert.deepStrictEqual(reports, [1, 5, 8])
      assert.deepStrictEqual(result, { key: "k.bin", size: 8 * SLICE, etag: "\"e1\"" })
      const put = seen.find((request) => request.method === "PUT" && request.url.includes("amazonaws"))
      assert.strictEqual(put?.bodyBytes, 8 * SLICE)
      assert.strictEqual(put?.headers["content-type"], "application/octet-stream")
    }))

  it.effect("uploads several files at most `concurrency` at once", () =>
    Effect.gen(function*() {
      const { inFlight, layer } = harness({ storageUrl: "https://bucket.s3.amazonaws.com/k" })
      const files = Array.from({ length: 6 }, (_, index) => ({ file: new Uint8Array(3 * SLICE), key: `f${index}` }))
      const result = yield* Effect.flatMap(Effect.service(Files.Files), (service) => service.uploadFiles("app", files, { concurrency: 2 })).pipe(
        Effect.provide(layer)
      )
      assert.strictEqual(result.uploaded.length, 6)
      assert.strictEqual(inFlight.max, 2)
    }))

  it.effect("offers progress as a Stream ending with loaded === total", () =>
    Effect.gen(function*() {
      const { layer } = harness({ storageUrl: "https://bucket.s3.amazonaws.com/k" })
      const progress = yield* Effect.flatMap(Effect.service(Files.Files), (files) =>
        Stream.runCollect(files.uploadFileProgress("app", new Blob([new Uint8Array(3 * SLICE)]), { key: "s.bin" }))).pipe(
          Effect.provide(layer)
        )
      assert.deepStrictEqual(progress.at(-1), { key: "s.bin", loaded: 3 * SLICE, total: 3 * SLICE })
      assert.isTrue(progress.slice(0, -1).every((p) => p.loaded < p.total))
    }))

  it.effect("sends x-ms-blob-type: BlockBlob to an Azure SAS URL, and nothing of the sort to S3", () =>
    Effect.gen(function*() {
      const azure = harness({ storageUrl: "https://acct.blob.core.windows.net/c/apps/app/upload/a.txt?sv=2023-11-03&sig=abc" })
      yield* Effect.flatMap(Effect.service(Files.Files), (files) => files.uploadFile("app", new Uint8Array([1]), { key: "a.txt" })).pipe(
        Effect.provide(azure.layer)
      )
      const put = azure.seen.find((request) => request.url.includes("windows.net"))
      assert.strictEqual(put?.headers["x-ms-blob-type"], "BlockBlob")
      assert.strictEqual(put?.headers["authorization"], undefined)
    }))

  it.effect("fails a stream longer than its declared contentLength without retrying it", () =>
    Effect.gen(function*() {
      const { layer, seen } = harness({ storageUrl: "https://bucket.s3.amazonaws.com/k" })
      const source: Files.UploadSource = Stream.make(new Uint8Array(4), new Uint8Array(4))
      const error = yield* Effect.flatMap(Effect.service(Files.Files), (files) =>
        files.uploadFile("app", source, { key: "k", contentLength: 5 })).pipe(
          Effect.provide(layer),
          Effect.flip
        )
      assert.strictEqual(error.reason._tag, "NetworkError")
      assert.isFalse(error.isRetryable)
      assert.include(error.message, "longer than its declared 5 bytes")
      assert.strictEqual(seen.filter((request) => request.method === "PUT" && request.url.includes("amazonaws")).length, 0)
    }))

  it.effect("waits for storage's Retry-After before resuming a download; a longer one than maxRetryDelay fails at once", () =>
    Effect.gen(function*() {
      const full = new Uint8Array([1, 2, 3])
      const busyThenOk = (retryAfter: string) => {
        let calls = 0
        return () =>
          ++calls === 1
            ? new Response("slow down", { status: 503, headers: { "retry-after": retryAfter } })
            : new Response(full, { status: 200, headers: { "content-length": "3" } })
      }
      const download = Effect.flatMap(Effect.service(Files.Files), (files) => files.downloadFile("app", "k"))
      const waited = harness({ storageUrl: "https://bucket.s3.amazonaws.com/k", download: busyThenOk("20") })
      const fiber = yield* Effect.forkChild(Effect.provide(download, waited.layer))
      for (let step = 0; step < 300; step++) yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual([...yield* Fiber.join(fiber)], [...full])
      const gets = waited.seen.filter((r) => r.method === "GET").map((r) => r.at)
      assert.strictEqual(gets.length, 2)
      assert.isAtLeast(gets[1]! - gets[0]!, 20_000, "the resumption came no sooner than Retry-After")

      const refused = harness({ storageUrl: "https://bucket.s3.amazonaws.com/k", download: busyThenOk("3600") })
      const error = yield* Effect.flip(Effect.provide(download, refused.layer))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(refused.seen.filter((r) => r.method === "GET").length, 1)
    }))

  it.live("skips the bytes already delivered when storage ignores Range on a resumed download", () =>
    Effect.gen(function*() {
      let calls = 0
      const full = new Uint8Array([1, 2, 3, 4, 5, 6])
      const { layer, seen } = harness({
        storageUrl: "https://bucket.s3.amazonaws.com/k",
        download: () => {
          calls++
          if (calls > 1) return new Response(full, { status: 200, headers: { "content-length": "6" } })
          let pulls = 0
          const broken = new ReadableStream<Uint8Array>({
            pull: (controller) => {
              if (pulls++ === 0) controller.enqueue(full.subarray(0, 4))
              else controller.error(new TypeError("terminated"))
            }
          })
          return new Response(broken, { status: 200, headers: { "content-length": "6" } })
        }
      })
      const bytes = yield* Effect.flatMap(Effect.service(Files.Files), (files) => files.downloadFile("app", "k")).pipe(
        Effect.provide(layer)
      )
      assert.deepStrictEqual([...bytes], [...full])
      assert.deepStrictEqual(seen.filter((r) => r.method === "GET").map((r) => r.headers["range"]), [undefined, "bytes=4-"])
    }))
})
