/**
 * The hub's bits (models, embeddings, files, ...): search them and read one.
 *
 * `POST /bit` is the search (the server's own OpenAPI document calls it `/bit/search`): a
 * `BitSearchQuery` body and a `language` query (default `en`). Both routes need a user
 * (`user.sub()`, unless the platform allows unauthorized reads): without one they answer 500.
 *
 * @since 0.3.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { I32, nullable, SystemTime, U64, U8 } from "../internal/wire.ts"
import { InternalError, NotFound, UnprocessableBody, UnsupportedMediaType } from "./ApiErrors.ts"

/** A bit's type as the server spells it; kept open for new ones. */
export const BitType = Schema.String.annotate({
  identifier: "BitType",
  description:
    "Llm | Vlm | Embedding | ImageEmbedding | File | Media | Template | Tokenizer | TokenizerConfig | SpecialTokensMap | Config | Course | PreprocessorConfig | Projection | Project | Board | Other | ObjectDetection"
})

/** `BitSearchQuery` (`packages/core/src/hub.rs`): `limit` defaults to 50 and is capped at 100. */
export const BitSearchQuery = Schema.Struct({
  /** A substring of the bit's name or description (SQL `LIKE`, case-sensitive). */
  search: nullable(Schema.String),
  limit: nullable(U64),
  offset: nullable(U64),
  bitTypes: nullable(Schema.Array(BitType))
}).pipe(Schema.encodeKeys({ bitTypes: "bit_types" })).annotate({ identifier: "BitSearchQuery" })

/** The search's query string: the metadata language (default `en`). */
export const LanguageQuery = Schema.Struct({ language: Schema.optional(Schema.String) })

/** A bit's metadata in one language (`Metadata`, `packages/core/src/bit.rs`). */
export const BitMetadata = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  longDescription: nullable(Schema.String),
  releaseNotes: nullable(Schema.String),
  tags: Schema.Array(Schema.String),
  useCase: nullable(Schema.String),
  /** A signed URL once the server has presigned it. */
  icon: nullable(Schema.String),
  thumbnail: nullable(Schema.String),
  previewMedia: Schema.Array(Schema.String),
  ageRating: nullable(I32),
  website: nullable(Schema.String),
  supportUrl: nullable(Schema.String),
  docsUrl: nullable(Schema.String),
  organizationSpecificValues: nullable(Schema.Array(U8)),
  createdAt: SystemTime,
  updatedAt: SystemTime
}).pipe(Schema.encodeKeys({
  longDescription: "long_description",
  releaseNotes: "release_notes",
  useCase: "use_case",
  previewMedia: "preview_media",
  ageRating: "age_rating",
  supportUrl: "support_url",
  docsUrl: "docs_url",
  organizationSpecificValues: "organization_specific_values",
  createdAt: "created_at",
  updatedAt: "updated_at"
})).annotate({ identifier: "BitMetadata" })

/**
 * A `Bit` (`packages/core/src/bit.rs`). `parameters` is open JSON: for Llm/Vlm
 * `{context_length, provider:{provider_name, model_id?, ...}, ...}`, for Embedding
 * `{languages, vector_length, provider, remote?:{endpoint?, implementation?}, ...}`.
 */
export const Bit = Schema.Struct({
  id: Schema.String,
  type: BitType,
  /** Metadata by language code. */
  meta: Schema.Record(Schema.String, BitMetadata),
  authors: Schema.Array(Schema.String),
  repository: nullable(Schema.String),
  downloadLink: nullable(Schema.String),
  fileName: nullable(Schema.String),
  hash: Schema.String,
  size: nullable(U64),
  hub: Schema.String,
  parameters: Schema.Unknown,
  version: nullable(Schema.String),
  license: nullable(Schema.String),
  dependencies: Schema.Array(Schema.String),
  dependencyTreeHash: Schema.String,
  /** RFC 3339. */
  created: Schema.String,
  /** RFC 3339. */
  updated: Schema.String
}).pipe(
  Schema.encodeKeys({ downloadLink: "download_link", fileName: "file_name", dependencyTreeHash: "dependency_tree_hash" })
).annotate({ identifier: "Bit" })

/** The bit routes. */
export const BitsApi = HttpApiGroup.make("bits")
  .add(
    HttpApiEndpoint.post("searchBits", "/bit", {
      query: LanguageQuery,
      payload: BitSearchQuery,
      success: Schema.Array(Bit),
      error: [InternalError, UnsupportedMediaType, UnprocessableBody]
    }),
    HttpApiEndpoint.get("getBit", "/bit/:bitId", {
      params: { bitId: Schema.String },
      success: Bit,
      error: [NotFound, InternalError]
    })
  )
