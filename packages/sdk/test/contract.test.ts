/**
 * Contract tests: answers and SSE transcripts exactly as the real server writes them (golden
 * fixtures, see fixtures/PROVENANCE.md), decoded by the declared schemas and by the SDK. The dev
 * server is built from the same declaration, so these fixtures are the independent judge.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema, Stream } from "effect"
import { MockHttpClient } from "@flow-like/testing"
import { ApiErrors, BitsApi, Db, DbApi, Execution, ExecutionApi, Files, FilesApi, FlowLikeApi, HealthApi, Models, ModelsApi, Workflows, WorkflowsApi } from "../src/index.ts"
import type { FlowLikeError } from "../src/index.ts"
import * as Fixtures from "./fixtures/index.ts"
import { sdkLayer } from "./utils/mock.ts"

const api = FlowLikeApi.FlowLikeApi
const successOf = (endpoint: { readonly success: ReadonlySet<Schema.Top> }) =>
  [...endpoint.success][0] as Schema.Codec<unknown, unknown>

/** Decodes a fixture with a schema, and checks that encoding gives back what decodes the same. */
const roundTrip = <A>(schema: Schema.Codec<A, unknown>, text: string): A => {
  const decoded = Schema.decodeUnknownSync(schema)(JSON.parse(text))
  assert.deepStrictEqual(Schema.decodeUnknownSync(schema)(Schema.encodeSync(schema)(decoded)), decoded)
  return decoded
}

const answer = (body: string, status = 200, contentType = "application/json") =>
  MockHttpClient.text(status, body, { "content-type": contentType })

const sseAnswer = (transcript: string) => MockHttpClient.sse([transcript])

const flipped = <A>(effect: Effect.Effect<A, FlowLikeError.FlowLikeError>) => Effect.flip(effect)

describe("contract: the declaration decodes what the real server sends", () => {
  it("invoke/async answers (HTTP and Lambda backends)", () => {
    for (const text of [Fixtures.invokeAsync, Fixtures.invokeAsyncLambda]) {
      const value = roundTrip(WorkflowsApi.AsyncInvocation, text)
      assert.match(value.runId, /^[a-z0-9]{24}$/)
      assert.strictEqual(value.pollToken.split(".").length, 3)
      assert.deepStrictEqual(successOf(api.groups.workflows.endpoints.invokeBoardAsync), successOf(api.groups.workflows.endpoints.invokeEventAsync))
    }
  })

  it("run status records in every state", () => {
    const statuses = [
      Fixtures.runStatusPending,
      Fixtures.runStatusRunning,
      Fixtures.runStatusCompleted,
      Fixtures.runStatusCompletedStream,
      Fixtures.runStatusFailed
    ].map((text) => roundTrip(ExecutionApi.RunStatus, text).status)
    assert.deepStrictEqual(statuses, ["Pending", "Running", "Completed", "Completed", "Failed"])
    const completed = roundTrip(ExecutionApi.RunStatus, Fixtures.runStatusCompleted)
    assert.strictEqual(completed.inputPayloadLength, 17)
    assert.strictEqual(completed.eventId, undefined)
    assert.strictEqual(completed.startedAt, undefined)
  })

  it("poll pages", () => {
    const page = roundTrip(ExecutionApi.PollResponse, Fixtures.pollEvents)
    assert.deepStrictEqual(page.events.map((event) => event.sequence), [1, 2, 3, 4, 5, 6, 7])
    assert.strictEqual(roundTrip(ExecutionApi.PollResponse, Fixtures.pollCompleted).status, "Completed")
    assert.strictEqual(roundTrip(ExecutionApi.PollResponse, Fixtures.pollFailed).error, "Execution timeout")
  })

  it("health and error envelopes", () => {
    assert.strictEqual(roundTrip(HealthApi.Health, Fixtures.health).status, "ok")
    for (const text of [Fixtures.error404, Fixtures.error500, Fixtures.error400PollAuth, Fixtures.error400PollAuthFormat, Fixtures.error400PollAuthExpired]) {
      roundTrip(ApiErrors.ErrorEnvelope, text)
    }
  })

  it("every frame of every SSE transcript is an InterComEvent, except the proxy's own error frame", () => {
    const decode = Schema.decodeUnknownSync(Schema.fromJsonString(WorkflowsApi.InterComEvent))
    const decodeProxy = Schema.decodeUnknownSync(Schema.fromJsonString(WorkflowsApi.ProxyError))
    for (const transcript of [Fixtures.sseBoardRun, Fixtures.sseBoardFailed, Fixtures.sseTimeout, Fixtures.sseUnknownBoard, Fixtures.sseProxyError]) {
      for (const line of transcript.split("\n").filter((line) => line.startsWith("data: "))) {
        const data = line.slice("data: ".length)
        if (data.startsWith("{\"error\"")) decodeProxy(data)
        else assert.instanceOf(decode(data).timestamp, Date)
      }
    }
  })
})

