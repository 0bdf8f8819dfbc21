import { Validator } from "@seriousme/openapi-schema-validator"

/**
 * Checks a document against the official OpenAPI 3.1 JSON Schema and resolves every `$ref` in it.
 * The document is validated as it would be served, i.e. after a JSON round trip.
 * Not covered by the official schema: the JSON Schema inside Schema Objects (`{ type: "strin" }` passes).
 */
export const validateOpenApi = async (
  document: unknown
): Promise<{ readonly valid: boolean; readonly errors: ReadonlyArray<string> }> => {
  const served: unknown = JSON.parse(JSON.stringify(document) ?? "null")
  if (typeof served !== "object" || served === null || Array.isArray(served)) {
    return { valid: false, errors: ["the document is not a JSON object"] }
  }
  const validator = new Validator()
  const result = await validator.validate(served as Record<string, unknown>)
  const errors = typeof result.errors === "string"
    ? [result.errors]
    : (result.errors ?? []).map((error) => `${error.instancePath || "/"}: ${error.message ?? error.keyword}`)
  if (result.valid && validator.version !== "3.1") {
    return { valid: false, errors: [`expected an OpenAPI 3.1 document, got version ${validator.version}`] }
  }
  return { valid: result.valid && errors.length === 0, errors }
}
