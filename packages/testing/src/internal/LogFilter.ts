/**
 * The `query` of `GET …/board/{b}/logs`: `query_logs.rs` hands it to LanceDB's `only_if`, an SQL
 * filter over the run's log table (`StoredLogMessage`: `message`, `operation_id`, `node_id`,
 * `log_level` 0-4, `token_in`, `token_out`, `bit_ids`, `start`/`end` in Unix microseconds). A filter
 * LanceDB cannot parse or plan (a syntax error, an unknown column, a value that does not cast) fails
 * when the query runs: the route's 500 ("Failed to execute query").
 *
 * This is the part of that SQL the dev server evaluates: comparisons (`=`, `!=`, `<>`, `<`, `<=`,
 * `>`, `>=`), `AND`/`OR`/`NOT`, parentheses, `IS [NOT] NULL`, `[NOT] LIKE`/`ILIKE` (`%`, `_`),
 * `[NOT] IN (…)`, `[NOT] BETWEEN … AND …`, with SQL's three-valued logic (a row is kept only when
 * the filter is true). Anything else is refused like a filter LanceDB cannot run.
 */

/** One row of a run's log table. */
export interface LogRow {
  readonly message: string
  readonly operation_id: string | null
  readonly node_id: string | null
  readonly log_level: number
  readonly token_in: number | null
  readonly token_out: number | null
  readonly bit_ids: ReadonlyArray<string> | null
  readonly start: number
  readonly end: number
}

type Value = string | number | boolean | null
type Expr = (row: LogRow) => Value

const COLUMNS: Readonly<Record<string, "string" | "number" | "list">> = {
  message: "string",
  operation_id: "string",
  node_id: "string",
  log_level: "number",
  token_in: "number",
  token_out: "number",
  bit_ids: "list",
  start: "number",
  end: "number"
}

/** Why LanceDB would refuse the filter. */
export class FilterError extends Error {}

interface Token {
  readonly kind: "word" | "ident" | "number" | "string" | "op" | "end"
  readonly text: string
}

const tokenize = (input: string): ReadonlyArray<Token> => {
  const tokens: Array<Token> = []
  let at = 0
  while (at < input.length) {
    const rest = input.slice(at)
    const space = /^\s+/.exec(rest)
    if (space !== null) {
      at += space[0].length
      continue
    }
    const match = /^(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"]|"")*)"|'((?:[^']|'')*)'|(<=|>=|<>|!=|=|<|>|\(|\)|,|-))/.exec(rest)
    if (match === null) throw new FilterError(`unexpected character ${JSON.stringify(rest[0])}`)
    const [text, number, word, quoted, string, op] = match
    if (number !== undefined) tokens.push({ kind: "number", text: number })
    else if (word !== undefined) tokens.push({ kind: "word", text: word })
    else if (quoted !== undefined) tokens.push({ kind: "ident", text: quoted.replaceAll("\"\"", "\"") })
    else if (string !== undefined) tokens.push({ kind: "string", text: string.replaceAll("''", "'") })
    else if (op !== undefined) tokens.push({ kind: "op", text: op })
    at += text.length
  }
  tokens.push({ kind: "end", text: "" })
  return tokens
}

const KEYWORDS = new Set(["and", "or", "not", "is", "null", "like", "ilike", "in", "between", "true", "false"])

const likePattern = (pattern: string, insensitive: boolean): RegExp =>
  new RegExp(
    `^${[...pattern].map((char) => (char === "%" ? ".*" : char === "_" ? "." : char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("")}$`,
    insensitive ? "is" : "s"
  )

