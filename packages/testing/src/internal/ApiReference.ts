import type { OpenApi } from "effect/http-api"

/**
 * A browsable API reference for an OpenAPI 3.1 document, as one self-contained HTML page: inline CSS and a
 * few lines of inline script (the filter box), no font, script, style sheet or image from anywhere else, so
 * the page works offline. Every string taken from the document is escaped: the document is data.
 */

export interface ApiReferenceOptions {
  /** The page's heading; the document's `info.title` by default. */
  readonly title?: string
  /** The (relative) link to the raw document. */
  readonly openApiPath?: string
}

type JsonObject = Readonly<Record<string, unknown>>

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const

/** `$ref`s nested deeper than this are shown as links to the Schemas section, not expanded again. */
const maxRefDepth = 6
/** Guards against documents that are deep, or cyclic as JavaScript objects. */
const maxDepth = 24

const escapeHtml = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

const asObject = (value: unknown): JsonObject | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as JsonObject : undefined

const asArray = (value: unknown): ReadonlyArray<unknown> => Array.isArray(value) ? value : []

const asString = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

const entriesOf = (value: unknown): ReadonlyArray<readonly [string, unknown]> => Object.entries(asObject(value) ?? {})

/** `{ not: {} }`, what Effect emits for `Schema.Never`. */
const isNever = (schema: unknown): boolean => {
  const not = asObject(asObject(schema)?.not)
  return not !== undefined && Object.keys(not).length === 0
}

const json = (value: unknown): string => JSON.stringify(value) ?? String(value)

const requiredBadge = (required: unknown): string =>
  required === true ? `<span class="req">required</span>` : `<span class="opt">optional</span>`

const description = (node: JsonObject): string => {
  const text = asString(node.description)
  return text === undefined ? "" : `<div class="desc">${escapeHtml(text)}</div>`
}

interface SchemaContext {
  readonly components: JsonObject
  /** The component names being expanded on the way here: a name met again is a cycle. */
  readonly expanding: ReadonlySet<string>
  readonly refDepth: number
  readonly depth: number
}

const componentPrefix = "#/components/schemas/"

const componentName = (ref: string): string | undefined =>
  ref.startsWith(componentPrefix)
    ? decodeURIComponent(ref.slice(componentPrefix.length)).replace(/~1/g, "/").replace(/~0/g, "~")
    : undefined

const schemaLink = (name: string): string => `<a class="ref" href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`

const constraintKeys = [
  "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "default", "examples",
  "contentEncoding", "deprecated", "readOnly", "writeOnly"
] as const

const typeLabel = (node: JsonObject): string => {
  if ("const" in node) return `const ${json(node.const)}`
  const type = Array.isArray(node.type) ? node.type.map(String).join(" | ") : asString(node.type)
  if (type !== undefined) return type
  if (isNever(node)) return "never"
  if (node.properties !== undefined) return "object"
  if (node.items !== undefined || node.prefixItems !== undefined) return "array"
  if (node.anyOf !== undefined || node.oneOf !== undefined || node.allOf !== undefined) return ""
  return node.enum === undefined ? "any" : ""
}

const renderVariants = (label: string, variants: ReadonlyArray<unknown>, ctx: SchemaContext): string =>
  `<div class="variants"><span class="kw">${label}</span><ol>${
    variants.map((variant) => `<li>${renderSchema(variant, ctx)}</li>`).join("")
  }</ol></div>`

const renderProperties = (node: JsonObject, ctx: SchemaContext): string => {
  const required = new Set(asArray(node.required).map(String))
  const items = entriesOf(node.properties).map(([name, schema]) =>
    `<li><code class="name">${escapeHtml(name)}</code> ${requiredBadge(required.has(name))} ${
      renderSchema(schema, ctx)
    }</li>`
  )
  const additional = asObject(node.additionalProperties)
  if (additional !== undefined) {
    items.push(`<li><span class="kw">any other key</span>${renderSchema(additional, ctx)}</li>`)
  }
  for (const [pattern, schema] of entriesOf(node.patternProperties)) {
    const key = `<span class="kw">keys matching</span> <code>${escapeHtml(pattern)}</code>`
    items.push(`<li>${key}${renderSchema(schema, ctx)}</li>`)
  }
  return items.length === 0 ? "" : `<ul class="props">${items.join("")}</ul>`
}

