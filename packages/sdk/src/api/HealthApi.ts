/**
 * `GET /health`: the API is up. No credentials needed.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"

/** `{"status":"ok"}` (`routes/health.rs`). */
export const Health = Schema.Struct({ status: Schema.String }).annotate({ identifier: "Health" })

/** The health route. */
export const HealthApi = HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health", { success: Health })
)
