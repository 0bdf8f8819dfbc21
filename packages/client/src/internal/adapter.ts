import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import * as E from "effect/Effect"
import * as S from "effect/Stream"
import type * as FlowLikeError from "@flow-like/effect/FlowLikeError"
import type { AwaitableIterable, CallOptionsInput, ClientRuntime } from "./runtime.ts"

type AnyFunction = (...args: ReadonlyArray<any>) => unknown

/** The first `N` parameters of `P`, keeping their optionality (`Count` counts them: optional ones make `Acc`'s length a union). */
type Head<P extends ReadonlyArray<unknown>, N extends number, Acc extends Array<unknown> = [], Count extends Array<unknown> = []> =
  Count["length"] extends N ? Acc
    : P extends readonly [infer First, ...infer Rest] ? Head<Rest, N, [...Acc, First], [...Count, unknown]>
    : P extends readonly [(infer First)?, ...infer Rest] ? Head<Rest, N, [...Acc, First?], [...Count, unknown]>
    : Acc

/** The method's own options (the parameter at `N`), or nothing. */
type Own<P extends ReadonlyArray<unknown>, N extends number> = `${N}` extends keyof P ? NonNullable<P[N]> : {}

/** The Promise method's parameters: the service's positional ones, then its options merged with the call options. */
export type Params<F extends AnyFunction, N extends number> = [
  ...Head<Parameters<F>, N>,
  options?: Own<Parameters<F>, N> & CallOptionsInput
]

type Success<F extends AnyFunction> = ReturnType<F> extends Effect.Effect<infer A, any, any> ? A : never
type Element<F extends AnyFunction> = ReturnType<F> extends Stream.Stream<infer A, any, any> ? A : never

/**
 * Turns service methods into Promise methods: an Effect becomes a Promise, a Stream an awaitable
 * `AsyncIterable`. The service's options object (at `optionsAt`) also takes the call options.
 */
export const makeAdapter = <R>(runtime: ClientRuntime<R>) => ({
  effect: <I extends R, Service, K extends keyof Service & string, N extends number, B = Success<Extract<Service[K], AnyFunction>>>(
    tag: Context.Key<I, Service>,
    name: K,
    optionsAt: N,
    map?: (value: Success<Extract<Service[K], AnyFunction>>) => B
  ) =>
  (...args: Params<Extract<Service[K], AnyFunction>, N>): Promise<B> => {
    const options = args[optionsAt] as CallOptionsInput | undefined
    const call = E.flatMap(E.service(tag), (service) =>
      (service[name] as AnyFunction)(...args) as Effect.Effect<Success<Extract<Service[K], AnyFunction>>, FlowLikeError.FlowLikeError>)
    return runtime.run(map === undefined ? call as Effect.Effect<B, FlowLikeError.FlowLikeError, R> : E.map(call, map), options)
  },
  stream: <I extends R, Service, K extends keyof Service & string, N extends number>(
    tag: Context.Key<I, Service>,
    name: K,
    optionsAt: N
  ) =>
  (...args: Params<Extract<Service[K], AnyFunction>, N>): AwaitableIterable<Element<Extract<Service[K], AnyFunction>>> => {
    const options = args[optionsAt] as CallOptionsInput | undefined
    return runtime.iterate(
      S.unwrap(E.map(E.service(tag), (service) =>
        (service[name] as AnyFunction)(...args) as Stream.Stream<Element<Extract<Service[K], AnyFunction>>, FlowLikeError.FlowLikeError>)),
      options
    )
  }
})
