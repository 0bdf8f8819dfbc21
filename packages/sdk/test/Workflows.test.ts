import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema, Stream } from "effect"
import { inspect } from "node:util"
import { MockHttpClient } from "@flow-like/testing"
import { Workflows } from "../src/index.ts"
import type { WorkflowEvent } from "../src/index.ts"
import { sdkLayer } from "./utils/mock.ts"

const envelope = (eventType: string, payload: unknown, id = `ev-${eventType}`) => ({
  event_id: id,
  event_type: eventType,
  payload,
  timestamp: { secs_since_epoch: 1771680000, nanos_since_epoch: 1_500_000 }
})

const frame = (eventType: string, payload: unknown) => MockHttpClient.frame(eventType, envelope(eventType, payload))

const completed = frame("completed", { run_id: "r1", status: "completed", duration_ms: 842, log_level: 1 })

/**
 * One stream that exercises the SSE spec: a BOM, a comment, CRLF, bare CR and LF line ends,
 * multi-line data, a field without the optional space, a value with two leading spaces (only one
 * is stripped), multi-byte UTF-8, and a frame after `completed` that must never be seen.
 */
const SAMPLE = "\uFEFF: keep-alive\r\n\r\n" +
  `event: run_initiated\r\ndata: ${JSON.stringify(envelope("run_initiated", { run_id: "r1" }))}\r\n\r\n` +
  `event: log\rdata: {"event_id":"ev-log","event_type":"log",\rdata: "payload":{"message":"héllo wörld ✓ 🚀"},` +
  `"timestamp":{"secs_since_epoch":1771680000,"nanos_since_epoch":0}}\r\r` +
  ": keep-alive\n\n" +
  `event: custom_thing\ndata:${JSON.stringify(envelope("custom_thing", { x: 1 }))}\n\n` +
  `event: completed\ndata:  ${JSON.stringify(envelope("completed", { run_id: "r1", status: "completed", duration_ms: 5, log_level: 1 }))}\n\n` +
  frame("log", { message: "after completion" })

const SAMPLE_BYTES = new TextEncoder().encode(SAMPLE)

const collect = <E>(stream: Stream.Stream<WorkflowEvent.WorkflowEvent, E>) =>
  Effect.map(Stream.runCollect(stream), (events) => Array.from(events))

/** The event types a stream yields before it fails, and its error. */
const typesUntilFailure = <E>(stream: Stream.Stream<WorkflowEvent.WorkflowEvent, E>) =>
  Effect.gen(function*() {
    const seen: Array<string> = []
    const error = yield* Effect.flip(Stream.runForEach(stream, (event) => Effect.sync(() => seen.push(event.eventType))))
    return [seen, error] as const
  })

const recorded = Effect.map(MockHttpClient.MockHttpClient, (mock) => mock.requests)

const checkSample = (events: ReadonlyArray<WorkflowEvent.WorkflowEvent>, label: string) => {
  assert.deepStrictEqual(events.map((event) => event._tag), ["RunInitiated", "Log", "Unknown", "Completed"], label)
  const [initiated, log, custom, done] = events
  assert.strictEqual(initiated?._tag === "RunInitiated" ? initiated.runId : undefined, "r1", label)
  assert.strictEqual(log?._tag === "Log" ? log.message : undefined, "héllo wörld ✓ 🚀", label)
  assert.include(log?.data ?? "", "\"log\",\n\"payload\"", label)
  assert.strictEqual(custom?.eventType, "custom_thing", label)
  assert.deepStrictEqual(custom?.payload, { x: 1 }, label)
  assert.isTrue(done?.data.startsWith(" {") ?? false, label)
  assert.strictEqual(done?._tag === "Completed" ? done.durationMs : undefined, 5, label)
}

