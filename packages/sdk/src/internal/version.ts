/** The SDK version, sent in the `User-Agent`. */
export const VERSION = "0.1.0"

/** `User-Agent` naming the SDK, its version and the runtime. */
export const USER_AGENT = `flow-like-effect/${VERSION} (${
  typeof process === "undefined" ? "unknown runtime" : `node ${process.version}; ${process.platform} ${process.arch}`
})`
