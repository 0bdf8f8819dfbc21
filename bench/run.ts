/**
 * The bench suite, run with `pnpm bench`: every SDK path side by side with its plain baseline, in
 * one run, against a minimal server in its own process (server.ts).
 *
 * Each path: warm-up, then rounds in which every variant runs once, in an order rotated round by
 * round (A B, B A, ...); per variant the median and min–max of its round values, and the median of
 * its per-round ratios to the baseline. Memory, start-up and idle CPU are measured in fresh
 * processes (child.ts, startup/*.mjs), one per measurement.
 *
 *   node --expose-gc bench/run.ts [--smoke] [--only=1,3a] [--json=<file>] [--no-write]
 *
 * `--smoke` runs every path once with tiny sizes (the test suite does, so the suite cannot rot);
 * only a full run of every path writes bench/RESULTS.md.
 */
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import {
  concurrently,
  fetchEmbed,
  fetchSse,
  fetchStatus,
  fetchWatch,
  latencies,
  makeOpenAI,
  openaiChat,
  undiciStatus
} from "./baselines.ts"
import { type DbBench, startDbBench } from "./db.ts"
import { runNode, startServer } from "./processes.ts"
import { chatModel, embedInputs, PAT, STATUS_RUN_ID, watchToken } from "./protocol.ts"
import * as Sdk from "./sdk.ts"
import { median, roundOrder, summarize } from "./stats.ts"
import type { Summary } from "./stats.ts"

const args = process.argv.slice(2)
const option = (name: string) => args.find((value) => value.startsWith(`--${name}=`))?.slice(name.length + 3)
const smoke = args.includes("--smoke")
const only = option("only")?.split(",")
const jsonFile = option("json")

const sizes = smoke
  ? {
    rounds: 1,
    childRounds: 1,
    startupRounds: 1,
    warmups: 0,
    statusRequests: 5,
    concurrentRequests: 64,
    concurrency: 32,
    sseEvents: 300,
    watchEvents: 250,
    idleHoldMs: 20,
    idleWarmupMs: 100,
    idleWindows: 1,
    idlePeriods: 2,
    chatChunks: 50,
    embedInputs: 40,
    embedBatchSizes: [8, 32, 128],
    embedConcurrency: 4,
    dbRows: 200,
    dbDim: 384,
    dbSearches: 3
  }
  : {
    rounds: 7,
    childRounds: 5,
    startupRounds: 7,
    warmups: 1,
    statusRequests: 500,
    concurrentRequests: 2000,
    concurrency: 32,
    sseEvents: 100_000,
    watchEvents: 20_000,
    idleHoldMs: 1000,
    idleWarmupMs: 30000,
    idleWindows: 5,
    idlePeriods: 10,
    chatChunks: 20_000,
    embedInputs: 1000,
    embedBatchSizes: [8, 32, 128],
    embedConcurrency: 4,
    dbRows: 10_000,
    dbDim: 384,
    dbSearches: 50
  }

const gc = () => (globalThis as { gc?: () => void }).gc?.()

// ---- paths ---------------------------------------------------------------------------------------

type Role = "sdk" | "baseline" | "reference"

interface Variant {
  readonly name: string
  readonly role: Role
  /** One measurement, in the path's unit. */
  readonly measure?: () => Promise<number>
}

interface Path {
  readonly id: string
  readonly title: string
  readonly metric: string
  readonly unit: string
  readonly better: "lower" | "higher"
  /** The SDK's target as a ratio to the baseline (at most for `lower`, at least for `higher`); none when unset. */
  readonly target?: number | undefined
  readonly rounds: number
  readonly warmups: number
  /** Run a round's variants at the same time (measurements in separate processes). */
  readonly concurrent?: boolean
  readonly variants: ReadonlyArray<Variant>
  /**
   * Measures every round of every variant at once, in place of `measure`: values by variant (in
   * `variants` order), then by round.
   */
  readonly collect?: () => Promise<ReadonlyArray<ReadonlyArray<number>>>
}

interface VariantResult {
  readonly name: string
  readonly role: Role
  readonly values: ReadonlyArray<number>
  readonly summary: Summary
  /** Per-round ratio to the baseline. */
  readonly ratios: ReadonlyArray<number>
  readonly ratio: Summary
  /** Whether the SDK met its target (SDK variants only). */
  readonly met: boolean | undefined
}

