/**
 * Fresh-process measurements, one per process (spawned by run.ts); prints one JSON line.
 *
 *   node --expose-gc bench/child.ts rss <variant> <baseUrl> <events>
 *     peak RSS growth while streaming one run of <events> events (`triggerWorkflow`)
 *   node bench/child.ts idle <variant> <baseUrl> <holdMs> <warmupMs> <windows> <periods>
 *     process CPU time over <windows> consecutive windows of <periods> poll periods each, after
 *     <warmupMs>, while watching a run that sends nothing (`watchRun`; the server holds each poll)
 *
 * Variants: `sdk-client`, `sdk-effect` (imported by module), `sdk-effect-barrels` (the same after
 * importing the `effect` and `@flow-like/effect` barrels), `baseline` (fetch + eventsource-parser,
 * or a fetch long-poll loop). Each variant imports only what it uses, so the baseline never loads
 * Effect.
 */
import { IDLE_TOKEN } from "./protocol.ts"

const [mode, variant, baseUrl = "", ...rest] = process.argv.slice(2)

const output = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)

type Runner = (onEvent?: (count: number) => void) => Promise<unknown>

/** The variant's runner for the mode, with its imports done and its client built. */
const prepare = async (work: "trigger" | "idle", size: number): Promise<Runner> => {
  if (variant === "baseline") {
    const baselines = await import("./baselines.ts")
    return work === "trigger"
      ? (onEvent) => baselines.fetchSse(baseUrl, size, onEvent)
      : () => baselines.fetchWatch(baseUrl, IDLE_TOKEN)
  }
  if (variant === "sdk-client") {
    const sdk = await import("./sdkClient.ts")
    const client = sdk.makeClient(baseUrl)
    return work === "trigger"
      ? (onEvent) => sdk.clientTrigger(client, size, onEvent)
      : () => sdk.clientWatch(client, IDLE_TOKEN)
  }
  if (variant === "sdk-effect" || variant === "sdk-effect-barrels") {
    const sdk = variant === "sdk-effect" ? await import("./sdkEffect.ts") : await import("./sdkEffectBarrels.ts")
    // Like the client's, the runtime's layers are built by the first call.
    const runtime = sdk.makeRuntime(baseUrl)
    return work === "trigger"
      ? (onEvent) => runtime.runPromise(sdk.effectTrigger(size, onEvent))
      : () => runtime.runPromise(sdk.effectWatch(IDLE_TOKEN))
  }
  throw new Error(`unknown variant ${variant}`)
}

const MiB = 1024 * 1024

if (mode === "rss") {
  const events = Number(rest[0])
  const run = await prepare("trigger", events)
  globalThis.gc?.()
  const before = process.memoryUsage.rss()
  const maxBefore = process.resourceUsage().maxRSS * 1024
  let peak = before
  const count = await run((n) => {
    if ((n & 255) === 0) peak = Math.max(peak, process.memoryUsage.rss())
  })
  peak = Math.max(peak, process.memoryUsage.rss())
  // The kernel's high-water mark catches peaks between samples, once it exceeds the pre-stream one.
  const maxAfter = process.resourceUsage().maxRSS * 1024
  if (maxAfter > maxBefore) peak = Math.max(peak, maxAfter)
  if (count !== events) throw new Error(`expected ${events} events, got ${count}`)
  output({ growthMiB: (peak - before) / MiB, beforeMiB: before / MiB, peakMiB: peak / MiB, count })
  process.exit(0)
} else if (mode === "idle") {
  const [holdMs, warmupMs, windows, periods] = rest.map(Number) as [number, number, number, number]
  const run = await prepare("idle", 0)
  run().catch((error: unknown) => {
    process.stderr.write(`idle watch failed: ${String(error)}\n`)
    process.exit(1)
  })
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
  await wait(warmupMs)
  // The server answers idle polls at multiples of holdMs on the wall clock: windows start half a
  // period off those instants and last whole periods, so each sees the same number of polls.
  const now = Date.now()
  let windowStart = now - (now % holdMs) + holdMs + holdMs / 2
  const cpuMs: Array<number> = []
  const elapsedMs: Array<number> = []
  for (let index = 0; index < windows; index++) {
    await wait(windowStart - Date.now())
    const start = process.cpuUsage()
    const started = performance.now()
    windowStart += periods * holdMs
    await wait(windowStart - Date.now())
    const used = process.cpuUsage(start)
    cpuMs.push((used.user + used.system) / 1000)
    elapsedMs.push(performance.now() - started)
  }
  output({ cpuMs, elapsedMs })
  process.exit(0)
} else {
  throw new Error(`unknown mode ${mode}`)
}
