/** Files end to end: the Promise client over real HTTP on loopback, against the dev server and its object store. */
import { createHash, randomBytes } from "node:crypto"
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { inspect } from "node:util"
import { Redacted } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"
import type { UploadProgress } from "@flow-like/client"
import { DevServer } from "@flow-like/testing"
import type { DevServerInstance } from "@flow-like/testing"

let server: DevServerInstance
let client: FlowLikeClient
let directory: string

beforeEach(async () => {
  server = await DevServer.start()
  client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
  directory = await mkdtemp(join(tmpdir(), "flow-like-files-test-"))
})

afterEach(async () => {
  await client.close()
  await server.close()
  await rm(directory, { recursive: true, force: true })
})

const storageRequests = () => server.requests.filter((request) => request.path.startsWith("/_storage/"))
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const rejection = async (promise: Promise<unknown>): Promise<FlowLikeError> => {
  const error = await promise.then(() => undefined, (error: unknown) => error)
  expect(error).toBeInstanceOf(FlowLikeError)
  return error as FlowLikeError
}

describe("files end to end", () => {
  it("uploads a path to a signed URL with Content-Length and no Flow-Like credential, then lists, downloads and deletes it", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17)
    const path = join(directory, "report.bin")
    await writeFile(path, bytes)
    const progress: Array<UploadProgress> = []
    const uploaded = await client.uploadFile(server.appId, path, { key: "docs/report.bin", onProgress: (p) => progress.push(p) })
    expect(uploaded).toMatchObject({ key: "docs/report.bin", size: bytes.length })
    expect(uploaded.etag).toMatch(/^".+"$/)

    const [put] = storageRequests()
    expect(put?.method).toBe("PUT")
    expect(put?.headers["content-length"]).toBe(String(bytes.length))
    expect(put?.headers["transfer-encoding"]).toBeUndefined()
    expect(put?.headers["authorization"]).toBeUndefined()
    expect(progress.at(-1)).toEqual({ key: "docs/report.bin", loaded: bytes.length, total: bytes.length })
    expect(progress.filter((p) => p.loaded === p.total)).toHaveLength(1)
    expect(sha((await server.files.get("docs/report.bin"))!)).toBe(sha(bytes))

    const root = await client.listFiles(server.appId)
    expect(root).toEqual([expect.objectContaining({ key: "docs", isDir: true, lastModified: undefined, size: 0 })])
    const listed = await client.listFiles(server.appId, { prefix: "docs" })
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ key: "docs/report.bin", size: bytes.length, isDir: false, etag: uploaded.etag })
    expect(listed[0]?.lastModified).toBeInstanceOf(Date)
    expect(Math.abs(listed[0]!.lastModified!.getTime() - Date.now())).toBeLessThan(60_000)

    expect(sha(await client.downloadFile(server.appId, "docs/report.bin"))).toBe(sha(bytes))
    await client.deleteFile(server.appId, "docs")
    expect(await client.listFiles(server.appId)).toEqual([])
    expect(await server.files.get("docs/report.bin")).toBeUndefined()
  })

  it("lists recursively, keys relative to the app with odd characters kept", async () => {
    await client.uploadFile(server.appId, new TextEncoder().encode("a"), { key: "top.txt" })
    await client.uploadFile(server.appId, new Blob(["b"]), { key: "x/100% sure #1.txt" })
    await client.uploadFile(server.appId, new TextEncoder().encode("c"), { key: "//x/y//deep.txt/" })
    const all = await client.listFiles(server.appId, { recursive: true })
    expect(all.map((file) => `${file.isDir ? "d" : "f"} ${file.key}`)).toEqual([
      "f top.txt",
      "d x",
      "f x/100% sure #1.txt",
      "d x/y",
      "f x/y/deep.txt"
    ])
    expect(new TextDecoder().decode(await client.downloadFile(server.appId, "x/100% sure #1.txt"))).toBe("b")
  })

  it("uploads a stream with contentLength, and spools one without", async () => {
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]
    const stream = () => new ReadableStream<Uint8Array>({ start: (c) => (chunks.forEach((chunk) => c.enqueue(chunk)), c.close()) })
    await client.uploadFile(server.appId, stream(), { key: "known.bin", contentLength: 5 })
    await client.uploadFile(server.appId, stream(), { key: "spooled.bin" })
    for (const put of storageRequests()) expect(put.headers["content-length"]).toBe("5")
    expect([...(await server.files.get("known.bin"))!]).toEqual([1, 2, 3, 4, 5])
    expect([...(await server.files.get("spooled.bin"))!]).toEqual([1, 2, 3, 4, 5])
  })

  it("names a file after its path, reads file: URLs and async iterables", async () => {
    const path = join(directory, "named.txt")
    await writeFile(path, "by path")
    expect((await client.uploadFile(server.appId, path)).key).toBe("named.txt")
    expect((await client.uploadFile(server.appId, pathToFileURL(path), { key: "from-url.txt" })).size).toBe(7)
    async function* pieces() {
      yield new TextEncoder().encode("one ")
      yield new TextEncoder().encode("two")
    }
    await client.uploadFile(server.appId, pieces(), { key: "iterable.txt", contentLength: 7 })
    expect(new TextDecoder().decode(await server.files.get("iterable.txt"))).toBe("one two")
    expect(new TextDecoder().decode(await server.files.get("from-url.txt"))).toBe("by path")
  })

  it("gives up resuming a download after maxRetries (default 3)", async () => {
    await server.files.put("flaky.bin", randomBytes(64 * 1024))
    server.faults.inject({ method: "GET", path: "/_storage/", fault: { kind: "cutBody", afterBytes: 10 }, times: Infinity })
    expect((await rejection(client.downloadFile(server.appId, "flaky.bin"))).reason._tag).toBe("NetworkError")
    expect(storageRequests().filter((r) => r.method === "GET")).toHaveLength(4)
    expect((await rejection(client.downloadFile(server.appId, "flaky.bin", { maxRetries: 1 }))).reason._tag).toBe("NetworkError")
    expect(storageRequests().filter((r) => r.method === "GET")).toHaveLength(6)
  })

  it("retries an upload whose transfer was cut, from a re-creatable body; never a one-shot stream", async () => {
    const bytes = randomBytes(256 * 1024)
    server.faults.inject({ method: "PUT", path: "/_storage/", fault: { kind: "cutBody", afterBytes: 1000 } })
    await client.uploadFile(server.appId, bytes, { key: "retried.bin" })
    expect(storageRequests().filter((r) => r.method === "PUT")).toHaveLength(2)
    expect(sha((await server.files.get("retried.bin"))!)).toBe(sha(bytes))

    server.faults.inject({ method: "PUT", path: "/_storage/", fault: { kind: "status", status: 503 } })
    const once = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(bytes), c.close()) })
    const error = await rejection(client.uploadFile(server.appId, once, { key: "once.bin", contentLength: bytes.length }))
    expect(error.reason._tag).toBe("ServerError")
    expect(storageRequests().filter((r) => r.method === "PUT")).toHaveLength(3)
  })

  it("asks for a new URL when storage says the signed one expired", async () => {
    server.files.expireNextUrls(1)
    await client.uploadFile(server.appId, new TextEncoder().encode("late"), { key: "late.txt" })
    const signs = server.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/data"))
    expect(signs).toHaveLength(2)
    server.files.expireNextUrls(1)
    expect(new TextDecoder().decode(await client.downloadFile(server.appId, "late.txt"))).toBe("late")
  })

  it("refuses a tampered URL with 403 and a chunked PUT with 501, as S3 does", async () => {
    const url = server.files.signedUrl("PUT", "t.bin")
    const tampered = await fetch(url.replace("t.bin", "u.bin"), { method: "PUT", body: "x" })
    expect(tampered.status).toBe(403)
    expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>")
    const wrongMethod = await fetch(url)
    expect(wrongMethod.status).toBe(403)
    const chunked = await fetch(url, {
      method: "PUT",
      body: new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1])), c.close()) }),
      duplex: "half"
    } as RequestInit)
    expect(chunked.status).toBe(501)
    expect(await chunked.text()).toContain("<Code>NotImplemented</Code>")
  })

  it("resumes a dropped download with Range, as a stream and to a path", async () => {
    const bytes = randomBytes(2 * 1024 * 1024)
    await server.files.put("big.bin", bytes)
    server.faults.inject({ method: "GET", path: "/_storage/", fault: { kind: "cutBody", afterBytes: 700_000 } })
    const chunks: Array<Uint8Array> = []
    for await (const chunk of client.downloadFileStream(server.appId, "big.bin")) chunks.push(chunk)
    expect(sha(Buffer.concat(chunks))).toBe(sha(bytes))
    const gets = storageRequests().filter((r) => r.method === "GET")
    expect(gets.map((r) => r.headers["range"])).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)])
    expect(Number(gets[1]!.headers["range"]!.slice(6, -1))).toBeGreaterThan(0)

    server.faults.inject({ method: "GET", path: "/_storage/", fault: { kind: "cutBody", afterBytes: 100_000 } })
    const target = join(directory, "out.bin")
    const written = await client.downloadFileTo(server.appId, "big.bin", target)
    expect(written).toEqual({ key: "big.bin", path: target, size: bytes.length })
    expect(sha(await readFile(target))).toBe(sha(bytes))
    expect(await readdir(directory)).toEqual(["out.bin"])
  })

  it("leaves no file behind when a download to a path fails", async () => {
    const target = join(directory, "missing.bin")
    const error = await rejection(client.downloadFileTo(server.appId, "nope.bin", target))
    expect(error.reason._tag).toBe("NotFoundError")
    expect(await readdir(directory)).toEqual([])
  })

  it("aborts a download stream with a signal", async () => {
    await server.files.put("abort.bin", randomBytes(4 * 1024 * 1024))
    const controller = new AbortController()
    const error = await (async () => {
      try {
        for await (const _ of client.downloadFileStream(server.appId, "abort.bin", { signal: controller.signal })) controller.abort()
      } catch (error) {
        return error
      }
    })()
    expect(error).toBeInstanceOf(FlowLikeError)
    expect((error as FlowLikeError).reason._tag).toBe("AbortedError")
  })

  it("uploads several files with one signing request per 100 keys and reports per-key failures", async () => {
    server.files.failSigning("f-7.txt")
    const files = Array.from({ length: 150 }, (_, index) => ({ file: new TextEncoder().encode(`file ${index}`), key: `f-${index}.txt` }))
    const result = await client.uploadFiles(server.appId, files, { concurrency: 8 })
    const signs = server.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/data"))
    expect(signs.map((r) => JSON.parse(r.body).prefixes.length)).toEqual([100, 50])
    expect(result.uploaded).toHaveLength(149)
    expect(result.failed).toHaveLength(1)
    expect(result.failed[0]?.key).toBe("f-7.txt")
    expect(result.failed[0]?.error.reason).toMatchObject({ _tag: "ServerError", code: "SIGN_FAILED" })
    expect(result.failed[0]?.error.message).toContain("Failed to create signed URL, reference ID:")
    expect((await client.listFiles(server.appId)).length).toBe(149)
  })

  it("refuses bad input with InvalidArgumentError before any request", async () => {
    const before = server.requests.length
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["no key", () => client.uploadFile(server.appId, new Uint8Array([1]))],
      ["dot segment", () => client.uploadFile(server.appId, new Uint8Array([1]), { key: "a/../b" })],
      ["missing file", () => client.uploadFile(server.appId, join(directory, "does-not-exist"))],
      ["not a file", () => client.uploadFile(server.appId, 42 as never, { key: "x" })],
      ["empty key", () => client.downloadFile(server.appId, "   /".trim())],
      ["empty app", () => client.deleteFile("", "x")],
      ["access mode", () => client.presignData(server.appId, { accessMode: "admin" as never })]
    ]
    for (const [name, call] of calls) {
      expect([name, (await rejection(call())).reason._tag]).toEqual([name, "InvalidArgumentError"])
    }
    expect(server.requests.length).toBe(before)
  })

  it("fails with the server's 500 for an app the caller is not a member of", async () => {
    const foreign = server.apps.addForeign()
    const error = await rejection(client.listFiles(foreign))
    expect(error.reason).toMatchObject({ _tag: "ServerError", status: 500 })
  })

  it("presigns data access with redacted credentials and the covered path", async () => {
    const access = await client.presignData(server.appId, { prefix: "docs", accessMode: "write" })
    expect(access.path).toBe(`apps/${server.appId}/upload/docs`)
    expect(access.accessMode).toBe("write")
    expect(access.expiration).toBeInstanceOf(Date)
    const credentials = Redacted.value(access.sharedCredentials) as { Aws: { secret_access_key: string } }
    expect(credentials.Aws.secret_access_key.length).toBeGreaterThan(20)
    expect(inspect(access)).not.toContain(credentials.Aws.secret_access_key)
    expect(JSON.stringify(access)).not.toContain(credentials.Aws.secret_access_key)
  })

  it("never shows a signed URL's signature in an error", async () => {
    await server.files.put("s.bin", "x")
    server.faults.inject({ method: "GET", path: "/_storage/", fault: { kind: "status", status: 400 }, times: 1 })
    const error = await rejection(client.downloadFile(server.appId, "s.bin", { maxRetries: 0 }))
    expect(error.message).toContain("?<redacted>")
    expect(error.message).not.toContain("X-Signature")
    expect(inspect(error)).not.toContain("X-Signature")
  })
})
