/** What the package promises about its LangChain dependency. */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { describe, expect, it } from "vitest"

const manifest = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"))

describe("@flow-like/langchain's package", () => {
  it("@langchain/core 1.4 or newer is a peer dependency, and the tested version is 1.x from 1.4", () => {
    const own = manifest("../package.json")
    expect(own.peerDependencies).toEqual({ "@langchain/core": "^1.4.0" })
    expect(own.dependencies["@langchain/core"]).toBeUndefined()
    const installed = manifest(`file://${createRequire(import.meta.url).resolve("@langchain/core/package.json")}`)
    expect(installed.version).toMatch(/^1\.(4|[5-9]|\d\d)\./)
  })

  it("@flow-like/langchain is an optional peer of the client, so client users need neither it nor @langchain/core", () => {
    const client = manifest("../../client/package.json")
    expect(client.peerDependencies["@flow-like/langchain"]).toBeDefined()
    expect(client.peerDependenciesMeta["@flow-like/langchain"]).toEqual({ optional: true })
    expect(client.dependencies["@flow-like/langchain"]).toBeUndefined()
    expect(client.dependencies["@langchain/core"]).toBeUndefined()
  })
})
