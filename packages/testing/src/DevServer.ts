/**
 * A local, in-memory Flow-Like API server for tests and demos. It reproduces the real server's
 * wire behaviour route by route (paths under `/api/v1`, bodies, status codes, error envelopes,
 * SSE framing, long polls, and its quirks) with scripted boards in place of the executor. It serves
 * every route of the SDK's `FlowLikeApi` declaration, plus that declaration's OpenAPI 3.1 document
 * at `GET /api-doc/openapi.json` and a reference page that works offline at `GET /docs`.
 *
 * The DB routes run real LanceDB on an S3-compatible store (fauxqs) that the server starts on
 * loopback on first use and stops on `close()`; `db/presign` hands out credentials for it.
 *
 * Use `start` from Promise code and `layer` from Effect code; both run the same server, in its own
 * runtime, so a test's `TestClock` or logger never reaches it.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, FiberSet, Layer, Scope } from "effect"
import { HttpServer } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { readFile, writeFile } from "node:fs/promises"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { makeBitsHandlers } from "./internal/handlers/Bits.ts"
import { makeDbHandlers } from "./internal/handlers/Db.ts"
import { makeExecutionHandlers } from "./internal/handlers/Execution.ts"
import { makeFilesHandlers } from "./internal/handlers/Files.ts"
import { healthHandlers } from "./internal/handlers/Health.ts"
import { makeAnthropicChat, makeModelsHandlers } from "./internal/handlers/Models.ts"
import { makeWorkflowsHandlers } from "./internal/handlers/Workflows.ts"
import { makeAppsHandlers } from "./internal/handlers/Apps.ts"
import { makeBoardsHandlers } from "./internal/handlers/Boards.ts"
import { makeSinksHandlers } from "./internal/handlers/Sinks.ts"
import { makeUsageHandlers } from "./internal/handlers/Usage.ts"
import { makeHttpApp } from "./internal/HttpApp.ts"
import { cuid } from "./internal/Ids.ts"
import type {
  BitDefinition,
  BoardDefinition,
  ChatScript,
  EventDefinition,
  FaultRule,
  Options,
  RecordedRequest,
  SeedInfo,
  SinkDefinition,
  StreamClosed,
  UpstreamFailure
} from "./internal/Model.ts"
import { seedBits, seedDemo, seedDemoSinks, seedIds } from "./internal/Seed.ts"
import { isStorageRequest, makeStorageHandler } from "./internal/Storage.ts"
import { makeApps } from "./internal/stores/Apps.ts"
import { makeBoards } from "./internal/stores/Boards.ts"
import { makeCredentials } from "./internal/stores/Credentials.ts"
import { makeDbStore } from "./internal/stores/Db.ts"
import { makeEvents } from "./internal/stores/Events.ts"
import { makeFaults } from "./internal/stores/Faults.ts"
import { encodeSegment, makeFiles } from "./internal/stores/Files.ts"
import { makeGates } from "./internal/stores/Gates.ts"
import { makeModels } from "./internal/stores/Models.ts"
import { makePollTokens } from "./internal/stores/PollTokens.ts"
import { makeRequests } from "./internal/stores/Requests.ts"
import { makeRuns } from "./internal/stores/Runs.ts"
import { makeStreams } from "./internal/stores/Streams.ts"
import { makeSinks } from "./internal/stores/Sinks.ts"
import { makeLogs } from "./internal/stores/Logs.ts"
import { makeUsage } from "./internal/stores/Usage.ts"
import type { EmbeddingUsageInput, ExecutionUsageInput, LlmUsageInput } from "./internal/stores/Usage.ts"

export type {
  BitDefinition,
  BoardDefinition,
  BoardStep,
  ChatScript,
  EventDefinition,
  Fault,
  FaultRule,
  Options,
  RecordedRequest,
  ResponseLogEntry,
  RunInput,
  RuntimeVariableDefinition,
  SeedInfo,
  SinkDefinition,
  StreamClosed,
  UpstreamFailure
} from "./internal/Model.ts"

/** A running dev server: its address and credentials, scripting, fault injection and what it saw. */
export interface DevServer {
  /** e.g. `http://127.0.0.1:43123`, without `/api/v1`. */
  readonly url: string
  /** `url + "/api/v1"`. */
  readonly apiUrl: string
  /** The seeded PAT, `pat_<id>.<43-char base64url secret>`, sent raw in `Authorization`. */
  readonly pat: string
  /** The seeded API key `flk_<appId>.<keyId>.<secret>`, sent in `X-API-Key`. */
  readonly apiKey: string
  /** The seeded app the PAT user (and the API key) belongs to. */
  readonly appId: string
  readonly seed: SeedInfo
  readonly apps: {
    /** An app the PAT user is a member of; returns its id (a new cuid by default). */
    add(appId?: string): string
    /** An app the PAT user is not a member of: requests for it get the real server's 500. */
    addForeign(appId?: string): string
    /** Gives an app metadata (its name and description), as `GET /apps` pairs it. */
    describe(appId: string, meta: { readonly name: string; readonly description?: string }): void
  }
  readonly boards: {
    /** Adds or replaces a board; `appId` defaults to `appId` and must exist. */
    add(board: BoardDefinition, appId?: string): void
  }
  readonly events: {
    /** Adds or replaces an event; `appId` (default `appId`) must exist and holds the event's board. */
    add(event: EventDefinition, appId?: string): void
  }
  readonly sinks: {
    /** Adds or replaces the HTTP sink of an event of `appId` (default `appId`); returns the sink's id. */
    add(sink: SinkDefinition, appId?: string): string
    /** The sink of an event as the server holds it, or `undefined`. */
    get(eventId: string): { readonly active: boolean; readonly path: string | undefined; readonly hasAuthToken: boolean } | undefined
  }
  readonly usage: {
    /** Records an LLM call in the usage history (newest first). */
    addLlm(record: LlmUsageInput): void
    /** Records an embedding call. */
    addEmbedding(record: EmbeddingUsageInput): void
    /** Records an execution. */
    addExecution(record: ExecutionUsageInput): void
  }
  readonly faults: {
    /** Applies `rule` to matching requests (see `FaultRule`). */
    inject(rule: FaultRule): void
    /** Removes every fault rule. */
    clear(): void
  }
  readonly gates: {
    /** Releases every `await` step on this gate, now and later. */
    open(gate: string): void
  }
  readonly runs: {
    /** `"Pending" | "Running" | "Completed" | "Failed" | ...`, or `undefined` for an unknown run: what the API records. */
    status(runId: string): string | undefined
    /**
     * Resolves once the executor ended the run (`"Completed"`, `"Failed"` or `"Timeout"`). A streamed
     * run runs to its end after its client left, though the API's `status` then stays `Pending`
     * (its proxy never saw `completed`). Rejects for an unknown run.
     */
    executed(runId: string): Promise<string>
  }
  readonly models: {
    /** Adds or replaces a bit of the hub. */
    addBit(bit: BitDefinition): void
    /** Answers the next chat request to `bitId` with `answer` instead of the deterministic model (one answer per call, in order). */
    script(bitId: string, answer: ChatScript): void
    /** Fails the next chat request to `bitId` as a provider failure would (see `UpstreamFailure`). */
    failUpstream(bitId: string, failure?: UpstreamFailure): void
    /** The running totals `GET /chat/usage` reports, in micro-dollars (one per token). */
    usage(): { readonly llmPrice: number; readonly embeddingPrice: number }
  }
  readonly db: {
    /**
     * Adds rows to a table of `appId` (default the seeded app) through the same LanceDB store the
     * routes use, creating the table on first use. The same type rules apply as for `PUT …/db/{t}`.
     */
    addRows(table: string, rows: ReadonlyArray<Readonly<Record<string, unknown>>>, appId?: string): Promise<void>
    /** How long credentials issued from now on stay valid (milliseconds). */
    setCredentialLifetime(millis: number): void
    /** Makes every credential issued so far expired now: the store refuses them with 403 `ExpiredToken`. */
    expireCredentials(): void
    /** How many `db/presign` requests were answered. */
    presignCount(): number
    /** Requests the object store refused so far, by S3 error code (`ExpiredToken`, `AccessDenied`, ...). */
    refused(): ReadonlyMap<string, number>
  }
  readonly files: {
    /** Stores a file as an upload would: `key` is relative to the app's storage (`appId` defaults to `appId`). */
    put(key: string, bytes: Uint8Array | string, appId?: string): Promise<void>
    /** A stored file's bytes, or `undefined`. */
    get(key: string, appId?: string): Promise<Uint8Array | undefined>
    /** Signing this key (as sent in `prefixes`) answers the server's per-key `{prefix, error}`, until `clear`. */
    failSigning(prefix: string): void
    /** The next `count` signed URLs are signed already expired (storage refuses them with 403). */
    expireNextUrls(count: number): void
    /** A signed storage URL for a key of `appId`'s storage, e.g. to compare with a plain `fetch`. */
    signedUrl(method: "GET" | "PUT", key: string, appId?: string): string
    /** Forgets `failSigning` and `expireNextUrls`. */
    clear(): void
    /** The directory holding the objects. */
    readonly directory: string
  }
  /** Every request received, in order (live view). */
  readonly requests: ReadonlyArray<RecordedRequest>
  /**
   * The oldest SSE response closure not yet returned by an earlier call, waiting for one if
   * needed. Closures are buffered, so the order of `await` and disconnect does not matter, but
   * every SSE response counts: call it once per stream, in order.
   */
  nextStreamClosed(): Promise<StreamClosed>
  /** Ends open SSE streams cleanly, interrupts async runs and stops listening. Idempotent. */
  close(): Promise<void>
}

