import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { renderApiReference } from "../src/internal/ApiReference.ts"
import { validateOpenApi } from "./utils/openApi.ts"

const malicious = "<script>alert(1)</script>"

interface TreeNode {
  readonly label: string
  readonly children: ReadonlyArray<TreeNode>
}

const TreeNode = Schema.Struct({
  label: Schema.String,
  children: Schema.Array(Schema.suspend((): Schema.Codec<TreeNode> => TreeNode))
}).annotate({ identifier: "TreeNode" })

const Board = Schema.Struct({
  id: Schema.String,
  name: Schema.String.annotate({ description: `name ${malicious}` }),
  root: TreeNode
}).annotate({ identifier: "Board" })

class BoardNotFound extends Schema.TaggedError<BoardNotFound>()("BoardNotFound", {
  message: Schema.String
}, { httpApiStatus: 404 }) {}

const InvokeRequest = Schema.Struct({
  inputPayload: Schema.optionalKey(Schema.Unknown),
  streamState: Schema.Boolean,
  runMode: Schema.Literals(["local", "remote"])
}).pipe(Schema.encodeKeys({ inputPayload: "input_payload", streamState: "stream_state", runMode: "run_mode" }))
  .annotate({ identifier: "InvokeRequest" })

const RunEvent = Schema.Struct({
  eventType: Schema.String,
  payload: Schema.Unknown
}).pipe(Schema.encodeKeys({ eventType: "event_type" })).annotate({ identifier: "RunEvent" })

const Boards = HttpApiGroup.make("boards").add(
  HttpApiEndpoint.get("getBoard", "/apps/:appId/board/:boardId", {
    params: { appId: Schema.String, boardId: Schema.String },
    query: { version: Schema.optionalKey(Schema.String), limit: Schema.NumberFromString },
    success: Board,
    error: BoardNotFound
  }).annotateMerge(OpenApi.annotations({ summary: "Get a board", description: malicious }))
).annotateMerge(OpenApi.annotations({ description: `Boards ${malicious}` }))

const Runs = HttpApiGroup.make("runs").add(
  HttpApiEndpoint.post("invoke", "/apps/:appId/board/:boardId/invoke", {
    params: { appId: Schema.String, boardId: Schema.String },
    payload: InvokeRequest,
    success: HttpApiSchema.StreamSse({ data: RunEvent })
  }).annotate(OpenApi.Summary, "Invoke a board and stream its events"),
  HttpApiEndpoint.get("health", "/health", { success: HttpApiSchema.NoContent })
)

const api = HttpApi.make("sample").add(Boards).add(Runs)
  .annotateMerge(OpenApi.annotations({ title: "Sample API", version: "1.2.3" }))

const document = OpenApi.fromApi(api)
const html = renderApiReference(document)

const operationsOf = (spec: OpenApi.OpenAPISpec) =>
  Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((key) => key !== "parameters").map((method) => ({ path, method }))
  )

describe("OpenAPI document of an HttpApi", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await validateOpenApi(document)
    assert.deepStrictEqual(result, { valid: true, errors: [] })
    assert.strictEqual(document.info.title, "Sample API")
    assert.strictEqual(document.info.version, "1.2.3")
  })

  it("the validator rejects broken documents", async () => {
    const { info: _info, ...withoutInfo } = document
    const missingInfo = await validateOpenApi(withoutInfo)
    assert.isFalse(missingInfo.valid)
    assert.isTrue(missingInfo.errors.some((error) => error.includes("info")))

    const danglingRef = await validateOpenApi({ ...document, components: { schemas: {}, securitySchemes: {} } })
    assert.isFalse(danglingRef.valid)
    assert.isNotEmpty(danglingRef.errors)

    const badParameter = structuredClone(document)
    badParameter.paths["/health"]!.get!.parameters.push({ name: "x", in: "body" as "query", schema: {}, required: true })
    assert.isFalse((await validateOpenApi(badParameter)).valid)

    assert.isFalse((await validateOpenApi({ ...document, openapi: "3.0.3" })).valid)
    assert.isFalse((await validateOpenApi("not a document")).valid)
  })

  it("shows the encoded (snake_case) keys of a Schema.encodeKeys payload, under `<identifier>Encoded`", () => {
    const invoke = document.paths["/apps/{appId}/board/{boardId}/invoke"]?.post
    assert.deepStrictEqual(invoke?.requestBody?.content["application/json"]?.schema, {
      $ref: "#/components/schemas/InvokeRequestEncoded"
    })
    const payload = document.components.schemas["InvokeRequestEncoded"]
    assert.deepStrictEqual(Object.keys(payload?.properties ?? {}), ["input_payload", "stream_state", "run_mode"])
    assert.deepStrictEqual(payload?.required, ["stream_state", "run_mode"])
  })

  it("describes an SSE success as text/event-stream events whose data is a JSON string", () => {
    const media = document.paths["/apps/{appId}/board/{boardId}/invoke"]?.post?.responses[200]?.content?.[
      "text/event-stream"
    ]
    assert.strictEqual(media?.["x-effect-stream"]?.encoding, "sse")
    assert.deepStrictEqual(Object.keys(media?.schema.properties ?? {}), ["id", "event", "data"])
  })
})