const renderChildren = (node: JsonObject, ctx: SchemaContext): string => {
  const parts: Array<string> = [renderProperties(node, ctx)]
  const prefixItems = asArray(node.prefixItems)
  if (prefixItems.length > 0) parts.push(renderVariants("tuple of", prefixItems, ctx))
  if (node.items !== undefined && node.items !== false) {
    parts.push(`<div class="nested"><span class="kw">${prefixItems.length > 0 ? "then each" : "each item"}</span>${
      renderSchema(node.items, ctx)
    }</div>`)
  }
  if (node.contentSchema !== undefined) {
    const mediaType = asString(node.contentMediaType) ?? "encoded content"
    parts.push(`<div class="nested"><span class="kw">a string holding ${escapeHtml(mediaType)}</span>${
      renderSchema(node.contentSchema, ctx)
    }</div>`)
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const variants = asArray(node[key])
    const nonNull = variants.filter((variant) => asObject(variant)?.type !== "null")
    if (variants.length === 0) continue
    parts.push(
      nonNull.length === 1 && variants.length === 2
        ? `<div class="nested"><span class="kw">nullable</span>${renderSchema(nonNull[0], ctx)}</div>`
        : renderVariants("one of", variants, ctx)
    )
  }
  if (node.allOf !== undefined) parts.push(renderVariants("all of", asArray(node.allOf), ctx))
  return parts.join("")
}

const renderRef = (ref: string, ctx: SchemaContext): string => {
  const name = componentName(ref)
  if (name === undefined || !Object.hasOwn(ctx.components, name)) {
    return `<span class="type">${escapeHtml(ref)}</span> <span class="note">unresolved reference</span>`
  }
  if (ctx.expanding.has(name)) return `${schemaLink(name)} <span class="note">recursive, see above</span>`
  if (ctx.refDepth >= maxRefDepth) return schemaLink(name)
  const inner = renderSchema(ctx.components[name], {
    ...ctx,
    expanding: new Set([...ctx.expanding, name]),
    refDepth: ctx.refDepth + 1
  })
  const open = ctx.refDepth < 2 ? " open" : ""
  return `<details class="expand"${open}><summary>${schemaLink(name)}</summary>${inner}</details>`
}

/** A schema as nested HTML: type, constraints and description, then fields, items or variants. */
const renderSchema = (schema: unknown, ctx: SchemaContext): string => {
  if (schema === true) return `<div class="schema"><span class="type">any</span></div>`
  if (schema === false) return `<div class="schema"><span class="type">never</span></div>`
  const node = asObject(schema)
  if (node === undefined) return `<div class="schema"><span class="type">${escapeHtml(json(schema))}</span></div>`
  if (ctx.depth >= maxDepth) return `<div class="schema"><span class="note">nested too deep to show</span></div>`
  const next = { ...ctx, depth: ctx.depth + 1 }
  const ref = asString(node.$ref)
  if (ref !== undefined) return `<div class="schema">${renderRef(ref, next)}${description(node)}</div>`
  const label = typeLabel(node)
  const enumValues = asArray(node.enum)
  const enumHtml = enumValues.map((value) => `<code class="enum">${escapeHtml(json(value))}</code>`).join(" ")
  const constraints = constraintKeys.filter((key) => node[key] !== undefined)
    .map((key) => `<span class="c">${key}: ${escapeHtml(json(node[key]))}</span>`)
  return `<div class="schema">${label === "" ? "" : `<span class="type">${escapeHtml(label)}</span>`}${
    enumValues.length > 0 ? ` <span class="kw">one of</span> ${enumHtml}` : ""
  }${constraints.join("")}${description(node)}${renderChildren(node, next)}</div>`
}

interface Operation {
  readonly id: string
  readonly method: string
  readonly path: string
  readonly tag: string
  readonly operation: JsonObject
  readonly pathParameters: ReadonlyArray<unknown>
}

