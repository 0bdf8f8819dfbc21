/**
 * The SDK side of every measured path, through the stable public surface only: the Promise client
 * (`sdkClient.ts`) and the Effect services (`sdkEffect.ts`). Fresh-process measurements import only
 * the side they measure.
 */
export * from "./sdkClient.ts"
export * from "./sdkEffect.ts"
