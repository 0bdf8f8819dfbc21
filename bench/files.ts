/**
 * The files rows (`pnpm bench --only=files`): a large file uploaded through a signed URL and
 * downloaded back, by the SDK's Promise client and by plain `fetch` to the same kind of signed URL,
 * against the dev server's object store (its own process). Each transfer runs in a fresh process
 * that reports its peak RSS growth; checksums are compared after every download.
 *
 *   node --expose-gc bench/run.ts --only=files [--smoke] [--no-write]
 *   node --expose-gc bench/files.ts child <sdk|baseline> <url> <pat> <appId> <file> <out>
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { createReadStream, createWriteStream, openAsBlob, readFileSync, writeFileSync } from "node:fs"
import { mkdtemp, open, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { benchDir, runNode } from "./processes.ts"
import { median } from "./stats.ts"

const MIB = 1024 * 1024

interface ChildResult {
  readonly uploadMs: number
  readonly downloadMs: number
  readonly rssGrowthMb: number
}

/** Peak RSS above the level sampled before the transfers, in MB, sampled every 10 ms. */
const watchRss = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  const start = process.memoryUsage.rss()
  let peak = start
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
  return () => {
    clearInterval(timer)
    peak = Math.max(peak, process.memoryUsage.rss())
    return (peak - start) / 1e6
  }
}

const signed = async (url: string, pat: string, appId: string, route: "upload" | "download", key: string) => {
  const response = await fetch(`${url}/api/v1/apps/${appId}/data${route === "upload" ? "" : "/download"}`, {
    method: route === "upload" ? "PUT" : "POST",
    headers: { authorization: pat, "content-type": "application/json" },
    body: JSON.stringify({ prefixes: [route === "upload" ? key : `apps/${appId}/upload/${key}`] })
  })
  const [item] = (await response.json()) as Array<{ readonly url: string }>
  return item!.url
}

const child = async (variant: string, url: string, pat: string, appId: string, file: string, out: string) => {
  const key = `bench/${variant}.bin`
  if (variant === "sdk") {
    const { FlowLikeClient } = await import("@flow-like/client")
    const client = new FlowLikeClient({ baseUrl: url, pat })
    await client.listFiles(appId)
    const stop = watchRss()
    let started = performance.now()
    await client.uploadFile(appId, file, { key })
    const uploadMs = performance.now() - started
    started = performance.now()
    await client.downloadFileTo(appId, key, out)
    const downloadMs = performance.now() - started
    const rssGrowthMb = stop()
    await client.close()
    return { uploadMs, downloadMs, rssGrowthMb }
  }
  await signed(url, pat, appId, "upload", "warm-up")
  const stop = watchRss()
  let started = performance.now()
  const put = await fetch(await signed(url, pat, appId, "upload", key), { method: "PUT", body: await openAsBlob(file) })
  if (!put.ok) throw new Error(`PUT ${put.status}`)
  const uploadMs = performance.now() - started
  started = performance.now()
  const get = await fetch(await signed(url, pat, appId, "download", key))
  if (!get.ok || get.body === null) throw new Error(`GET ${get.status}`)
  await pipeline(Readable.fromWeb(get.body as never), createWriteStream(out))
  const downloadMs = performance.now() - started
  return { uploadMs, downloadMs, rssGrowthMb: stop() }
}

const sha256 = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash("sha256")
    createReadStream(path).on("data", (chunk) => hash.update(chunk)).on("end", () => resolve(hash.digest("hex"))).on("error", reject)
  })

/** Starts the dev server command in its own process; resolves with its URL, PAT and app. */
const startDevServer = () =>
  new Promise<{ readonly url: string; readonly pat: string; readonly appId: string; readonly stop: () => void }>((resolve, reject) => {
    const server = spawn(process.execPath, [join(benchDir, "../packages/testing/bin/flow-like-dev-server.js"), "--quiet"], {
      stdio: ["ignore", "pipe", "ignore"]
    })
    let out = ""
    server.once("error", reject)
    server.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text
      const line = out.split("\n")[0]
      if (!out.includes("\n") || line === undefined) return
      const info = JSON.parse(line) as { readonly url: string; readonly pat: string; readonly appId: string }
      resolve({ ...info, stop: () => server.kill() })
    })
  })

/** Writes `size` bytes of a random MiB repeated (random enough for transfer, fast to make). */
const makeFile = async (path: string, size: number) => {
  const block = new Uint8Array(MIB)
  crypto.getRandomValues(block.subarray(0, 65536))
  for (let offset = 65536; offset < MIB; offset += 65536) crypto.getRandomValues(block.subarray(offset, offset + 65536))
  const handle = await open(path, "w")
  for (let written = 0; written < size; written += MIB) {
    const length = Math.min(MIB, size - written)
    block[0] = written / MIB
    await handle.write(block, 0, length)
  }
  await handle.close()
}

