/**
 * The checking front of the dev server's object store: an HTTP proxy on loopback in front of
 * fauxqs (which accepts any credentials) that judges each request by the access key in its SigV4
 * signature (the `Authorization` header, or `X-Amz-Credential` of a presigned URL) and refuses, as
 * S3 does with a 403 XML error: unknown keys, expired keys, writes with read keys, and paths
 * outside the key's app.
 */
import { createServer, request as httpRequest } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** What an issued access key may do. */
export interface IssuedKey {
  readonly appId: string
  readonly mode: "read" | "write"
  /** Epoch millis; mutable so that a test can expire keys early. */
  expiresAt: number
}

/** Issued keys by access key id. */
export type KeyRing = ReadonlyMap<string, IssuedKey>

/** A running front. */
export interface S3Front {
  readonly endpoint: string
  /** Requests refused, by S3 error code (for tests). */
  readonly refused: Map<string, number>
  close(): Promise<void>
}

const CREDENTIAL = /Credential=([^/,\s]+)\//

/** The access key id of a SigV4-signed request, if it has one. */
export const accessKeyOf = (request: IncomingMessage): string | undefined => {
  const authorization = request.headers.authorization
  const match = typeof authorization === "string" ? CREDENTIAL.exec(authorization) : null
  if (match !== null) return match[1]
  const url = new URL(request.url ?? "/", "http://front")
  const credential = url.searchParams.get("X-Amz-Credential")
  return credential === null ? undefined : credential.split("/")[0]
}

const xmlEscape = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

const refuse = (response: ServerResponse, code: string, message: string, resource: string) => {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>flow-like-dev</RequestId></Error>`
  response.writeHead(403, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) })
  response.end(body)
}

/** S3's DeleteObjects: `POST /{bucket}?delete`. */
const isBatchDelete = (url: URL, bucket: string) =>
  url.searchParams.has("delete") && decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, "") === bucket

const readAll = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

const isWrite = (method: string | undefined) => method !== "GET" && method !== "HEAD"

/** Whether the request stays inside `apps/{appId}/` of the bucket (the path, or a listing's `prefix`). */
const insideApp = (url: URL, bucket: string, appId: string): boolean => {
  const allowed = `apps/${appId}/`
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, "")
  if (path === bucket || path === `${bucket}/`) {
    const prefix = url.searchParams.get("prefix") ?? ""
    return prefix.startsWith(allowed)
  }
  return path.startsWith(`${bucket}/${allowed}`)
}

/**
 * Starts the front on 127.0.0.1 (port 0), forwarding accepted requests to `target` (fauxqs).
 * `masterKey` may do anything.
 */
export const startS3Front = (options: {
  readonly target: { readonly host: string; readonly port: number }
  readonly bucket: string
  readonly keys: KeyRing
  readonly masterKey: string
  readonly now: () => number
}): Promise<S3Front> => {
  const refused = new Map<string, number>()
  const count = (code: string) => refused.set(code, (refused.get(code) ?? 0) + 1)
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://front")
    const accessKey = accessKeyOf(request)
    const resource = url.pathname
    if (accessKey !== options.masterKey) {
      const key = accessKey === undefined ? undefined : options.keys.get(accessKey)
      if (key === undefined) {
        count("InvalidAccessKeyId")
        return refuse(response, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", resource)
      }
      if (options.now() >= key.expiresAt) {
        count("ExpiredToken")
        return refuse(response, "ExpiredToken", "The provided token has expired.", resource)
      }
      if (isWrite(request.method) && key.mode === "read") {
        count("AccessDenied")
        return refuse(response, "AccessDenied", "Access Denied", resource)
      }
      if (isBatchDelete(url, options.bucket)) {
        // DeleteObjects names its keys in the body: every one must be inside the key's app.
        return void readAll(request).then((body) => {
          const keys = [...body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1] ?? "")
          if (!keys.every((objectKey) => objectKey.startsWith(`apps/${key.appId}/`))) {
            count("AccessDenied")
            return refuse(response, "AccessDenied", "Access Denied", resource)
          }
          forward(request, response, body)
        })
      }
      if (!insideApp(url, options.bucket, key.appId)) {
        count("AccessDenied")
        return refuse(response, "AccessDenied", "Access Denied", resource)
      }
    }
    forward(request, response, undefined)
  })
  const forward = (request: IncomingMessage, response: ServerResponse, body: Buffer | undefined) => {
    const upstream = httpRequest({
      host: options.target.host,
      port: options.target.port,
      method: request.method,
      path: request.url,
      headers: request.headers
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on("error", (error) => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" })
      response.end(`upstream store failed: ${error.message}`)
    })
    if (body === undefined) request.pipe(upstream)
    else upstream.end(body)
  }
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        refused,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })
}