interface PathResult {
  readonly id: string
  readonly title: string
  readonly metric: string
  readonly unit: string
  readonly better: "lower" | "higher"
  readonly target?: number | undefined
  readonly rounds: number
  readonly variants: ReadonlyArray<VariantResult>
}

const measureRounds = async (path: Path): Promise<ReadonlyArray<ReadonlyArray<number>>> => {
  if (path.collect !== undefined) return path.collect()
  const measure = (variant: Variant) => {
    if (variant.measure === undefined) throw new Error(`${path.id} ${variant.name}: nothing to measure`)
    return variant.measure()
  }
  for (let warmup = 0; warmup < path.warmups; warmup++) {
    for (const variant of path.variants) await measure(variant)
  }
  const values = new Map<Variant, Array<number>>(path.variants.map((variant) => [variant, []]))
  for (let round = 0; round < path.rounds; round++) {
    const order = roundOrder(path.variants, round)
    if (path.concurrent === true) {
      const results = await Promise.all(order.map(measure))
      order.forEach((variant, index) => values.get(variant)!.push(results[index]!))
    } else {
      for (const variant of order) {
        gc()
        values.get(variant)!.push(await measure(variant))
      }
    }
  }
  return path.variants.map((variant) => values.get(variant)!)
}

const runPath = async (path: Path): Promise<PathResult> => {
  const measured = await measureRounds(path)
  const values = new Map(path.variants.map((variant, index) => [variant.name, measured[index]!]))
  const baseline = values.get(path.variants.find((variant) => variant.role === "baseline")!.name)!
  const variants = path.variants.map((variant): VariantResult => {
    const own = values.get(variant.name)!
    const ratios = own.map((value, round) => value / baseline[round]!)
    const ratio = summarize(ratios)
    return {
      name: variant.name,
      role: variant.role,
      values: own,
      summary: summarize(own),
      ratios,
      ratio,
      met: variant.role !== "sdk" || path.target === undefined
        ? undefined
        : path.better === "lower"
        ? ratio.median <= path.target
        : ratio.median >= path.target
    }
  })
  return { ...path, variants }
}

// ---- formatting ----------------------------------------------------------------------------------

const num = (value: number) =>
  !Number.isFinite(value)
    ? String(value)
    : Math.abs(value) >= 1000
    ? Math.round(value).toLocaleString("en")
    : Math.abs(value) >= 100
    ? value.toFixed(0)
    : Math.abs(value) >= 10
    ? value.toFixed(1)
    : value.toFixed(2)

const ratioText = (summary: Summary) =>
  summary.n === 1 ? `${summary.median.toFixed(2)}x` : `${summary.median.toFixed(2)}x (${summary.min.toFixed(2)}–${summary.max.toFixed(2)})`

const table = (results: ReadonlyArray<PathResult>) => {
  const lines = [
    "| # | path | variant | median | spread (min–max) | vs baseline: median of round ratios (min–max) | target | met |",
    "|---|---|---|---|---|---|---|---|"
  ]
  for (const path of results) {
    for (const [index, variant] of path.variants.entries()) {
      const target = variant.role === "sdk" && path.target !== undefined ? `${path.better === "lower" ? "≤" : "≥"} ${path.target}x` : ""
      const title = index === 0 ? `${path.title} (${path.metric}, ${path.better} is better)` : ""
      lines.push(
        `| ${path.id} | ${title} | ${variant.name}${variant.role === "baseline" ? " (baseline)" : ""} | ${
          num(variant.summary.median)
        } ${path.unit} | ${num(variant.summary.min)}–${num(variant.summary.max)} | ${
          variant.role === "baseline" ? "1x" : ratioText(variant.ratio)
        } | ${target} | ${variant.met === undefined ? "" : variant.met ? "yes" : "**no**"} |`
      )
    }
  }
  return lines.join("\n")
}

// ---- the suite -----------------------------------------------------------------------------------

// The files rows (issue 10) run on their own: a 1 GiB transfer against the dev server's object store.
if (only?.includes("files")) {
  await (await import("./files.ts")).run({ smoke, write: !args.includes("--no-write") })
  if (only.length === 1) process.exit(0)
}