const section = (rows: ReadonlyArray<string>) => rows.join("\n")

/** Runs the files rows and prints (and unless `write` is false, records) their table. */
export const run = async (options: { readonly smoke: boolean; readonly write: boolean }) => {
  const size = (options.smoke ? 8 : Number(process.env["FLOW_LIKE_BENCH_FILES_MIB"] ?? 1024)) * MIB
  const rounds = options.smoke ? 1 : 5
  const directory = await mkdtemp(join(tmpdir(), "flow-like-bench-files-"))
  const server = await startDevServer()
  try {
    const file = join(directory, "source.bin")
    await makeFile(file, size)
    const expected = await sha256(file)
    const results: Record<string, Array<ChildResult>> = { sdk: [], baseline: [] }
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? ["baseline", "sdk"] : ["sdk", "baseline"]) {
        const out = join(directory, `${variant}.out`)
        const { value } = await runNode([
          "--expose-gc",
          join(benchDir, "files.ts"),
          "child",
          variant,
          server.url,
          server.pat,
          server.appId,
          file,
          out
        ])
        const actual = await sha256(out)
        if (actual !== expected) throw new Error(`${variant}: the downloaded file differs from the uploaded one`)
        await rm(out)
        results[variant]!.push(value as ChildResult)
      }
    }
    const mbps = (ms: number) => (size / 1e6) / (ms / 1000)
    const row = (label: string, pick: (r: ChildResult) => number, unit: string, ratio: boolean) => {
      const sdk = results["sdk"]!.map(pick)
      const base = results["baseline"]!.map(pick)
      const ratios = sdk.map((value, index) => value / base[index]!)
      return `| ${label} | ${median(sdk).toFixed(1)} ${unit} (${Math.min(...sdk).toFixed(1)}–${Math.max(...sdk).toFixed(1)}) | ${
        median(base).toFixed(1)
      } ${unit} (${Math.min(...base).toFixed(1)}–${Math.max(...base).toFixed(1)}) | ${ratio ? `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : ""} |`
    }
    const table = section([
      `${size / MIB} MiB file, ${rounds} rounds, each variant in a fresh process per round; checksums (SHA-256) compared after every download.`,
      "",
      "| row | SDK (`uploadFile` path / `downloadFileTo`) median (min–max) | plain fetch to the same signed URL median (min–max) | SDK / fetch (median of round ratios) |",
      "|---|---|---|---|",
      row("upload throughput, higher is better (target ≥ 0.9x)", (r) => mbps(r.uploadMs), "MB/s", true),
      row("download throughput, higher is better (target ≥ 0.9x)", (r) => mbps(r.downloadMs), "MB/s", true),
      row("peak RSS growth during upload + download, target < 100 MB", (r) => r.rssGrowthMb, "MB", false)
    ])
    console.log(table)
    if (options.write && !options.smoke) {
      const path = join(benchDir, "RESULTS.md")
      const start = "<!-- files:start -->"
      const end = "<!-- files:end -->"
      const current = readFileSync(path, "utf8")
      const notes = [
        `Measured ${new Date().toISOString().slice(0, 10)} on the machine named at the top of this file (Node ${process.version}); the variants alternate round by round, so the ratios compare runs made back to back.`,
        "",
        "- The baseline's memory is Node's `fetch` (undici, Node 24.21): it reads a `Blob` or `ReadableStream` request body without waiting for the socket to drain, so when storage takes the bytes slower than the disk gives them, the body piles up in memory (about 1.1 GB for 1 GiB). The SDK sends uploads over `node:http`, writing each chunk after the previous one drained, and reads a path through eight reused 256 KiB buffers.",
        "- Effect's fetch client drops `Content-Length` from a streamed body (so S3 would refuse it as chunked), and `Stream.toReadableStream` reads its source ahead without bound; the SDK hands a web stream with its length to its own sender instead.",
        "- What remains of the SDK's RSS growth is mostly the download: every chunk `fetch` hands over is a new buffer, and V8 lets about 64 MB of spent buffers pile up between collections."
      ].join("\n")
      const block = `${start}\n## Files: 1 GiB through signed URLs (issue 10)\n\n${table}\n\n${notes}\n${end}`
      writeFileSync(
        path,
        current.includes(start) ? current.replace(new RegExp(`${start}[\\s\\S]*${end}`), block) : `${current.trimEnd()}\n\n${block}\n`
      )
    }
  } finally {
    server.stop()
    await rm(directory, { recursive: true, force: true })
  }
}

if (process.argv[2] === "child") {
  const [, , , variant = "", url = "", pat = "", appId = "", file = "", out = ""] = process.argv
  const result = await child(variant, url, pat, appId, file, out)
  console.log(JSON.stringify(result))
  process.exit(0)
}
