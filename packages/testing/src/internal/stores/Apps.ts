/** An app and whether the seeded PAT user is a member of it. */
export interface App {
  readonly id: string
  readonly isMember: boolean
}

/** The apps the server knows. */
export interface Apps {
  /** Adds the app, or changes the user's membership of an existing one. */
  readonly add: (appId: string, isMember: boolean) => void
  readonly get: (appId: string) => App | undefined
  /** Throws for an app that was never added: seeding mistakes should fail loudly in the test. */
  readonly require: (appId: string) => App
}

/** An empty app store. */
export const makeApps = (): Apps => {
  const apps = new Map<string, App>()
  return {
    add: (appId, isMember) => {
      apps.set(appId, { id: appId, isMember })
    },
    get: (appId) => apps.get(appId),
    require: (appId) => {
      const app = apps.get(appId)
      if (app === undefined) {
        throw new Error(`Unknown app ${appId}: create it with server.apps.add or server.apps.addForeign first`)
      }
      return app
    }
  }
}
