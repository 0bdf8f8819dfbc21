import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { Bit, ModelInfo } from "../Models.ts"

const ModelParameters = Schema.Struct({
  providerName: Schema.optional(Schema.NullOr(Schema.String)),
  provider: Schema.optional(Schema.NullOr(Schema.Struct({
    providerName: Schema.optional(Schema.NullOr(Schema.String)),
    modelId: Schema.optional(Schema.NullOr(Schema.String))
  }).pipe(Schema.encodeKeys({ providerName: "provider_name", modelId: "model_id" })))),
  contextLength: Schema.optional(Schema.NullOr(Schema.Number)),
  vectorLength: Schema.optional(Schema.NullOr(Schema.Number)),
  languages: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  remote: Schema.optional(Schema.NullOr(Schema.Struct({
    endpoint: Schema.optional(Schema.NullOr(Schema.String)),
    implementation: Schema.optional(Schema.NullOr(Schema.String))
  })))
}).pipe(Schema.encodeKeys({ providerName: "provider_name", contextLength: "context_length", vectorLength: "vector_length" }))

const decodeParameters = Schema.decodeUnknownOption(ModelParameters)

type Parameters = typeof ModelParameters.Type

const parametersOf = (bit: Bit): Parameters => Option.getOrElse(decodeParameters(bit.parameters), (): Parameters => ({}))

const providerNameOf = (parameters: Parameters): string | undefined =>
  parameters.provider?.providerName ?? parameters.providerName ?? undefined

/** The bit's provider name (`parameters.provider.provider_name`, else `parameters.provider_name`). */
export const providerNameOfBit = (bit: Bit): string | undefined => providerNameOf(parametersOf(bit))

/** Old SDKs' rule: a provider whose name starts with `hosted`, or a remote endpoint with an implementation. */
export const isRemote = (bit: Bit): boolean => {
  const parameters = parametersOf(bit)
  const provider = providerNameOf(parameters)
  if (provider !== undefined && provider.toLowerCase().startsWith("hosted")) return true
  const remote = parameters.remote
  return remote !== undefined && remote !== null && Predicate.isString(remote.endpoint) && Predicate.isString(remote.implementation)
}

/** A bit as a `ModelInfo` (the old SDKs' mapping, from `parameters` read leniently). */
export const toModelInfo = (bit: Bit): ModelInfo => {
  const parameters = parametersOf(bit)
  const meta = bit.meta["en"] ?? Object.values(bit.meta)[0]
  return {
    bitId: bit.id,
    type: bit.type,
    name: meta?.name ?? bit.id,
    description: meta?.description ?? "",
    providerName: providerNameOf(parameters),
    modelId: parameters.provider?.modelId ?? undefined,
    contextLength: parameters.contextLength ?? undefined,
    vectorLength: parameters.vectorLength ?? undefined,
    languages: parameters.languages ?? [],
    tags: meta?.tags ?? [],
    bit
  }
}
