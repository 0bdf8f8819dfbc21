import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const source = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

const project = (name: string, dir: string) => ({
  extends: true as const,
  test: { name, root: `packages/${dir}`, include: ["test/**/*.test.ts"] }
})

// Vitest 5 no longer discovers workspace files by name: the root `test` script points at this file,
// which owns the list of test projects (one per package). Tests import every workspace package
// from source, so one run sees one copy of each module whatever the state of `dist`.
export default defineConfig({
  resolve: {
    alias: {
      "@flow-like/effect": source("sdk"),
      "@flow-like/testing": source("testing"),
      "@flow-like/client": source("client")
    }
  },
  test: {
    testTimeout: 30_000,
    projects: [
      project("@flow-like/effect", "sdk"),
      project("@flow-like/testing", "testing"),
      project("@flow-like/client", "client")
    ]
  }
})
