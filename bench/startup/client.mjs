// Start-up: import the Promise client and make one request, in a fresh process (see run.ts, path 5).
import { FlowLikeClient } from "@flow-like/client"

const client = new FlowLikeClient({ baseUrl: process.argv[2], pat: process.argv[3] })
const status = await client.getRunStatus(process.argv[4])
if (status.status !== "Completed") process.exit(1)
process.stdout.write(`${JSON.stringify({ ms: performance.now() })}\n`)
process.exit(0)
