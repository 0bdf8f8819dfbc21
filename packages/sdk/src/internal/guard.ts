import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

/** A predicate compiled from a schema's AST. */
export type Guard = (input: unknown) => boolean

const always: Guard = () => true

/**
 * Compiles the plain-data part of a schema's AST (objects, arrays, strings, numbers, booleans,
 * literals, null, unions, unknown) into one JavaScript predicate. Nodes it does not cover (checks,
 * declarations, transformations) make it give up: the caller then uses `Schema.is`.
 */
const compile = (ast: SchemaAST.AST): Guard | undefined => {
  if (ast.checks !== undefined && ast.checks.length > 0) return undefined
  switch (ast._tag) {
    case "Unknown":
    case "Any":
      return always
    case "String":
      return (u) => typeof u === "string"
    case "Number":
      return (u) => typeof u === "number" && !Number.isNaN(u)
    case "Boolean":
      return (u) => typeof u === "boolean"
    case "Null":
      return (u) => u === null
    case "Undefined":
      return (u) => u === undefined
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      const members = ast.types.map(compile)
      if (members.some((member) => member === undefined)) return undefined
      const guards = members as Array<Guard>
      return (u) => guards.some((guard) => guard(u))
    }
    case "Arrays": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return undefined
      const [rest] = ast.rest
      const item = rest === undefined ? undefined : compile(rest)
      if (item === undefined) return undefined
      return (u) => Array.isArray(u) && u.every(item)
    }
    case "Objects": {
      if (ast.indexSignatures.length > 0) return undefined
      const fields: Array<{ readonly name: PropertyKey; readonly guard: Guard; readonly isOptional: boolean }> = []
      for (const property of ast.propertySignatures) {
        const guard = compile(property.type)
        if (guard === undefined) return undefined
        fields.push({ name: property.name, guard, isOptional: SchemaAST.isOptional(property.type) })
      }
      return (u) => {
        if (typeof u !== "object" || u === null || Array.isArray(u)) return false
        for (const field of fields) {
          const value: unknown = (u as Record<PropertyKey, unknown>)[field.name]
          if (value === undefined && !Object.hasOwn(u, field.name)) {
            if (field.isOptional) continue
            return false
          }
          if (!field.guard(value)) return false
        }
        return true
      }
    }
    default:
      return undefined
  }
}

/**
 * A fast `Schema.is` for a schema's wire side (`"encoded"`) or its type side (`"type"`): compiled
 * to one predicate when the schema is plain data, else `Schema.is` itself.
 */
export function guardOf<A, I>(schema: Schema.Codec<A, I>, side: "encoded"): (input: unknown) => input is I
export function guardOf<A, I>(schema: Schema.Codec<A, I>, side: "type"): (input: unknown) => input is A
export function guardOf<A, I>(schema: Schema.Codec<A, I>, side: "encoded" | "type"): Guard {
  const target = side === "encoded" ? SchemaAST.toEncoded(schema.ast) : SchemaAST.toType(schema.ast)
  return compile(target) ?? Schema.is(side === "encoded" ? Schema.toEncoded(schema) : Schema.toType(schema))
}
