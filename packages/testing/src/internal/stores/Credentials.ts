import { cuid, secret } from "../Ids.ts"

/** The seeded user's credentials: one PAT, and one API key for the home app. */
export interface Credentials {
  readonly patId: string
  readonly patSecret: string
  /** `pat_<id>.<secret>`, sent raw in `Authorization`. */
  readonly pat: string
  /** `flk_<appId>.<keyId>.<secret>`, sent in `X-API-Key`. */
  readonly apiKey: string
  readonly apiKeyAppId: string
}

/** Fresh credentials whose API key belongs to `homeAppId`. */
export const makeCredentials = (homeAppId: string): Credentials => {
  const patId = cuid()
  const patSecret = secret()
  return {
    patId,
    patSecret,
    pat: `pat_${patId}.${patSecret}`,
    apiKey: `flk_${homeAppId}.${cuid()}.${secret()}`,
    apiKeyAppId: homeAppId
  }
}