/** Parses a filter into a predicate over rows, or throws `FilterError`. */
export const parseLogFilter = (query: string): ((row: LogRow) => boolean) => {
  const tokens = tokenize(query)
  let at = 0
  const peek = () => tokens[at] as Token
  const isWord = (word: string, offset = 0) => {
    const token = tokens[at + offset]
    return token?.kind === "word" && token.text.toLowerCase() === word
  }
  const take = () => tokens[at++] as Token
  const expectOp = (op: string) => {
    if (peek().kind !== "op" || peek().text !== op) throw new FilterError(`expected ${op}`)
    take()
  }

  /** Operands: a column (with its type) or a literal. */
  type Operand = { readonly type: "string" | "number" | "list" | "boolean" | "null"; readonly eval: Expr; readonly literal?: Value }

  const primary = (): Operand => {
    const token = take()
    if (token.kind === "number") {
      const value = Number(token.text)
      return { type: "number", eval: () => value, literal: value }
    }
    if (token.kind === "op" && token.text === "-" && peek().kind === "number") {
      const value = -Number(take().text)
      return { type: "number", eval: () => value, literal: value }
    }
    if (token.kind === "string") return { type: "string", eval: () => token.text, literal: token.text }
    if (token.kind === "word" && KEYWORDS.has(token.text.toLowerCase())) {
      const word = token.text.toLowerCase()
      if (word === "null") return { type: "null", eval: () => null, literal: null }
      if (word === "true" || word === "false") return { type: "boolean", eval: () => word === "true", literal: word === "true" }
      throw new FilterError(`unexpected ${token.text}`)
    }
    if (token.kind === "word" || token.kind === "ident") {
      const name = token.kind === "word" ? token.text.toLowerCase() : token.text
      const type = COLUMNS[name]
      if (type === undefined) throw new FilterError(`No field named ${name}`)
      return { type, eval: (row) => row[name as keyof LogRow] as Value }
    }
    throw new FilterError(`unexpected ${token.text || "end of filter"}`)
  }

  /** Both sides in one type: a string literal beside a number column is cast (and must be a number). */
  const unify = (left: Operand, right: Operand): readonly [Expr, Expr] => {
    if (left.type === "list" || right.type === "list") throw new FilterError("cannot compare a list")
    const cast = (side: Operand, other: Operand): Expr => {
      if (side.type === "string" && other.type === "number" && side.literal !== undefined) {
        const value = Number(side.literal)
        if (side.literal === "" || !Number.isFinite(value)) throw new FilterError(`Cannot cast string '${side.literal}' to a number`)
        return () => value
      }
      if (side.type === "number" && other.type === "string" && other.literal === undefined) {
        return (row) => (side.eval(row) === null ? null : String(side.eval(row)))
      }
      if (side.type === "boolean" && other.type !== "boolean" && other.type !== "null") throw new FilterError("cannot compare a boolean")
      return side.eval
    }
    return [cast(left, right), cast(right, left)]
  }

  const compare = (op: string, a: Value, b: Value): Value => {
    if (a === null || b === null) return null
    switch (op) {
      case "=":
        return a === b
      case "!=":
      case "<>":
        return a !== b
      case "<":
        return a < b
      case "<=":
        return a <= b
      case ">":
        return a > b
      default:
        return a >= b
    }
  }

  const predicate = (): Expr => {
    if (peek().kind === "op" && peek().text === "(") {
      take()
      const inner = or()
      expectOp(")")
      return inner
    }
    const left = primary()
    const next = peek()
    if (next.kind === "op" && ["=", "!=", "<>", "<", "<=", ">", ">="].includes(next.text)) {
      take()
      const right = primary()
      const [a, b] = unify(left, right)
      return (row) => compare(next.text, a(row), b(row))
    }
    if (isWord("is")) {
      take()
      const negated = isWord("not") ? (take(), true) : false
      if (!isWord("null")) throw new FilterError("expected NULL after IS")
      take()
      return (row) => (left.eval(row) === null) !== negated
    }
    const negated = isWord("not") && (isWord("like", 1) || isWord("ilike", 1) || isWord("in", 1) || isWord("between", 1)) ? (take(), true) : false
    const not = (value: Value): Value => (value === null ? null : negated ? !value : value)
    if (isWord("like") || isWord("ilike")) {
      const insensitive = take().text.toLowerCase() === "ilike"
      const pattern = primary()
      if (left.type !== "string" || pattern.type !== "string" || pattern.literal === undefined) throw new FilterError("LIKE needs a text column and a text pattern")
      const regex = likePattern(String(pattern.literal), insensitive)
      return (row) => {
        const value = left.eval(row)
        return value === null ? null : not(regex.test(String(value)))
      }
    }
    if (isWord("in")) {
      take()
      expectOp("(")
      const items: Array<readonly [Expr, Expr]> = []
      do {
        if (items.length > 0) take()
        items.push(unify(left, primary()))
      } while (peek().kind === "op" && peek().text === ",")
      expectOp(")")
      return (row) => {
        const results = items.map(([a, b]) => compare("=", a(row), b(row)))
        return not(results.includes(true) ? true : results.includes(null) ? null : false)
      }
    }
    if (isWord("between")) {
      take()
      const [a, low] = unify(left, primary())
      if (!isWord("and")) throw new FilterError("expected AND in BETWEEN")
      take()
      const [, high] = unify(left, primary())
      return (row) => and3(compare(">=", a(row), low(row)), compare("<=", a(row), high(row)), not)
    }
    if (left.type === "boolean") return left.eval
    throw new FilterError("a filter must be a condition")
  }

  const and3 = (a: Value, b: Value, wrap: (value: Value) => Value = (value) => value): Value =>
    wrap(a === false || b === false ? false : a === null || b === null ? null : true)

  const notExpr = (): Expr => {
    if (isWord("not")) {
      take()
      const inner = notExpr()
      return (row) => {
        const value = inner(row)
        return value === null ? null : !value
      }
    }
    return predicate()
  }
  const and = (): Expr => {
    let left = notExpr()
    while (isWord("and")) {
      take()
      const a = left
      const b = notExpr()
      left = (row) => and3(a(row), b(row))
    }
    return left
  }
  const or = (): Expr => {
    let left = and()
    while (isWord("or")) {
      take()
      const a = left
      const b = and()
      left = (row) => {
        const x = a(row)
        const y = b(row)
        return x === true || y === true ? true : x === null || y === null ? null : false
      }
    }
    return left
  }

  const filter = or()
  if (peek().kind !== "end") throw new FilterError(`unexpected ${peek().text}`)
  return (row) => filter(row) === true
}
