/** What both SDK sides check of their answers, so a broken path fails the bench instead of timing nothing. */
export const checkStatus = (status: { readonly status: string }): void => {
  if (status.status !== "Completed") throw new Error(`unexpected run status ${status.status}`)
}

export const checkVectors = (expected: number, embeddings: ReadonlyArray<unknown>): void => {
  if (embeddings.length !== expected) throw new Error(`expected ${expected} vectors, got ${embeddings.length}`)
}
