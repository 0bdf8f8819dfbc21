/**
 * The database paths of the bench: LanceDB through the SDK's refreshing connection
 * (`@flow-like/effect/lance`, as `createLanceConnection` returns it) against raw `@lancedb/lancedb`
 * opened with the same presigned credentials, on the same store: the dev server's LanceDB on fauxqs
 * over `s3://`, behind its checking front. Also the time a credential refresh takes.
 */
import { FlowLikeClient } from "@flow-like/client"
import * as Lance from "@flow-like/effect/lance"
import { DevServer } from "@flow-like/testing"
import * as lancedb from "@lancedb/lancedb"

/** What the DB paths measure with. */
export interface DbBench {
  /** ms to insert every row into a fresh table. */
  insert(via: "sdk" | "raw"): Promise<number>
  /** p50 ms of `searches` top-10 vector searches. */
  search(via: "sdk" | "raw"): Promise<number>
  /** ms for one refresh: presign again and reconnect (the SDK's `refresh`, or the same by hand). */
  refresh(via: "sdk" | "raw"): Promise<number>
  close(): Promise<void>
}

/** Deterministic pseudo-random vectors (a linear congruential generator), every value a fraction. */
const vectors = (count: number, dim: number, seed: number): Array<Array<number>> => {
  let state = seed
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648 + 1e-9
  }
  return Array.from({ length: count }, () => Array.from({ length: dim }, next))
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const startDbBench = async (options: { readonly rows: number; readonly dim: number; readonly searches: number }): Promise<DbBench> => {
  const server = await DevServer.start({ seed: "empty" })
  const client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
  const presign = () => client.getDbCredentials(server.appId, { accessMode: "write" })
  const sdk = await Lance.open(presign, { accessMode: "write" })
  const rawConnect = async () => {
    const credentials = await presign()
    return lancedb.connect(credentials.uri, { storageOptions: { ...credentials.storageOptions } })
  }
  let raw = await rawConnect()
  const data = vectors(options.rows, options.dim, 7).map((vector, id) => ({ id, text: `document ${id}`, vector }))
  const queries = vectors(options.searches, options.dim, 11)
  await raw.createTable("vectors", data)
  const searchTables = { sdk: await sdk.connection.openTable("vectors"), raw: await raw.openTable("vectors") }
  const connections = { sdk: () => sdk.connection, raw: () => raw }

  return {
    insert: async (via) => {
      const connection = connections[via]()
      const name = `insert_${via}`
      if ((await connection.tableNames()).includes(name)) await connection.dropTable(name)
      const started = performance.now()
      await connection.createTable(name, data)
      return performance.now() - started
    },
    search: async (via) => {
      const table = searchTables[via]
      const times: Array<number> = []
      for (const query of queries) {
        const started = performance.now()
        const hits = await table.vectorSearch(query).limit(10).toArray()
        times.push(performance.now() - started)
        if (hits.length !== Math.min(10, options.rows)) throw new Error(`${via}: ${hits.length} hits`)
      }
      return median(times)
    },
    refresh: async (via) => {
      const started = performance.now()
      if (via === "sdk") await sdk.refresh()
      else {
        const previous = raw
        raw = await rawConnect()
        previous.close()
      }
      return performance.now() - started
    },
    close: async () => {
      sdk.close()
      raw.close()
      await client.close()
      await server.close()
    }
  }
}
