import { Predicate, SchemaIssue } from "effect"

/**
 * Approximations of the messages `serde_json` / `serde_path_to_error` put in axum's rejection
 * bodies. Clients should rely only on the fixed prefix axum adds, not on these details.
 */

/** serde's `Unexpected` wording for a JSON value. */
export const describeValue = (value: unknown): string => {
  if (value === null) return "null"
  if (Predicate.isBoolean(value)) return `boolean \`${value}\``
  if (Predicate.isNumber(value)) return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``
  if (Predicate.isString(value)) return `string ${JSON.stringify(value)}`
  if (Array.isArray(value)) return "sequence"
  return "map"
}

/** `serde_path_to_error` path syntax: `a.b[2].c`. */
const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const segment of path) {
    if (Predicate.isNumber(segment)) {
      out += `[${segment}]`
    } else {
      out += out === "" ? String(segment) : `.${String(segment)}`
    }
  }
  return out
}

const withPath = (path: ReadonlyArray<PropertyKey>, message: string): string =>
  path.length === 0 ? message : `${formatPath(path)}: ${message}`

/** serde_json reports where it stopped; we report the end of the document. */
const endPosition = (text: string): string => {
  const trimmed = text.trimEnd()
  const lines = trimmed.split("\n")
  const last = lines[lines.length - 1] ?? ""
  return `at line ${lines.length} column ${last.length}`
}

const lowerFirst = (message: string): string => message.charAt(0).toLowerCase() + message.slice(1)

const locate = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<PropertyKey>
): { readonly issue: SchemaIssue.Issue; readonly path: ReadonlyArray<PropertyKey> } => {
  switch (issue._tag) {
    case "Pointer":
      return locate(issue.issue, [...path, ...issue.path])
    case "Composite":
      return locate(issue.issues[0], path)
    case "Encoding":
      return locate(issue.issue, path)
    case "AnyOf": {
      const first = issue.issues[0]
      return first === undefined ? { issue, path } : locate(first, path)
    }
    default:
      return { issue, path }
  }
}

const formatIssue = SchemaIssue.makeFormatterDefault()

const valueAt = (json: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>(
    (value, key) => Predicate.isObjectOrArray(value) ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    json
  )

const leafMessage = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>, json: unknown): string => {
  if (issue._tag === "MissingKey") {
    const key = path[path.length - 1]
    return withPath(
      path.slice(0, -1),
      Predicate.isNumber(key) ? `invalid length ${key}, expected more elements` : `missing field \`${String(key ?? "")}\``
    )
  }
  const kind = issue._tag === "Filter" || issue._tag === "InvalidValue" ? "invalid value" : "invalid type"
  const expected = lowerFirst(formatIssue(issue).split("\n")[0] ?? "")
  return withPath(path, `${kind}: ${describeValue(valueAt(json, path))}, ${expected}`)
}

/** The detail of a 422 `Failed to deserialize the JSON body into the target type: …`. */
export const deserializeMessage = (issue: SchemaIssue.Issue, json: unknown, text: string): string => {
  const located = locate(issue, [])
  return `${leafMessage(located.issue, located.path, json)} ${endPosition(text)}`
}

/** The detail of a 400 `Failed to parse the request body as JSON: …`. */
export const syntaxMessage = (text: string, error: unknown): string => {
  if (text.trim() === "") {
    return `EOF while parsing a value at line 1 column ${text.length}`
  }
  const where = Predicate.isError(error) ? /line (\d+) column (\d+)/.exec(error.message) : null
  return where === null ? "expected value at line 1 column 1" : `expected value at line ${where[1]} column ${where[2]}`
}
