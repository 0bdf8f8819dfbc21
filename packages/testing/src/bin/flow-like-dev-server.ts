import { NodeRuntime } from "@effect/platform-node"
import { Data, Effect, Result } from "effect"
import { parseArgs } from "node:util"
import * as DevServer from "../DevServer.ts"

const command = "flow-like-dev-server"

const help = `Usage: ${command} [--port N] [--host H] [--allow-remote] [--quiet]

Starts a local Flow-Like API server with demo data (an app, boards, an event, a PAT and an API key)
that behaves like the real server route by route. Everything is in memory; Ctrl-C stops it.

Options:
  --port N         port to listen on; 0 (the default) picks a free one
  --host H         interface to listen on (default 127.0.0.1)
  --allow-remote   allow a non-loopback --host (the server has well-known demo credentials)
  --quiet          no log line per request on stderr
  -h, --help       show this help

Output:
  stdout  one line of JSON: url, apiUrl, pat, apiKey, appId, boardId, nodeId, eventId,
          slowBoardId, failingBoardId
  stderr  a banner (URL, docs, credentials, seeded ids, an example curl), then one line per
          request: method, path, status, milliseconds
`

interface Arguments {
  readonly port: number
  readonly host: string
  readonly quiet: boolean
}

type Parsed = { readonly _tag: "Help" } | { readonly _tag: "Serve"; readonly args: Arguments }

const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)

const parseArguments = (argv: ReadonlyArray<string>): Result.Result<Parsed, string> => {
  let values: {
    readonly port?: string
    readonly host?: string
    readonly "allow-remote"?: boolean
    readonly quiet?: boolean
    readonly help?: boolean
  }
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "allow-remote": { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (error) {
    return Result.fail(error instanceof Error ? error.message : String(error))
  }
  if (values.help === true) {
    return Result.succeed({ _tag: "Help" })
  }
  const port = Number(values.port ?? "0")
  if (values.port?.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65_535) {
    return Result.fail(`--port must be an integer from 0 to 65535, got ${values.port}`)
  }
  const host = values.host ?? "127.0.0.1"
  if (!isLoopback(host) && values["allow-remote"] !== true) {
    return Result.fail(`Refusing to listen on non-loopback host ${host} without --allow-remote`)
  }
  return Result.succeed({ _tag: "Serve", args: { port, host, quiet: values.quiet === true } })
}

/** The Node error behind a failed listen: `DevServer.start` rejects with a `ServeError` whose `cause` it is. */
const listenErrorCode = (error: unknown): string | undefined => {
  const code = (value: unknown): string | undefined =>
    typeof value === "object" && value !== null && "code" in value && typeof value.code === "string"
      ? value.code
      : undefined
  return typeof error === "object" && error !== null && "cause" in error ? code(error.cause) ?? code(error) : code(error)
}

const listenFailureMessage = ({ host, port }: Arguments, error: unknown): string => {
  const code = listenErrorCode(error)
  switch (code) {
    case "EADDRINUSE":
      return `${command}: port ${port} on ${host} is already in use (EADDRINUSE); pick another with --port, or --port 0 for a free one`
    case "EACCES":
      return `${command}: no permission to listen on port ${port} on ${host} (EACCES); pick a port above 1023 with --port, or --port 0 for a free one`
    case "EADDRNOTAVAIL":
      return `${command}: ${host} is not an address of this machine (EADDRNOTAVAIL); pick another with --host`
    default: {
      const cause = typeof error === "object" && error !== null && "cause" in error ? error.cause : error
      const detail = cause instanceof Error ? cause.message : String(cause)
      return `${command}: cannot listen on ${host}:${port}${code === undefined ? "" : ` (${code})`}: ${detail}`
    }
  }
}

const banner = (server: DevServer.DevServer, quiet: boolean): string => {
  const { seed } = server
  // Ids and credentials are cuids and base64url: nothing in them needs shell quoting.
  const curl = `curl -N -X POST "${server.apiUrl}/apps/${server.appId}/board/${seed.boardId}/invoke"` +
    ` -H "Authorization: ${server.pat}" -H "content-type: application/json" -d '${JSON.stringify({ node_id: seed.nodeId })}'`
  return [
    `Flow-Like dev server listening on ${server.url}`,
    ``,
    `  API       ${server.apiUrl}`,
    `  Docs      ${server.url}/docs`,
    `  OpenAPI   ${server.url}/api-doc/openapi.json`,
    `  PAT       ${server.pat}    (header Authorization, sent raw)`,
    `  API key   ${server.apiKey}    (header X-API-Key)`,
    `  App       ${server.appId}`,
    `  Boards    hello ${seed.boardId}, slow ${seed.slowBoardId}, failing ${seed.failingBoardId} (start node ${seed.nodeId})`,
    `  Event     ${seed.eventId}`,
    `  Models    chat ${seed.bits.llmBitId}, embeddings ${seed.bits.embeddingBitId} (384) and ${seed.bits.largeEmbeddingBitId} (768)`,
    ``,
    `Stream a run of the hello board:`,
    `  ${curl}`,
    ``,
    quiet ? `Ctrl-C to stop.` : `Requests are logged below (--quiet to stop that). Ctrl-C to stop.`,
    ``
  ].join("\n")
}

const logResponse = (entry: DevServer.ResponseLogEntry): void => {
  process.stderr.write(`${entry.method} ${entry.path} ${entry.status} ${entry.millis.toFixed(1)} ms\n`)
}

class ListenFailed extends Data.TaggedError("ListenFailed")<{ readonly message: string }> {}

const serve = (args: Arguments) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          DevServer.start({
            host: args.host,
            port: args.port,
            seed: "demo",
            ...(args.quiet ? {} : { onResponse: logResponse })
          }),
        catch: (error) => new ListenFailed({ message: listenFailureMessage(args, error) })
      }),
      (server) => Effect.promise(() => server.close())
    )
    // The first stdout line, one JSON object: scripts read it.
    process.stdout.write(`${
      JSON.stringify({
        url: server.url,
        apiUrl: server.apiUrl,
        pat: server.pat,
        apiKey: server.apiKey,
        appId: server.appId,
        boardId: server.seed.boardId,
        nodeId: server.seed.nodeId,
        eventId: server.seed.eventId,
        slowBoardId: server.seed.slowBoardId,
        failingBoardId: server.seed.failingBoardId,
        llmBitId: server.seed.bits.llmBitId,
        embeddingBitId: server.seed.bits.embeddingBitId
      })
    }\n`)
    process.stderr.write(banner(server, args.quiet))
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.catchTag("ListenFailed", (failure) =>
      Effect.sync(() => {
        process.stderr.write(`${failure.message}\n`)
        process.exitCode = 1
      }))
  )

const parsed = parseArguments(process.argv.slice(2))
if (Result.isFailure(parsed)) {
  process.stderr.write(`${command}: ${parsed.failure}\n\n${help}`)
  process.exitCode = 2
} else if (parsed.success._tag === "Help") {
  process.stdout.write(help)
} else {
  NodeRuntime.runMain(serve(parsed.success.args))
}