describe("renderApiReference", () => {
  it("lists every path and method of the document", () => {
    const operations = operationsOf(document)
    assert.strictEqual(operations.length, 3)
    for (const { method, path } of operations) {
      assert.include(html, `>${method.toUpperCase()}</span> <code class="path">${path}</code>`)
    }
    assert.include(html, "Get a board")
    assert.include(html, "Invoke a board and stream its events")
  })

  it("shows parameters, bodies and responses with field names, required flags and enums", () => {
    assert.include(html, `<code class="name">appId</code></td><td>path</td><td><span class="req">required</span>`)
    assert.include(html, `<code class="name">version</code></td><td>query</td><td><span class="opt">optional</span>`)
    assert.include(html, `<code class="name">stream_state</code> <span class="req">required</span>`)
    assert.include(html, `<code class="name">input_payload</code> <span class="opt">optional</span>`)
    assert.include(html, `<code class="enum">&#34;local&#34;</code> <code class="enum">&#34;remote&#34;</code>`)
    assert.include(html, `<span class="status s4xx">404</span>`)
    assert.include(html, `<span class="ct">application/json</span>`)
    for (const camel of ["inputPayload", "streamState", "runMode", "eventType"]) assert.notInclude(html, camel)
  })

  it("shows an SSE response as a stream of events with the data's fields", () => {
    assert.include(html, `<span class="ct">text/event-stream</span><div class="stream"><span class="badge">Server-Sent Events stream</span>`)
    assert.include(html, "a string holding application/json")
    assert.include(html, `<code class="name">event_type</code>`)
  })

  it("stops at recursive schemas", () => {
    assert.include(html, `<a class="ref" href="#schema-TreeNode">TreeNode</a> <span class="note">recursive, see above</span>`)
    assert.include(html, `id="schema-TreeNode"`)
  })

  it("loads nothing from elsewhere and links the raw document relatively", () => {
    assert.notMatch(html, /https?:|\/\/cdn|@import|url\(|<link rel="stylesheet"|<img|<iframe/i)
    assert.notMatch(html, /\ssrc=/i)
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]!)
    assert.isTrue(hrefs.every((href) => href.startsWith("#") || href === "data:," || href === "/api-doc/openapi.json"))
    assert.include(hrefs, "/api-doc/openapi.json")
    assert.include(renderApiReference(document, { openApiPath: "openapi.json" }), `href="openapi.json"`)
  })

  it("escapes every string from the document", () => {
    assert.notInclude(html, malicious)
    assert.strictEqual(html.split("<script").length, 2, "only the page's own filter script")
    assert.include(html, "&#60;script&#62;alert(1)&#60;/script&#62;")
    assert.include(html, "Boards &#60;script&#62;")
    assert.include(html, "name &#60;script&#62;")
    const titled = renderApiReference(document, { title: `<b>"x"</b>` })
    assert.include(titled, "<title>&#60;b&#62;&#34;x&#34;&#60;/b&#62;</title>")
  })

  it("has a filter box and the document's title", () => {
    assert.include(html, `<input id="filter" type="search"`)
    assert.include(html, "<title>Sample API</title>")
    assert.include(html, "version 1.2.3")
  })
})