const collectOperations = (paths: unknown): ReadonlyArray<Operation> => {
  const operations: Array<Operation> = []
  for (const [path, item] of entriesOf(paths)) {
    const pathItem = asObject(item) ?? {}
    const candidates = [
      ...methods.map((method) => [method, pathItem[method]] as const),
      ...entriesOf(pathItem["x-oai-additionalOperations"])
    ]
    for (const [method, value] of candidates) {
      const operation = asObject(value)
      if (operation === undefined) continue
      operations.push({
        id: `op-${operations.length}`,
        method: method.toLowerCase(),
        path,
        tag: asString(asArray(operation.tags)[0]) ?? "default",
        operation,
        pathParameters: asArray(pathItem.parameters)
      })
    }
  }
  return operations
}

const renderParameters = (op: Operation, ctx: SchemaContext): string => {
  const parameters = [...op.pathParameters, ...asArray(op.operation.parameters)].map((p) => asObject(p) ?? {})
  if (parameters.length === 0) return ""
  const rows = parameters.map((p) =>
    `<tr><td><code class="name">${escapeHtml(p.name ?? p.$ref ?? "")}</code></td><td>${escapeHtml(p.in ?? "")}</td><td>${
      requiredBadge(p.required)
    }</td><td>${renderSchema(p.schema ?? {}, ctx)}${description(p)}</td></tr>`
  )
  const head = `<tr><th>Name</th><th>In</th><th></th><th>Schema</th></tr>`
  return `<h4>Parameters</h4><table><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`
}

/** What a streaming media type sends, before its element schema, and how a stream fails, after it. */
const renderStream = (contentType: string, media: JsonObject, ctx: SchemaContext): readonly [string, string] => {
  const stream = asObject(media["x-effect-stream"])
  const encoding = asString(stream?.encoding)
  if (contentType === "text/event-stream" || encoding === "sse") {
    const failureEvent = asString(stream?.failureEvent)
    const error = stream?.errorSchema
    const failure = failureEvent === undefined
      ? ""
      : `<div class="note">A failure ends the stream with an event named <code>${escapeHtml(failureEvent)}</code>.</div>`
    const errorHtml = error === undefined || isNever(error)
      ? ""
      : `<details class="expand"><summary>stream error</summary>${renderSchema(error, ctx)}</details>`
    return [`<div class="stream"><span class="badge">Server-Sent Events stream</span> each event:</div>`, failure + errorHtml]
  }
  if (encoding === "ndjson") return [`<div class="stream"><span class="badge">NDJSON stream</span> each line:</div>`, ""]
  if (encoding === "uint8array") return [`<div class="stream"><span class="badge">byte stream</span></div>`, ""]
  return ["", ""]
}

const renderContent = (content: unknown, ctx: SchemaContext): string =>
  entriesOf(content).map(([contentType, value]) => {
    const media = asObject(value) ?? {}
    const [before, after] = renderStream(contentType, media, ctx)
    return `<div class="media"><span class="ct">${escapeHtml(contentType)}</span>${before}${
      media.schema === undefined ? "" : renderSchema(media.schema, ctx)
    }${after}</div>`
  }).join("")

const renderRequestBody = (op: Operation, ctx: SchemaContext): string => {
  const body = asObject(op.operation.requestBody)
  if (body === undefined) return ""
  return `<h4>Request body ${requiredBadge(body.required)}</h4>${description(body)}${renderContent(body.content, ctx)}`
}

const statusClass = (status: string): string => `s${status.charAt(0)}xx`

const renderResponses = (op: Operation, ctx: SchemaContext): string => {
  const responses = [...entriesOf(op.operation.responses)].sort(([a], [b]) => a.localeCompare(b))
  const items = responses.map(([status, value]) => {
    const response = asObject(value) ?? {}
    const headers = entriesOf(response.headers).map(([name, header]) => {
      const h = asObject(header) ?? {}
      return `<li><code class="name">${escapeHtml(name)}</code> ${requiredBadge(h.required)} ${
        renderSchema(h.schema ?? {}, ctx)
      }</li>`
    })
    const content = renderContent(response.content, ctx)
    return `<div class="response"><span class="status ${statusClass(status)}">${escapeHtml(status)}</span> ${
      escapeHtml(response.description ?? "")
    }${headers.length === 0 ? "" : `<div class="kw">Headers</div><ul class="props">${headers.join("")}</ul>`}${
      content === "" ? `<div class="note">no body</div>` : content
    }</div>`
  })
  return `<h4>Responses</h4>${items.join("")}`
}

