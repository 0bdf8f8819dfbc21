/**
 * The Promise client on the default transport, whose event streams are read straight from
 * `node:http`: `close()` and an `AbortSignal` during a stream end it with `AbortedError` and close
 * its connection, over a real loopback server.
 */
import { describe, expect, it } from "vitest"
import { once } from "node:events"
import { createServer } from "node:http"
import type { ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import { FlowLikeClient, FlowLikeError } from "@flow-like/client"

const PAT = "pat_user1.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"
const PAT_SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"

const logFrame = (index: number) =>
  `event: log\ndata: ${
    JSON.stringify({
      event_id: `id-${index}`,
      event_type: "log",
      payload: { message: `event ${index}` },
      timestamp: { secs_since_epoch: 1, nanos_since_epoch: 0 }
    })
  }\n\n`

/** A loopback server whose invoke answers one log frame and then holds the stream open; resolves `closed` when that connection ends. */
const holdingServer = async () => {
  let onClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => (onClosed = resolve))
  const server = createServer((request, response: ServerResponse) => {
    request.resume()
    response.on("close", onClosed)
    response.writeHead(200, { "content-type": "text/event-stream" })
    response.write(logFrame(0))
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closed,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

const expectAborted = (error: unknown, text: string) => {
  expect(error).toBeInstanceOf(FlowLikeError)
  const flowLike = error as FlowLikeError
  expect(flowLike.reason._tag).toBe("AbortedError")
  expect(flowLike.message).toContain(text)
  for (const shown of [flowLike.message, inspect(flowLike, { depth: 10 }), JSON.stringify(flowLike)]) expect(shown).not.toContain(PAT_SECRET)
}

describe("the Promise client's direct event streams", () => {
  it("close() during a for-await loop ends it with AbortedError and closes the connection", async () => {
    await using server = await holdingServer()
    const client = new FlowLikeClient({ baseUrl: server.url, pat: PAT, maxRetries: 0 })
    const seen: Array<string> = []
    const error = await (async () => {
      for await (const event of client.triggerWorkflow("app", "board", "node")) {
        seen.push(event.eventType)
        void client.close()
      }
    })().catch((e: unknown) => e)
    expect(seen).toEqual(["log"])
    expectAborted(error, "closed")
    await server.closed
  })

  it("close() while a stream waits for the next event, outside the loop body, ends it too", async () => {
    await using server = await holdingServer()
    const client = new FlowLikeClient({ baseUrl: server.url, pat: PAT, maxRetries: 0 })
    const iterator = client.triggerWorkflow("app", "board", "node")[Symbol.asyncIterator]()
    const first = await iterator.next()
    expect(first.done).toBe(false)
    const next = iterator.next().catch((e: unknown) => e)
    await client.close()
    expectAborted(await next, "closed")
    await server.closed
  })

  it("an AbortSignal fired mid-stream ends it with AbortedError and closes the connection; the client still works", async () => {
    await using server = await holdingServer()
    await using client = new FlowLikeClient({ baseUrl: server.url, pat: PAT, maxRetries: 0 })
    const controller = new AbortController()
    const seen: Array<string> = []
    const error = await (async () => {
      for await (const event of client.triggerWorkflow("app", "board", "node", undefined, { signal: controller.signal })) {
        seen.push(event.eventType)
        controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(seen).toEqual(["log"])
    expectAborted(error, "abort")
    await server.closed
  })
})