describe("contract: the SDK over the real server's answers", () => {
  it.effect("triggerWorkflowAsync reads the invoke/async answer and keeps the poll token redacted", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const run = yield* workflows.triggerWorkflowAsync("app", "board", "node")
      assert.strictEqual(run.runId, "jk0uyx79kcvi2v37hojt8y9y")
      assert.strictEqual(run.backend, "http")
      assert.isTrue(Redacted.isRedacted(run.pollToken))
      assert.notInclude(JSON.stringify(run), "eyJ")
    }).pipe(Effect.provide(sdkLayer(() => answer(Fixtures.invokeAsync)))))

  it.effect("getRunStatus derives done from a completed record", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const status = yield* execution.getRunStatus("es4bjun4jg02lrwy6zrryeby")
      assert.isTrue(status.done)
      assert.strictEqual(status.mode, "Queue")
      assert.strictEqual(status.completedAt, "2026-02-23T10:20:15.463+00:00")
    }).pipe(Effect.provide(sdkLayer(() => answer(Fixtures.runStatusCompleted)))))

  it.effect("pollExecution decodes node-state and progress events whatever their key order", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const page = yield* execution.pollExecution("poll-token")
      assert.strictEqual(page.lastSequence, 7)
      assert.isFalse(page.done)
      assert.deepStrictEqual(page.events.map((event) => event._tag), [
        "Log",
        "NodeState",
        "Progress",
        "NodeState",
        "NodeState",
        "NodeState",
        "NodeState"
      ])
      const progress = page.events[2]
      assert.strictEqual(progress?._tag === "Progress" ? progress.progress : undefined, 25)
    }).pipe(Effect.provide(sdkLayer(() => answer(Fixtures.pollEvents)))))

  it.effect("awaitRun fails with RunError on the real failed poll page", () =>
    Effect.gen(function*() {
      const execution = yield* Execution.Execution
      const error = yield* flipped(execution.awaitRun("poll-token", { afterSequence: 4 }))
      assert.strictEqual(error.reason._tag, "RunError")
      if (error.reason._tag !== "RunError") return
      assert.strictEqual(error.reason.runStatus, "Failed")
      assert.strictEqual(error.reason.error, "Execution timeout")
      assert.strictEqual(error.reason.lastSequence, 5)
    }).pipe(Effect.provide(sdkLayer(() => answer(Fixtures.pollFailed)))))

  it.effect("streams a real board run to its end, every known event decoded", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const events = yield* Stream.runCollect(workflows.triggerWorkflow("app", "board", "node"))
      assert.strictEqual(events.length, 14)
      assert.strictEqual(events[0]?._tag, "RunInitiated")
      assert.strictEqual(events.at(-1)?._tag, "Completed")
      const unknown = events.filter((event) => event._tag === "Unknown")
      assert.deepStrictEqual(unknown.map((event) => event.eventType), ["generic_result"])
      assert.isUndefined(unknown[0]?._tag === "Unknown" ? unknown[0].decodeIssue : "x")
    }).pipe(Effect.provide(sdkLayer(() => sseAnswer(Fixtures.sseBoardRun)))))

  it.effect("a run whose node failed still completes normally (the executor reports status completed)", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows.Workflows
      const events = yield* Stream.runCollect(workflows.triggerWorkflow("app", "board", "node"))
      const last = events.at(-1)
      assert.strictEqual(last?._tag === "Completed" ? last.status : undefined, "completed")
    }).pipe(Effect.provide(sdkLayer(() => sseAnswer(Fixtures.sseBoardFailed)))))

  it.effect("the executor's timeout, an unknown board and the proxy's error frame each fail with RunError", () =>
    Effect.gen(function*() {
      const cases = [
        [Fixtures.sseTimeout, "Execution timeout"],
        [Fixtures.sseUnknownBoard, "Board load error"],
        [Fixtures.sseProxyError, "Transport error: error decoding response body"]
      ] as const
      for (const [transcript, text] of cases) {
        const stream = Stream.unwrap(Effect.map(Effect.service(Workflows.Workflows), (workflows) => workflows.triggerWorkflow("app", "board", "node")))
        const error = yield* Effect.flip(Stream.runDrain(stream).pipe(Effect.provide(sdkLayer(() => sseAnswer(transcript)))))
        assert.strictEqual(error.reason._tag, "RunError")
        assert.include(error.message, text)
        assert.isDefined(error.reason._tag === "RunError" ? error.reason.runId : undefined)
      }
    }))

  it.effect("error envelopes and plain-text rejections become typed errors with the server's details", () =>
    Effect.gen(function*() {
      const cases = [
        [answer(Fixtures.error404, 404), "NotFoundError", "NOT_FOUND"],
        [answer(Fixtures.error500, 500), "ServerError", "INTERNAL_ERROR"],
        [answer(Fixtures.error400PollAuth, 400), "InvalidRequestError", "BAD_REQUEST"],
        [answer(Fixtures.rejection415, 415, "text/plain; charset=utf-8"), "InvalidRequestError", undefined],
        [answer(Fixtures.rejection422, 422, "text/plain; charset=utf-8"), "InvalidRequestError", undefined]
      ] as const
      for (const [response, tag, code] of cases) {
        const error = yield* Effect.flip(
          Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
            Effect.provide(sdkLayer(() => response, { maxRetries: 0 }))
          )
        )
        assert.strictEqual(error.reason._tag, tag)
        assert.strictEqual(error.code, code)
      }
      const error500 = yield* Effect.flip(
        Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
          Effect.provide(sdkLayer(() => answer(Fixtures.error500, 500), { maxRetries: 0 }))
        )
      )
      assert.strictEqual(error500.errorId, "inrakohvo9e2ws3l09fsy35f")
      const rejected = yield* Effect.flip(
        Effect.flatMap(Effect.service(Execution.Execution), (execution) => execution.getRunStatus("r1")).pipe(
          Effect.provide(sdkLayer(() => answer(Fixtures.rejection422, 422, "text/plain; charset=utf-8")))
        )
      )
      assert.include(rejected.message, "missing field `node_id`")
    }))

  it("bits, usage and embeddings (models)", () => {
    const bit = roundTrip(BitsApi.Bit, Fixtures.bitLlm)
    assert.strictEqual(bit.type, "Llm")
    assert.strictEqual(bit.meta["en"]?.createdAt.getTime(), 1_761_300_000_000)
    assert.strictEqual(bit.created, "2025-10-24T10:00:00.123+00:00")
    const [embedding] = roundTrip(Schema.Array(BitsApi.Bit), Fixtures.bitSearchEmbedding)
    assert.strictEqual(embedding?.type, "Embedding")
    assert.deepStrictEqual(roundTrip(ModelsApi.Usage, Fixtures.usage), { llmPrice: 1_234_567, embeddingPrice: 8901 })
    const embedded = roundTrip(ModelsApi.EmbedResponse, Fixtures.embed)
    assert.deepStrictEqual(embedded.usage, { promptTokens: 4, totalTokens: 4 })
    for (const text of [Fixtures.error400MissingModel, Fixtures.error400UnsupportedProvider, Fixtures.error400Upstream, Fixtures.error400EmbedNoImplementation]) {
      assert.strictEqual(roundTrip(ApiErrors.ErrorEnvelope, text).error.code, "BAD_REQUEST")
    }
  })

  it.effect("the Models service reads the real answers: bits as ModelInfo, usage, embeddings, and the chat route's 400s", () =>
    Effect.gen(function*() {
      const run = <A>(respond: MockHttpClient.MockResponse, use: (models: Models.Models["Service"]) => Effect.Effect<A, FlowLikeError.FlowLikeError>) =>
        Effect.flatMap(Effect.service(Models.Models), use).pipe(Effect.provide(sdkLayer(() => respond, { maxRetries: 0 })))
      const [llm] = yield* run(answer(`[${Fixtures.bitLlm}]`), (models) => models.listLlms())
      assert.deepStrictEqual(
        [llm?.name, llm?.providerName, llm?.modelId, llm?.contextLength, llm?.tags],
        ["GPT-4o mini", "hosted:openrouter", "openai/gpt-4o-mini", 128_000, ["chat", "hosted"]]
      )
      const [embedding] = yield* run(answer(Fixtures.bitSearchEmbedding), (models) => models.listEmbeddingModels())
      assert.deepStrictEqual([embedding?.vectorLength, embedding?.languages, embedding?.providerName], [384, ["en"], "Local"])
      const bit = yield* run(answer(Fixtures.bitLlm), (models) => models.getBit("k3d9x0v7q2m8w1e5r6t4y2u0"))
      assert.deepInclude(bit.raw, { hub: "api.flow-like.com" })
      assert.deepStrictEqual(yield* run(answer(Fixtures.usage), (models) => models.getUsage()), { llmPrice: 1_234_567, embeddingPrice: 8901 })
      const embedded = yield* run(answer(Fixtures.embed), (models) => models.embed({ bitId: "p8s2n5c1x7z3b9m4v6q0w2e8", input: ["hello world", "what is up"] }))
      assert.deepStrictEqual(embedded.embeddings[1], [-0.25, 0.5, 0.125, -0.8125])
      const chat = { bitId: "b", messages: [{ role: "user" as const, content: "hi" }] }
      for (const [text, expected] of [
        [Fixtures.error400MissingModel, "Missing 'model' field"],
        [Fixtures.error400UnsupportedProvider, "Unsupported provider: Ollama."],
        [Fixtures.error400Upstream, "Upstream error"]
      ] as const) {
        const error = yield* flipped(run(answer(text, 400), (models) => models.chatCompletions(chat)))
        assert.strictEqual(error.reason._tag, "InvalidRequestError")
        assert.strictEqual(error.code, "BAD_REQUEST")
        assert.include(error.message, expected)
      }
      const streamed = yield* flipped(run(answer(Fixtures.error400Upstream, 400), (models) => Stream.runDrain(models.chatCompletionsStream(chat))))
      assert.include(streamed.message, "Upstream error")
    }))
})