const renderSecurity = (operation: JsonObject): string => {
  const alternatives = asArray(operation.security).map((requirement) => Object.keys(asObject(requirement) ?? {}))
    .filter((names) => names.length > 0)
  return alternatives.length === 0 ? "" : ` <span class="auth">auth: ${
    alternatives.map((names) => names.map(escapeHtml).join(" and ")).join(" or ")
  }</span>`
}

const renderOperation = (op: Operation, ctx: SchemaContext): string => {
  const { operation } = op
  const summary = asString(operation.summary) ?? ""
  const operationDescription = asString(operation.description)
  const operationId = asString(operation.operationId)
  const search = [op.method, op.path, op.tag, summary, operationId ?? "", operationDescription ?? ""].join(" ")
  return `<section class="op" id="${op.id}" data-search="${escapeHtml(search.toLowerCase())}">
<h3><span class="method m-${escapeHtml(op.method)}">${escapeHtml(op.method.toUpperCase())}</span> <code class="path">${
    escapeHtml(op.path)
  }</code> <span class="summary">${escapeHtml(summary)}</span></h3>
<div class="meta">${operationId === undefined ? "" : `operationId <code>${escapeHtml(operationId)}</code>`}${
    operation.deprecated === true ? ` <span class="badge">deprecated</span>` : ""
  }${renderSecurity(operation)}</div>
${operationDescription === undefined ? "" : `<div class="desc">${escapeHtml(operationDescription)}</div>`}
${renderParameters(op, ctx)}${renderRequestBody(op, ctx)}${renderResponses(op, ctx)}
</section>`
}

const style = `:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#fff;--panel:#f5f7fa;--accent:#2456c7}
@media (prefers-color-scheme:dark){:root{--fg:#e3e7ee;--muted:#9aa3b2;--line:#343b48;--bg:#14171c;--panel:#1c2027;--accent:#7ea6ff}}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}a{color:var(--accent)}
header{padding:16px 24px;border-bottom:1px solid var(--line);display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{margin:0;font-size:20px}#filter{margin-left:auto;padding:6px 10px;min-width:260px;border:1px solid var(--line);border-radius:6px;background:var(--panel);color:var(--fg)}
.layout{display:grid;grid-template-columns:280px 1fr}nav{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;padding:16px;border-right:1px solid var(--line)}
nav ul{list-style:none;margin:0 0 12px;padding:0}nav a{display:block;text-decoration:none;color:var(--fg);padding:1px 0;overflow-wrap:anywhere}nav .tagname{font-weight:600;margin-top:8px}
main{padding:8px 24px 48px;min-width:0}.op{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:12px 0}
.op h3{margin:0;font-size:15px;overflow-wrap:anywhere}.method{display:inline-block;min-width:64px;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:1px 6px;background:#6b7280}
.m-get{background:#2f7d32}.m-post{background:#2456c7}.m-put{background:#a05a00}.m-patch{background:#7a4bc2}.m-delete{background:#b3261e}
.meta,.note,.opt{color:var(--muted);font-size:12px}.desc{white-space:pre-wrap;margin:4px 0}h4{margin:14px 0 6px}
table{border-collapse:collapse;min-width:60%}.props>li>.schema,td>.schema,.nested>.schema,.variants li>.schema{display:inline}td,th{border-top:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
.schema{margin:2px 0}.type{color:var(--accent);font-family:ui-monospace,Menlo,Consolas,monospace}.kw{color:var(--muted);font-style:italic;margin-right:4px}
.props,.variants ol{margin:2px 0;padding-left:18px;border-left:2px solid var(--line)}.props{list-style:none}.name{font-weight:600}
.req{color:#b3261e;font-size:12px}.c,.enum,.badge,.ct,.auth{display:inline-block;margin:0 2px;padding:0 5px;border-radius:4px;background:var(--panel);font-size:12px}
.ct{font-family:ui-monospace,Menlo,Consolas,monospace;border:1px solid var(--line)}.badge{background:#fde7c7;color:#6b3b00}.media,.response{margin:6px 0}
.status{font-weight:700;font-family:ui-monospace,Menlo,Consolas,monospace}.s2xx{color:#2f7d32}.s4xx,.s5xx{color:#b3261e}
details.expand>summary{cursor:pointer}[hidden]{display:none!important}`

