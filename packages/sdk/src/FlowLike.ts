/**
 * Everything at once: `FlowLike.layer(options)` provides every service of the SDK over `fetch`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { FlowLike, Workflows } from "@flow-like/effect"
 *
 * const program = Effect.gen(function*() {
 *   const workflows = yield* Workflows.Workflows
 *   yield* workflows.triggerWorkflow("app-id", "board-id", "start-node").pipe(
 *     Stream.runForEach((event) => Effect.log(event.eventType))
 *   )
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(FlowLike.layer({ baseUrl: "https://api.flow-like.com" }))))
 * ```
 *
 * @since 0.1.0
 */
import * as EffectConfig from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import { Auth } from "./Auth.ts"
import * as Config from "./Config.ts"
import * as FlowLikeError from "./FlowLikeError.ts"
import { Db } from "./Db.ts"
import { DirectFetch, FlowLikeHttp } from "./FlowLikeHttp.ts"
import { Execution } from "./Execution.ts"
import { Files } from "./Files.ts"
import { Models } from "./Models.ts"
import { Workflows } from "./Workflows.ts"
import { Apps } from "./Apps.ts"
import { Boards } from "./Boards.ts"
import { Sinks } from "./Sinks.ts"
import { Usage } from "./Usage.ts"

/** Every service the SDK provides. */
export type Services = Config.FlowLikeConfig | Auth | FlowLikeHttp | Workflows | Execution | Models | Db
  | Boards | Apps | Sinks | Usage | Files

const servicesFrom = <E, R>(
  config: Layer.Layer<Config.FlowLikeConfig, E, R>
): Layer.Layer<Services, E, R | HttpClient.HttpClient> => {
  const base = Layer.provideMerge(Auth.layer, config)
  const http = Layer.provideMerge(FlowLikeHttp.layer, base)
  return Layer.provideMerge(
    Layer.mergeAll(Workflows.layer, Execution.layer, Models.layer, Db.layer, Boards.layer, Apps.layer, Sinks.layer, Usage.layer, Files.layer),
    http
  )
}

/** The SDK's services over a given `HttpClient` (use this to bring your own transport). */
export const layerWithoutHttpClient = (
  options: Config.Options = {}
): Layer.Layer<Services, FlowLikeError.FlowLikeError, HttpClient.HttpClient> => servicesFrom(Config.layer(options))

/**
 * `fetch` as the `HttpClient`, or the custom `fetch` given; JSON requests (and on `node:http`, event
 * streams) are sent directly (see `FlowLikeHttp.DirectFetch`), the rest go through the `HttpClient`.
 */
const fetchClient = (customFetch: typeof globalThis.fetch | undefined): Layer.Layer<HttpClient.HttpClient | DirectFetch> =>
  Layer.merge(
    customFetch === undefined
      ? FetchHttpClient.layer
      : FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, customFetch))),
    Layer.succeed(DirectFetch, { fetch: customFetch })
  )

/**
 * The SDK's services over `fetch` (or the `fetch` given in options), from options with the
 * environment as fallback; the environment is read each time the layer is built.
 */
export const layer = (options: Config.Options = {}): Layer.Layer<Services, FlowLikeError.FlowLikeError> =>
  layerWithoutHttpClient(options).pipe(Layer.provide(fetchClient(options.fetch)))

/** The SDK's services over `fetch` from an already validated configuration (see `Config.make`). */
export const layerResolved = (config: Config.ResolvedConfig): Layer.Layer<Services> =>
  servicesFrom(Layer.succeed(Config.FlowLikeConfig, config)).pipe(Layer.provide(fetchClient(config.fetch)))

/** `Config` values for every option that comes from configuration; each defaults to its environment variable. */
export interface ConfigOptions {
  readonly baseUrl?: EffectConfig.Config<string> | undefined
  readonly pat?: EffectConfig.Config<Redacted.Redacted<string>> | undefined
  readonly apiKey?: EffectConfig.Config<Redacted.Redacted<string>> | undefined
  readonly token?: EffectConfig.Config<Redacted.Redacted<string>> | undefined
}

const optional = <A>(config: EffectConfig.Config<A> | undefined) =>
  config === undefined ? Effect.succeed(undefined) : Effect.map(EffectConfig.option(config), Option.getOrUndefined)

/**
 * The SDK's services from `Config` values (read through the current `ConfigProvider`); without
 * arguments it reads `FLOW_LIKE_BASE_URL`, `FLOW_LIKE_PAT` and `FLOW_LIKE_API_KEY`.
 */
export const layerConfig = (
  config: ConfigOptions = {},
  options: Omit<Config.Options, "baseUrl" | "pat" | "apiKey" | "token"> = {}
): Layer.Layer<Services, FlowLikeError.FlowLikeError> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const baseUrl = yield* optional(config.baseUrl)
      const pat = yield* optional(config.pat)
      const apiKey = yield* optional(config.apiKey)
      const token = yield* optional(config.token)
      return layer({ ...options, baseUrl, pat, apiKey, token })
    }).pipe(
      Effect.mapError((error) => FlowLikeError.configuration(`Could not read the configuration: ${error.message}`))
    )
  )