describe("contract: the database routes", () => {
  it("decodes presign (AWS and R2), tables, rows, query, schema and count with the declaration", () => {
    const aws = roundTrip(DbApi.PresignDbAccessResponse, Fixtures.dbPresignAws)
    assert.strictEqual(aws.dbPath, "apps/q2w8mzv1k0h4c6n9r3t5y7pe/storage/db")
    assert.ok("Aws" in aws.sharedCredentials && aws.sharedCredentials.Aws.contentConfig === undefined)
    const r2 = roundTrip(DbApi.PresignDbAccessResponse, Fixtures.dbPresignR2)
    assert.ok("Aws" in r2.sharedCredentials && r2.sharedCredentials.Aws.region === "auto")
    assert.deepStrictEqual(roundTrip(successOf(api.groups.db.endpoints.listTables), Fixtures.dbListTables), ["documents", "chunks"])
    assert.lengthOf(roundTrip(successOf(api.groups.db.endpoints.listRows), Fixtures.dbRows) as Array<unknown>, 2)
    assert.lengthOf(roundTrip(successOf(api.groups.db.endpoints.queryTable), Fixtures.dbQueryVector) as Array<unknown>, 1)
    const schema = roundTrip(DbApi.ArrowSchema, Fixtures.dbSchema)
    assert.deepStrictEqual(schema.fields.map((field) => field.name), ["id", "title", "text", "vector"])
    assert.strictEqual(roundTrip(successOf(api.groups.db.endpoints.countItems), Fixtures.dbCount), 42)
    for (const text of [Fixtures.error500TableNotInitialized, Fixtures.error400DbNoQuery, Fixtures.error500Datafusion, Fixtures.error400AccessMode]) {
      roundTrip(ApiErrors.ErrorEnvelope, text)
    }
  })

  it.effect("the Db service turns the real answers into LanceDB options, typed rows and typed errors", () =>
    Effect.gen(function*() {
      const run = <A>(respond: MockHttpClient.MockResponse, use: (db: Db.Db["Service"]) => Effect.Effect<A, FlowLikeError.FlowLikeError>) =>
        Effect.flatMap(Effect.service(Db.Db), use).pipe(Effect.provide(sdkLayer(() => respond, { maxRetries: 0 })))
      const aws = yield* run(answer(Fixtures.dbPresignAws), (db) => db.getDbCredentials("q2w8mzv1k0h4c6n9r3t5y7pe"))
      assert.strictEqual(aws.uri, "s3://flow-like-content/apps/q2w8mzv1k0h4c6n9r3t5y7pe/storage/db")
      assert.deepStrictEqual(Object.keys(aws.storageOptions).sort(), [
        "aws_access_key_id",
        "aws_region",
        "aws_secret_access_key",
        "aws_session_token"
      ])
      assert.strictEqual(aws.storageOptions.aws_secret_access_key, "wJalrXUtnFEMIexampleSECRETkey0123456789ab")
      assert.notInclude(JSON.stringify(aws), "wJalrXUtnFEMIexampleSECRETkey0123456789ab")
      assert.strictEqual(aws.expiresAt?.toISOString(), "2026-02-21T14:03:11.000Z")
      const r2 = yield* run(answer(Fixtures.dbPresignR2), (db) => db.getDbCredentials("q2w8mzv1k0h4c6n9r3t5y7pe", { accessMode: "write" }))
      assert.strictEqual(r2.storageOptions.aws_endpoint, "https://0a1b2c3d4e5f60718293a4b5c6d7e8f9.r2.cloudflarestorage.com")
      assert.strictEqual(r2.storageOptions.allow_http, undefined)
      assert.strictEqual(r2.storageOptions.aws_region, "auto")
      const raw = yield* run(answer(Fixtures.dbPresignR2), (db) => db.getDbCredentialsRaw("q2w8mzv1k0h4c6n9r3t5y7pe"))
      assert.ok("Aws" in raw.sharedCredentials && Redacted.isRedacted(raw.sharedCredentials.Aws.secretAccessKey))
      assert.strictEqual(raw.accessMode, "write")
      const schema = yield* run(answer(Fixtures.dbSchema), (db) => db.getTableSchema("a", "documents"))
      assert.deepStrictEqual(schema.fields.map((field) => field.type), ["Int64", "Utf8", "Utf8", "FixedSizeList(Float32, 4)"])
      assert.strictEqual(yield* run(answer(Fixtures.dbCount), (db) => db.countItems("a", "documents")), 42)
      const rows = yield* run(answer(Fixtures.dbRows), (db) => db.listRows("a", "documents", { limit: 2 }))
      assert.deepStrictEqual(rows[1]?.vector, [0.5, 0.6000000238418579, 0.699999988079071, 0.800000011920929])
      const missing = yield* flipped(run(answer(Fixtures.error500TableNotInitialized, 500), (db) => db.countItems("a", "nope")))
      assert.strictEqual(missing.reason._tag, "ServerError")
      assert.strictEqual(missing.code, "INTERNAL_ERROR")
      assert.include(missing.message, "Table not initialized")
      const noQuery = yield* flipped(run(answer(Fixtures.error400DbNoQuery, 400), (db) => db.queryTable("a", "documents", {})))
      assert.strictEqual(noQuery.reason._tag, "InvalidRequestError")
      assert.include(noQuery.message, "No valid query parameters provided")
      const sql = yield* flipped(run(answer(Fixtures.error500Datafusion, 500), (db) => db.queryTable("a", "documents", { sql: "SELEC" })))
      assert.strictEqual(sql.code, "DATAFUSION_ERROR")
      const mode = yield* flipped(run(answer(Fixtures.error400AccessMode, 400), (db) => db.getDbCredentialsRaw("a")))
      assert.include(mode.message, "access_mode must be either 'read' or 'write'")
    }))
})