const script = `const f=document.getElementById("filter");f.addEventListener("input",()=>{const q=f.value.trim().toLowerCase();
for(const s of document.querySelectorAll("section.tag")){let any=false;for(const o of s.querySelectorAll(".op")){o.hidden=!o.dataset.search.includes(q);any=any||!o.hidden}s.hidden=!any}
for(const a of document.querySelectorAll("nav a[data-op]"))a.hidden=document.getElementById(a.dataset.op).hidden})`

/** The whole reference page for `document`. */
export const renderApiReference = (document: OpenApi.OpenAPISpec, options?: ApiReferenceOptions): string => {
  const doc: JsonObject = asObject(document) ?? {}
  const info = asObject(doc.info) ?? {}
  const title = options?.title ?? asString(info.title) ?? "API reference"
  const openApiPath = options?.openApiPath ?? "/api-doc/openapi.json"
  const components = asObject(asObject(doc.components)?.schemas) ?? {}
  const ctx: SchemaContext = { components, expanding: new Set(), refDepth: 0, depth: 0 }
  const operations = collectOperations(doc.paths)
  const tagInfo = new Map(asArray(doc.tags).map((tag) => asObject(tag) ?? {}).map((tag) => [String(tag.name), tag]))
  const tags = [...new Set([...tagInfo.keys(), ...operations.map((op) => op.tag)])]
    .filter((tag) => operations.some((op) => op.tag === tag))
  const byTag = (tag: string) => operations.filter((op) => op.tag === tag)
  const nav = tags.map((tag) =>
    `<div class="tagname">${escapeHtml(tag)}</div><ul>${
      byTag(tag).map((op) =>
        `<li><a href="#${op.id}" data-op="${op.id}"><code>${escapeHtml(op.method.toUpperCase())}</code> ${
          escapeHtml(op.path)
        }</a></li>`
      ).join("")
    }</ul>`
  ).join("")
  const sections = tags.map((tag) =>
    `<section class="tag"><h2>${escapeHtml(tag)}</h2>${description(tagInfo.get(tag) ?? {})}${
      byTag(tag).map((op) => renderOperation(op, ctx)).join("\n")
    }</section>`
  ).join("\n")
  const schemas = Object.keys(components).map((name) =>
    `<section class="op" id="schema-${escapeHtml(name)}"><h3><code>${escapeHtml(name)}</code></h3>${
      renderSchema(components[name], { ...ctx, expanding: new Set([name]), refDepth: 1 })
    }</section>`
  ).join("\n")
  const version = asString(info.version)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${style}</style></head>
<body><header><h1>${escapeHtml(title)}</h1>${version === undefined ? "" : `<span class="c">version ${escapeHtml(version)}</span>`}
<a href="${escapeHtml(openApiPath)}">OpenAPI document (JSON)</a>
<input id="filter" type="search" placeholder="Filter by path, method, tag, summary" aria-label="Filter operations"></header>
<div class="layout"><nav>${nav}${schemas === "" ? "" : `<div class="tagname"><a href="#schemas">Schemas</a></div>`}</nav>
<main>${asString(info.summary) === undefined ? "" : `<p>${escapeHtml(info.summary)}</p>`}${description(info)}
${sections}
${schemas === "" ? "" : `<h2 id="schemas">Schemas</h2>${schemas}`}
</main></div><script>${script}</script></body></html>
`
}
