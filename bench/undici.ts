/**
 * `undici.request` for the baselines, loaded without taking over `fetch`.
 *
 * Importing the undici package installs its own global dispatcher, and Node's built-in `fetch`
 * (which the SDK and the `fetch` baselines use) would then send through the package's agent
 * instead of its own, unless Node's was set first. So `fetch` is loaded first (a `data:` URL makes
 * no connection), and undici after it.
 */
import type * as Undici from "undici"

await (await fetch("data:,")).arrayBuffer()
const undici: typeof Undici = await import("undici")

export const request = undici.request
