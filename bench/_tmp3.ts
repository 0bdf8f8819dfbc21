import { spawn } from "node:child_process"
import { openAsBlob } from "node:fs"
const server = spawn(process.execPath, ["/work/files/packages/testing/bin/flow-like-dev-server.js", "--quiet"], { stdio: ["ignore", "pipe", "ignore"] })
const info: any = await new Promise((resolve) => { let out = ""; server.stdout.setEncoding("utf8").on("data", (t: string) => { out += t; if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!)) }) })
const sign = async (key: string) => { const r = await fetch(`${info.url}/api/v1/apps/${info.appId}/data`, { method: "PUT", headers: { authorization: info.pat, "content-type": "application/json" }, body: JSON.stringify({ prefixes: [key] }) }); return ((await r.json()) as any)[0].url }
const size = 1024 * 1024 * 1024
const measure = async (name: string, f: () => Promise<unknown>) => {
  (globalThis as any).gc(); const start = process.memoryUsage.rss(); let peak = start
  const t = setInterval(() => peak = Math.max(peak, process.memoryUsage.rss()), 10)
  const s = performance.now(); await f(); const ms = performance.now() - s
  clearInterval(t); console.log(name, ((peak - start) / 1e6).toFixed(1), "MB", (1074/(ms/1000)).toFixed(0), "MB/s")
}
const blob = await openAsBlob("/tmp/rss-1g.bin")
await measure("pipeThrough", async () => { const u = await sign("b"); await (await fetch(u, { method: "PUT", body: blob.stream().pipeThrough(new TransformStream()), duplex: "half", headers: { "content-length": String(size) } } as any)).text() })
server.kill()