const server = await startServer(sizes.idleHoldMs)
const baseUrl = server.url
const client = Sdk.makeClient(baseUrl)
const runtime = Sdk.makeRuntime(baseUrl)

const p50 = (values: ReadonlyArray<number>) => median(values) * 1000
const perSecond = async (total: number, run: () => Promise<unknown>) => {
  const started = performance.now()
  await run()
  return total / ((performance.now() - started) / 1000)
}
const perEvent = async (expected: number, run: () => Promise<number>) => {
  const started = performance.now()
  const count = await run()
  const elapsed = performance.now() - started
  if (count !== expected) throw new Error(`expected ${expected} events, got ${count}`)
  return (elapsed * 1000) / count
}

const { chatChunks, concurrency, concurrentRequests, embedConcurrency, sseEvents, statusRequests, watchEvents } = sizes

const openai = makeOpenAI(baseUrl)
/** Chunks of a streamed chat answer: the role chunk, the content chunks, the finish chunk, the usage chunk. */
const chatExpected = chatChunks + 3
/** Time to first chunk (ms) of every measured stream of path 7a, by variant, in the order measured. */
const firstChunkMs = new Map<string, Array<number>>()
/** One streamed chat answer read to its end: chunks/s, its time to first chunk kept for path 7b. */
const chatStream = (name: string, run: (onChunk: (count: number) => void) => Promise<number>) => async () => {
  let first = Number.NaN
  const started = performance.now()
  const count = await run((count) => {
    if (count === 1) first = performance.now() - started
  })
  const elapsed = performance.now() - started
  if (count !== chatExpected) throw new Error(`${name}: expected ${chatExpected} chunks, got ${count}`)
  const firsts = firstChunkMs.get(name) ?? []
  firsts.push(first)
  firstChunkMs.set(name, firsts)
  return count / (elapsed / 1000)
}
const chatModelId = chatModel(chatChunks)
const chatVariants: ReadonlyArray<Variant> = [
  { name: "openai-node", role: "baseline", measure: chatStream("openai-node", (onChunk) => openaiChat(openai, chatModelId, onChunk)) },
  {
    name: "SDK Effect (Models.chatCompletionsStream)",
    role: "sdk",
    measure: chatStream(
      "SDK Effect (Models.chatCompletionsStream)",
      (onChunk) => runtime.runPromise(Sdk.effectChat(chatModelId, onChunk))
    )
  },
  {
    name: "SDK client (chatCompletions, stream: true)",
    role: "sdk",
    measure: chatStream("SDK client (chatCompletions, stream: true)", (onChunk) => Sdk.clientChat(client, chatModelId, onChunk))
  }
]
const chatPath: Path = {
  id: "7a",
  title: `chat stream, ${chatChunks.toLocaleString("en")} content chunks`,
  metric: "chunks per second",
  unit: "chunks/s",
  better: "higher",
  rounds: sizes.rounds,
  warmups: sizes.warmups,
  variants: chatVariants
}
const embedTexts = embedInputs(sizes.embedInputs)
const embedPath = (id: string, batchSize: number): Path => ({
  id,
  title: `embed, ${sizes.embedInputs.toLocaleString("en")} short texts in batches of ${batchSize}, ${embedConcurrency} at a time`,
  metric: "texts embedded per second",
  unit: "inputs/s",
  better: "higher",
  rounds: sizes.rounds,
  warmups: sizes.warmups,
  variants: [
    {
      name: "fetch loop",
      role: "baseline",
      measure: () => perSecond(embedTexts.length, () => fetchEmbed(baseUrl, embedTexts, batchSize, embedConcurrency))
    },
    {
      name: "SDK Effect (Models.embed)",
      role: "sdk",
      measure: () => perSecond(embedTexts.length, () => runtime.runPromise(Sdk.effectEmbed(embedTexts, batchSize)))
    },
    {
      name: "SDK client (FlowLikeClient)",
      role: "sdk",
      measure: () => perSecond(embedTexts.length, () => Sdk.clientEmbed(client, embedTexts, batchSize))
    }
  ]
})

