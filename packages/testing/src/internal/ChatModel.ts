/**
 * The dev server's deterministic local model: it answers OpenAI-style chat requests without any
 * network. It echoes the last user message; calls the first offered tool whose name appears in
 * that message (with arguments fitting the tool's JSON Schema), then answers with a `tool`
 * message's content; and answers `response_format: json_schema` with a document valid against the
 * schema. The same request always gets the same answer.
 */
import type { ChatCompletionRequest } from "@flow-like/effect/api/ModelsApi"
import { Predicate } from "effect"

type Request = typeof ChatCompletionRequest.Type
type Message = Request["messages"][number]

/** What the model says: text, or tool calls with their arguments as JSON text. */
export type Answer =
  | { readonly _tag: "Text"; readonly content: string }
  | { readonly _tag: "ToolCalls"; readonly calls: ReadonlyArray<{ readonly name: string; readonly arguments: string }> }

/** The text of a message: its string content, or its `text` parts joined. */
export const textOf = (message: Message): string => {
  const content = message.content
  if (typeof content === "string") return content
  if (content === null || content === undefined) return ""
  return content.flatMap((part) => part["type"] === "text" && typeof part["text"] === "string" ? [part["text"]] : []).join(" ")
}

const firstNumber = (text: string): number | undefined => {
  const match = /-?\d+(?:\.\d+)?/.exec(text)
  return match === null ? undefined : Number(match[0])
}

/** A value valid against a JSON Schema (objects, strings, numbers, integers, booleans, arrays, enums, const). */
export const valueFor = (schema: unknown, text: string, name = "value"): unknown => {
  if (!Predicate.isObject(schema)) return text
  if ("const" in schema) return schema["const"]
  const enumeration = schema["enum"]
  if (Array.isArray(enumeration) && enumeration.length > 0) return enumeration[0]
  for (const key of ["anyOf", "oneOf"]) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0) return valueFor(options[0], text, name)
  }
  const declared = schema["type"]
  const type = Array.isArray(declared) ? declared.find((t) => t !== "null") : declared
  switch (type) {
    case "object": {
      const properties = Predicate.isObject(schema["properties"]) ? schema["properties"] : {}
      return Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueFor(property, text, key)]))
    }
    case "array":
      return [valueFor(schema["items"], text, name)]
    case "integer":
      return Math.round(firstNumber(text) ?? 42)
    case "number":
      return firstNumber(text) ?? 42
    case "boolean":
      return true
    case "null":
      return null
    default:
      return text === "" ? name : text
  }
}

/** A tool's arguments: its required fields (every field when none is required), filled from the message. */
const argumentsFor = (parameters: unknown, toolName: string, message: string): string => {
  if (!Predicate.isObject(parameters) || !Predicate.isObject(parameters["properties"])) return "{}"
  const properties = parameters["properties"]
  const required = Array.isArray(parameters["required"]) ? parameters["required"].filter(Predicate.isString) : Object.keys(properties)
  const index = message.toLowerCase().indexOf(toolName.toLowerCase())
  const rest = index === -1 ? message : message.slice(index + toolName.length)
  const subject = rest.replace(/^[\s:,.-]*(for|of|in|with|about|to)?\s*/i, "").replace(/[?.!\s]+$/, "") || message
  return JSON.stringify(Object.fromEntries(required.map((key) => [key, valueFor(properties[key], subject, key)])))
}

/** The model's answer to a request. */
export const respond = (request: Request): Answer => {
  const messages = request.messages
  const last = messages.at(-1)
  if (last?.role === "tool") return { _tag: "Text", content: `The tool answered: ${last.content}` }
  const lastUser = [...messages].reverse().find((message) => message.role === "user")
  const said = lastUser === undefined ? "" : textOf(lastUser)
  const tools = request.tools ?? []
  const choice = request.toolChoice
  if (tools.length > 0 && choice !== "none") {
    const forced = typeof choice === "object" ? tools.find((tool) => tool.function.name === choice.function.name) : undefined
    const named = tools.find((tool) => said.toLowerCase().includes(tool.function.name.toLowerCase()))
    const tool = forced ?? named ?? (choice === "required" ? tools[0] : undefined)
    if (tool !== undefined) {
      return {
        _tag: "ToolCalls",
        calls: [{ name: tool.function.name, arguments: argumentsFor(tool.function.parameters, tool.function.name, said) }]
      }
    }
  }
  const format = request.responseFormat
  if (format?.type === "json_schema") {
    return { _tag: "Text", content: JSON.stringify(valueFor(format.jsonSchema.schema ?? { type: "object" }, said)) }
  }
  if (format?.type === "json_object") return { _tag: "Text", content: JSON.stringify({ answer: `You said: ${said}` }) }
  return { _tag: "Text", content: `You said: ${said}` }
}

/** Characters / 4, rounded up: the dev server's token count. */
export const tokens = (text: string): number => Math.ceil(text.length / 4)

/** A request's prompt tokens. */
export const promptTokens = (request: Request): number =>
  request.messages.reduce((sum, message) => sum + tokens(textOf(message)), 0)
