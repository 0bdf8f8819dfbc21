// Start-up baseline: one request with `fetch`, in a fresh process (see run.ts, path 5).
const response = await fetch(`${process.argv[2]}/api/v1/execution/run/${process.argv[4]}`, {
  headers: { authorization: process.argv[3], accept: "application/json" }
})
const status = await response.json()
if (status.status !== "Completed") process.exit(1)
process.stdout.write(`${JSON.stringify({ ms: performance.now() })}\n`)
process.exit(0)