describe("Workflows", () => {
  describe("SSE decoding", () => {
    let chunks: ReadonlyArray<Uint8Array> = []
    const layer = sdkLayer(() => MockHttpClient.sse(chunks))
    const run = Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      return yield* collect(workflows.triggerWorkflow("app", "board", "start"))
    })

    it.effect("decodes the sample in one chunk", () =>
      Effect.gen(function*() {
        chunks = [SAMPLE_BYTES]
        const events = yield* run
        checkSample(events, "one chunk")
        const [initiated] = events
        assert.strictEqual(initiated?.event, "run_initiated")
        assert.strictEqual(initiated?.eventId, "ev-run_initiated")
        assert.strictEqual(initiated?.timestamp.getTime(), 1771680000_001)
      }).pipe(Effect.provide(layer)))

    it.effect("decodes the sample identically for every split into two chunks", () =>
      Effect.gen(function*() {
        for (let at = 1; at < SAMPLE_BYTES.length; at++) {
          chunks = [SAMPLE_BYTES.slice(0, at), SAMPLE_BYTES.slice(at)]
          checkSample(yield* run, `split at byte ${at}`)
        }
      }).pipe(Effect.provide(layer)))

    it.effect.prop(
      "decodes any chunking of any messages with any line ending",
      [Schema.Array(Schema.String), Schema.Array(Schema.Int), Schema.Literals(["\n", "\r", "\r\n"])],
      ([messages, cuts, newline]) =>
        Effect.gen(function*() {
          const text = messages.map((message, index) =>
            `: keep-alive${newline}${newline}event: log${newline}data: ` +
            JSON.stringify(envelope("log", { message }, `e${index}`)) + newline + newline
          ).join("") + completed.replaceAll("\n", newline)
          const bytes = new TextEncoder().encode(text)
          const points = [...new Set(cuts.map((cut) => Math.abs(cut) % (bytes.length + 1)))].sort((a, b) => a - b)
          chunks = [0, ...points].map((start, index) => bytes.slice(start, points[index] ?? bytes.length))
          const events = yield* run
          assert.deepStrictEqual(events.flatMap((event) => event._tag === "Log" ? [event.message] : []), messages)
          assert.strictEqual(events.at(-1)?._tag, "Completed")
        }).pipe(Effect.provide(layer))
    )

    it.effect("decodes the sample one byte per chunk", () =>
      Effect.gen(function*() {
        chunks = Array.from(SAMPLE_BYTES, (byte) => Uint8Array.of(byte))
        checkSample(yield* run, "one byte per chunk")
      }).pipe(Effect.provide(layer)))
  })

  it.effect("posts the invoke body and reads the stream with an SSE accept header", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const events = yield* collect(workflows.triggerWorkflow("app1", "board1", "node1", { key: "value" }, {
        version: [1, 0, 3],
        runtimeVariables: {
          var1: { id: "var1", name: "greeting", dataType: "String", valueType: "Normal", exposed: true, secret: false, editable: true, defaultValue: [34, 104, 34] }
        },
        profileId: "profile1",
        token: Redacted.make("user-token"),
        oauthTokens: { google: { accessToken: "ya29", refreshToken: Redacted.make("r1"), expiresAt: 1800000000 } }
      }))
      assert.strictEqual(events.length, 1)
      const [request] = yield* recorded
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.url, "https://flow.test/api/v1/apps/app1/board/board1/invoke")
      assert.strictEqual(request?.headers["accept"], "text/event-stream")
      assert.strictEqual(request?.headers["content-type"], "application/json")
      assert.deepStrictEqual(JSON.parse(request?.body ?? ""), {
        node_id: "node1",
        payload: { key: "value" },
        version: [1, 0, 3],
        runtime_variables: {
          var1: { id: "var1", name: "greeting", data_type: "String", value_type: "Normal", exposed: true, secret: false, editable: true, default_value: [34, 104, 34] }
        },
        profile_id: "profile1",
        token: "user-token",
        oauth_tokens: { google: { access_token: "ya29", refresh_token: "r1", expires_at: 1800000000 } },
        stream_state: true
      })
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([completed])))))

  it.effect("sends stream_state false when asked and rejects a bad version before sending", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      yield* collect(workflows.triggerWorkflow("a", "b", "n", undefined, { streamState: false }))
      const [request] = yield* recorded
      assert.deepStrictEqual(JSON.parse(request?.body ?? ""), { node_id: "n", stream_state: false })
      const error = yield* Effect.flip(collect(workflows.triggerWorkflow("a", "b", "n", undefined, { version: [1, -1, 0] })))
      assert.strictEqual(error.reason._tag, "InvalidArgumentError")
      assert.include(error.message, "version")
      const noNode = yield* Effect.flip(collect(workflows.triggerWorkflow("a", "b", "")))
      assert.include(noNode.message, "nodeId")
      assert.strictEqual((yield* recorded).length, 1)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([completed])))))

  it.effect("wraps an event payload the way the server expects, even without a payload", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      yield* collect(workflows.triggerEvent("app1", "event1", { user: "u1" }, { version: "2" }))
      yield* collect(workflows.triggerEvent("app1", "event1"))
      const [withPayload, without] = yield* recorded
      assert.strictEqual(withPayload?.url, "https://flow.test/api/v1/apps/app1/events/event1/invoke")
      assert.deepStrictEqual(JSON.parse(withPayload?.body ?? ""), { payload: { user: "u1" }, version: "2" })
      assert.deepStrictEqual(JSON.parse(without?.body ?? ""), {})
      assert.strictEqual(without?.headers["content-type"], "application/json")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([completed])))))

  it.effect("starts runs asynchronously on the server's routes and keeps the poll token redacted", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const board = yield* workflows.triggerWorkflowAsync("app1", "board1", "node1", 42)
      const event = yield* workflows.triggerEventAsync("app1", "event1")
      assert.strictEqual(board.runId, "run1")
      assert.strictEqual(board.status, "dispatched")
      assert.strictEqual(board.backend, "http")
      assert.strictEqual(Redacted.value(board.pollToken), "eyJ.poll.token")
      assert.notInclude(inspect(board), "eyJ.poll.token")
      assert.deepStrictEqual(board.raw, { run_id: "run1", status: "dispatched", backend: "http" })
      assert.strictEqual(event.runId, "run1")
      const [boardRequest, eventRequest] = yield* recorded
      assert.strictEqual(boardRequest?.url, "https://flow.test/api/v1/apps/app1/board/board1/invoke/async")
      assert.deepStrictEqual(JSON.parse(boardRequest?.body ?? ""), { node_id: "node1", payload: 42 })
      assert.strictEqual(eventRequest?.url, "https://flow.test/api/v1/apps/app1/events/event1/invoke/async")
      assert.deepStrictEqual(JSON.parse(eventRequest?.body ?? ""), {})
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.json({ run_id: "run1", status: "dispatched", poll_token: "eyJ.poll.token", backend: "http" })
    ))))

  it.effect("turns an in-band error frame into a RunError, even when its data is not JSON", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(collect(workflows.triggerWorkflow("a", "b", "n")))
      assert.strictEqual(error.reason._tag, "RunError")
      assert.include(error.message, "upstream said \"no\"")
      assert.strictEqual(error.reason._tag === "RunError" ? error.reason.data : "", "{\"error\":\"upstream said \"no\"\"}")
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.sse([frame("run_initiated", { run_id: "r1" }), "event: error\ndata: {\"error\":\"upstream said \"no\"\"}\n\n"])
    ))))

  it.effect("turns an executor error event into a RunError with its message", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const [seen, error] = yield* typesUntilFailure(workflows.triggerWorkflow("a", "b", "n"))
      assert.deepStrictEqual(seen, ["run_initiated"])
      assert.strictEqual(error.message, "Workflows.triggerWorkflow: the run r1 ended Failed: Board failed to load")
      assert.strictEqual(error.reason._tag === "RunError" ? error.reason.runId : undefined, "r1")
      assert.strictEqual(error.reason._tag === "RunError" ? error.reason.runStatus : undefined, "Failed")
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.sse([frame("run_initiated", { run_id: "r1" }), frame("error", { message: "Board failed to load" })])
    ))))

  it.effect("delivers a completed event with status failed, then fails with RunError", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const [seen, error] = yield* typesUntilFailure(workflows.triggerWorkflow("a", "b", "n"))
      assert.deepStrictEqual(seen, ["run_initiated", "completed"])
      assert.strictEqual(error.reason._tag, "RunError")
      assert.strictEqual(error.reason._tag === "RunError" ? error.reason.runStatus : undefined, "Failed")
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.sse([
        frame("run_initiated", { run_id: "r1" }),
        frame("completed", { run_id: "r1", status: "failed", duration_ms: 5, log_level: 4 })
      ])
    ))))

  it.effect("ends on a completed event whose payload does not decode, keeping the decode problem", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const events = yield* collect(workflows.triggerWorkflow("a", "b", "n"))
      assert.deepStrictEqual(events.map((event) => event.eventType), ["completed"])
      const [last] = events
      assert.strictEqual(last?._tag, "Unknown")
      assert.include(last?._tag === "Unknown" ? last.decodeIssue ?? "" : "", "run_id")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([frame("completed", { status: 3 })])))))

  it.effect("fails with StreamError when the body ends before completed", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(collect(workflows.triggerWorkflow("a", "b", "n")))
      assert.strictEqual(error.reason._tag, "StreamError")
      assert.include(error.message, "ended before the run completed")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([frame("run_initiated", { run_id: "r1" })])))))

  it.effect("fails with NetworkError when the connection drops mid-stream", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(collect(workflows.triggerWorkflow("a", "b", "n")))
      assert.strictEqual(error.reason._tag, "NetworkError")
      assert.include(error.message, "dropped")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([frame("run_initiated", { run_id: "r1" })], "error")))))

  it.effect("fails with DecodeError on a malformed envelope, keeping the data", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(collect(workflows.triggerWorkflow("a", "b", "n")))
      assert.strictEqual(error.reason._tag, "DecodeError")
      assert.strictEqual(error.reason._tag === "DecodeError" ? error.reason.body : "", "{\"event_type\":\"log\"}")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse(["event: log\ndata: {\"event_type\":\"log\"}\n\n"])))))

  it.effect("keeps a known event whose payload does not fit as Unknown", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const [odd] = yield* collect(workflows.triggerWorkflow("a", "b", "n"))
      assert.strictEqual(odd?._tag, "Unknown")
      assert.deepStrictEqual(odd?.payload, { text: "no message field" })
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([frame("log", { text: "no message field" }), completed])))))

  it.effect("decodes node state, progress and toast events", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const [state, progress, toast] = yield* collect(workflows.triggerWorkflow("a", "b", "n"))
      assert.deepStrictEqual(
        state?._tag === "NodeState" ? [state.runId, state.nodeIds, state.method] : [],
        ["r1", ["n1", "n2"], "add"]
      )
      assert.strictEqual(state?.eventType, "run:r1")
      assert.deepStrictEqual(progress?._tag === "Progress" ? [progress.progress, progress.message, progress.done] : [], [
        50,
        "half",
        false
      ])
      assert.strictEqual(toast?._tag === "Toast" ? toast.message : "", "hi")
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.sse([
        frame("run:r1", { runId: "r1", nodeIds: ["n1", "n2"], method: "add" }),
        frame("progress", { id: "p", message: "half", progress: 50, done: false }),
        frame("toast", { message: "hi", level: "Info" }),
        completed
      ])
    ))))

  // The mock body's silence is real (a pending promise), so this runs on the live clock with a short idle timeout.
  it.live("fails with TimeoutError when the stream stays silent past the idle timeout", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const [seen, error] = yield* typesUntilFailure(workflows.triggerWorkflow("a", "b", "n"))
      assert.deepStrictEqual(seen, ["run_initiated"])
      assert.strictEqual(error.reason._tag, "TimeoutError")
      assert.include(error.message, "the stream sent nothing")
      const mock = yield* MockHttpClient.MockHttpClient
      assert.strictEqual(mock.abortedStreams, 1)
    }).pipe(Effect.provide(sdkLayer(
      () => MockHttpClient.sse([frame("run_initiated", { run_id: "r1" })], "hang"),
      { streamIdleTimeout: "100 millis" }
    ))))

  it.effect("aborts the request when the consumer stops early", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const events = yield* collect(workflows.triggerWorkflow("a", "b", "n").pipe(Stream.take(1)))
      assert.strictEqual(events.length, 1)
      const mock = yield* MockHttpClient.MockHttpClient
      assert.strictEqual(mock.abortedStreams, 1)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.sse([frame("run_initiated", { run_id: "r1" })], "hang")))))

  it.effect("fails with DecodeError when the server answers JSON instead of a stream", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(collect(workflows.triggerWorkflow("a", "b", "n")))
      assert.strictEqual(error.reason._tag, "DecodeError")
      assert.include(error.message, "expected an event stream")
      assert.include(error.reason._tag === "DecodeError" ? error.reason.body ?? "" : "", "Run tracked locally")
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.json({ run_id: "r", status: "pending", message: "Run tracked locally - no remote execution" })
    ))))

  it.effect("fails with the typed server error before the stream starts", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(collect(workflows.triggerEvent("a", "missing")))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.errorId, "e9")
      assert.strictEqual((yield* recorded).length, 1)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.errorEnvelope(500, "INTERNAL_ERROR", "Internal Server Error", { id: "e9" })))))
})
