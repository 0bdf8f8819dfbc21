/**
 * The Flow-Like API as one `HttpApi`: every route the SDK uses, declared once, under `/api/v1`.
 * The SDK's services, the dev server, its OpenAPI document and the contract tests all read it.
 * Effect users can build on it too (e.g. `HttpApiClient.make(FlowLikeApi)`).
 *
 * @since 0.2.0
 */
import * as HttpApi from "effect/http-api/HttpApi"
import * as OpenApi from "effect/http-api/OpenApi"
import { BitsApi } from "./BitsApi.ts"
import { DbApi } from "./DbApi.ts"
import { ExecutionApi } from "./ExecutionApi.ts"
import { FilesApi } from "./FilesApi.ts"
import { HealthApi } from "./HealthApi.ts"
import { ModelsApi } from "./ModelsApi.ts"
import { WorkflowsApi } from "./WorkflowsApi.ts"
import { AppsApi } from "./AppsApi.ts"
import { BoardsApi } from "./BoardsApi.ts"
import { SinksApi } from "./SinksApi.ts"
import { UsageApi } from "./UsageApi.ts"

/** Every declared route, prefixed with `/api/v1`. */
export const FlowLikeApi = HttpApi.make("flow-like")
  .add(HealthApi)
  .add(WorkflowsApi)
  .add(ExecutionApi)
  .add(ModelsApi)
  .add(BitsApi)
  .add(BoardsApi)
  .add(AppsApi)
  .add(SinksApi)
  .add(UsageApi)
  .add(DbApi)
  .add(FilesApi)
  .prefix("/api/v1")
  .annotateMerge(OpenApi.annotations({
    title: "Flow-Like API",
    version: "v1",
    description: "The routes of the Flow-Like API that the flow-like-effect SDK uses, as the real server serves them."
  }))
