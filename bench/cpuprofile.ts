/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof` or bench/profile.ts) and prints self time by
 * package, by module (file) and by function, as milliseconds and as a share of the busy (non-idle)
 * time; then the inclusive time (self plus callees, each function counted once per sample) of the
 * functions of our packages (packages/sdk, packages/client).
 *
 *   node bench/cpuprofile.ts <file.cpuprofile> [top functions, default 30]
 */
import { readFileSync } from "node:fs"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const [file, topText = "30"] = process.argv.slice(2)
if (file === undefined) {
  process.stderr.write("usage: node bench/cpuprofile.ts <file.cpuprofile> [top]\n")
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile
const top = Number(topText)

/** Which package a frame belongs to, and the module (file) inside it. */
const classify = (frame: CallFrame): { readonly pkg: string; readonly module: string } => {
  const { functionName, url } = frame
  if (url === "") {
    if (functionName === "(idle)") return { pkg: "(idle)", module: "(idle)" }
    if (functionName === "(garbage collector)") return { pkg: "GC", module: "(garbage collector)" }
    if (functionName === "(program)") return { pkg: "V8/native (unattributed)", module: "(program)" }
    if (/^(JSON|parse|stringify)/.test(functionName) || /Json/i.test(functionName)) return { pkg: "JSON", module: `(native) ${functionName}` }
    return { pkg: "V8 builtins", module: `(native) ${functionName || "(anonymous)"}` }
  }
  const after = (marker: string) => url.slice(url.indexOf(marker) + marker.length)
  if (url.includes("/effect/dist/")) return { pkg: "effect", module: after("/effect/dist/") }
  if (url.includes("/packages/sdk/")) return { pkg: "@flow-like/effect (packages/sdk)", module: after("/packages/sdk/") }
  if (url.includes("/packages/client/")) return { pkg: "@flow-like/client (packages/client)", module: after("/packages/client/") }
  if (url.includes("node:internal/deps/undici")) return { pkg: "undici (Node's fetch)", module: after("node:internal/deps/") }
  if (url.startsWith("wasm://")) return { pkg: "undici (Node's fetch)", module: "llhttp (wasm)" }
  if (url.includes("/undici/")) return { pkg: "undici (package)", module: after("/undici/") }
  if (url.includes("/eventsource-parser/")) return { pkg: "eventsource-parser", module: after("/eventsource-parser/") }
  if (url.startsWith("node:internal/webstreams")) return { pkg: "node: web streams", module: url.slice(5) }
  if (url.startsWith("node:")) return { pkg: "node: other internals", module: url.slice(5) }
  if (url.includes("/bench/")) return { pkg: "bench harness", module: after("/bench/") }
  return { pkg: "other", module: url }
}

const self = new Map<number, number>()
for (let index = 0; index < profile.samples.length; index++) {
  const id = profile.samples[index]!
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0))
}

const byPackage = new Map<string, number>()
const byModule = new Map<string, number>()
const byFunction = new Map<string, number>()
let total = 0
let idle = 0
for (const node of profile.nodes) {
  const micros = self.get(node.id) ?? 0
  if (micros === 0) continue
  const { module, pkg } = classify(node.callFrame)
  total += micros
  if (pkg === "(idle)") {
    idle += micros
    continue
  }
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + micros)
  add(byPackage, pkg)
  add(byModule, `${pkg} :: ${module}`)
  const name = node.callFrame.functionName || "(anonymous)"
  add(byFunction, `${name}  [${pkg} :: ${module}:${node.callFrame.lineNumber + 1}]`)
}

const busy = total - idle

// Inclusive time: every function on a sample's stack gets the sample once.
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const nodeById = new Map(profile.nodes.map((node) => [node.id, node]))
const functionKey = (node: ProfileNode) => {
  const { module, pkg } = classify(node.callFrame)
  return { key: `${node.callFrame.functionName || "(anonymous)"}  [${pkg} :: ${module}:${node.callFrame.lineNumber + 1}]`, pkg }
}
const inclusive = new Map<string, number>()
for (let index = 0; index < profile.samples.length; index++) {
  const micros = profile.timeDeltas[index] ?? 0
  const seen = new Set<string>()
  for (let id: number | undefined = profile.samples[index]; id !== undefined; id = parent.get(id)) {
    const node = nodeById.get(id)!
    const { key, pkg } = functionKey(node)
    if (!pkg.startsWith("@flow-like") || seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros)
  }
}
const rows = (map: Map<string, number>, limit: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, micros]) => `${(micros / 1000).toFixed(1).padStart(9)} ms ${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${key}`)
    .join("\n")

process.stdout.write(
  [
    `${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (${((idle / total) * 100).toFixed(1)}% idle); shares are of busy time`,
    "",
    "By package:",
    rows(byPackage, 100),
    "",
    "By module (top 25):",
    rows(byModule, 25),
    "",
    `By function (top ${top}):`,
    rows(byFunction, top),
    "",
    "Inclusive time of our packages' functions (top 25):",
    rows(inclusive, 25),
    ""
  ].join("\n")
)
