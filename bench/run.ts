/**
 * Benchmarks, run with `pnpm bench`: SSE decoding throughput and memory, long-poll watching, and
 * round trips over loopback against the dev server. Results are printed as a Markdown table and
 * written to bench/RESULTS.md.
 */
import { Effect, Layer, Stream } from "effect"
import { writeFileSync } from "node:fs"
import { FlowLikeClient } from "@flow-like/client"
import { Execution, FlowLike, Workflows } from "@flow-like/effect"
import { DevServer, MockHttpClient } from "@flow-like/testing"

const PAT = "pat_bench.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"

interface Row {
  readonly name: string
  readonly value: string
  readonly detail: string
}

const rows: Array<Row> = []
const record = (name: string, value: string, detail: string) => {
  rows.push({ name, value, detail })
  process.stdout.write(`${name}: ${value} (${detail})\n`)
}

const sdk = (handler: MockHttpClient.Handler) =>
  FlowLike.layerWithoutHttpClient({ baseUrl: "https://bench.test", pat: PAT }).pipe(
    Layer.provideMerge(MockHttpClient.layer(handler))
  )

const envelopeFrame = (index: number) =>
  `event: log\ndata: ${
    JSON.stringify({
      event_id: `e${index}`,
      event_type: "log",
      payload: { message: `line ${index} ${"x".repeat(80)}` },
      timestamp: { secs_since_epoch: 1771680000, nanos_since_epoch: index }
    })
  }\n\n`

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const sseThroughput = async (events: number) => {
  const chunks: Array<string> = []
  let chunk = ""
  for (let index = 0; index < events; index++) {
    chunk += envelopeFrame(index)
    if (chunk.length > 16_384) {
      chunks.push(chunk)
      chunk = ""
    }
  }
  chunks.push(
    chunk,
    `event: completed\ndata: ${
      JSON.stringify({
        event_id: "done",
        event_type: "completed",
        payload: { run_id: "r", status: "completed", duration_ms: 1, log_level: 1 },
        timestamp: { secs_since_epoch: 1, nanos_since_epoch: 0 }
      })
    }\n\n`
  )
  const bytes = chunks.reduce((total, part) => total + Buffer.byteLength(part), 0)
  let peakHeap = 0
  const program = Effect.gen(function*() {
    const workflows = yield* Workflows.Workflows
    return yield* workflows.triggerWorkflow("app", "board", "node").pipe(
      Stream.tap((event) =>
        Effect.sync(() => {
          if (event.eventId.endsWith("000")) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
        })
      ),
      Stream.runCount
    )
  }).pipe(Effect.provide(sdk(() => MockHttpClient.sse(chunks))))
  await Effect.runPromise(program)
  globalThis.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  peakHeap = heapBefore
  const started = performance.now()
  const count = await Effect.runPromise(program)
  const millis = performance.now() - started
  globalThis.gc?.()
  const retained = process.memoryUsage().heapUsed - heapBefore
  const mib = (value: number) => (value / 1024 / 1024).toFixed(1)
  record(
    `SSE decode, ${events} events`,
    `${Math.round(count / (millis / 1000)).toLocaleString("en")} events/s`,
    `${mib(bytes)} MiB in ${millis.toFixed(0)} ms (${(bytes / 1024 / 1024 / (millis / 1000)).toFixed(1)} MiB/s); heap peak ${mib(peakHeap - heapBefore)} MiB above the post-GC baseline (garbage included), ${
      mib(retained)
    } MiB retained after GC${globalThis.gc === undefined ? " (run with --expose-gc for a clean baseline)" : ""}`
  )
}

const watchThroughput = async (events: number) => {
  let next = 1
  const handler: MockHttpClient.Handler = () => {
    const page = []
    while (page.length < 100 && next <= events) {
      page.push({ sequence: next, event_type: "progress", payload: { progress: next % 100 }, created_at: "2026-11-24T00:00:00Z" })
      next++
    }
    return MockHttpClient.json({
      run_id: "r",
      status: next > events ? "Completed" : "Running",
      progress: 0,
      current_step: null,
      error: null,
      events: page,
      started_at: null,
      completed_at: null
    })
  }
  const started = performance.now()
  const count = await Effect.runPromise(
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      return yield* execution.watchRun("token").pipe(Stream.runCount)
    }).pipe(Effect.provide(sdk(handler)))
  )
  const millis = performance.now() - started
  record(
    `watchRun, ${events} events in pages of 100`,
    `${Math.round(count / (millis / 1000)).toLocaleString("en")} events/s`,
    `${Math.ceil(events / 100)} polls in ${millis.toFixed(0)} ms`
  )
}

const loopback = async (runs: number) => {
  const server = await DevServer.start({ keepAliveMillis: 1000 })
  server.boards.add({ id: "bench-board", steps: [{ type: "log", message: "hello" }] })
  const client = new FlowLikeClient({ baseUrl: server.url, pat: server.pat })
  try {
    const streamed: Array<number> = []
    for (let index = 0; index < runs; index++) {
      const started = performance.now()
      for await (const _ of client.triggerWorkflow(server.appId, "bench-board", "start")) {
        // drain
      }
      streamed.push(performance.now() - started)
    }
    record(
      `Streamed run over loopback (dev server), ${runs} runs`,
      `${median(streamed).toFixed(1)} ms median`,
      `min ${Math.min(...streamed).toFixed(1)} ms, max ${Math.max(...streamed).toFixed(1)} ms`
    )
    const asyncRuns: Array<number> = []
    for (let index = 0; index < runs; index++) {
      const started = performance.now()
      const run = await client.triggerWorkflowAsync(server.appId, "bench-board", "start")
      await client.awaitRun(run.pollToken)
      asyncRuns.push(performance.now() - started)
    }
    record(
      `Async run + awaitRun over loopback, ${runs} runs`,
      `${median(asyncRuns).toFixed(1)} ms median`,
      `min ${Math.min(...asyncRuns).toFixed(1)} ms, max ${Math.max(...asyncRuns).toFixed(1)} ms`
    )
  } finally {
    await client.close()
    await server.close()
  }
}

await sseThroughput(20_000)
await sseThroughput(100_000)
await watchThroughput(20_000)
await loopback(30)

const table = [
  "| benchmark | result | detail |",
  "|---|---|---|",
  ...rows.map((row) => `| ${row.name} | ${row.value} | ${row.detail} |`)
].join("\n")
const header = `# Benchmark results\n\nWritten by \`pnpm bench\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${
  (await import("node:os")).cpus().length
} cores.\n\n`
writeFileSync(new URL("./RESULTS.md", import.meta.url), `${header}${table}\n`)
process.stdout.write(`\n${table}\n`)
