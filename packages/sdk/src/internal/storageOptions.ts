import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { DbCredentials, DbCredentialsRaw } from "../Db.ts"
import * as FlowLikeError from "../FlowLikeError.ts"

/**
 * LanceDB's storage options: plain string values (LanceDB reads them as such), with the secret
 * ones shown as `<redacted>` by `JSON.stringify`, `inspect` and `toString`.
 */
export type StorageOptions = Readonly<Record<string, string>>

const SECRET_KEYS = new Set([
  "aws_secret_access_key",
  "aws_session_token",
  "azure_storage_sas_token",
  "azure_storage_account_key",
  "google_cloud_token",
  "google_service_account_key"
])

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom")

/** The options with the secret values replaced by `<redacted>`. */
export const visibleOptions = (options: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(options).map(([key, value]) => [key, SECRET_KEYS.has(key) ? "<redacted>" : value]))

/** Storage options whose secrets stay out of `JSON.stringify`, `inspect` and string conversion (non-enumerable hooks). */
export const makeStorageOptions = (options: Record<string, string>): StorageOptions => {
  const hidden = (value: unknown) => ({ value, enumerable: false, writable: false, configurable: false })
  Object.defineProperties(options, {
    toJSON: hidden(() => visibleOptions(options)),
    toString: hidden(() => JSON.stringify(visibleOptions(options))),
    [inspectSymbol]: hidden((_depth: number, inspectOptions: unknown, inspect: (value: unknown, options: unknown) => string) =>
      inspect(visibleOptions(options), inspectOptions)
    )
  })
  return options
}

const reveal = (value: Redacted.Redacted<string> | undefined) => value === undefined ? undefined : Redacted.value(value)

const set = (options: Record<string, string>, key: string, value: string | undefined | null) => {
  if (value !== undefined && value !== null && value !== "") options[key] = value
}

/** `{ uri, storageOptions, expiresAt }` from a presign answer, as the old SDKs build them (§6.2). */
export const storageOptionsOf = (
  operation: string,
  raw: DbCredentialsRaw
): Effect.Effect<DbCredentials, FlowLikeError.FlowLikeError> =>
  Effect.suspend(() => {
    const shared = raw.sharedCredentials
    const options: Record<string, string> = {}
    let uri: string
    let expiration = raw.expiration
    if ("Aws" in shared) {
      const aws = shared.Aws
      uri = `s3://${aws.contentBucket}/${raw.dbPath}`
      set(options, "aws_access_key_id", aws.accessKeyId)
      set(options, "aws_secret_access_key", reveal(aws.secretAccessKey))
      set(options, "aws_session_token", reveal(aws.sessionToken))
      set(options, "aws_region", aws.region)
      const endpoint = aws.contentConfig?.endpoint
      set(options, "aws_endpoint", endpoint)
      if (endpoint !== undefined && endpoint.toLowerCase().startsWith("http://")) options.allow_http = "true"
      expiration ??= aws.expiration
    } else if ("Azure" in shared) {
      const azure = shared.Azure
      uri = `az://${azure.contentContainer}/${raw.dbPath}`
      set(options, "azure_storage_account_name", azure.accountName)
      set(options, "azure_storage_sas_token", reveal(azure.contentSasToken))
      set(options, "azure_storage_account_key", reveal(azure.accountKey))
      expiration ??= azure.expiration
    } else if ("Gcp" in shared) {
      const gcp = shared.Gcp
      uri = `gs://${gcp.contentBucket}/${raw.dbPath}`
      const token = reveal(gcp.accessToken)
      if (token !== undefined && token !== "") set(options, "google_cloud_token", token)
      else set(options, "google_service_account_key", reveal(gcp.serviceAccountKey))
      expiration ??= gcp.expiration
    } else {
      const provider = Object.keys(shared as object)[0] ?? "none"
      return Effect.fail(FlowLikeError.make(
        new FlowLikeError.DecodeError({ message: `${operation}: unsupported storage provider "${provider}" (expected Aws, Azure or Gcp)`, operation })
      ))
    }
    const time = expiration === undefined ? Number.NaN : Date.parse(expiration)
    const credentials: DbCredentials = {
      uri,
      storageOptions: makeStorageOptions(options),
      expiresAt: Number.isNaN(time) ? undefined : new Date(time)
    }
    return Effect.succeed(credentials)
  })
