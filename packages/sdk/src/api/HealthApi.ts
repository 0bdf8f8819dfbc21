/**
 * `GET /health`: the API is up. No credentials needed.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"

/** `{"status":"ok"}` (`routes/health.rs`). */
export const Health = Schema.Struct({ status: Schema.String }).annotate({ identifier: "Health" })

/** The health route. */
export const HealthApi = HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health", { success: Health })
)
