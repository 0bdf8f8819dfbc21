/** The dev server's database store and the checking front of its object store. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createServer } from "node:http"
import type { Server as HttpServer } from "node:http"
import { type AddressInfo, Server } from "node:net"
import { ApiError } from "../src/internal/ApiError.ts"
import { type IssuedKey, type S3Front, startS3Front } from "../src/internal/S3Front.ts"
import { makeDbStore, onLoopback } from "../src/internal/stores/Db.ts"

describe("the DB store on an older Node", () => {
  it("fails every DB route with a clear 500 instead of crashing", async () => {
    const store = makeDbStore({ nodeVersion: "20.20.2" })
    for (const call of [() => store.presign("app", "read"), () => store.listTables("app"), () => store.count("app", "t")]) {
      const error = await call().then(() => undefined, (error: unknown) => error)
      expect(error).toBeInstanceOf(ApiError)
      expect((error as ApiError).status).toBe(500)
      expect((error as ApiError).message).toContain("needs Node >= 22.5")
      expect((error as ApiError).message).toContain("20.20.2")
    }
    await store.close()
  })
})

describe("onLoopback", () => {
  it("sends a server that asks for every interface to 127.0.0.1 (an unpatched fauxqs), then restores listen", async () => {
    const listen = Server.prototype.listen
    const server = createServer()
    await onLoopback(() => new Promise<void>((resolve) => server.listen({ port: 0, host: "0.0.0.0" }, resolve)))
    expect((server.address() as AddressInfo).address).toBe("127.0.0.1")
    expect(Server.prototype.listen).toBe(listen)
    await new Promise((resolve) => server.close(resolve))
  })
})

describe("the checking front", () => {
  let upstream: HttpServer
  let front: S3Front
  let now = 1_000
  const keys = new Map<string, IssuedKey>([
    ["READKEY", { appId: "app1", mode: "read", expiresAt: 2_000 }],
    ["WRITEKEY", { appId: "app1", mode: "write", expiresAt: 2_000 }]
  ])
  const signed = (key: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260221/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc`
  })

  beforeAll(async () => {
    upstream = createServer((_request, response) => response.end("stored"))
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve))
    front = await startS3Front({
      target: { host: "127.0.0.1", port: (upstream.address() as AddressInfo).port },
      bucket: "b",
      keys,
      masterKey: "MASTER",
      now: () => now
    })
  })

  afterAll(async () => {
    await front.close()
    await new Promise((resolve) => upstream.close(resolve))
  })

  const send = async (method: string, path: string, headers: Record<string, string>, body: string | null = null) => {
    const response = await fetch(`${front.endpoint}${path}`, { method, headers, body: method === "PUT" ? "x" : method === "POST" ? body : null })
    return [response.status, await response.text()] as const
  }

  it("listens on loopback and passes allowed requests through", async () => {
    expect(front.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await send("GET", "/b/apps/app1/storage/db/t.lance/x", signed("READKEY"))).toEqual([200, "stored"])
    expect(await send("PUT", "/b/apps/app1/storage/db/t.lance/x", signed("WRITEKEY"))).toEqual([200, "stored"])
    expect(await send("GET", "/b?list-type=2&prefix=apps%2Fapp1%2Fstorage", signed("READKEY"))).toEqual([200, "stored"])
    expect(await send("GET", "/b/apps/other/x?X-Amz-Credential=MASTER%2F20260221%2Fus-east-1%2Fs3%2Faws4_request", {})).toEqual([200, "stored"])
  })

  it("checks the keys a batch delete names", async () => {
    const batch = (key: string) => `<Delete><Object><Key>apps/app1/a</Key></Object><Object><Key>${key}</Key></Object></Delete>`
    expect(await send("POST", "/b?delete", signed("WRITEKEY"), batch("apps/app1/b"))).toEqual([200, "stored"])
    const [status, body] = await send("POST", "/b?delete", signed("WRITEKEY"), batch("apps/app2/b"))
    expect([status, body.includes("<Code>AccessDenied</Code>")]).toEqual([403, true])
  })

  it("refuses as S3 does: unknown key, a read key's write, another app, an expired key", async () => {
    const cases: Array<[string, string, Record<string, string>, string]> = [
      ["GET", "/b/apps/app1/x", signed("NOPE"), "InvalidAccessKeyId"],
      ["GET", "/b/apps/app1/x", {}, "InvalidAccessKeyId"],
      ["PUT", "/b/apps/app1/x", signed("READKEY"), "AccessDenied"],
      ["DELETE", "/b/apps/app1/x", signed("READKEY"), "AccessDenied"],
      ["GET", "/b/apps/app2/x", signed("WRITEKEY"), "AccessDenied"],
      ["GET", "/b?list-type=2&prefix=apps%2F", signed("READKEY"), "AccessDenied"]
    ]
    for (const [method, path, headers, code] of cases) {
      const [status, body] = await send(method, path, headers)
      expect(status).toBe(403)
      expect(body).toContain(`<Code>${code}</Code>`)
    }
    now = 2_000
    const [status, body] = await send("GET", "/b/apps/app1/x", signed("WRITEKEY"))
    expect(status).toBe(403)
    expect(body).toContain("<Code>ExpiredToken</Code>")
    expect(front.refused.get("ExpiredToken")).toBe(1)
  })
})
