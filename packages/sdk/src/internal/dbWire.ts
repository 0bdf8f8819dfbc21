import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import type * as DbApi from "../api/DbApi.ts"
import type { SharedCredentials } from "../Db.ts"

const redactIf = (value: string | undefined) => value === undefined ? undefined : Redacted.make(value)

export const withoutUndefined = <A extends object>(value: A): A =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as A

/** The wire's credentials with their secrets wrapped in `Redacted`. */
export const redactCredentials = (shared: typeof DbApi.SharedCredentials.Type): SharedCredentials => {
  if ("Aws" in shared) {
    const aws = shared.Aws
    return {
      Aws: withoutUndefined({ ...aws, secretAccessKey: redactIf(aws.secretAccessKey), sessionToken: redactIf(aws.sessionToken) })
    }
  }
  if ("Azure" in shared) {
    const azure = shared.Azure
    return {
      Azure: withoutUndefined({
        ...azure,
        metaSasToken: redactIf(azure.metaSasToken),
        contentSasToken: redactIf(azure.contentSasToken),
        userContentSasToken: redactIf(azure.userContentSasToken),
        logsSasToken: redactIf(azure.logsSasToken),
        accountKey: redactIf(azure.accountKey)
      })
    }
  }
  const gcp = shared.Gcp
  return {
    Gcp: withoutUndefined({ ...gcp, serviceAccountKey: Redacted.make(gcp.serviceAccountKey), accessToken: redactIf(gcp.accessToken) })
  }
}

/** Arrow's `DataType` as arrow-rs serialises it, as readable text. */
export const arrowTypeName = (dataType: unknown): string => {
  if (typeof dataType === "string") return dataType
  if (Predicate.isObject(dataType) && !Array.isArray(dataType)) {
    const entries = Object.entries(dataType)
    if (entries.length === 1) {
      const [name, argument] = entries[0]!
      const parts = (Array.isArray(argument) ? argument : [argument]).map((part) =>
        Predicate.isObject(part) && "data_type" in part ? arrowTypeName(part.data_type) : typeof part === "object" ? JSON.stringify(part) : String(part)
      )
      return `${name}(${parts.join(", ")})`
    }
  }
  return JSON.stringify(dataType)
}

