/**
 * The storage side of the dev server: signed URLs under `/_storage/<key>`, answered by plain
 * `node:http` code (bodies of any size stream to and from disk; the API's 2 MB limit does not
 * apply). It behaves like S3 where clients notice: a signature that does not match or has expired
 * gets 403 with S3's XML error, a PUT without `Content-Length` (chunked) gets S3's 501, `Range`
 * works on GET (206, or 416), and injected faults can cut a transfer mid-body.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { createReadStream, createWriteStream } from "node:fs"
import { rm } from "node:fs/promises"
import { pipeline } from "node:stream/promises"
import { Transform } from "node:stream"
import type { Fault } from "./Model.ts"
import type { Faults } from "./stores/Faults.ts"
import { type Files, STORAGE_PREFIX } from "./stores/Files.ts"
import type { Requests } from "./stores/Requests.ts"

/** Whether a request is for the object store. */
export const isStorageRequest = (request: IncomingMessage): boolean => (request.url ?? "").startsWith(STORAGE_PREFIX)

const xmlEscape = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** S3's error body. */
const s3Error = (response: ServerResponse, status: number, code: string, message: string, resource: string) => {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Resource>${
    xmlEscape(resource)
  }</Resource><RequestId>${Date.now().toString(16)}</RequestId></Error>`
  response.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) })
  response.end(body)
}

/** Lets `limit` bytes through, then destroys the socket (a transfer cut mid-body). */
const cutAfter = (limit: number, onCut: () => void) => {
  let passed = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const room = limit - passed
      if (room <= 0) return onCut()
      passed += chunk.length
      if (chunk.length > room) {
        this.push(chunk.subarray(0, room))
        return onCut()
      }
      callback(null, chunk)
    }
  })
}

const parseRange = (header: string, size: number): { readonly start: number; readonly end: number } | "unsatisfiable" | undefined => {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null) return undefined
  const [, from = "", to = ""] = match
  if (from === "" && to === "") return undefined
  if (from === "") {
    const suffix = Number(to)
    return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(from)
  if (start >= size) return "unsatisfiable"
  return { start, end: to === "" ? size - 1 : Math.min(Number(to), size - 1) }
}

/** Answers one storage request. */
export const makeStorageHandler = (files: Files, faults: Faults, requests: Requests) =>
async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
  const url = new URL(request.url ?? "/", "http://storage.invalid")
  const method = request.method ?? "GET"
  requests.record({
    method,
    path: url.pathname,
    query: url.search.slice(1),
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value ?? ""])),
    body: ""
  })
  let key: string
  try {
    key = url.pathname.slice(STORAGE_PREFIX.length).split("/").map(decodeURIComponent).join("/")
  } catch {
    key = ""
  }
  const fault: Fault | undefined = faults.take(method, url.pathname)
  const socket = request.socket
  if (fault?.kind === "drop") return void socket.destroy()
  if (fault?.kind === "status") {
    if (fault.retryAfter !== undefined) response.setHeader("retry-after", fault.retryAfter)
    return s3Error(response, fault.status, fault.status === 503 ? "SlowDown" : "InternalError", fault.body ?? "Injected fault", url.pathname)
  }
  if (fault?.kind === "latency") await new Promise((resolve) => setTimeout(resolve, fault.millis))

  const refusal = files.verify(method, key, url.searchParams)
  if (refusal === "SignatureDoesNotMatch") {
    return s3Error(response, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.", url.pathname)
  }
  if (refusal === "Expired") return s3Error(response, 403, "AccessDenied", "Request has expired", url.pathname)
  const cut = fault?.kind === "cutBody" ? fault.afterBytes : undefined

  if (method === "PUT") {
    const length = request.headers["content-length"]
    if (length === undefined) {
      request.resume()
      return s3Error(
        response,
        request.headers["transfer-encoding"] === undefined ? 411 : 501,
        request.headers["transfer-encoding"] === undefined ? "MissingContentLength" : "NotImplemented",
        request.headers["transfer-encoding"] === undefined
          ? "You must provide the Content-Length HTTP header."
          : "A header you provided implies functionality that is not implemented",
        url.pathname
      )
    }
    const scratch = files.scratch()
    let size = 0
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length
        callback(null, chunk)
      }
    })
    try {
      if (cut === undefined) await pipeline(request, counter, createWriteStream(scratch))
      else await pipeline(request, counter, cutAfter(cut, () => socket.destroy()), createWriteStream(scratch))
    } catch {
      await rm(scratch, { force: true })
      return void socket.destroy()
    }
    if (size !== Number(length)) {
      await rm(scratch, { force: true })
      return s3Error(response, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", url.pathname)
    }
    const object = await files.commit(key, scratch, size)
    response.writeHead(200, { etag: object.etag, "content-length": 0 })
    return void response.end()
  }

  if (method === "GET" || method === "HEAD") {
    const object = files.get(key)
    if (object === undefined) return s3Error(response, 404, "NoSuchKey", "The specified key does not exist.", url.pathname)
    const rangeHeader = request.headers["range"]
    const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader, object.size)
    if (range === "unsatisfiable") {
      response.setHeader("content-range", `bytes */${object.size}`)
      return s3Error(response, 416, "InvalidRange", "The requested range is not satisfiable", url.pathname)
    }
    const start = range?.start ?? 0
    const end = range?.end ?? object.size - 1
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      "content-length": Math.max(0, end - start + 1),
      "accept-ranges": "bytes",
      etag: object.etag,
      "last-modified": object.lastModified.toUTCString()
    }
    if (range !== undefined) headers["content-range"] = `bytes ${start}-${end}/${object.size}`
    response.writeHead(range === undefined ? 200 : 206, headers)
    if (method === "HEAD" || object.size === 0) return void response.end()
    const source = createReadStream(object.file, { start, end, highWaterMark: 256 * 1024 })
    try {
      if (cut === undefined) await pipeline(source, response)
      else await pipeline(source, cutAfter(cut, () => socket.destroy()), response)
    } catch {
      socket.destroy()
    }
    return
  }
  response.writeHead(405, { allow: "GET, HEAD, PUT", "content-length": 0 })
  response.end()
}
