import { Schema } from "effect"

/** serde's `Option<T>`: the key may be missing or `null`. */
const option = <S extends Schema.Constraint>(schema: S) => Schema.optional(Schema.NullOr(schema))

const unsigned = (maximum: number) => Schema.Int.check(Schema.isBetween({ minimum: 0, maximum }))
const u8 = unsigned(255)
const u32 = unsigned(4_294_967_295)
const u64 = unsigned(Number.MAX_SAFE_INTEGER)

/** `packages/core/src/flow/variable.rs`: plain `{name: value}` maps do not fit and give 422. */
const Variable = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  category: option(Schema.String),
  description: option(Schema.String),
  default_value: option(Schema.Array(u8)),
  data_type: Schema.Literals([
    "Execution",
    "String",
    "Integer",
    "Float",
    "Boolean",
    "Date",
    "PathBuf",
    "Generic",
    "Struct",
    "Byte"
  ]),
  value_type: Schema.Literals(["Array", "Normal", "HashMap", "HashSet"]),
  exposed: Schema.Boolean,
  secret: Schema.Boolean,
  editable: Schema.Boolean,
  hash: option(u64),
  schema: option(Schema.String),
  runtime_configured: Schema.optional(Schema.Boolean)
})

const OAuthToken = Schema.Struct({
  access_token: Schema.String,
  refresh_token: option(Schema.String),
  token_type: option(Schema.String),
  expires_at: option(Schema.Int)
})

const common = {
  payload: Schema.optional(Schema.Unknown),
  token: option(Schema.String),
  oauth_tokens: option(Schema.Record(Schema.String, OAuthToken)),
  runtime_variables: option(Schema.Record(Schema.String, Variable)),
  profile_id: option(Schema.String)
}

/** `InvokeBoardAsyncRequest` (`invoke_board_async.rs:39-59`). */
export const InvokeBoardAsyncRequest = Schema.Struct({
  ...common,
  node_id: Schema.String,
  version: option(Schema.Tuple([u32, u32, u32]))
})

/** `InvokeBoardRequest` (`invoke_board.rs:45-97`): the async body plus `stream_state` (default true). */
export const InvokeBoardRequest = Schema.Struct({
  ...InvokeBoardAsyncRequest.fields,
  stream_state: option(Schema.Boolean)
})

/** `InvokeEventRequest` / `InvokeEventAsyncRequest`: the payload travels in a wrapper. */
export const InvokeEventRequest = Schema.Struct({
  ...common,
  version: option(Schema.String)
})
