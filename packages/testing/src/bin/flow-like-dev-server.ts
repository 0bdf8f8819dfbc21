import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Result } from "effect"
import { parseArgs } from "node:util"
import * as DevServer from "../DevServer.ts"

const usage = "Usage: flow-like-dev-server [--port N] [--host H] [--allow-remote]"

interface Arguments {
  readonly port: number
  readonly host: string
}

const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)

const parseArguments = (argv: ReadonlyArray<string>): Result.Result<Arguments, string> => {
  let values: { readonly port?: string; readonly host?: string; readonly "allow-remote"?: boolean }
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "allow-remote": { type: "boolean" }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (error) {
    return Result.fail(error instanceof Error ? error.message : String(error))
  }
  const port = Number(values.port ?? "0")
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return Result.fail(`--port must be an integer from 0 to 65535, got ${values.port}`)
  }
  const host = values.host ?? "127.0.0.1"
  if (!isLoopback(host) && values["allow-remote"] !== true) {
    return Result.fail(`Refusing to listen on non-loopback host ${host} without --allow-remote`)
  }
  return Result.succeed({ port, host })
}

const serve = ({ host, port }: Arguments) =>
  Effect.gen(function*() {
    const server = yield* DevServer.DevServerService
    yield* Console.log(JSON.stringify({
      url: server.url,
      apiUrl: server.apiUrl,
      pat: server.pat,
      apiKey: server.apiKey,
      appId: server.appId,
      boardId: server.seed.boardId,
      nodeId: server.seed.nodeId,
      eventId: server.seed.eventId,
      slowBoardId: server.seed.slowBoardId,
      failingBoardId: server.seed.failingBoardId
    }))
    yield* Console.error(`Flow-Like dev server listening on ${server.url} (Ctrl-C to stop)`)
    return yield* Effect.never
  }).pipe(Effect.provide(DevServer.layer({ host, port, seed: "demo" })))

const parsed = parseArguments(process.argv.slice(2))
if (Result.isFailure(parsed)) {
  console.error(`${parsed.failure}\n${usage}`)
  process.exitCode = 2
} else {
  NodeRuntime.runMain(serve(parsed.success))
}
