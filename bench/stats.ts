/** Small statistics for the bench: medians, percentiles, spreads and round schedules. */

export const sorted = (values: ReadonlyArray<number>): Array<number> => [...values].sort((a, b) => a - b)

/** The `p`-quantile (0..1) by linear interpolation; NaN for no values. */
export const quantile = (values: ReadonlyArray<number>, p: number): number => {
  const s = sorted(values)
  if (s.length === 0) return Number.NaN
  const position = (s.length - 1) * p
  const low = Math.floor(position)
  const high = Math.ceil(position)
  return s[low]! + (s[high]! - s[low]!) * (position - low)
}

export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5)

export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly q1: number
  readonly q3: number
  readonly n: number
}

export const summarize = (values: ReadonlyArray<number>): Summary => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
  q1: quantile(values, 0.25),
  q3: quantile(values, 0.75),
  n: values.length
})

/**
 * The order variants run in, round by round: rotated each round so that no variant always goes
 * first (with two variants this alternates A B, B A, ...).
 */
export const roundOrder = <A>(variants: ReadonlyArray<A>, round: number): Array<A> => {
  const shift = round % variants.length
  return [...variants.slice(shift), ...variants.slice(0, shift)]
}
