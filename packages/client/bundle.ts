/**
 * Bundles the built client (`dist/index.js`) with `@flow-like/effect`, its dependencies and `effect` into one module,
 * `dist/bundle/index.js`, which the package's main entry points at. Loading ~250 separate modules
 * is most of a fresh process's start-up; one tree-shaken module loads several times faster
 * (bench path 5). Other packages (optional peers such as LanceDB or LangChain) stay imports.
 *
 *   node packages/client/bundle.ts      (run by the root `build` script, after `tsc -b`)
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { rolldown } from "rolldown"

const dist = fileURLToPath(new URL("./dist/", import.meta.url))
const sdkPackage = JSON.parse(readFileSync(new URL("../sdk/package.json", import.meta.url), "utf8")) as {
  readonly dependencies?: Record<string, string>
}
/** The SDK, Effect and the SDK's own dependencies go in; anything else (optional peers) stays an import. */
const bundledPackages = ["effect", "@flow-like/effect", ...Object.keys(sdkPackage.dependencies ?? {})]
const isBundled = (id: string) => bundledPackages.some((name) => id === name || id.startsWith(`${name}/`))

const build = await rolldown({
  input: `${dist}index.js`,
  platform: "node",
  external: (id) => !isBundled(id) && !id.startsWith(".") && !id.startsWith("/"),
  treeshake: true,
  logLevel: "warn"
})
await build.write({ file: `${dist}bundle/index.js`, format: "esm", sourcemap: true })
await build.close()
