/**
 * Options and environment turned into one validated configuration, before any request is sent.
 *
 * Explicit options win over `FLOW_LIKE_BASE_URL`, `FLOW_LIKE_PAT` and `FLOW_LIKE_API_KEY`. Secrets are
 * kept `Redacted` and never appear in an error message.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as FlowLikeError from "./FlowLikeError.ts"
import { redact } from "./internal/secret.ts"

/** A secret given as a plain string or already `Redacted`. */
export type Secret = string | Redacted.Redacted<string>

/** What a user may pass; everything is optional because the environment fills the gaps. */
export interface Options {
  /** Server root, e.g. `https://api.flow-like.com` (a trailing `/api/v1` is accepted and not doubled). */
  readonly baseUrl?: string | undefined
  /** Personal access token `pat_<id>.<secret>`, sent raw as `Authorization`. */
  readonly pat?: Secret | undefined
  /** App API key `flk_<app>.<key>.<secret>`, sent as `X-API-Key`. */
  readonly apiKey?: Secret | undefined
  /** Either kind of credential; its prefix decides which. */
  readonly token?: Secret | undefined
  /** Per-request timeout (default 60 seconds). Long polls add the server's wait on top. */
  readonly timeout?: Duration.Input | undefined
  /** How long a stream may stay silent before it fails (default 30 seconds; the server sends a keep-alive every second). */
  readonly streamIdleTimeout?: Duration.Input | undefined
  /** Automatic retries of idempotent requests (default 2). Invocations are never retried. */
  readonly maxRetries?: number | undefined
  /**
   * The longest single wait before a retry (default 30 seconds). A server that asks for a longer
   * wait (`Retry-After`) gets no retry: the call fails at once with the server's hint.
   */
  readonly maxRetryDelay?: Duration.Input | undefined
  /** The most time one call spends retrying (default 60 seconds); the last error is reported then. */
  readonly maxRetryTime?: Duration.Input | undefined
  /** The largest JSON answer read into memory (default 32 MiB); a larger one fails with `DecodeError`. */
  readonly maxResponseBytes?: number | undefined
  /**
   * Send trace-propagation headers (`traceparent`, `b3`) when a tracer is installed (default false:
   * Flow-Like does not read them, and they would reveal trace ids to the server).
   */
  readonly tracePropagation?: boolean | undefined
  /** A custom `fetch` for the transport (tests, proxies, instrumentation). */
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/** The kind of credential in use. */
export type Credential =
  | { readonly _tag: "Pat"; readonly value: Redacted.Redacted<string> }
  | { readonly _tag: "ApiKey"; readonly value: Redacted.Redacted<string> }

/** The validated configuration every service reads. */
export interface ResolvedConfig {
  /** Server root without a trailing slash, e.g. `https://api.flow-like.com`. */
  readonly baseUrl: string
  /** `baseUrl` + `/api/v1`. */
  readonly apiUrl: string
  readonly credential: Credential
  readonly timeout: Duration.Duration
  readonly streamIdleTimeout: Duration.Duration
  readonly maxRetries: number
  readonly maxRetryDelay: Duration.Duration
  readonly maxRetryTime: Duration.Duration
  readonly maxResponseBytes: number
  readonly tracePropagation: boolean
  readonly fetch: typeof globalThis.fetch | undefined
  readonly headers: Readonly<Record<string, string>>
}

/** Values read from the environment (or any `ConfigProvider`). */
export interface EnvironmentValues {
  readonly baseUrl: Option.Option<string>
  readonly pat: Option.Option<Redacted.Redacted<string>>
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
}

/** The validated configuration as a service. */
export class FlowLikeConfig extends Context.Service<FlowLikeConfig, ResolvedConfig>()("@flow-like/effect/Config") {}

const DEFAULT_TIMEOUT = Duration.seconds(60)
const DEFAULT_STREAM_IDLE_TIMEOUT = Duration.seconds(30)
const DEFAULT_MAX_RETRIES = 2
const DEFAULT_MAX_RETRY_DELAY = Duration.seconds(30)
const DEFAULT_MAX_RETRY_TIME = Duration.seconds(60)
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
const API_PREFIX = "/api/v1"

const PAT_PATTERN = /^pat_[^.\s]+\.[^.\s]+$/
const API_KEY_PATTERN = /^flk_[^.\s]+\.[^.\s]+\.[^.\s]+$/

const nonEmpty = (secret: Secret | undefined): Redacted.Redacted<string> | undefined => {
  if (secret === undefined) return undefined
  const redacted = redact(secret)
  return Redacted.value(redacted).trim() === "" ? undefined : redacted
}

const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/

/**
 * Why a secret cannot go into a header, or `undefined` when it can: a control character or a space
 * (a trailing newline from a file, a pasted CR/LF). The value itself never appears in the reason.
 */
export const secretProblem = (value: string): string | undefined => {
  const index = value.search(CONTROL_OR_SPACE)
  if (index === -1) return undefined
  const where = index === value.length - 1 ? "at its end" : index === 0 ? "at its start" : `at position ${index + 1}`
  const code = value.charCodeAt(index)
  const what = code === 10 ? "a newline" : code === 13 ? "a carriage return" : code === 32 ? "a space" : code === 0 ? "a NUL character" : "a control character"
  return `contains ${what} ${where}`
}

const checkPat = (value: Redacted.Redacted<string>, source: string): Effect.Effect<Credential, FlowLikeError.FlowLikeError> => {
  const raw = Redacted.value(value)
  const problem = secretProblem(raw)
  if (problem !== undefined) return Effect.fail(FlowLikeError.configuration(`${source} ${problem}; remove it`))
  if (raw.startsWith("flk_")) {
    return Effect.fail(
      FlowLikeError.configuration(`${source} holds an API key (flk_…), not a personal access token; pass it as apiKey`)
    )
  }
  if (!PAT_PATTERN.test(raw)) {
    return Effect.fail(
      FlowLikeError.configuration(`${source} is malformed: a personal access token looks like pat_<id>.<secret>`)
    )
  }
  return Effect.succeed({ _tag: "Pat", value: Redacted.make(raw) })
}

const checkApiKey = (
  value: Redacted.Redacted<string>,
  source: string
): Effect.Effect<Credential, FlowLikeError.FlowLikeError> => {
  const raw = Redacted.value(value)
  const problem = secretProblem(raw)
  if (problem !== undefined) return Effect.fail(FlowLikeError.configuration(`${source} ${problem}; remove it`))
  if (raw.startsWith("pat_")) {
    return Effect.fail(
      FlowLikeError.configuration(`${source} holds a personal access token (pat_…), not an API key; pass it as pat`)
    )
  }
  if (!API_KEY_PATTERN.test(raw)) {
    return Effect.fail(
      FlowLikeError.configuration(`${source} is malformed: an API key looks like flk_<appId>.<keyId>.<secret>`)
    )
  }
  return Effect.succeed({ _tag: "ApiKey", value: Redacted.make(raw) })
}

const checkToken = (value: Redacted.Redacted<string>): Effect.Effect<Credential, FlowLikeError.FlowLikeError> => {
  const raw = Redacted.value(value).trimStart()
  if (raw.startsWith("pat_")) return checkPat(value, "token")
  if (raw.startsWith("flk_")) return checkApiKey(value, "token")
  return Effect.fail(
    FlowLikeError.configuration("token must start with pat_ (personal access token) or flk_ (API key)")
  )
}

const resolveCredential = (
  options: Options,
  env: EnvironmentValues
): Effect.Effect<Credential, FlowLikeError.FlowLikeError> => {
  const explicit = [
    { name: "pat", value: nonEmpty(options.pat), check: (value: Redacted.Redacted<string>) => checkPat(value, "pat") },
    { name: "apiKey", value: nonEmpty(options.apiKey), check: (value: Redacted.Redacted<string>) => checkApiKey(value, "apiKey") },
    { name: "token", value: nonEmpty(options.token), check: checkToken }
  ].flatMap(({ check, name, value }) => value === undefined ? [] : [{ name, value, check }])
  if (explicit.length > 1) {
    return Effect.fail(
      FlowLikeError.configuration(`Pass exactly one credential: got ${explicit.map(({ name }) => name).join(" and ")}`)
    )
  }
  const [given] = explicit
  if (given !== undefined) return given.check(given.value)
  const envPat = env.pat.pipe(Option.map((v) => nonEmpty(v)), Option.getOrUndefined)
  const envApiKey = env.apiKey.pipe(Option.map((v) => nonEmpty(v)), Option.getOrUndefined)
  if (envPat !== undefined && envApiKey !== undefined) {
    return Effect.fail(
      FlowLikeError.configuration(
        "Both FLOW_LIKE_PAT and FLOW_LIKE_API_KEY are set: unset one, or pass the credential to use explicitly"
      )
    )
  }
  if (envPat !== undefined) return checkPat(envPat, "FLOW_LIKE_PAT")
  if (envApiKey !== undefined) return checkApiKey(envApiKey, "FLOW_LIKE_API_KEY")
  return Effect.fail(
    FlowLikeError.configuration(
      "No credential: pass pat, apiKey or token, or set FLOW_LIKE_PAT or FLOW_LIKE_API_KEY"
    )
  )
}

/** Normalises a base URL: http(s) only, no query or fragment, no trailing slash, no doubled `/api/v1`. */
export const normalizeBaseUrl = (input: string | undefined): Effect.Effect<string, FlowLikeError.FlowLikeError> => {
  const raw = input?.trim()
  if (raw === undefined || raw === "") {
    return Effect.fail(FlowLikeError.configuration("No base URL: pass baseUrl or set FLOW_LIKE_BASE_URL"))
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    // The text is not echoed: an unparseable URL may still hold a password.
    return Effect.fail(
      FlowLikeError.configuration("The base URL is not a valid URL: expected e.g. https://api.flow-like.com")
    )
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Effect.fail(FlowLikeError.configuration(`Base URL must use http or https, got ${url.protocol}`))
  }
  if (url.username !== "" || url.password !== "") {
    return Effect.fail(FlowLikeError.configuration("Base URL must not contain credentials; use pat, apiKey or token"))
  }
  if (url.search !== "" || url.hash !== "") {
    return Effect.fail(FlowLikeError.configuration("Base URL must not contain a query string or fragment"))
  }
  let path = url.pathname.replace(/\/+$/, "")
  if (path.endsWith(API_PREFIX)) path = path.slice(0, -API_PREFIX.length)
  return Effect.succeed(`${url.origin}${path}`)
}

const resolveDuration = (
  input: Duration.Input | undefined,
  fallback: Duration.Duration,
  name: string
): Effect.Effect<Duration.Duration, FlowLikeError.FlowLikeError> => {
  if (input === undefined) return Effect.succeed(fallback)
  const duration = Duration.fromInput(input)
  if (Option.isNone(duration) || Duration.isNegative(duration.value)) {
    return Effect.fail(FlowLikeError.configuration(`${name} must be a non-negative duration`))
  }
  return Effect.succeed(duration.value)
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/

/** Extra headers with lower-case names; a name or value that no HTTP header can carry fails, naming the header only. */
export const checkHeaders = (
  headers: Readonly<Record<string, string>> | undefined,
  fail: (message: string) => FlowLikeError.FlowLikeError = FlowLikeError.configuration
): Result.Result<Readonly<Record<string, string>>, FlowLikeError.FlowLikeError> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) return Result.fail(fail(`headers: "${name}" is not a valid header name`))
    if (typeof value !== "string" || BAD_HEADER_VALUE.test(value)) {
      return Result.fail(fail(`headers: the value of "${name}" contains a control character (CR, LF, NUL, ...)`))
    }
    out[name.toLowerCase()] = value
  }
  return Result.succeed(out)
}

