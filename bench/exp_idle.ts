const [variant, baseUrl, seconds] = process.argv.slice(2)
const stats = async () => (await (await fetch(`${baseUrl}/__bench/stats`)).json()) as Record<string, number>
let run: () => Promise<unknown>
if (variant === "client") { const sdk = await import("./sdkClient.ts"); const c = sdk.makeClient(baseUrl!); run = () => sdk.clientWatch(c, "idle") }
else if (variant === "effect") { const sdk = await import("./sdkEffect.ts"); const rt = sdk.makeRuntime(baseUrl!); run = () => rt.runPromise(sdk.effectWatch("idle")) }
else { const b = await import("./baselines.ts"); run = () => b.fetchWatch(baseUrl!, "idle") }
run().catch((e) => { console.error(e); process.exit(1) })
await new Promise((r) => setTimeout(r, 3000))
const s0 = await stats(); const c0 = process.cpuUsage()
await new Promise((r) => setTimeout(r, Number(seconds) * 1000))
const c1 = process.cpuUsage(c0); const s1 = await stats()
const polls = (s1.polls ?? 0) - (s0.polls ?? 0)
console.log(variant, "polls", polls, "cpu µs/poll", ((c1.user + c1.system) / polls).toFixed(1), JSON.stringify(s1).slice(0, 100))
process.exit(0)
