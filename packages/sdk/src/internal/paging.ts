import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as FlowLikeError from "../FlowLikeError.ts"

/**
 * Every item of an offset-paged list: pages of `pageSize` from `offset`, until a page comes back
 * shorter than asked (the routes with `limit`/`offset` report no total).
 */
export const offsetPages = <A>(
  pageSize: number,
  offset: number,
  fetchPage: (offset: number, limit: number) => Effect.Effect<ReadonlyArray<A>, FlowLikeError.FlowLikeError>
): Stream.Stream<A, FlowLikeError.FlowLikeError> =>
  Stream.paginate(offset, (from) =>
    Effect.map(fetchPage(from, pageSize), (items) =>
      [items, items.length < pageSize ? Option.none() : Option.some(from + items.length)] as const))

/** Every item of a numbered-page list (`page` from 0, with a `total`), until the total is reached or a page is empty. */
export const numberedPages = <A>(
  firstPage: number,
  fetchPage: (page: number) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly total: number; readonly pageSize: number }, FlowLikeError.FlowLikeError>
): Stream.Stream<A, FlowLikeError.FlowLikeError> =>
  Stream.paginate(firstPage, (page) =>
    Effect.map(fetchPage(page), (answer) => {
      const seen = (page + 1) * answer.pageSize
      const isLast = answer.items.length === 0 || answer.pageSize === 0 || seen >= answer.total
      return [answer.items, isLast ? Option.none() : Option.some(page + 1)] as const
    }))

/** A whole number from `minimum`, or a typed error naming the option. */
export const checkWhole = (operation: string, name: string, value: number | undefined, minimum = 0) =>
  value === undefined || (Number.isInteger(value) && value >= minimum)
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: ${name} must be a whole number from ${minimum}`, operation))

/** A non-empty string id, or a typed error naming it. */
export const checkId = (operation: string, name: string, id: unknown) =>
  typeof id === "string" && id.trim() !== ""
    ? Effect.void
    : Effect.fail(FlowLikeError.invalidArgument(`${operation}: ${name} must be a non-empty string`, operation))