/** Validates options against environment values; pure, so it is easy to test. */
export const resolve = Effect.fnUntraced(function*(options: Options, env: EnvironmentValues) {
  const baseUrl = yield* normalizeBaseUrl(options.baseUrl ?? Option.getOrUndefined(env.baseUrl))
  const credential = yield* resolveCredential(options, env)
  const timeout = yield* resolveDuration(options.timeout, DEFAULT_TIMEOUT, "timeout")
  const streamIdleTimeout = yield* resolveDuration(
    options.streamIdleTimeout,
    DEFAULT_STREAM_IDLE_TIMEOUT,
    "streamIdleTimeout"
  )
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    return yield* FlowLikeError.configuration("maxRetries must be a whole number of at least 0")
  }
  const maxRetryDelay = yield* resolveDuration(options.maxRetryDelay, DEFAULT_MAX_RETRY_DELAY, "maxRetryDelay")
  const maxRetryTime = yield* resolveDuration(options.maxRetryTime, DEFAULT_MAX_RETRY_TIME, "maxRetryTime")
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1) {
    return yield* FlowLikeError.configuration("maxResponseBytes must be a whole number of bytes of at least 1")
  }
  const resolved: ResolvedConfig = {
    baseUrl,
    apiUrl: `${baseUrl}${API_PREFIX}`,
    credential,
    timeout,
    streamIdleTimeout,
    maxRetries,
    maxRetryDelay,
    maxRetryTime,
    maxResponseBytes,
    tracePropagation: options.tracePropagation === true,
    fetch: options.fetch,
    headers: yield* Effect.fromResult(checkHeaders(options.headers))
  }
  return resolved
})

