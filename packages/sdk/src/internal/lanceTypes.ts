/** @ts-ignore: `@lancedb/lancedb` is an optional peer dependency; without it these types are `any`. */
export type { Connection, Table } from "@lancedb/lancedb"
