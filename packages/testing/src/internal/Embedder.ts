/**
 * The dev server's deterministic embeddings: hashed character trigrams (FNV-1a, signed) in
 * `dimensions` buckets, normalised to unit length and rounded to float32 as the real route's
 * `f32`s are. Texts that share trigrams get vectors with a high cosine similarity.
 */

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/** The unit vector of a text. */
export const embedText = (text: string, dimensions: number): Array<number> => {
  const vector = new Array<number>(dimensions).fill(0)
  const padded = ` ${text.toLowerCase().replace(/\s+/g, " ").trim()} `
  for (let index = 0; index + 3 <= padded.length; index++) {
    const hash = fnv1a(padded.slice(index, index + 3))
    const bucket = hash % dimensions
    vector[bucket] = (vector[bucket] ?? 0) + ((hash & 0x80000000) === 0 ? 1 : -1)
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0))
  if (norm === 0) return vector.map((_, index) => (index === 0 ? 1 : 0))
  return vector.map((value) => Math.fround(value / norm))
}
