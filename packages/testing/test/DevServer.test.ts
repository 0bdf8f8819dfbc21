import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { expect } from "vitest"
import { FlowLikeApi } from "@flow-like/effect/api/FlowLikeApi"
import * as DevServer from "../src/DevServer.ts"
import { pollTimeoutMillis } from "../src/internal/handlers/Execution.ts"
import { validateOpenApi } from "./utils/openApi.ts"

type Server = DevServer.DevServer

interface OpenApiDocument {
  readonly openapi: string
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>
}

/** Every route of the declaration, read from the declaration itself. */
const declaredRoutes = (): Array<{ readonly method: string; readonly path: string }> =>
  Object.values(FlowLikeApi.groups).flatMap((group) =>
    Object.values(group.endpoints).map((endpoint) => ({ method: endpoint.method, path: endpoint.path }))
  )

/** `/apps/:app` → `/apps/{app}`. */
const openApiPath = (path: string): string => path.replace(/:(\w+)/g, "{$1}")

const withServer = async <A>(options: DevServer.Options, use: (server: Server) => Promise<A>): Promise<A> => {
  const server = await DevServer.start(options)
  try {
    return await use(server)
  } finally {
    await server.close()
  }
}

const post = (server: Server, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.apiUrl}${path}`, {
    method: "POST",
    headers: { authorization: server.pat, "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  })

const invokeBoard = (server: Server, boardId: string, body: unknown, headers: Record<string, string> = {}) =>
  post(server, `/apps/${server.appId}/board/${boardId}/invoke`, body, headers)

const invokeBoardAsync = (server: Server, boardId: string, body: unknown) =>
  post(server, `/apps/${server.appId}/board/${boardId}/invoke/async`, body)

const poll = (server: Server, token: string, query = "") =>
  fetch(`${server.apiUrl}/execution/poll${query}`, { headers: { authorization: `Bearer ${token}` } })

interface Invoked {
  readonly run_id: string
  readonly status: string
  readonly poll_token: string
  readonly backend: string
}

interface PolledEvent {
  readonly sequence: number
  readonly event_type: string
  readonly payload: unknown
  readonly created_at: string
}

interface Polled {
  readonly run_id: string
  readonly status: string
  readonly progress: number
  readonly current_step: string | null
  readonly error: string | null
  readonly events: ReadonlyArray<PolledEvent>
  readonly started_at: string | null
  readonly completed_at: string | null
}

interface ErrorEnvelope {
  readonly error: { readonly code: string; readonly id?: string; readonly message: string }
}

const startAsync = async (server: Server, boardId: string, body: unknown): Promise<Invoked> =>
  (await invokeBoardAsync(server, boardId, body)).json()

const pollOnce = async (server: Server, token: string, query = ""): Promise<Polled> =>
  (await poll(server, token, query)).json()

interface EventFrame {
  readonly event: string
  readonly data: string
}

/** Splits an LF-framed SSE body into event frames, asserting each is exactly `event:` + one `data:`. */
const eventFrames = (text: string): Array<EventFrame> =>
  text.split("\n\n").filter((block) => block !== "" && !block.startsWith(":")).map((block) => {
    const lines = block.split("\n")
    assert.strictEqual(lines.length, 2, `frame ${JSON.stringify(block)}`)
    const [eventLine = "", dataLine = ""] = lines
    assert.isTrue(eventLine.startsWith("event: "), eventLine)
    assert.isTrue(dataLine.startsWith("data: "), dataLine)
    return { event: eventLine.slice("event: ".length), data: dataLine.slice("data: ".length) }
  })

interface Envelope {
  readonly event_id: string
  readonly event_type: string
  readonly payload: unknown
  readonly timestamp: { readonly secs_since_epoch: number; readonly nanos_since_epoch: number }
}

const envelopes = (text: string): Array<Envelope> => eventFrames(text).map((frame) => JSON.parse(frame.data))

/** Incremental reads of a response body, for streams that must be observed before they end. */
const bodyReader = (response: Response) => {
  if (response.body === null) throw new Error("no body")
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ""
  const readOnce = async (): Promise<boolean> => {
    const { done, value } = await reader.read()
    if (value !== undefined) text += decoder.decode(value, { stream: true })
    return done
  }
  return {
    text: () => text,
    until: async (predicate: (text: string) => boolean) => {
      while (!predicate(text)) {
        if (await readOnce()) throw new Error(`stream ended before the expected content:\n${text}`)
      }
    },
    toEnd: async () => {
      while (!(await readOnce())) {
        // keep reading
      }
      return text
    },
    cancel: () => reader.cancel()
  }
}

const cuidPattern = /^[a-z][a-z0-9]{23}$/

/** `PollResponse`'s fields in the server's struct order (`progress.rs`). */
const pollResponseKeys = [
  "run_id",
  "status",
  "progress",
  "current_step",
  "error",
  "events",
  "started_at",
  "completed_at"
]

describe("DevServer", () => {
  it("serves health without auth", () =>
    withServer({}, async (server) => {
      const response = await fetch(`${server.apiUrl}/health`)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/json")
      expect(await response.json()).toEqual({ status: "ok" })
      expect(server.apiUrl).toBe(`${server.url}/api/v1`)
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(server.pat).toMatch(/^pat_[a-z0-9]{24}\.[A-Za-z0-9_-]{43}$/)
      expect(server.apiKey).toMatch(new RegExp(`^flk_${server.appId}\\.[a-z0-9]{24}\\.[A-Za-z0-9_-]{43}$`))
    }))

  describe("SSE invoke", () => {
    it("frames a scripted board byte-exactly and closes the body", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({
          id: "scripted",
          steps: [
            { type: "log", message: "one" },
            { type: "event", eventType: "toast", payload: { message: "hi", level: "info" } },
            { type: "nodeState", nodeIds: ["n1"], method: "add" }
          ]
        })
        const response = await invokeBoard(server, "scripted", { node_id: "n1", payload: { a: 1 } })
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toBe("text/event-stream")
        expect(response.headers.get("cache-control")).toBe("no-cache")
        const text = await response.text()

        expect(text).not.toContain("\r")
        expect(text.endsWith("}\n\n")).toBe(true)
        expect(text).not.toMatch(/^(id|retry):/m)
        const frames = eventFrames(text)
        const events = frames.map((frame) => JSON.parse(frame.data) as Envelope)
        const runId = (events[0]?.payload as { run_id: string }).run_id
        expect(frames.map((frame) => frame.event)).toEqual([
          "run_initiated",
          "log",
          "log",
          "toast",
          `run:${runId}`,
          "log",
          "completed"
        ])
        for (const [index, event] of events.entries()) {
          expect(Object.keys(event)).toEqual(["event_id", "event_type", "payload", "timestamp"])
          expect(event.event_type).toBe(frames[index]?.event)
          expect(event.event_id).toMatch(cuidPattern)
          expect(Number.isInteger(event.timestamp.secs_since_epoch)).toBe(true)
          expect(Number.isInteger(event.timestamp.nanos_since_epoch)).toBe(true)
          expect(frames[index]?.data).toBe(JSON.stringify(event))
        }
        expect(runId).toMatch(cuidPattern)
        expect(events.map((event) => event.payload)).toEqual([
          { run_id: runId },
          { message: "Execution started" },
          { message: "one" },
          { message: "hi", level: "info" },
          { runId, nodeIds: ["n1"], method: "add" },
          { message: "Execution completed" },
          { run_id: runId, status: "completed", duration_ms: expect.any(Number), log_level: 1 }
        ])

        const closed = await server.nextStreamClosed()
        expect(closed).toEqual({
          path: `/api/v1/apps/${server.appId}/board/scripted/invoke`,
          runId,
          byClient: false,
          eventsSent: 7
        })
        expect(server.runs.status(runId)).toBe("Completed")
      }))

    it("omits node-state events when stream_state is false", () =>
      withServer({}, async (server) => {
        const text = await (await invokeBoard(server, server.seed.boardId, { node_id: "start", stream_state: false }))
          .text()
        const names = eventFrames(text).map((frame) => frame.event)
        expect(names).toContain("progress")
        expect(names).toContain("generic_result")
        expect(names.some((name) => name.startsWith("run:"))).toBe(false)
        expect(names.at(-1)).toBe("completed")
      }))

    it("sends keep-alive comments while a board waits on a gate", () =>
      withServer({ seed: "empty", keepAliveMillis: 50 }, async (server) => {
        server.boards.add({ id: "gated", steps: [{ type: "await", gate: "go" }, { type: "log", message: "after" }] })
        const stream = bodyReader(await invokeBoard(server, "gated", { node_id: "x" }))
        await stream.until((text) => text.includes(": keep-alive\n\n"))
        expect(stream.text()).not.toContain("after")
        server.gates.open("go")
        const text = await stream.toEnd()
        expect(text).toMatch(/\n\n: keep-alive\n\n/)
        expect(envelopes(text).map((event) => event.payload)).toContainEqual({ message: "after" })
        expect(eventFrames(text).at(-1)?.event).toBe("completed")
      }))

    it("ends with an error event and leaves the run Pending when a step fails", () =>
      withServer({}, async (server) => {
        const text = await (await invokeBoard(server, server.seed.failingBoardId, { node_id: "start" })).text()
        const events = envelopes(text)
        expect(events.at(-1)).toMatchObject({
          event_type: "error",
          payload: { message: "Node 'explode' failed: something went wrong" }
        })
        expect(events.some((event) => event.event_type === "completed")).toBe(false)
        const runId = (events[0]?.payload as { run_id: string }).run_id
        expect(server.runs.status(runId)).toBe("Pending")
      }))

    it("streams run_initiated then the executor's error for a board the app does not have", () =>
      withServer({ seed: "empty" }, async (server) => {
        const response = await invokeBoard(server, "no-such-board", { node_id: "start" })
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toBe("text/event-stream")
        const events = envelopes(await response.text())
        expect(events.map((event) => event.event_type)).toEqual(["run_initiated", "error"])
        expect(events[1]?.payload).toEqual({
          message: "Board load error: Failed to load board no-such-board: board not found"
        })
        const runId = (events[0]?.payload as { run_id: string }).run_id
        expect(server.runs.status(runId)).toBe("Pending")

        const { poll_token } = await startAsync(server, "no-such-board", { node_id: "start" })
        const polled = await pollOnce(server, poll_token, "?timeout=5")
        expect(polled).toMatchObject({
          status: "Failed",
          error: "Board load error: Failed to load board no-such-board: board not found"
        })
      }))

    it("reports an executor timeout as error then a failed completed, and stores the run Completed", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({ id: "slow", steps: [{ type: "timeout" }] })
        const events = envelopes(await (await invokeBoard(server, "slow", { node_id: "x" })).text())
        expect(events.slice(-2).map((event) => [event.event_type, event.payload])).toEqual([
          ["error", { message: "Execution timeout" }],
          ["completed", expect.objectContaining({ status: "failed", log_level: 4 })]
        ])
        const runId = (events[0]?.payload as { run_id: string }).run_id
        expect(server.runs.status(runId)).toBe("Completed")
      }))

    it("forwards the proxy's own error frame verbatim", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({ id: "broken", steps: [{ type: "proxyError", data: "{\"error\":\"upstream gone\"" }] })
        const text = await (await invokeBoard(server, "broken", { node_id: "x" })).text()
        expect(text.endsWith("event: error\ndata: {\"error\":\"upstream gone\"\n\n")).toBe(true)
      }))

    it("reports a client disconnect and stops the script", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({
          id: "paused",
          steps: [{ type: "log", message: "started" }, { type: "await", gate: "resume" }, { type: "log", message: "resumed" }]
        })
        const stream = bodyReader(await invokeBoard(server, "paused", { node_id: "x" }))
        await stream.until((text) => text.includes("\"started\""))
        await stream.cancel()
        const closed = await server.nextStreamClosed()
        expect(closed.byClient).toBe(true)
        expect(closed.eventsSent).toBe(3)
        server.gates.open("resume")
        // A live script would now finish (and mark the run Completed) well within one round trip.
        await fetch(`${server.apiUrl}/health`)
        expect(closed.runId === undefined ? undefined : server.runs.status(closed.runId)).toBe("Pending")
      }))

    it("ends open streams cleanly when the server closes", async () => {
      const server = await DevServer.start({ seed: "empty" })
      server.boards.add({ id: "forever", steps: [{ type: "hang" }] })
      const stream = bodyReader(await invokeBoard(server, "forever", { node_id: "x" }))
      await stream.until((text) => text.includes("Execution started"))
      await server.close()
      const text = await stream.toEnd()
      expect(eventFrames(text).map((frame) => frame.event)).toEqual(["run_initiated", "log"])
      expect(await server.nextStreamClosed()).toMatchObject({ byClient: false, eventsSent: 2 })
    })

    it("delivers the event wrapper's payload to the script without node-state events", () =>
      withServer({ seed: "empty" }, async (server) => {
        const inputs: Array<DevServer.RunInput> = []
        server.boards.add({
          id: "on-event",
          steps: (input) => {
            inputs.push(input)
            return [{ type: "nodeState", nodeIds: ["n"] }, { type: "log", message: "handled" }]
          }
        })
        server.events.add({ id: "evt", boardId: "on-event", nodeId: "entry" })
        const response = await post(server, `/apps/${server.appId}/events/evt/invoke`, {
          payload: { order: 42 },
          version: "1.0.0",
          unknown_field: true
        })
        const names = eventFrames(await response.text()).map((frame) => frame.event)
        expect(names).toEqual(["run_initiated", "log", "log", "log", "completed"])
        expect(inputs).toHaveLength(1)
        expect(inputs[0]).toMatchObject({
          appId: server.appId,
          boardId: "on-event",
          nodeId: "entry",
          eventId: "evt",
          payload: { order: 42 },
          mode: "stream"
        })

        await (await post(server, `/apps/${server.appId}/events/evt/invoke`, { order: 42 })).text()
        expect(inputs[1]?.payload).toBeUndefined()
      }))
  })

  describe("async invoke and poll", () => {
    it("runs in the background and hands out consume-once events with sequences from 1", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({
          id: "two-phase",
          steps: [
            { type: "log", message: "first" },
            { type: "nodeState", nodeIds: ["n"], method: "add" },
            { type: "await", gate: "second" },
            { type: "log", message: "second" }
          ]
        })
        const response = await invokeBoardAsync(server, "two-phase", { node_id: "n", payload: { q: 1 } })
        expect(response.status).toBe(200)
        const invoked: Invoked = await response.json()
        expect(Object.keys(invoked)).toEqual(["run_id", "status", "poll_token", "backend"])
        expect(invoked).toMatchObject({ status: "dispatched", backend: "http" })
        const token = invoked.poll_token
        expect(token.split(".")).toHaveLength(3)

        const first = await pollOnce(server, token, "?timeout=5")
        expect(Object.keys(first).sort()).toEqual(pollResponseKeys.toSorted())
        expect(first.run_id).toBe(invoked.run_id)
        expect(first.status).toBe("Running")
        expect(first.events[0]).toEqual({
          sequence: 1,
          event_type: "log",
          payload: { message: "first" },
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
        })

        const collected: Array<PolledEvent> = [...first.events]
        const again = await pollOnce(server, token, "?after_sequence=0&timeout=0")
        expect(again.events.filter((event) => event.sequence <= collected.length)).toEqual([])

        server.gates.open("second")
        collected.push(...again.events)
        let status = again.status
        while (status !== "Completed") {
          const next = await pollOnce(server, token, `?after_sequence=${collected.length}&timeout=5`)
          collected.push(...next.events)
          status = next.status
        }
        expect(collected.map((event) => event.sequence)).toEqual([1, 2, 3, 4])
        expect(collected.map((event) => [event.event_type, event.payload])).toEqual([
          ["log", { message: "first" }],
          [`run:${invoked.run_id}`, { runId: invoked.run_id, nodeIds: ["n"], method: "add" }],
          ["log", { message: "second" }],
          ["log", { message: "Execution completed" }]
        ])
        expect(server.runs.status(invoked.run_id)).toBe("Completed")
      }))

    it("marks failing and timed-out async runs Failed with their error", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({ id: "boom", steps: [{ type: "fail", message: "kaput" }] })
        server.boards.add({ id: "late", steps: [{ type: "timeout" }] })
        for (const [boardId, message] of [["boom", "kaput"], ["late", "Execution timeout"]] as const) {
          const { poll_token } = await startAsync(server, boardId, { node_id: "x" })
          const result = await pollOnce(server, poll_token, "?timeout=5")
          expect(result.status).toBe("Failed")
          expect(result.error).toBe(message)
          expect(result.completed_at).toEqual(expect.any(String))
          expect(result.events.at(-1)).toMatchObject({ event_type: "error", payload: { message } })
        }
      }))

    it("returns the full RunStatusResponse", () =>
      withServer({}, async (server) => {
        server.boards.add({ id: "quick", steps: [{ type: "progress", message: "half", progress: 50 }] })
        const { poll_token, run_id } = await startAsync(server, "quick", { node_id: "start", payload: { abc: 1 } })
        let status = ""
        while (status !== "Completed") {
          status = (await pollOnce(server, poll_token, "?timeout=5")).status
        }
        const response = await fetch(`${server.apiUrl}/execution/run/${run_id}`, {
          headers: { authorization: server.pat }
        })
        expect(response.status).toBe(200)
        const body: Record<string, unknown> = await response.json()
        const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/)
        expect(body).toEqual({
          run_id,
          board_id: "quick",
          event_id: null,
          status: "Completed",
          mode: "Queue",
          progress: 100,
          current_step: "half",
          error: null,
          input_payload_len: JSON.stringify({ abc: 1 }).length,
          output_payload_len: 0,
          started_at: iso,
          completed_at: iso,
          created_at: iso
        })
        expect(Object.keys(body)).toHaveLength(13)

        const unauthenticated = await fetch(`${server.apiUrl}/execution/run/${run_id}`)
        expect(unauthenticated.status).toBe(500)
      }))

    it("runs event invokes asynchronously without node-state events", () =>
      withServer({}, async (server) => {
        const response = await post(server, `/apps/${server.appId}/events/${server.seed.eventId}/invoke/async`, {
          payload: { name: "Lin" }
        })
        const { poll_token, run_id }: Invoked = await response.json()
        const events: Array<PolledEvent> = []
        let status = ""
        while (status !== "Completed") {
          const result = await pollOnce(server, poll_token, `?after_sequence=${events.length}&timeout=5`)
          events.push(...result.events)
          status = result.status
        }
        expect(events.some((event) => event.event_type.startsWith("run:"))).toBe(false)
        expect(events).toContainEqual(expect.objectContaining({
          event_type: "generic_result",
          payload: { greeting: "Hello, Lin!", payload: { name: "Lin" } }
        }))
        const run: unknown = await (await fetch(`${server.apiUrl}/execution/run/${run_id}`, {
          headers: { authorization: server.pat }
        })).json()
        expect(run).toMatchObject({ event_id: server.seed.eventId, board_id: server.seed.boardId, status: "Completed" })
      }))

    it("tracks ?local=true runs without executing them", () =>
      withServer({}, async (server) => {
        const path = `/apps/${server.appId}/board/${server.seed.boardId}/invoke`
        const response = await post(server, `${path}?local=true`, { node_id: "start" })
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toBe("application/json")
        const body: { readonly run_id: string; readonly poll_token: string } = await response.json()
        expect(body).toEqual({
          run_id: expect.stringMatching(cuidPattern),
          status: "pending",
          message: "Run tracked locally - no remote execution",
          poll_token: expect.any(String)
        })
        const polled = await pollOnce(server, body.poll_token, "?timeout=0")
        expect(polled).toMatchObject({ run_id: body.run_id, status: "Pending", events: [] })

        const bad = await post(server, `${path}?local=maybe`, { node_id: "start" })
        expect(bad.status).toBe(400)
        expect(await bad.text()).toBe(
          "Failed to deserialize query string: local: provided string was not `true` or `false`"
        )
      }))

    it("rejects poll requests without a valid bearer token", () =>
      withServer({}, async (server) => {
        const { poll_token } = await startAsync(server, server.seed.boardId, { node_id: "start" })
        const cases: Array<[Record<string, string>, string, string]> = [
          [{}, `?poll_token=${poll_token}`, "Missing Authorization header"],
          [{ authorization: server.pat }, "", "Invalid Authorization header format"],
          [{ authorization: poll_token }, "", "Invalid Authorization header format"]
        ]
        for (const [headers, query, message] of cases) {
          const response = await fetch(`${server.apiUrl}/execution/poll${query}`, { headers })
          expect(response.status).toBe(400)
          expect(await response.json()).toEqual({ error: { code: "BAD_REQUEST", message } })
        }
        const tampered = await poll(server, `${poll_token.slice(0, -4)}AAAA`)
        expect(tampered.status).toBe(400)
        expect(((await tampered.json()) as ErrorEnvelope).error.message).toMatch(/^Invalid user JWT: /)
        const garbage = await poll(server, "not-a-jwt")
        expect(((await garbage.json()) as ErrorEnvelope).error).toEqual({ code: "BAD_REQUEST", message: "Invalid user JWT: InvalidToken" })
      }))

    it("rejects bad query types with axum's plain-text 400", () =>
      withServer({}, async (server) => {
        const { poll_token } = await startAsync(server, server.seed.boardId, { node_id: "start" })
        const cases: Array<[string, string]> = [
          ["?after_sequence=abc", "after_sequence: invalid digit found in string"],
          ["?timeout=-1", "timeout: invalid digit found in string"],
          ["?after_sequence=4294967296", "after_sequence: number too large to fit in target type"],
          ["?after_sequence=1&after_sequence=2", "duplicate field `after_sequence`"],
          ["?timeout=", "timeout: cannot parse integer from empty string"]
        ]
        for (const [query, detail] of cases) {
          const response = await poll(server, poll_token, query)
          expect(response.status).toBe(400)
          expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8")
          expect(await response.text()).toBe(`Failed to deserialize query string: ${detail}`)
        }
      }))

    it("caps the long-poll timeout at 30 s and returns early on events", () =>
      withServer({ seed: "empty" }, async (server) => {
        expect(pollTimeoutMillis(10)).toBe(10_000)
        expect(pollTimeoutMillis(30)).toBe(30_000)
        expect(pollTimeoutMillis(3600)).toBe(30_000)

        server.boards.add({ id: "gated", steps: [{ type: "await", gate: "event" }, { type: "log", message: "late" }] })
        const { poll_token } = await startAsync(server, "gated", { node_id: "x" })
        const immediate = await pollOnce(server, poll_token, "?timeout=0")
        expect(immediate).toMatchObject({ status: "Running", events: [] })

        const pending = poll(server, poll_token, "?timeout=4294967295")
        server.gates.open("event")
        const woken: Polled = await (await pending).json()
        expect(woken.events[0]).toMatchObject({ sequence: 1, payload: { message: "late" } })
      }))
  })

  describe("errors", () => {
    const boardPath = (server: Server, boardId = server.seed.boardId) =>
      `${server.apiUrl}/apps/${server.appId}/board/${boardId}/invoke`

    it("answers missing or unknown credentials and non-members with a reported 500", () =>
      withServer({}, async (server) => {
        const attempts: Array<Promise<Response>> = [
          fetch(boardPath(server), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{\"node_id\":\"start\"}"
          }),
          invokeBoard(server, server.seed.boardId, { node_id: "start" }, {
            authorization: "pat_unknown.secret"
          }),
          post(server, `/apps/${server.seed.foreignAppId}/board/${server.seed.boardId}/invoke`, { node_id: "start" }),
          post(server, `/apps/${server.appId}/events/no-such-event/invoke`, {}),
          invokeBoard(server, server.seed.boardId, { node_id: "start" }, {
            authorization: "",
            "x-api-key": `${server.apiKey}x`
          }),
          fetch(`${server.apiUrl}/health`, { headers: { authorization: "pat_a.b.c" } })
        ]
        for (const response of await Promise.all(attempts)) {
          expect(response.status).toBe(500)
          const id = response.headers.get("x-error-id")
          expect(id).toMatch(cuidPattern)
          expect(await response.json()).toEqual({
            error: { code: "INTERNAL_ERROR", id, message: "Internal Server Error" }
          })
        }
      }))

    it("accepts the seeded API key", () =>
      withServer({}, async (server) => {
        const response = await invokeBoard(server, server.seed.boardId, { node_id: "start" }, {
          authorization: "",
          "x-api-key": server.apiKey
        })
        expect(response.status).toBe(200)
        expect(eventFrames(await response.text()).at(-1)?.event).toBe("completed")
      }))

    it("answers an unknown run with a 404 envelope without an id", () =>
      withServer({}, async (server) => {
        const response = await fetch(`${server.apiUrl}/execution/run/nope`, { headers: { authorization: server.pat } })
        expect(response.status).toBe(404)
        expect(response.headers.get("x-error-id")).toBeNull()
        expect(await response.json()).toEqual({ error: { code: "NOT_FOUND", message: "Not Found" } })
      }))

    it("looks a run up before the permission check: an unknown run is 404 even with an unknown PAT", () =>
      withServer({}, async (server) => {
        for (const headers of [{ authorization: "pat_unknown.secret" }, {}, { "x-api-key": "flk_a.b.c" }]) {
          const response = await fetch(`${server.apiUrl}/execution/run/nope`, { headers })
          expect(response.status).toBe(404)
          expect(await response.json()).toEqual({ error: { code: "NOT_FOUND", message: "Not Found" } })
        }
        const { run_id } = await startAsync(server, server.seed.boardId, { node_id: "start" })
        const known = await fetch(`${server.apiUrl}/execution/run/${run_id}`, {
          headers: { authorization: "pat_unknown.secret" }
        })
        expect(known.status).toBe(500)
      }))

    it("rejects bodies like axum's Json extractor", () =>
      withServer({}, async (server) => {
        const send = (headers: Record<string, string>, body: string) =>
          fetch(boardPath(server), { method: "POST", headers: { authorization: server.pat, ...headers }, body })
        const json = { "content-type": "application/json" }
        const cases: Array<[Response, number, RegExp]> = [
          [await send({}, "{\"node_id\":\"start\"}"), 415, /^Expected request with `Content-Type: application\/json`$/],
          [await send(json, "{\"node_id\":"), 400, /^Failed to parse the request body as JSON: .+/],
          [await send(json, "{\"payload\":1}"), 422, /^Failed to deserialize the JSON body into the target type: missing field `node_id`/],
          [
            await send(json, "{\"node_id\":\"start\",\"stream_state\":\"yes\"}"),
            422,
            /^Failed to deserialize the JSON body into the target type: stream_state: invalid type: string "yes"/
          ],
          [
            await send(json, "{\"node_id\":\"start\",\"runtime_variables\":{\"name\":\"value\"}}"),
            422,
            /^Failed to deserialize the JSON body into the target type: runtime_variables\.name: /
          ],
          [await send(json, `{"node_id":"${"x".repeat(2 * 1024 * 1024)}"}`), 413, /^Failed to buffer the request body/]
        ]
        for (const [response, status, text] of cases) {
          expect(response.status).toBe(status)
          expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8")
          expect(await response.text()).toMatch(text)
        }
      }))

    it("answers unknown paths with an empty 404 and wrong methods with an empty 405 and Allow", () =>
      withServer({}, async (server) => {
        const unknown = await fetch(`${server.apiUrl}/no-such-route`, { headers: { authorization: server.pat } })
        expect(unknown.status).toBe(404)
        expect(await unknown.text()).toBe("")

        const getInvoke = await fetch(boardPath(server), { headers: { authorization: server.pat } })
        expect(getInvoke.status).toBe(405)
        expect(getInvoke.headers.get("allow")).toBe("POST")
        expect(await getInvoke.text()).toBe("")

        const postHealth = await fetch(`${server.apiUrl}/health`, { method: "POST" })
        expect(postHealth.status).toBe(405)
        expect(postHealth.headers.get("allow")).toBe("GET,HEAD")
        expect(await postHealth.text()).toBe("")
      }))
  })

  describe("documentation", () => {
    it("serves the OpenAPI 3.1 document of every declared route, outside /api/v1", () =>
      withServer({}, async (server) => {
        const response = await fetch(`${server.url}/api-doc/openapi.json`)
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toBe("application/json")
        const document: OpenApiDocument = await response.json()
        expect(document.openapi).toMatch(/^3\.1\.\d+$/)
        for (const { method, path } of declaredRoutes()) {
          expect(document.paths[openApiPath(path)]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined()
        }
        const validation = await validateOpenApi(document)
        expect(validation.errors).toEqual([])
        expect(validation.valid).toBe(true)
        expect((await fetch(`${server.apiUrl}/api-doc/openapi.json`)).status).toBe(404)
      }))

    it("serves a reference page of every declared route that needs nothing from the network", () =>
      withServer({}, async (server) => {
        const response = await fetch(`${server.url}/docs`)
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
        const page = await response.text()
        expect(page).toMatch(/^<!doctype html>/i)
        for (const { path } of declaredRoutes()) {
          expect(page).toContain(openApiPath(path))
        }
        expect(page).toContain("/api-doc/openapi.json")
        expect(page).not.toMatch(/https?:\/\//)
        const postDocs = await fetch(`${server.url}/docs`, { method: "POST" })
        expect(postDocs.status).toBe(405)
        expect(postDocs.headers.get("allow")).toBe("GET,HEAD")
      }))
  })

  describe("where the declaration follows the server's integer types and field order", () => {
    it("accepts after_sequence up to i32::MAX only", () =>
      withServer({}, async (server) => {
        const { poll_token } = await startAsync(server, server.seed.boardId, { node_id: "start" })
        const response = await poll(server, poll_token, "?after_sequence=2147483648")
        expect(await response.text()).toBe(
          "Failed to deserialize query string: after_sequence: number too large to fit in target type"
        )
      }))

    it("accepts a timeout up to u64::MAX, capped at 30 s", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({ id: "quick", steps: [] })
        const { poll_token } = await startAsync(server, "quick", { node_id: "x" })
        const response = await poll(server, poll_token, "?timeout=18446744073709551615")
        expect(response.status).toBe(200)
      }))

    it("writes PollResponse's fields in the server's struct order", () =>
      withServer({}, async (server) => {
        const { poll_token } = await startAsync(server, server.seed.boardId, { node_id: "start" })
        expect(Object.keys(await pollOnce(server, poll_token, "?timeout=0"))).toEqual(pollResponseKeys)
      }))
  })

  describe("faults", () => {
    it("injects a status once, with Retry-After, then behaves normally", () =>
      withServer({}, async (server) => {
        server.faults.inject({ method: "GET", path: "/api/v1/health", fault: { kind: "status", status: 503, retryAfter: "2" } })
        const faulted = await fetch(`${server.apiUrl}/health`)
        expect(faulted.status).toBe(503)
        expect(faulted.headers.get("retry-after")).toBe("2")
        const id = faulted.headers.get("x-error-id")
        expect(await faulted.json()).toEqual({
          error: { code: "SERVICE_UNAVAILABLE", id, message: "Service Unavailable" }
        })
        const normal = await fetch(`${server.apiUrl}/health`)
        expect(normal.status).toBe(200)
        expect(server.requests.map((request) => [request.method, request.path])).toEqual([
          ["GET", "/api/v1/health"],
          ["GET", "/api/v1/health"]
        ])
      }))

    it("matches prefixes ending in / and regular expressions, for `times` requests", () =>
      withServer({}, async (server) => {
        server.faults.inject({ path: "/api/v1/execution/", times: 2, fault: { kind: "status", status: 429 } })
        server.faults.inject({ path: /\/health$/, fault: { kind: "status", status: 502, body: "bad gateway" } })
        const statuses = []
        for (let index = 0; index < 3; index++) {
          statuses.push((await fetch(`${server.apiUrl}/execution/run/x`, { headers: { authorization: server.pat } })).status)
        }
        expect(statuses).toEqual([429, 429, 404])
        const health = await fetch(`${server.apiUrl}/health`)
        expect(health.status).toBe(502)
        expect(health.headers.get("content-type")).toBe("text/plain; charset=utf-8")
        expect(await health.text()).toBe("bad gateway")
      }))

    it("drops the connection without a response", () =>
      withServer({}, async (server) => {
        server.faults.inject({ path: "/api/v1/health", fault: { kind: "drop" } })
        await expect(fetch(`${server.apiUrl}/health`)).rejects.toThrow()
        expect((await fetch(`${server.apiUrl}/health`)).status).toBe(200)
        expect(server.requests).toHaveLength(2)
      }))

    it("breaks an SSE body off after N events", () =>
      withServer({ seed: "empty" }, async (server) => {
        server.boards.add({ id: "chatty", steps: Array.from({ length: 5 }, (_, index) => ({ type: "log", message: `m${index}` })) })
        server.faults.inject({
          path: `/api/v1/apps/${server.appId}/board/chatty/invoke`,
          fault: { kind: "dropMidStream", afterEvents: 3 }
        })
        const stream = bodyReader(await invokeBoard(server, "chatty", { node_id: "x" }))
        await expect(stream.toEnd()).rejects.toThrow()
        expect(eventFrames(stream.text()).map((frame) => frame.event)).toEqual(["run_initiated", "log", "log"])
        expect(await server.nextStreamClosed()).toMatchObject({ byClient: false, eventsSent: 3 })
      }))

    it("delays a request with latency", () =>
      withServer({}, async (server) => {
        server.faults.inject({ path: "/api/v1/health", fault: { kind: "latency", millis: 50 } })
        const started = performance.now()
        const response = await fetch(`${server.apiUrl}/health`)
        expect(response.status).toBe(200)
        expect(performance.now() - started).toBeGreaterThanOrEqual(45)
      }))
  })

  it("records requests with method, path, query, headers and body", () =>
    withServer({}, async (server) => {
      await (await invokeBoardAsync(server, server.seed.boardId, { node_id: "start" })).text()
      await fetch(`${server.apiUrl}/execution/poll?after_sequence=3`)
      const [invoke, polled] = server.requests
      expect(invoke).toMatchObject({
        method: "POST",
        path: `/api/v1/apps/${server.appId}/board/${server.seed.boardId}/invoke/async`,
        query: "",
        body: "{\"node_id\":\"start\"}"
      })
      expect(invoke?.headers["authorization"]).toBe(server.pat)
      expect(polled).toMatchObject({ method: "GET", path: "/api/v1/execution/poll", query: "after_sequence=3", body: "" })
    }))

  it.effect("runs as a scoped layer, unaffected by the test's TestClock", () =>
    Effect.gen(function*() {
      const server = yield* DevServer.DevServerService
      const text = yield* Effect.promise(() =>
        invokeBoard(server, server.seed.boardId, { node_id: "start", payload: { name: "Ada" } }).then((response) =>
          response.text()
        )
      )
      const events = envelopes(text)
      assert.deepStrictEqual(events.find((event) => event.event_type === "generic_result")?.payload, {
        greeting: "Hello, Ada!",
        payload: { name: "Ada" }
      })
      assert.strictEqual(events.at(-1)?.event_type, "completed")
    }).pipe(Effect.provide(DevServer.layer())))

  it.effect("fails to build the layer with a ServeError when the port is taken", () =>
    Effect.gen(function*() {
      const taken = yield* Effect.service(DevServer.DevServerService)
      const port = Number(new URL(taken.url).port)
      const error = yield* Effect.flip(Effect.scoped(Layer.build(DevServer.layer({ port }))))
      assert.strictEqual(error._tag, "ServeError")
    }).pipe(Effect.provide(DevServer.layer())))
})
