/** The dev server's reading of the logs `query` (LanceDB SQL over the run's log table). */
import { describe, expect, it } from "vitest"
import { FilterError, type LogRow, parseLogFilter } from "../src/internal/LogFilter.ts"

const row = (message: string, level: number, extra: Partial<LogRow> = {}): LogRow => ({
  message,
  operation_id: null,
  node_id: null,
  log_level: level,
  token_in: null,
  token_out: null,
  bit_ids: null,
  start: 1_000_000,
  end: 2_000_000,
  ...extra
})

const rows = [row("started", 1), row("a warning", 2, { node_id: "n1", token_in: 5 }), row("it's broken", 3, { token_in: 0 })]
const kept = (query: string) => rows.filter(parseLogFilter(query)).map((entry) => entry.message)

describe("the logs filter", () => {
  it("evaluates comparisons, boolean logic, LIKE/ILIKE, IN, BETWEEN and IS NULL", () => {
    expect(kept("log_level >= 2")).toEqual(["a warning", "it's broken"])
    expect(kept("log_level <> 2 and message like 'it%'")).toEqual(["it's broken"])
    expect(kept("Message ILIKE 'A W%' OR log_level = '3'")).toEqual(["a warning", "it's broken"])
    expect(kept("log_level NOT IN (1, 3)")).toEqual(["a warning"])
    expect(kept("log_level NOT BETWEEN 2 AND 3")).toEqual(["started"])
    expect(kept("node_id IS NOT NULL")).toEqual(["a warning"])
    expect(kept("message = 'it''s broken'")).toEqual(["it's broken"])
    expect(kept("\"end\" > start AND start = 1000000")).toEqual(["started", "a warning", "it's broken"])
    expect(kept("message LIKE 'a_warning'")).toEqual(["a warning"])
    expect(kept("TRUE")).toHaveLength(3)
  })

  it("follows SQL's three-valued logic: a comparison with NULL is neither true nor false", () => {
    expect(kept("node_id = 'n1'")).toEqual(["a warning"])
    expect(kept("NOT (node_id = 'n1')")).toEqual([])
    expect(kept("node_id != 'n1'")).toEqual([])
    expect(kept("token_in > 1 OR log_level = 1")).toEqual(["started", "a warning"])
    expect(kept("NOT (token_in > 1)")).toEqual(["it's broken"])
    expect(kept("token_in IN (0, NULL)")).toEqual(["it's broken"])
    expect(kept("token_in NOT IN (0, NULL)")).toEqual([])
  })

  it("refuses what LanceDB could not run: syntax errors, unknown columns, bad casts, non-conditions", () => {
    for (const query of ["log_level >=", "log_level = = 1", "(log_level = 1", "nope = 1", "log_level = 'x'", "message", "1", "log_level >= 3;", " ", "bit_ids = 'a'", "message LIKE 3"]) {
      expect(() => parseLogFilter(query), query).toThrow(FilterError)
    }
  })
})
