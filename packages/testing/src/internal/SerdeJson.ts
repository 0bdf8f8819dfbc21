import { Predicate, SchemaAST } from "effect"

const admitsNull = (ast: SchemaAST.AST): boolean =>
  ast._tag === "Null" || (ast._tag === "Union" && ast.types.some(admitsNull))

/**
 * Whether an optional key's declared type admits `null` (serde's `Option`). A JSON codec writes an
 * optional key's `undefined` as one extra top-level `null` member: that one does not count.
 */
const isOption = (ast: SchemaAST.AST): boolean => {
  if (ast._tag !== "Union") return false
  const index = ast.types.findLastIndex((member) => member._tag === "Null")
  return ast.types.some((member, at) => at !== index && admitsNull(member))
}

/** Whether `json` is an object holding every literal field of the object schema `ast` (and it has one). */
const matchesLiterals = (ast: SchemaAST.AST, json: unknown): boolean => {
  if (ast._tag !== "Objects" || !Predicate.isObject(json) || Array.isArray(json)) return false
  const literals = ast.propertySignatures.filter((signature) => signature.type._tag === "Literal")
  const source: Readonly<Record<string, unknown>> = { ...json }
  return literals.length > 0 &&
    literals.every((signature) => signature.type._tag === "Literal" && source[String(signature.name)] === signature.type.literal)
}

const withNulls = (ast: SchemaAST.AST, json: unknown): unknown => {
  switch (ast._tag) {
    case "Objects": {
      if (!Predicate.isObject(json) || Array.isArray(json)) return json
      const source: Readonly<Record<string, unknown>> = { ...json }
      const out: Record<string, unknown> = {}
      for (const signature of ast.propertySignatures) {
        const key = String(signature.name)
        if (key in source) {
          out[key] = withNulls(signature.type, source[key])
        } else if (SchemaAST.isOptional(signature.type) && isOption(signature.type)) {
          out[key] = null
        }
      }
      // A map (`HashMap<String, T>`, an index signature): every other key holds a `T`.
      const [signature] = ast.indexSignatures
      for (const [key, value] of Object.entries(source)) {
        if (!(key in out)) out[key] = signature === undefined ? value : withNulls(signature.type, value)
      }
      return out
    }
    case "Arrays": {
      if (!Array.isArray(json)) return json
      const [rest] = ast.rest
      return json.map((element, index) => {
        const elementAst = ast.elements[index] ?? rest
        return elementAst === undefined ? element : withNulls(elementAst, element)
      })
    }
    case "Union": {
      if (json === null) return json
      const present = ast.types.filter((member) => member._tag !== "Null" && member._tag !== "Undefined")
      const [only] = present
      if (present.length === 1 && only !== undefined) return withNulls(only, json)
      // An internally tagged enum (`#[serde(tag = "...")]`): the member whose literal fields match.
      const tagged = present.find((member) => matchesLiterals(member, json))
      return tagged === undefined ? json : withNulls(tagged, json)
    }
    case "Suspend":
      return withNulls(ast.thunk(), json)
    default:
      return json
  }
}

/**
 * serde writes an `Option` field that is `None` as `null` (the server sets no
 * `skip_serializing_if`), where a schema encoding leaves the key out. Given the encoded side of a
 * declared answer, puts back `null` for every absent optional key whose wire type admits `null`,
 * keeping the declaration's key order.
 */
export const serdeNulls = (encodedAst: SchemaAST.AST) => (json: unknown): unknown => withNulls(encodedAst, json)
