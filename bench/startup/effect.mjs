// Start-up: import the Effect SDK and make one request, in a fresh process (see run.ts, path 5).
import { Effect } from "effect"
import { Execution, FlowLike } from "@flow-like/effect"

const status = await Effect.runPromise(
  Effect.flatMap(Execution.Execution, (execution) => execution.getRunStatus(process.argv[4])).pipe(
    Effect.provide(FlowLike.layer({ baseUrl: process.argv[2], pat: process.argv[3] }))
  )
)
if (status.status !== "Completed") process.exit(1)
process.stdout.write(`${JSON.stringify({ ms: performance.now() })}\n`)
process.exit(0)
