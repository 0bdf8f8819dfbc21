import { Effect, Layer, Logger, References } from "effect"
import { MockHttpClient } from "@flow-like/testing"
import { FlowLike } from "../../src/index.ts"
import type { Config } from "../../src/index.ts"

export const PAT = "pat_user1.c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"
export const PAT_SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"
export const API_KEY = "flk_app1.key1.a2V5LXNlY3JldC1rZXktc2VjcmV0LWtleS1zZWNyZXQ"
export const BASE_URL = "https://flow.test"

/** The SDK's services over the in-memory HTTP client. */
export const sdkLayer = (handler: MockHttpClient.Handler, options: Config.Options = {}) =>
  FlowLike.layerWithoutHttpClient({ baseUrl: BASE_URL, pat: PAT, ...options }).pipe(
    Layer.provideMerge(MockHttpClient.layer(handler))
  )

/** Runs an effect with every log line (debug included) captured as JSON text. */
export const captureLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.map(Logger.formatJson, (line) => {
      lines.push(line)
    })
    const result = yield* effect.pipe(
      Effect.provideService(References.MinimumLogLevel, "Debug"),
      Effect.provide(Logger.layer([logger]))
    )
    return [result, lines] as const
  })

/** A run's status record as the server sends it (`GET /execution/run/{id}`), as JSON text. */
export const RUN_STATUS_TEXT = JSON.stringify({
  run_id: "r1",
  board_id: "b1",
  event_id: null,
  status: "Running",
  mode: "Queue",
  progress: 40,
  current_step: null,
  error: null,
  input_payload_len: 1,
  output_payload_len: 0,
  started_at: "2026-02-23T10:24:06.530+00:00",
  completed_at: null,
  created_at: "2026-02-23T10:24:05.117+00:00"
})