/** The DB paths' dev server and connections, started on first use (only when a DB path runs). */
let dbBench: Promise<DbBench> | undefined
const db = () => (dbBench ??= startDbBench({ rows: sizes.dbRows, dim: sizes.dbDim, searches: sizes.dbSearches }))
const dbPath = (id: string, title: string, metric: string, run: (bench: DbBench, via: "sdk" | "raw") => Promise<number>, target?: number): Path => ({
  id,
  title,
  metric,
  unit: "ms",
  better: "lower",
  target,
  rounds: sizes.rounds,
  warmups: sizes.warmups,
  variants: [
    { name: "raw @lancedb/lancedb", role: "baseline", measure: async () => run(await db(), "raw") },
    { name: "SDK connection (createLanceConnection)", role: "sdk", measure: async () => run(await db(), "sdk") }
  ]
})
const dbPaths = (): ReadonlyArray<Path> => [
  dbPath("9a", `LanceDB insert, ${sizes.dbRows} x ${sizes.dbDim}-dim rows over s3://`, "time to create the table", (bench, via) => bench.insert(via), 1.05),
  dbPath("9b", `LanceDB top-10 vector search, ${sizes.dbRows} x ${sizes.dbDim}-dim rows`, `p50 of ${sizes.dbSearches} searches`, (bench, via) => bench.search(via), 1.05),
  dbPath("9c", "LanceDB credential refresh (presign + reconnect)", "time per refresh", (bench, via) => bench.refresh(via))
]

