/** The dev server's board, app, sink and usage routes on the wire: bodies, statuses and quirks as the real server sends them. */
import { readdirSync, readFileSync } from "node:fs"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import * as DevServer from "../src/DevServer.ts"

let server: DevServer.DevServer

beforeEach(async () => {
  server = await DevServer.start({ keepAliveMillis: 50 })
})

afterEach(async () => {
  await server.close()
})

const call = (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${server.apiUrl}${path}`, {
    method,
    headers: { authorization: server.pat, ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body })
  })

describe("dev server sinks on the wire", () => {
  it("refuses a missing or wrong sink token with the server's TriggerResponse body, byte for byte", async () => {
    const path = `/sink/trigger/http/${server.appId}${server.seed.secureSinkPath}`
    for (const authorization of [server.pat, "Bearer wrong", ""]) {
      const response = await call("POST", path, { body: "{}", headers: { authorization } })
      expect(response.status).toBe(401)
      expect(response.headers.get("content-type")).toBe("application/json")
      expect(await response.text()).toBe("{\"triggered\":false,\"run_id\":null,\"message\":\"Invalid or missing auth token\"}")
    }
    const unknown = await call("GET", `/sink/trigger/http/${server.appId}/nowhere`)
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toBe("{\"triggered\":false,\"run_id\":null,\"message\":\"Route not found\"}")
  })

  it("answers a sink with the run's SSE stream, takes a text body as a JSON string, strips repeated Bearer prefixes, needs no PAT", async () => {
    const path = `/sink/trigger/http/${server.appId}${server.seed.secureSinkPath}`
    const response = await call("POST", path, {
      body: "not json",
      headers: { authorization: `Bearer Bearer ${server.seed.sinkToken}`, "content-type": "text/plain" }
    })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const text = await response.text()
    expect(text.startsWith("event: run_initiated\ndata: ")).toBe(true)
    expect(text).toContain("\"payload\":{\"greeting\":\"Hello, world!\",\"payload\":\"not json\"}")
    expect(text).not.toContain("event: run:")
  })

  it("sink management: 404 with the server's message for an event without a sink; naive times; the 500 for a foreign app", async () => {
    const missing = await call("GET", "/sink/no-such-event")
    expect(missing.status).toBe(404)
    expect(await missing.text()).toBe("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Sink not found for this event\"}}")
    const sink = await (await call("GET", `/sink/${server.seed.eventId}`)).json()
    expect(sink.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/)
    expect(sink.has_auth_token).toBe(false)
    expect("auth_token" in sink).toBe(false)
    const foreign = await call("GET", `/sink/app/${server.seed.foreignAppId}`)
    expect(foreign.status).toBe(500)
  })
})

describe("dev server boards and apps on the wire", () => {
  it("a version query that is not numbers is a 400 'Invalid number format', the wrong number of parts a 500, prerun ignores both", async () => {
    const board = `/apps/${server.appId}/board/${server.seed.boardId}`
    const bad = await call("GET", `${board}?version=1_x_0`)
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toMatch(/^Invalid number format: /)
    expect((await call("GET", `${board}?version=1_0`)).status).toBe(500)
    expect((await call("GET", `${board}/prerun?version=1_x_0`)).status).toBe(200)
  })

  it("DELETE answers null; an unknown board is the 500; commands with an unknown command_type are axum's 422", async () => {
    const { id } = await (await call("PUT", `/apps/${server.appId}/board/whatever`, { body: "{}" })).json()
    const board = await (await call("GET", `/apps/${server.appId}/board/${id}`)).json()
    expect([board.name, board.description, board.log_level]).toEqual(["New Board", "Your new Workflow!", "Info"])
    const deleted = await call("DELETE", `/apps/${server.appId}/board/${id}`)
    expect(await deleted.text()).toBe("null")
    expect((await call("GET", `/apps/${server.appId}/board/${id}`)).status).toBe(500)
    const commands = await call("POST", `/apps/${server.appId}/board/${server.seed.boardId}`, { body: "{\"commands\":[{\"command_type\":\"Nope\"}]}" })
    expect(commands.status).toBe(422)
    expect(await commands.text()).toMatch(/^Failed to deserialize the JSON body into the target type: /)
  })

  it("takes every board command variant in the server's snake_case, applies what it can, skips what fails, and answers them all", async () => {
    const folder = new URL("../../sdk/test/fixtures/board-commands/", import.meta.url)
    const variants = readdirSync(folder).sort().map((name) => JSON.parse(readFileSync(new URL(name, folder), "utf8")) as { command_type: string })
    expect(variants).toHaveLength(14)
    const board = `/apps/${server.appId}/board/${server.seed.boardId}`
    const response = await call("POST", board, { body: JSON.stringify({ commands: variants }) })
    expect(response.status).toBe(200)
    const executed = await response.json() as Array<Record<string, unknown>>
    expect(executed.map((command) => command["command_type"])).toEqual(variants.map((command) => command.command_type))
    const added = executed.find((command) => command["command_type"] === "AddNode") as { node: Record<string, unknown>; current_layer: unknown }
    expect(added.current_layer).toBeNull()
    expect(added.node["wasm"]).toBeNull()
    expect(added.node["friendly_name"]).toBe("Simple Event")
    const after = await (await call("GET", board)).json()
    expect(Object.keys(after.variables)).toEqual(["v_greeting"])
    expect(Object.values(after.layers).map((layer) => (layer as { name: string }).name)).toEqual(["Greeting", "Greeting"])
    expect(after.layers["l_group"]).toBeDefined()
    // In file order: AddNode, ..., RemoveNode takes n_start away, UpdateNode puts it back (it inserts, as the server's does).
    expect(after.nodes["n_start"].comment).toBe("the entry point")
    expect(Object.values(after.nodes).map((node) => (node as { name: string }).name)).toEqual(["events_simple", "events_simple"])
  })

  it("a command missing a field serde requires is axum's 422, and nothing changes", async () => {
    const board = `/apps/${server.appId}/board/${server.seed.boardId}`
    const response = await call("POST", board, {
      body: JSON.stringify({ commands: [{ command_type: "RemoveVariable", variable: { id: "v" } }] })
    })
    expect(response.status).toBe(422)
    expect(await response.text()).toMatch(/^Failed to deserialize the JSON body into the target type: /)
  })

  it("the logs `query` is LanceDB SQL: valid filters the dev server evaluates answer 200; one LanceDB cannot run is the route's 500", async () => {
    const board = `/apps/${server.appId}/board/${server.seed.failingBoardId}`
    const stream = await call("POST", `${board}/invoke`, { body: JSON.stringify({ node_id: server.seed.nodeId }) })
    const runId = /"run_id":"([a-z0-9]+)"/.exec(await stream.text())?.[1] ?? ""
    const logs = async (query: string) => {
      const response = await call("GET", `${board}/logs?run_id=${runId}&query=${encodeURIComponent(query)}`)
      return { status: response.status, body: await response.json() }
    }
    const messages = async (query: string) => {
      const { body, status } = await logs(query)
      expect(status).toBe(200)
      return (body as Array<{ message: string }>).map((line) => line.message)
    }
    const all = ["Execution started", "Starting a board that fails", "Node 'explode' failed: something went wrong"]
    expect(await messages("")).toEqual(all)
    expect(await messages("log_level >= 3")).toEqual([all[2]])
    expect(await messages("message LIKE '%board%' AND log_level = 1")).toEqual([all[1]])
    expect(await messages("NOT (message ILIKE 'execution%') OR log_level IN (3, 4)")).toEqual([all[1], all[2]])
    expect(await messages("node_id IS NULL AND LOG_LEVEL BETWEEN 0 AND '1'")).toEqual([all[0], all[1]])
    expect(await messages("node_id = 'n1' OR token_in > 0")).toEqual([])
    expect(await messages(`"end" >= start AND message <> 'Execution started'`)).toEqual([all[1], all[2]])
    expect(await messages("message = 'Node ''explode'' failed: something went wrong'")).toEqual([all[2]])
    for (const refused of ["log_level >=", "no_such_column = 1", "log_level = 'high'", "message", "log_level >= 3;", "   ", "bit_ids = 'x'"]) {
      const { body, status } = await logs(refused)
      expect([refused, status]).toEqual([refused, 500])
      expect(body.error.code).toBe("INTERNAL_ERROR")
    }
  })

  it("creating an app without meta is the 500; a PUT to an existing app without `app` is a 403; GET /apps pairs apps with metadata or null", async () => {
    expect((await call("PUT", "/apps/anything", { body: "{}" })).status).toBe(500)
    expect((await call("PUT", `/apps/${server.appId}`, { body: "{}" })).status).toBe(403)
    const bare = server.apps.add()
    const pairs = await (await call("GET", "/apps")).json()
    expect(pairs.map(([app, meta]: [{ id: string }, { name: string } | null]) => [app.id, meta?.name ?? null])).toEqual([
      [bare, null],
      [server.appId, "Demo App"]
    ])
    expect((await call("GET", "/apps", { headers: { authorization: "" } })).status).toBe(500)
  })
})
