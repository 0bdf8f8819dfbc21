import type { Bit } from "@flow-like/effect/api/BitsApi"
import type { BitDefinition, ChatScript, UpstreamFailure } from "../Model.ts"

/** A bit as the server sends it (camelCase here; the router encodes it). */
export type StoredBit = typeof Bit.Type

/** A search of the hub, decoded. */
export interface BitSearch {
  readonly search?: string | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
  readonly bitTypes?: ReadonlyArray<string> | undefined
}

/** The hub's bits, scripted chat answers, injected provider failures and the running usage. */
export interface ModelsStore {
  readonly addBit: (definition: BitDefinition) => void
  readonly getBit: (bitId: string) => StoredBit | undefined
  /** `search_bits.rs`: type filter, substring of name or description (case-sensitive `LIKE`), offset, limit (default 50, at most 100). */
  readonly search: (query: BitSearch, language: string) => ReadonlyArray<StoredBit>
  readonly script: (bitId: string, answer: ChatScript) => void
  readonly takeScript: (bitId: string) => ChatScript | undefined
  readonly failUpstream: (bitId: string, failure: UpstreamFailure) => void
  readonly takeFailure: (bitId: string) => UpstreamFailure | undefined
  /** Running totals in micro-dollars. */
  readonly usage: { llmPrice: number; embeddingPrice: number }
}

const SEARCH_DEFAULT_LIMIT = 50
const SEARCH_MAX_LIMIT = 100

const created = new Date("2026-01-01T00:00:00Z")

const toBit = (definition: BitDefinition): StoredBit => ({
  id: definition.id,
  type: definition.type,
  meta: {
    en: {
      name: definition.name,
      description: definition.description ?? "",
      longDescription: undefined,
      releaseNotes: undefined,
      tags: definition.tags ?? [],
      useCase: undefined,
      icon: undefined,
      thumbnail: undefined,
      previewMedia: [],
      ageRating: undefined,
      website: undefined,
      supportUrl: undefined,
      docsUrl: undefined,
      organizationSpecificValues: undefined,
      createdAt: created,
      updatedAt: created
    }
  },
  authors: ["flow-like dev server"],
  repository: undefined,
  downloadLink: undefined,
  fileName: undefined,
  hash: definition.id,
  size: undefined,
  hub: "dev.flow-like.local",
  parameters: definition.parameters,
  version: "1.0.0",
  license: "MIT",
  dependencies: [],
  dependencyTreeHash: definition.id,
  created: "2026-01-01T00:00:00+00:00",
  updated: "2026-01-01T00:00:00+00:00"
})

const queues = <A>() => {
  const byBit = new Map<string, Array<A>>()
  return {
    push: (bitId: string, item: A) => {
      const queue = byBit.get(bitId) ?? []
      queue.push(item)
      byBit.set(bitId, queue)
    },
    take: (bitId: string): A | undefined => byBit.get(bitId)?.shift()
  }
}

/** An empty hub. */
export const makeModels = (): ModelsStore => {
  const bits = new Map<string, StoredBit>()
  const scripts = queues<ChatScript>()
  const failures = queues<UpstreamFailure>()
  return {
    addBit: (definition) => {
      bits.set(definition.id, toBit(definition))
    },
    getBit: (bitId) => bits.get(bitId),
    search: (query, language) => {
      const needle = query.search
      const types = query.bitTypes === undefined ? undefined : new Set(query.bitTypes)
      const matching = [...bits.values()].filter((bit) => {
        if (types !== undefined && !types.has(bit.type)) return false
        if (needle === undefined || needle === "") return true
        const meta = bit.meta[language] ?? bit.meta["en"]
        return meta !== undefined && (meta.name.includes(needle) || meta.description.includes(needle))
      })
      const offset = query.offset ?? 0
      const limit = Math.min(query.limit ?? SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT)
      return matching.slice(offset, offset + limit)
    },
    script: scripts.push,
    takeScript: scripts.take,
    failUpstream: failures.push,
    takeFailure: failures.take,
    usage: { llmPrice: 0, embeddingPrice: 0 }
  }
}
