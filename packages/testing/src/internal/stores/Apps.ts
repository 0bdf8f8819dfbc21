/** An app's metadata in one language, as the dev server keeps it. */
export interface AppMeta {
  readonly name: string
  readonly description: string
  readonly tags: ReadonlyArray<string>
}

/** An app and whether the seeded PAT user is a member of it. */
export interface App {
  readonly id: string
  readonly isMember: boolean
  /** `undefined` for an app without metadata (`GET /apps` pairs it with `null`). */
  meta: AppMeta | undefined
  bits: ReadonlyArray<string>
  readonly createdAt: Date
  updatedAt: Date
}

/** The apps the server knows. */
export interface Apps {
  /** Adds the app, or changes the user's membership of an existing one. */
  readonly add: (appId: string, isMember: boolean) => void
  readonly get: (appId: string) => App | undefined
  /** Throws for an app that was never added: seeding mistakes should fail loudly in the test. */
  readonly require: (appId: string) => App
  /** Every app, most recently updated first. */
  readonly list: () => ReadonlyArray<App>
}

/** An empty app store. */
export const makeApps = (): Apps => {
  const apps = new Map<string, App>()
  let clock = 0
  /** Distinct, increasing times, so that "most recently updated first" is a stable order. */
  const now = () => new Date(Math.max(Date.now(), clock + 1))
  return {
    add: (appId, isMember) => {
      const existing = apps.get(appId)
      const time = now()
      clock = time.getTime()
      apps.set(appId, {
        id: appId,
        isMember,
        meta: existing?.meta,
        bits: existing?.bits ?? [],
        createdAt: existing?.createdAt ?? time,
        updatedAt: time
      })
    },
    get: (appId) => apps.get(appId),
    require: (appId) => {
      const app = apps.get(appId)
      if (app === undefined) {
        throw new Error(`Unknown app ${appId}: create it with server.apps.add or server.apps.addForeign first`)
      }
      return app
    },
    list: () => [...apps.values()].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())
  }
}