describe("contract: the file routes", () => {
  const runFiles = <A>(handler: MockHttpClient.Handler, f: (files: Files.Files["Service"]) => Effect.Effect<A, FlowLikeError.FlowLikeError>) =>
    Effect.flatMap(Effect.service(Files.Files), f).pipe(Effect.provide(sdkLayer(handler)))

  it("decodes list items, signed URL items (url or error) and presign answers", () => {
    const items = roundTrip(Schema.Array(FilesApi.StorageItem), Fixtures.filesList)
    assert.deepStrictEqual(items.map((item) => item.isDir), [false, false, true])
    assert.strictEqual(items[2]?.eTag, undefined)
    const signed = roundTrip(FilesApi.SignedUrls, Fixtures.filesSignUpload)
    assert.isTrue("url" in signed[0]! && signed[0].url.includes("X-Amz-Signature="))
    assert.isTrue("error" in signed[1]!)
    roundTrip(FilesApi.SignedUrls, Fixtures.filesSignDownload)
    assert.strictEqual(roundTrip(FilesApi.PresignDataResponse, Fixtures.filesPresign).accessMode, "read")
    assert.deepStrictEqual(successOf(api.groups.files.endpoints.signUpload), successOf(api.groups.files.endpoints.signDownload))
  })

  it.effect("lists keys relative to the app with chrono's last_modified as Dates", () =>
    Effect.gen(function*() {
      const files = yield* runFiles(() => answer(Fixtures.filesList), (files) => files.listFiles("dnrbfgt5kc90gfwoocop855s", { prefix: "reports" }))
      assert.deepStrictEqual(files.map((file) => file.key), ["reports/2026-02.csv", "reports/summary%.txt", "reports/archive"])
      assert.deepStrictEqual(files.map((file) => file.lastModified?.toISOString()), ["2026-02-23T10:15:02.431Z", "2026-02-23T10:16:40.000Z", undefined])
      assert.strictEqual(files[0]?.etag, "\"9b2cf535f27731c974343645a3985328\"")
    }))

  it.effect("turns a per-key signing error into a typed partial failure and PUTs the rest to S3 without credentials", () =>
    Effect.gen(function*() {
      const puts: Array<MockHttpClient.RecordedRequest> = []
      const result = yield* runFiles((request) => {
        if (request.url.includes("amazonaws.com")) {
          puts.push(request)
          return MockHttpClient.text(200, "", { etag: "\"abc\"" })
        }
        return answer(Fixtures.filesSignUpload)
      }, (files) =>
        files.uploadFiles("dnrbfgt5kc90gfwoocop855s", [
          { file: new Uint8Array([1, 2, 3]), key: "reports/2026-03.csv" },
          { file: new Uint8Array([4]), key: "reports/locked.csv" }
        ]))
      assert.deepStrictEqual(result.uploaded, [{ key: "reports/2026-03.csv", size: 3, etag: "\"abc\"" }])
      assert.strictEqual(result.failed[0]?.key, "reports/locked.csv")
      assert.strictEqual(result.failed[0]?.error.errorId, "q8h2kz0m4n6p1r3t5v7x9b0c")
      assert.strictEqual(puts[0]?.headers["authorization"], undefined)
      assert.strictEqual(puts[0]?.headers["x-ms-blob-type"], undefined)
    }))

  it.effect("asks for a new download URL once when S3 says the signed one expired", () =>
    Effect.gen(function*() {
      let gets = 0
      let signs = 0
      const bytes = yield* runFiles((request) => {
        if (request.url.includes("amazonaws.com")) {
          gets++
          return gets === 1 ? MockHttpClient.text(403, Fixtures.s3ExpiredXml, { "content-type": "application/xml" }) : MockHttpClient.text(200, "data")
        }
        signs++
        assert.deepStrictEqual(JSON.parse(request.body ?? ""), { prefixes: ["apps/dnrbfgt5kc90gfwoocop855s/upload/reports/2026-02.csv"] })
        return answer(Fixtures.filesSignDownload)
      }, (files) => files.downloadFile("dnrbfgt5kc90gfwoocop855s", "reports/2026-02.csv"))
      assert.strictEqual(new TextDecoder().decode(bytes), "data")
      assert.deepStrictEqual([signs, gets], [2, 2])
    }))

  it.effect("presign: credentials redacted, expiration a Date", () =>
    Effect.gen(function*() {
      const access = yield* runFiles(() => answer(Fixtures.filesPresign), (files) => files.presignData("dnrbfgt5kc90gfwoocop855s", { prefix: "reports" }))
      assert.strictEqual(access.path, "apps/dnrbfgt5kc90gfwoocop855s/upload/reports")
      assert.strictEqual(access.expiration?.toISOString(), "2026-02-23T11:15:02.000Z")
      assert.notInclude(String(access.sharedCredentials), "wJalrXUtnFEMI")
      assert.deepInclude(Redacted.value(access.sharedCredentials), { Aws: JSON.parse(Fixtures.filesPresign).shared_credentials.Aws })
    }))
})
