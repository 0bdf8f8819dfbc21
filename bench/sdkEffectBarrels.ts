/**
 * `sdkEffect.ts` in a process that imported the `effect` and `@flow-like/effect` barrels first
 * (every module of both), as code written `import { Effect } from "effect"` does on Node without a
 * bundler. Path 3b measures it beside the by-module import: more loaded code makes V8 grow its
 * young generation at start-up, and the stream then touches more of it.
 */
import "effect"
import "@flow-like/effect"

export * from "./sdkEffect.ts"
