/**
 * CPU profile of one bench workload, variant by variant, against the bench server (in its own,
 * unprofiled process). Only the measured phase is profiled: V8's sampling profiler (the one behind
 * `node --cpu-prof`) is started through `node:inspector` after a warm-up and stopped after the last
 * repetition, so module loading and JIT warm-up stay out of the profile.
 *
 *   node bench/profile.ts <status|concurrent|trigger|watch|chat|embed> <effect|client|baseline> [repetitions] [out.cpuprofile]
 *   node bench/cpuprofile.ts <out.cpuprofile>     # self time by function, module and package
 *
 * `node --cpu-prof bench/profile.ts ...` works too (the whole process, imports included).
 */
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { concurrently, fetchEmbed, fetchSse, fetchStatus, fetchWatch, latencies, makeOpenAI, openaiChat } from "./baselines.ts"
import { startServer } from "./processes.ts"
import { chatModel, embedInputs, STATUS_RUN_ID, watchToken } from "./protocol.ts"
import * as Sdk from "./sdk.ts"

const [workload = "", variant = "", repetitionsText = "10", outFile = `.tmp/${workload}-${variant}.cpuprofile`] = process.argv.slice(2)
const repetitions = Number(repetitionsText)

const server = await startServer(1000)
const baseUrl = server.url
const client = Sdk.makeClient(baseUrl)
const runtime = Sdk.makeRuntime(baseUrl)

const STATUS_REQUESTS = 500
const CONCURRENT_REQUESTS = 2000
const SSE_EVENTS = 100_000
const WATCH_EVENTS = 20_000
const CHAT_MODEL = chatModel(20_000)
const EMBED_TEXTS = embedInputs(1000)
const EMBED_BATCH = 32
const openai = makeOpenAI(baseUrl)

const workloads: Record<string, Record<string, () => Promise<unknown>>> = {
  status: {
    effect: () => runtime.runPromise(Sdk.effectStatusLatencies(STATUS_REQUESTS)),
    client: () => Sdk.clientStatusLatencies(client, STATUS_REQUESTS),
    baseline: () => latencies(STATUS_REQUESTS, () => fetchStatus(baseUrl))
  },
  concurrent: {
    effect: () => runtime.runPromise(Sdk.effectStatusConcurrent(CONCURRENT_REQUESTS, 32)),
    client: () => concurrently(CONCURRENT_REQUESTS, 32, () => client.getRunStatus(STATUS_RUN_ID)),
    baseline: () => concurrently(CONCURRENT_REQUESTS, 32, () => fetchStatus(baseUrl))
  },
  trigger: {
    effect: () => runtime.runPromise(Sdk.effectTrigger(SSE_EVENTS)),
    client: () => Sdk.clientTrigger(client, SSE_EVENTS),
    baseline: () => fetchSse(baseUrl, SSE_EVENTS)
  },
  watch: {
    effect: () => runtime.runPromise(Sdk.effectWatch(watchToken(WATCH_EVENTS))),
    client: () => Sdk.clientWatch(client, watchToken(WATCH_EVENTS)),
    baseline: () => fetchWatch(baseUrl, watchToken(WATCH_EVENTS))
  },
  chat: {
    effect: () => runtime.runPromise(Sdk.effectChat(CHAT_MODEL)),
    client: () => Sdk.clientChat(client, CHAT_MODEL),
    baseline: () => openaiChat(openai, CHAT_MODEL)
  },
  embed: {
    effect: () => runtime.runPromise(Sdk.effectEmbed(EMBED_TEXTS, EMBED_BATCH)),
    client: () => Sdk.clientEmbed(client, EMBED_TEXTS, EMBED_BATCH),
    baseline: () => fetchEmbed(baseUrl, EMBED_TEXTS, EMBED_BATCH, 4)
  }
}

const run = workloads[workload]?.[variant]
if (run === undefined) {
  process.stderr.write(`usage: node bench/profile.ts <${Object.keys(workloads).join("|")}> <effect|client|baseline> [repetitions] [out]\n`)
  process.exit(2)
}

try {
  await run()
  await run()
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 100 })
  await session.post("Profiler.start")
  const started = performance.now()
  for (let index = 0; index < repetitions; index++) await run()
  const elapsed = performance.now() - started
  const { profile } = await session.post("Profiler.stop")
  writeFileSync(outFile, JSON.stringify(profile))
  process.stdout.write(`${workload} ${variant}: ${repetitions} repetitions in ${elapsed.toFixed(0)} ms; profile in ${outFile}\n`)
} finally {
  await client.close()
  await runtime.dispose()
  server.stop()
}
process.exit(0)