const paths: ReadonlyArray<Path> = [
  {
    id: "1",
    title: "getRunStatus, sequential",
    metric: "p50 latency per round",
    unit: "µs",
    better: "lower",
    target: 1.3,
    rounds: sizes.rounds,
    warmups: sizes.warmups,
    variants: [
      { name: "fetch", role: "baseline", measure: async () => p50(await latencies(statusRequests, () => fetchStatus(baseUrl))) },
      { name: "undici.request", role: "reference", measure: async () => p50(await latencies(statusRequests, () => undiciStatus(baseUrl))) },
      {
        name: "SDK Effect (Execution)",
        role: "sdk",
        measure: async () => p50(await runtime.runPromise(Sdk.effectStatusLatencies(statusRequests)))
      },
      { name: "SDK client (FlowLikeClient)", role: "sdk", measure: async () => p50(await Sdk.clientStatusLatencies(client, statusRequests)) }
    ]
  },
  {
    id: "2",
    title: `getRunStatus, ${concurrency} concurrent`,
    metric: `throughput over ${concurrentRequests} requests`,
    unit: "req/s",
    better: "higher",
    target: 0.8,
    rounds: sizes.rounds,
    warmups: sizes.warmups,
    variants: [
      {
        name: "fetch",
        role: "baseline",
        measure: () => perSecond(concurrentRequests, () => concurrently(concurrentRequests, concurrency, () => fetchStatus(baseUrl)))
      },
      {
        name: "undici.request",
        role: "reference",
        measure: () => perSecond(concurrentRequests, () => concurrently(concurrentRequests, concurrency, () => undiciStatus(baseUrl)))
      },
      {
        name: "SDK Effect (Execution)",
        role: "sdk",
        measure: () => perSecond(concurrentRequests, () => runtime.runPromise(Sdk.effectStatusConcurrent(concurrentRequests, concurrency)))
      },
      {
        name: "SDK client (FlowLikeClient)",
        role: "sdk",
        measure: () => perSecond(concurrentRequests, () => concurrently(concurrentRequests, concurrency, () => client.getRunStatus(STATUS_RUN_ID)))
      }
    ]
  },
  {
    id: "3a",
    title: `triggerWorkflow, ${sseEvents.toLocaleString("en")} SSE events`,
    metric: "time per event",
    unit: "µs/event",
    better: "lower",
    target: 1.5,
    rounds: sizes.rounds,
    warmups: sizes.warmups,
    variants: [
      { name: "fetch + eventsource-parser + JSON.parse", role: "baseline", measure: () => perEvent(sseEvents, () => fetchSse(baseUrl, sseEvents)) },
      { name: "SDK Effect (Workflows)", role: "sdk", measure: () => perEvent(sseEvents, () => runtime.runPromise(Sdk.effectTrigger(sseEvents))) },
      { name: "SDK client (FlowLikeClient)", role: "sdk", measure: () => perEvent(sseEvents, () => Sdk.clientTrigger(client, sseEvents)) }
    ]
  },
  {
    id: "3b",
    title: `triggerWorkflow, ${sseEvents.toLocaleString("en")} SSE events, fresh process each`,
    metric: "peak RSS growth during the stream",
    unit: "MiB",
    better: "lower",
    target: 1.2,
    rounds: sizes.childRounds,
    warmups: 0,
    concurrent: smoke,
    variants: (["baseline", "sdk-effect", "sdk-client", "sdk-effect-barrels"] as const).map((variant) => ({
      name: variant === "baseline"
        ? "fetch + eventsource-parser + JSON.parse"
        : variant === "sdk-effect"
        ? "SDK Effect (Workflows)"
        : variant === "sdk-client"
        ? "SDK client (FlowLikeClient)"
        : "SDK Effect, after importing the `effect` and SDK barrels",
      role: variant === "baseline" ? "baseline" as const : variant === "sdk-effect-barrels" ? "reference" as const : "sdk" as const,
      measure: async () =>
        ((await runNode(["--expose-gc", "child.ts", "rss", variant, baseUrl, String(sseEvents)])).value as { readonly growthMiB: number }).growthMiB
    }))
  },
  {
    id: "4",
    title: `watchRun, ${watchEvents.toLocaleString("en")} events in pages of 100`,
    metric: "time per event",
    unit: "µs/event",
    better: "lower",
    target: 1.3,
    rounds: sizes.rounds,
    warmups: sizes.warmups,
    variants: [
      { name: "fetch long-poll loop", role: "baseline", measure: () => perEvent(watchEvents, () => fetchWatch(baseUrl, watchToken(watchEvents))) },
      {
        name: "SDK Effect (Execution)",
        role: "sdk",
        measure: () => perEvent(watchEvents, () => runtime.runPromise(Sdk.effectWatch(watchToken(watchEvents))))
      },
      { name: "SDK client (FlowLikeClient)", role: "sdk", measure: () => perEvent(watchEvents, () => Sdk.clientWatch(client, watchToken(watchEvents))) }
    ]
  },
  {
    id: "5",
    title: "start-up: import + first getRunStatus, fresh process",
    metric: "wall time from spawn to exit",
    unit: "ms",
    better: "lower",
    target: 2,
    rounds: sizes.startupRounds,
    warmups: sizes.warmups,
    // A smoke run only checks that the path works: its processes may share the machine.
    concurrent: smoke,
    variants: (["fetch", "client", "effect"] as const).map((script) => ({
      name: script === "fetch" ? "fetch script" : script === "client" ? "SDK client (FlowLikeClient)" : "SDK Effect (FlowLike.layer)",
      role: script === "fetch" ? "baseline" as const : script === "client" ? "sdk" as const : "reference" as const,
      measure: async () => (await runNode([`startup/${script}.mjs`, baseUrl, PAT, STATUS_RUN_ID])).wallMs
    }))
  },
  {
    id: "6",
    title: `idle watchRun (each poll held ${sizes.idleHoldMs / 1000} s, empty pages), one process per variant`,
    metric: `process CPU per ${(sizes.idlePeriods * sizes.idleHoldMs) / 1000} s window (${sizes.idlePeriods} polls) after ${sizes.idleWarmupMs / 1000} s warm-up`,
    unit: "ms CPU/s",
    better: "lower",
    target: 1,
    rounds: sizes.idleWindows,
    warmups: 0,
    variants: [
      { name: "fetch long-poll loop", role: "baseline" },
      { name: "SDK Effect (Execution)", role: "sdk" },
      { name: "SDK client (FlowLikeClient)", role: "sdk" }
    ],
    // The variants are idle: they run at the same time, each in its own process, window after window.
    collect: () =>
      Promise.all((["baseline", "sdk-effect", "sdk-client"] as const).map(async (variant) => {
        const { value } = await runNode([
          "child.ts",
          "idle",
          variant,
          baseUrl,
          String(sizes.idleHoldMs),
          String(sizes.idleWarmupMs),
          String(sizes.idleWindows),
          String(sizes.idlePeriods)
        ])
        const { cpuMs, elapsedMs } = value as { readonly cpuMs: ReadonlyArray<number>; readonly elapsedMs: ReadonlyArray<number> }
        return cpuMs.map((cpu, index) => cpu / (elapsedMs[index]! / 1000))
      }))
  },
  chatPath,
  {
    id: "7b",
    title: `chat stream, ${chatChunks.toLocaleString("en")} content chunks`,
    metric: "time to first chunk, the streams of 7a",
    unit: "ms",
    better: "lower",
    rounds: sizes.rounds,
    warmups: 0,
    variants: chatVariants.map(({ name, role }) => ({ name, role })),
    // The same streams as 7a (its rounds, after its warm-up); measured here when 7a did not run.
    collect: async () => {
      if (firstChunkMs.size === 0) await measureRounds(chatPath)
      return chatVariants.map((variant) => firstChunkMs.get(variant.name)!.slice(-sizes.rounds))
    }
  },
  ...sizes.embedBatchSizes.map((batchSize, index) => embedPath(`8${"abc"[index]}`, batchSize)),
  ...dbPaths()
]

