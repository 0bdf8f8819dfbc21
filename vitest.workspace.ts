import { defineConfig } from "vitest/config"

// Vitest 5 no longer discovers workspace files by name: the root `test` script points at this file,
// which owns the list of test projects (one per package).
export default defineConfig({
  test: {
    projects: ["packages/sdk", "packages/testing", "packages/client"]
  }
})
