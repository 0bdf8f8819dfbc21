import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { inspect } from "node:util"
import { MockHttpClient } from "@flow-like/testing"
import { FlowLikeError, FlowLikeHttp, Workflows } from "../src/index.ts"
import { API_KEY, captureLogs, PAT, PAT_SECRET, sdkLayer } from "./utils/mock.ts"

const Health = Schema.Struct({ status: Schema.String })

const getHealth = Effect.gen(function*() {
  const http = yield* FlowLikeHttp.FlowLikeHttp
  return yield* http.json({ method: "GET", path: "/health" }, Health)
})

const recorded = Effect.map(MockHttpClient.MockHttpClient, (mock) => mock.requests)

const failWith = (response: MockHttpClient.MockResponse) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(getHealth)
    assert.instanceOf(error, FlowLikeError.FlowLikeError)
    return error
  }).pipe(Effect.provide(sdkLayer(() => response, { maxRetries: 0 })))

describe("FlowLikeHttp", () => {
  it.effect("prefixes /api/v1, sends the PAT raw, a User-Agent and JSON accept", () =>
    Effect.gen(function*() {
      const health = yield* getHealth
      assert.deepStrictEqual(health, { status: "ok" })
      const [request] = yield* recorded
      assert.isDefined(request)
      assert.strictEqual(request.url, "https://flow.test/api/v1/health")
      assert.strictEqual(request.headers["authorization"], PAT)
      assert.isUndefined(request.headers["x-api-key"])
      assert.match(request.headers["user-agent"] ?? "", /^flow-like-effect\/\d+\.\d+\.\d+ /)
      assert.strictEqual(request.headers["accept"], "application/json")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json({ status: "ok" })))))

  it.effect("sends an API key as X-API-Key and no Authorization", () =>
    Effect.gen(function*() {
      yield* getHealth
      const [request] = yield* recorded
      assert.strictEqual(request?.headers["x-api-key"], API_KEY)
      assert.isUndefined(request?.headers["authorization"])
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json({ status: "ok" }), { pat: undefined, apiKey: API_KEY }))))

  it.effect("sends JSON bodies with a content type and extra headers", () =>
    Effect.gen(function*() {
      const http = yield* FlowLikeHttp.FlowLikeHttp
      yield* http.json({ method: "POST", path: "/x", body: FlowLikeHttp.jsonBody({ a: 1 }) }, Schema.Null)
      const [request] = yield* recorded
      assert.strictEqual(request?.headers["content-type"], "application/json")
      assert.strictEqual(request?.headers["x-team"], "blue")
      assert.deepStrictEqual(JSON.parse(request?.body ?? ""), { a: 1 })
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json(null), { headers: { "x-team": "blue" } }))))

  it.effect("decodes the error envelope of a 400", () =>
    Effect.gen(function*() {
      const error = yield* failWith(MockHttpClient.errorEnvelope(400, "BAD_REQUEST", "access_mode must be either 'read' or 'write'"))
      assert.strictEqual(error.reason._tag, "InvalidRequestError")
      assert.strictEqual(error.status, 400)
      assert.strictEqual(error.code, "BAD_REQUEST")
      assert.include(error.message, "access_mode must be either")
      assert.include(error.message, "GET https://flow.test/api/v1/health")
      assert.isFalse(error.isRetryable)
    }))

  it.effect("decodes a 403 as PermissionDeniedError", () =>
    Effect.gen(function*() {
      const error = yield* failWith(MockHttpClient.errorEnvelope(403, "FORBIDDEN", "Forbidden"))
      assert.strictEqual(error.reason._tag, "PermissionDeniedError")
      assert.strictEqual(error.code, "FORBIDDEN")
    }))

  it.effect("decodes a 404 envelope and an empty 404 body", () =>
    Effect.gen(function*() {
      const enveloped = yield* failWith(MockHttpClient.errorEnvelope(404, "NOT_FOUND", "Not Found"))
      assert.strictEqual(enveloped.reason._tag, "NotFoundError")
      const empty = yield* failWith(MockHttpClient.text(404, "", {}))
      assert.strictEqual(empty.reason._tag, "NotFoundError")
      assert.include(empty.message, "404: Not Found")
      assert.isUndefined(empty.code)
    }))

  it.effect("keeps plain-text framework rejections (415, 422) and empty 405 bodies", () =>
    Effect.gen(function*() {
      const unsupported = yield* failWith(MockHttpClient.text(415, "Expected request with `Content-Type: application/json`"))
      assert.strictEqual(unsupported.reason._tag, "InvalidRequestError")
      assert.strictEqual(unsupported.status, 415)
      assert.include(unsupported.message, "Expected request with `Content-Type: application/json`")
      const unprocessable = yield* failWith(
        MockHttpClient.text(422, "Failed to deserialize the JSON body into the target type: missing field `node_id`")
      )
      assert.include(unprocessable.message, "missing field `node_id`")
      assert.include(unprocessable.reason._tag === "InvalidRequestError" ? unprocessable.reason.body ?? "" : "", "node_id")
      const notAllowed = yield* failWith(MockHttpClient.text(405, "", { allow: "GET" }))
      assert.include(notAllowed.message, "405: Method Not Allowed")
    }))

  it.effect("decodes a 500 with its error id from the envelope and the header, and explains it", () =>
    Effect.gen(function*() {
      const error = yield* failWith(
        MockHttpClient.errorEnvelope(500, "INTERNAL_ERROR", "Internal Server Error", { id: "ck1errorid" })
      )
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.errorId, "ck1errorid")
      assert.include(error.message, "[error id ck1errorid]")
      assert.include(error.message, "missing or invalid credentials")
      assert.isTrue(error.isRetryable)
      const headerOnly = yield* failWith(MockHttpClient.text(500, "boom", { "x-error-id": "fromheader" }))
      assert.strictEqual(headerOnly.errorId, "fromheader")
      assert.include(headerOnly.message, "boom")
    }))

  it.effect("reads a sink's top-level message", () =>
    Effect.gen(function*() {
      const error = yield* failWith(
        MockHttpClient.json({ triggered: false, run_id: null, message: "Invalid or missing auth token" }, 401)
      )
      assert.strictEqual(error.reason._tag, "AuthenticationError")
      assert.include(error.message, "Invalid or missing auth token")
    }))

  it.effect("fails with DecodeError on a malformed success body, keeping the body", () =>
    Effect.gen(function*() {
      const error = yield* failWith(MockHttpClient.text(200, "{not json", { "content-type": "application/json" }))
      assert.strictEqual(error.reason._tag, "DecodeError")
      assert.strictEqual(error.reason._tag === "DecodeError" ? error.reason.body : undefined, "{not json")
      const wrongShape = yield* failWith(MockHttpClient.json({ healthy: true }))
      assert.strictEqual(wrongShape.reason._tag, "DecodeError")
      assert.include(wrongShape.message, "status")
    }))

  it.effect("maps connection failures to a retryable NetworkError", () =>
    Effect.gen(function*() {
      const error = yield* failWith(MockHttpClient.transportFailure("ECONNREFUSED"))
      assert.strictEqual(error.reason._tag, "NetworkError")
      assert.include(error.message, "ECONNREFUSED")
      assert.isTrue(error.isRetryable)
    }))

  it.effect("retries a GET on 503 no sooner than Retry-After, then succeeds", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(getHealth)
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual((yield* recorded).length, 1)
      yield* TestClock.adjust("1100 millis")
      const health = yield* Fiber.join(fiber)
      assert.deepStrictEqual(health, { status: "ok" })
      assert.strictEqual((yield* recorded).length, 2)
    }).pipe(Effect.provide(sdkLayer((request) =>
      request.url.endsWith("/health") && attempts.next() === 0
        ? MockHttpClient.errorEnvelope(503, "SERVICE_UNAVAILABLE", "Service Unavailable", { headers: { "retry-after": "5" } })
        : MockHttpClient.json({ status: "ok" })
    ))))

  it.effect("gives up after maxRetries and reports the last failure", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(getHealth))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.status, 502)
      assert.strictEqual((yield* recorded).length, 4)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.text(502, "bad gateway"), { maxRetries: 3 }))))

  it.effect("logs each retry at debug level with its delay and reason", () =>
    Effect.gen(function*() {
      const [error, lines] = yield* captureLogs(Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Effect.flip(getHealth))
        yield* TestClock.adjust("10 seconds")
        return yield* Fiber.join(fiber)
      }))
      assert.strictEqual(error.status, 503)
      const retries = lines.filter((line) => line.includes("flow-like retry"))
      assert.strictEqual(retries.length, 1)
      assert.include(retries[0] ?? "", "retry 1 in 3s")
      assert.include(retries[0] ?? "", "Service Unavailable")
    }).pipe(Effect.provide(sdkLayer(
      () => MockHttpClient.errorEnvelope(503, "SERVICE_UNAVAILABLE", "Service Unavailable", { headers: { "retry-after": "3" } }),
      { maxRetries: 1 }
    ))))

  it.effect("does not retry a 4xx", () =>
    Effect.gen(function*() {
      yield* Effect.flip(getHealth)
      assert.strictEqual((yield* recorded).length, 1)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.errorEnvelope(400, "BAD_REQUEST", "no")))))

  it.effect("never retries an invocation, even on 503", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(workflows.triggerWorkflowAsync("app", "board", "node", { x: 1 }))
      assert.strictEqual(error.status, 503)
      assert.strictEqual((yield* recorded).length, 1)
    }).pipe(Effect.provide(sdkLayer(() =>
      MockHttpClient.errorEnvelope(503, "SERVICE_UNAVAILABLE", "Service Unavailable", { headers: { "retry-after": "0" } })
    ))))

  it.effect("times out a request that never answers, then retries it", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(getHealth)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* recorded).length, 1)
      yield* TestClock.adjust("2 seconds")
      const health = yield* Fiber.join(fiber)
      assert.deepStrictEqual(health, { status: "ok" })
      assert.strictEqual((yield* recorded).length, 2)
    }).pipe(Effect.provide(sdkLayer(
      () => hangs.next() === 0 ? Effect.never : MockHttpClient.json({ status: "ok" }),
      { timeout: "3 seconds" }
    ))))

  it.effect("fails with TimeoutError when retries are off", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(getHealth))
      yield* TestClock.adjust("3 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "TimeoutError")
      assert.include(error.message, "3s")
    }).pipe(Effect.provide(sdkLayer(() => Effect.never, { timeout: "3 seconds", maxRetries: 0 }))))

  it.effect("fails before sending when an id is empty", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const error = yield* Effect.flip(workflows.triggerWorkflowAsync("app", "", "node"))
      assert.strictEqual(error.reason._tag, "InvalidArgumentError")
      assert.include(error.message, "Workflows.triggerWorkflowAsync: board must be a non-empty string")
      assert.strictEqual(error.operation, "Workflows.triggerWorkflowAsync")
      assert.strictEqual((yield* recorded).length, 0)
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json({})))))

  it.effect("encodes ids in paths", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      yield* Effect.flip(workflows.triggerWorkflowAsync("a/b", "c d", "node"))
      assert.strictEqual((yield* recorded)[0]?.url, "https://flow.test/api/v1/apps/a%2Fb/board/c%20d/invoke/async")
    }).pipe(Effect.provide(sdkLayer(() => MockHttpClient.json({})))))

  it.effect("never shows a secret in errors or logged requests", () =>
    Effect.gen(function*() {
      const [error, lines] = yield* captureLogs(Effect.flip(getHealth))
      const rendered = [error.message, String(error), inspect(error, { depth: 10 }), JSON.stringify(error), ...lines]
      assert.isTrue(lines.some((line) => line.includes("flow-like request")), "the request is logged at debug level")
      assert.isTrue(lines.some((line) => line.includes("<redacted>")), "the auth header is shown redacted")
      for (const text of rendered) {
        assert.notInclude(text, PAT_SECRET)
      }
    }).pipe(Effect.provide(sdkLayer(
      () => MockHttpClient.errorEnvelope(500, "INTERNAL_ERROR", "Internal Server Error", { id: "e1" }),
      { maxRetries: 0 }
    ))))
})

const counter = () => {
  let count = 0
  return { next: () => count++ }
}
const attempts = counter()
const hangs = counter()