const results: Array<PathResult> = []
try {
  for (const path of paths) {
    if (only !== undefined && !only.includes(path.id)) continue
    const started = performance.now()
    const result = await runPath(path)
    results.push(result)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    process.stdout.write(`${path.id} ${path.title}: ${seconds} s\n`)
    for (const variant of result.variants) {
      process.stdout.write(
        `  ${variant.name}: ${num(variant.summary.median)} ${path.unit} [${variant.values.map(num).join(", ")}]${
          variant.role === "baseline" ? "" : `, ratio ${ratioText(variant.ratio)}`
        }\n`
      )
    }
  }
} finally {
  await client.close()
  await runtime.dispose()
  server.stop()
  if (dbBench !== undefined) await (await dbBench).close()
}

const cpu = cpus()
const machine = `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB RAM, ${process.platform} ${process.arch}`
const date = new Date().toISOString().slice(0, 10)
/** The SDK source as measured: its commit, and whether the sdk or client sources had uncommitted changes. */
const sdkSource = (() => {
  try {
    const git = (...gitArgs: Array<string>) => execFileSync("git", gitArgs, { cwd: new URL("..", import.meta.url), encoding: "utf8" }).trim()
    const dirty = git("status", "--porcelain", "--", "packages/sdk/src", "packages/client/src") !== ""
    return `commit ${git("rev-parse", "--short", "HEAD")}${dirty ? " with uncommitted changes in packages/*/src" : ""}`
  } catch {
    return "unknown (no git)"
  }
})()
const output = table(results)
process.stdout.write(`\n${output}\n`)

if (jsonFile !== undefined) {
  writeFileSync(jsonFile, JSON.stringify({ smoke, machine, node: process.version, date, sdkSource, sizes, results }, null, 2))
}