/**
 * Effect's default provider snapshots `process.env` once per process; the SDK reads the environment
 * afresh each time a configuration is made, unless the caller installed a provider of their own.
 */
const defaultProvider = Effect.runSync(Effect.service(ConfigProvider.ConfigProvider))

const freshEnvironment = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(
    Effect.service(ConfigProvider.ConfigProvider),
    (provider) =>
      provider === defaultProvider ? Effect.provideService(effect, ConfigProvider.ConfigProvider, ConfigProvider.fromEnv()) : effect
  )

/**
 * Reads `FLOW_LIKE_BASE_URL`, `FLOW_LIKE_PAT` and `FLOW_LIKE_API_KEY` from the current
 * `ConfigProvider`, or from `process.env` as it is at this moment when none was installed.
 */
export const environment: Effect.Effect<EnvironmentValues, FlowLikeError.FlowLikeError> = Effect.gen(function*() {
  const baseUrl = yield* Config.option(Config.String("FLOW_LIKE_BASE_URL"))
  const pat = yield* Config.option(Config.Redacted("FLOW_LIKE_PAT"))
  const apiKey = yield* Config.option(Config.Redacted("FLOW_LIKE_API_KEY"))
  return { baseUrl, pat, apiKey }
}).pipe(
  freshEnvironment,
  Effect.mapError((error) => FlowLikeError.configuration(`Could not read the environment: ${error.message}`))
)

/** Options first, then the environment. */
export const make = (options: Options = {}): Effect.Effect<ResolvedConfig, FlowLikeError.FlowLikeError> =>
  Effect.flatMap(environment, (env) => resolve(options, env))

/** Provides `FlowLikeConfig` from options, falling back to the environment. */
export const layer = (options: Options = {}): Layer.Layer<FlowLikeConfig, FlowLikeError.FlowLikeError> =>
  Layer.effect(FlowLikeConfig, make(options))
