import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const packageDir = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/`, import.meta.url))

// "@flow-like/x" resolves to the package's src/index.ts and "@flow-like/x/Module" to src/Module.ts.
const aliases = Object.entries({ effect: "sdk", testing: "testing", client: "client", langchain: "langchain" }).flatMap(([name, dir]) => [
  { find: new RegExp(`^@flow-like/${name}$`), replacement: `${packageDir(dir)}index.ts` },
  { find: new RegExp(`^@flow-like/${name}/(.+)$`), replacement: `${packageDir(dir)}$1.ts` }
])

const project = (name: string, dir: string) => ({
  extends: true as const,
  test: { name, root: `packages/${dir}`, include: ["test/**/*.test.ts"] }
})

// Vitest 5 no longer discovers workspace files by name: the root `test` script points at this file,
// which owns the list of test projects (one per package). Tests import every workspace package
// from source, so one run sees one copy of each module whatever the state of `dist`.
export default defineConfig({
  resolve: {
    alias: aliases
  },
  test: {
    testTimeout: 30_000,
    projects: [
      project("@flow-like/effect", "sdk"),
      project("@flow-like/testing", "testing"),
      project("@flow-like/client", "client"),
      project("@flow-like/langchain", "langchain"),
      // The bench's smoke run (bench/test): the whole suite once with tiny sizes, on the built packages.
      { extends: true as const, test: { name: "@flow-like/bench", root: "bench", include: ["test/**/*.test.ts"] } }
    ]
  }
})