/** The running dev server as an Effect service (see `layer`). */
export class DevServerService extends Context.Service<DevServerService, DevServer>()(
  "@flow-like/testing/DevServer"
) {}

/** Grace period for connections that arrive while the server is closing. */
const shutdownGraceMillis = 1_000

const build = (options: Options, scope: Scope.Closeable) =>
  Effect.gen(function*() {
    const homeAppId = cuid()
    const seed = seedIds(homeAppId)
    const credentials = makeCredentials(homeAppId)
    const apps = makeApps()
    apps.add(homeAppId, true)
    apps.add(seed.foreignAppId, false)
    const boards = makeBoards(apps)
    const events = makeEvents(apps)
    const models = makeModels()
    const sinks = makeSinks()
    const logs = makeLogs()
    const usage = makeUsage()
    if ((options.seed ?? "demo") === "demo") {
      seedDemo({ boards, events }, seed)
      seedDemoSinks({ apps, events, sinks }, seed)
      seedBits(models, seed.bits)
    }
    const runs = makeRuns()
    const db = makeDbStore({ lifetimeMillis: options.dbCredentialLifetimeMillis })
    const pollTokens = makePollTokens()
    const gates = makeGates()
    const faults = makeFaults()
    const requests = makeRequests()
    const streams = yield* makeStreams
    const backgroundRuns = yield* FiberSet.make<void>()

    const files = makeFiles(options.storageDir)
    yield* Scope.addFinalizer(scope, Effect.sync(() => files.close()))
    const nodeServer = createServer()
    const storage = makeStorageHandler(files, faults, requests)
    // Signed storage URLs are answered before Effect's HTTP server sees them: their bodies stream to
    // and from disk at any size, outside the API's 2 MB body limit and JSON framing.
    const emit = nodeServer.emit.bind(nodeServer) as (event: string, ...args: Array<unknown>) => boolean
    nodeServer.emit = ((event: string, ...args: Array<unknown>) => {
      const [request, response] = args as [IncomingMessage, ServerResponse]
      if ((event === "request" || event === "checkContinue") && isStorageRequest(request)) {
        if (event === "checkContinue") response.writeContinue()
        void storage(request, response)
        return true
      }
      return emit(event, ...args)
    }) as typeof nodeServer.emit
    const server = yield* NodeHttpServer.make(() => nodeServer, {
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1",
      gracefulShutdownTimeout: shutdownGraceMillis
    })
    yield* server.serve(
      yield* makeHttpApp({
        credentials,
        handlers: {
          health: healthHandlers,
          workflows: makeWorkflowsHandlers({
            apps,
            boards,
            events,
            runs,
            pollTokens,
            gates,
            logs,
            streams,
            backgroundRuns,
            keepAliveMillis: options.keepAliveMillis ?? 1000
          }),
          execution: makeExecutionHandlers({
            apps,
            runs,
            pollTokens,
            pollIntervalMillis: options.pollIntervalMillis ?? 500
          }),
          models: makeModelsHandlers({ models, streams }),
          bits: makeBitsHandlers(models),
          boards: makeBoardsHandlers({ apps, boards, runs, logs }),
          apps: makeAppsHandlers({ apps, boards }),
          sinks: makeSinksHandlers({
            apps,
            boards,
            events,
            sinks,
            runs,
            gates,
            logs,
            streams,
            backgroundRuns,
            keepAliveMillis: options.keepAliveMillis ?? 1000
          }),
          usage: makeUsageHandlers({ usage, models }),
          db: makeDbHandlers({ apps, db }),
          files: makeFilesHandlers({ apps, files })
        },
        intercepts: { "models.chatCompletions": makeAnthropicChat({ models, streams }) },
        requests,
        faults,
        onResponse: options.onResponse
      })
    )
    yield* Scope.addFinalizer(
      scope,
      streams.endAll.pipe(
        Effect.andThen(FiberSet.clear(backgroundRuns)),
        Effect.andThen(Effect.sync(() => nodeServer.closeAllConnections())),
        Effect.andThen(Effect.promise(() => db.close()))
      )
    )

    const url = HttpServer.formatAddress(server.address)
    files.setBaseUrl(url)
    const storageKey = (key: string, appId: string) =>
      ["apps", appId, "upload", ...key.split("/").filter((segment) => segment !== "")].map(encodeSegment).join("/")
    let closing: Promise<void> | undefined
    const devServer: DevServer = {
      url,
      apiUrl: `${url}/api/v1`,
      pat: credentials.pat,
      apiKey: credentials.apiKey,
      appId: homeAppId,
      seed,
      apps: {
        add: (appId = cuid()) => {
          apps.add(appId, true)
          return appId
        },
        addForeign: (appId = cuid()) => {
          apps.add(appId, false)
          return appId
        },
        describe: (appId, meta) => {
          apps.require(appId).meta = { name: meta.name, description: meta.description ?? "", tags: [] }
        }
      },
      boards: { add: (board, appId = homeAppId) => boards.add(appId, board) },
      events: { add: (event, appId = homeAppId) => events.add(appId, event) },
      sinks: {
        add: (sink, appId = homeAppId) => {
          apps.require(appId)
          return sinks.add(appId, sink).id
        },
        get: (eventId) => {
          const sink = sinks.byEvent(eventId)
          return sink === undefined ? undefined : { active: sink.active, path: sink.path, hasAuthToken: sink.authToken !== undefined }
        }
      },
      usage: {
        addLlm: (record) => usage.llm.unshift({ id: cuid(), createdAt: new Date().toISOString(), ...record }),
        addEmbedding: (record) => usage.embeddings.unshift({ id: cuid(), createdAt: new Date().toISOString(), ...record }),
        addExecution: (record) => usage.executions.unshift({ id: cuid(), createdAt: new Date().toISOString(), ...record })
      },
      faults: { inject: faults.inject, clear: faults.clear },
      gates: { open: gates.open },
      runs: {
        status: (runId) => runs.get(runId)?.status,
        executed: (runId) => {
          const run = runs.get(runId)
          return run === undefined ? Promise.reject(new Error(`no run ${runId}`)) : Effect.runPromise(runs.awaitExecuted(run))
        }
      },
      models: {
        addBit: models.addBit,
        script: models.script,
        failUpstream: (bitId, failure = {}) => models.failUpstream(bitId, failure),
        usage: () => ({ ...models.usage })
      },
      db: {
        addRows: async (table, rows, appId = homeAppId) => {
          apps.require(appId)
          await db.add(appId, table, rows as Array<Record<string, unknown>>)
        },
        setCredentialLifetime: db.setCredentialLifetime,
        expireCredentials: db.expireCredentials,
        presignCount: db.presigned,
        refused: db.refused
      },
      files: {
        put: async (key, bytes, appId = homeAppId) => {
          const scratch = files.scratch()
          await writeFile(scratch, bytes)
          await files.commit(storageKey(key, appId), scratch, typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength)
        },
        get: async (key, appId = homeAppId) => {
          const object = files.get(storageKey(key, appId))
          return object === undefined ? undefined : new Uint8Array(await readFile(object.file))
        },
        failSigning: (prefix) => {
          files.failingKeys.add(prefix)
        },
        expireNextUrls: (count) => {
          files.expireNext = count
        },
        signedUrl: (method, key, appId = homeAppId) => files.sign(method, storageKey(key, appId)),
        clear: () => {
          files.failingKeys.clear()
          files.expireNext = 0
        },
        directory: files.directory
      },
      requests: requests.all,
      nextStreamClosed: () => Effect.runPromise(streams.nextClosed),
      close: () => (closing ??= Effect.runPromise(Scope.close(scope, Exit.void)))
    }
    return devServer
  })

const make = (options: Options): Effect.Effect<DevServer, ServeError> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    return yield* build(options, scope).pipe(
      Scope.provide(scope),
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
    )
  })

/** Starts a server; rejects with a `ServeError` if it cannot listen. Close it with `close()`. */
export const start = (options: Options = {}): Promise<DevServer> => Effect.runPromise(make(options))

/**
 * A scoped server: started when the layer is built (failing with a `ServeError` if it cannot
 * listen, e.g. the port is taken), closed when it is released. It runs in its own runtime, so a
 * test's `TestClock` or logger never reaches it.
 */
export const layer = (options: Options = {}): Layer.Layer<DevServerService, ServeError> =>
  Layer.effect(
    DevServerService,
    Effect.acquireRelease(
      Effect.tryPromise({ try: () => start(options), catch: (error) => error as ServeError }),
      (server) => Effect.promise(() => server.close())
    )
  )
