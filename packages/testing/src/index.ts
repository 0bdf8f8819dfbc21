/**
 * @flow-like/testing: mock layers and a local Flow-Like dev server.
 *
 * @since 0.1.0
 */
export * as MockHttpClient from "./MockHttpClient.ts"
