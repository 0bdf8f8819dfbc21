import type { RecordedRequest } from "../Model.ts"

/** Every request received, in order. */
export interface Requests {
  readonly record: (request: RecordedRequest) => void
  /** A live view: later requests appear in it. */
  readonly all: ReadonlyArray<RecordedRequest>
}

/** No request yet. */
export const makeRequests = (): Requests => {
  const all: Array<RecordedRequest> = []
  return {
    record: (request) => {
      all.push(request)
    },
    all
  }
}
