import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
const [variant, baseUrl, seconds, out] = process.argv.slice(2)
let run: () => Promise<unknown>
if (variant === "client") { const sdk = await import("./sdkClient.ts"); const c = sdk.makeClient(baseUrl!); run = () => sdk.clientWatch(c, "idle") }
else if (variant === "effect") { const sdk = await import("./sdkEffect.ts"); const rt = sdk.makeRuntime(baseUrl!); run = () => rt.runPromise(sdk.effectWatch("idle")) }
else { const b = await import("./baselines.ts"); run = () => b.fetchWatch(baseUrl!, "idle") }
run().catch((e) => { console.error(e); process.exit(1) })
await new Promise((r) => setTimeout(r, 5000))
const session = new Session(); session.connect()
await session.post("Profiler.enable"); await session.post("Profiler.setSamplingInterval", { interval: 50 }); await session.post("Profiler.start")
await new Promise((r) => setTimeout(r, Number(seconds) * 1000))
const { profile } = await session.post("Profiler.stop")
writeFileSync(out!, JSON.stringify(profile))
process.exit(0)