if (!smoke && only === undefined && !args.includes("--no-write")) {
  const summary = [
    `- Machine: ${machine}`,
    `- Node ${process.version}; date ${date}; SDK measured: ${sdkSource} (built \`dist\`)`,
    `- Rounds: ${sizes.rounds} in-process (paths 1, 2, 3a, 4, 7, 8) after ${sizes.warmups} warm-up round, ${sizes.childRounds} fresh processes per variant for RSS (3b), ${sizes.startupRounds} for start-up (5) after ${sizes.warmups} warm-up, ${sizes.idleWindows} consecutive windows for idle CPU (6); variants in an order rotated every round`,
    `- Sizes: ${statusRequests} sequential requests per round (1), ${concurrentRequests} requests ${concurrency} at a time (2), ${sseEvents.toLocaleString("en")} SSE events (3), ${
      watchEvents.toLocaleString("en")
    } polled events (4), ${chatChunks.toLocaleString("en")} chat content chunks (7), ${sizes.embedInputs.toLocaleString("en")} texts to embed in batches of ${
      sizes.embedBatchSizes.join(", ")
    }, ${embedConcurrency} at a time (8)`
  ].join("\n")
  const resultsUrl = new URL("./RESULTS.md", import.meta.url)
  /** The hand-written sections between the run's summary and its table (a before/after comparison), kept as they are. */
  const kept = (() => {
    try {
      const old = readFileSync(resultsUrl, "utf8")
      const start = old.indexOf("\n## ")
      const end = old.indexOf("\n| # | path | variant |")
      return start >= 0 && end > start ? old.slice(start + 1, end + 1) : ""
    } catch {
      return ""
    }
  })()
  const markdown = `# Benchmark results

Written by \`pnpm bench\` (bench/run.ts). Every SDK path runs side by side with its plain baseline
in the same run, against a minimal \`node:http\` server in its own process (bench/server.ts) that
answers from precomputed buffers in the real wire format. Ratios are SDK / baseline per round, then
the median over rounds; for throughput (paths 2, 7a, 8) higher is better, elsewhere lower. Targets
are the ones of issue 7; the rows of issue 8 (paths 7, 8) have none.

${summary}

${kept}${output}

Method:

- 1, 2: \`GET /api/v1/execution/run/:id\` (a full \`RunStatusResponse\`); the baselines parse the JSON
  and check \`status\`, the SDK decodes it with its schema. Path 1's value is the round's median
  latency; \`undici.request\` is shown for reference (it is not what the SDK runs on).
- 3a: \`POST .../board/:board/invoke\`, framed \`event: <type>\\ndata: <InterComEvent JSON>\\n\\n\` in 16 KiB
  writes: run_initiated, then 40% log, 30% \`run:<id>\` node state (\`{runId,nodeIds,method}\`), 20%
  progress, 10% \`generic_result\` with a small object, then completed. The baseline is \`fetch\` +
  \`eventsource-parser\` + \`JSON.parse\` of each frame's data.
- 3b: one fresh process per measurement (bench/child.ts): imports and client first, then GC, then
  RSS before the stream; peak RSS sampled every 256 events and from the kernel's high-water mark.
  The Effect side imports Effect and the SDK by module (\`bench/sdkEffect.ts\`); the reference row
  imports the \`effect\` and \`@flow-like/effect\` barrels first (\`bench/sdkEffectBarrels.ts\`).
- 4: \`GET /api/v1/execution/poll?after_sequence=N&timeout=10\` with \`Authorization: Bearer\`, 100 events
  a page, \`Running\` until the page with the last event, then \`Completed\`; the baseline is a
  hand-written \`fetch\` loop that stops, like the SDK, on a terminal status with a page not full.
- 5: \`node bench/startup/<variant>.mjs\`: import, build the client, one \`getRunStatus\`, exit.
- 6: one process per variant, all three at once (they are idle), watching a run that never sends
  anything; the server holds each poll to the next whole period of the wall clock, so each window
  (whole periods, starting half a period off) sees the same number of polls in every variant.
  \`process.cpuUsage()\` per window after the warm-up (which covers V8's tier-up of undici's
  \`llhttp\` WebAssembly, a one-off ~85 ms of CPU some 3 s into any process that uses \`fetch\`),
  as CPU milliseconds per second of wall time.
- 7a, 7b: \`POST /api/v1/chat/completions\` with \`stream: true\` and \`stream_options.include_usage\`
  (the SDK's default; openai-node is asked for it too, so all read the same bytes): a role chunk,
  then one \`chat.completion.chunk\` per word (\`{"content":" fox"}\` deltas, ~240 bytes a frame), a
  \`finish_reason\` chunk, a usage chunk, \`data: [DONE]\`; the first chunk is its own write, the rest
  16 KiB writes. The baseline is openai-node (\`chat.completions.create\` iterated with
  \`for await\`); the SDK client is \`chatCompletions({ ..., stream: true })\`. 7a is chunks over the
  whole stream's wall time; 7b is the time from the call to the first chunk, in the same streams.
- 8a–8c: \`POST /api/v1/embeddings/embed\` answering \`{embeddings, model, usage}\` with 768 floats per
  text; the SDK's \`embed({ bitId, input, batchSize, concurrency: 4 })\` against a \`fetch\` loop
  sending the same batches 4 at a time (\`JSON.parse\` of each answer, a length check, then the
  vectors in input order).

Noise: the machine may be shared; each round runs every variant back to back, so a slow moment
tends to hit a round's variants alike, and the ratio column (median of per-round ratios) is the
figure to compare with the targets.

Profiling a path: \`node bench/profile.ts <status|concurrent|trigger|watch|chat|embed> <effect|client|baseline>\`
profiles the measured phase only (V8's sampling profiler, after a warm-up) into a \`.cpuprofile\`;
\`node bench/cpuprofile.ts <file>\` prints its self time by package, module and function.
`
  writeFileSync(resultsUrl, markdown)
  process.stdout.write("\nWritten to bench/RESULTS.md\n")
}

// Stray timers or sockets must not keep the suite alive.
process.exit(0)
