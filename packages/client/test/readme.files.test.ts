/** The README's "Files" section: its examples run as written against the dev server, and its dev-server promises. */
import { Effect, Stream } from "effect"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, expect, it } from "vitest"
import { Files, FlowLike } from "@flow-like/effect"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance
let directory: string

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "flow-like-readme-files-"))
  server = await DevServer.start({ storageDir: join(directory, "storage") })
})

afterEach(async () => {
  await server.close()
  await rm(directory, { recursive: true, force: true })
})

it("the Effect example uploads with a progress Stream, lists, downloads and deletes", async () => {
  const report = join(directory, "report.csv")
  await writeFile(report, "city,temp\nBerlin,21\n")
  const logged: Array<string> = []
  const program = Effect.gen(function*() {
    const files = yield* Files.Files
    yield* files.uploadFileProgress(server.appId, report, { key: "reports/2026-02.csv" }).pipe(
      Stream.runForEach(({ loaded, total }) => Effect.sync(() => logged.push(`${loaded} of ${total} bytes`)))
    )
    const listed = yield* files.listFiles(server.appId, { prefix: "reports" })
    const bytes = yield* files.downloadFile(server.appId, "reports/2026-02.csv")
    yield* files.deleteFile(server.appId, "reports")
    return { keys: listed.map((file) => file.key), size: bytes.byteLength }
  })
  const result = await Effect.runPromise(program.pipe(Effect.provide(FlowLike.layer({ baseUrl: server.url, pat: server.pat }))))
  expect(result).toEqual({ keys: ["reports/2026-02.csv"], size: 20 })
  expect(logged.at(-1)).toBe("20 of 20 bytes")
  expect(await server.files.get("reports/2026-02.csv")).toBeUndefined()
})

it("the Promise example uploads one and several files, streams a download and writes one to a path", async () => {
  const report = join(directory, "report.csv")
  await writeFile(report, "city,temp\nBerlin,21\n")
  const percents: Array<string> = []
  await using client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
  await client.uploadFile(server.appId, report, {
    key: "reports/2026-02.csv",
    onProgress: ({ loaded, total }) => percents.push(`${Math.round((loaded / total) * 100)}%`)
  })
  const { uploaded, failed } = await client.uploadFiles(server.appId, [
    { file: new Blob(["a,b\n1,2\n"]), key: "reports/a.csv" },
    { file: new TextEncoder().encode("hello"), key: "notes/hello.txt" }
  ])
  const chunks: Array<Uint8Array> = []
  for await (const chunk of client.downloadFileStream(server.appId, "reports/2026-02.csv")) chunks.push(chunk)
  const copy = join(directory, "copy.csv")
  await client.downloadFileTo(server.appId, "reports/2026-02.csv", copy)
  expect(percents.at(-1)).toBe("100%")
  expect(uploaded.map((file) => file.key)).toEqual(["reports/a.csv", "notes/hello.txt"])
  expect(failed).toEqual([])
  expect(Buffer.concat(chunks).toString()).toBe("city,temp\nBerlin,21\n")
  expect(await readFile(copy, "utf8")).toBe("city,temp\nBerlin,21\n")
})

it("retries a re-readable upload on 5xx, 429 and 408 from storage", async () => {
  await using client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
  for (const status of [503, 429, 408]) {
    server.faults.inject({ method: "PUT", path: "/_storage/", fault: { kind: "status", status, retryAfter: "0" } })
    await client.uploadFile(server.appId, new TextEncoder().encode(String(status)), { key: `${status}.txt` })
    expect(new TextDecoder().decode(await server.files.get(`${status}.txt`))).toBe(String(status))
  }
  expect(server.requests.filter((r) => r.method === "PUT" && r.path.startsWith("/_storage/"))).toHaveLength(6)
})

it("the dev server's storage: its directory, 24 h HMAC URLs, S3's 403 for an expired URL, Range", async () => {
  await server.files.put("a.txt", "0123456789")
  expect(server.files.directory).toBe(join(directory, "storage"))
  const url = new URL(server.files.signedUrl("GET", "a.txt"))
  expect(url.pathname.startsWith("/_storage/")).toBe(true)
  const lifetime = Number(url.searchParams.get("X-Expires")) - Date.now() / 1000
  expect(lifetime).toBeGreaterThan(24 * 3600 - 60)
  expect(lifetime).toBeLessThanOrEqual(24 * 3600)
  const ranged = await fetch(url, { headers: { range: "bytes=3-5" } })
  expect([ranged.status, await ranged.text(), ranged.headers.get("content-range")]).toEqual([206, "345", "bytes 3-5/10"])
  server.files.expireNextUrls(1)
  const expired = await fetch(server.files.signedUrl("GET", "a.txt"))
  expect(expired.status).toBe(403)
  expect(await expired.text()).toContain("<Code>AccessDenied</Code><Message>Request has expired</Message>")
  await using client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
  server.files.failSigning("b.txt")
  const error = await client.uploadFile(server.appId, new Uint8Array([1]), { key: "b.txt" }).catch((error: unknown) => error)
  expect(error).toBeInstanceOf(FlowLikeError)
  expect((error as FlowLikeError).code).toBe("SIGN_FAILED")
  server.files.clear()
  await client.uploadFile(server.appId, new Uint8Array([1]), { key: "b.txt" })
})
