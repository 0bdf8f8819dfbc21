export * as DevServer from "./DevServer.ts"
export * as MockHttpClient from "./MockHttpClient.ts"
export { DevServerService } from "./DevServer.ts"
export type {
  BoardDefinition,
  BoardStep,
  DevServer as DevServerInstance,
  EventDefinition,
  Fault,
  FaultRule,
  Options as DevServerOptions,
  RecordedRequest,
  ResponseLogEntry,
  RunInput,
  SeedInfo,
  StreamClosed
} from "./DevServer.ts"
export * as MockFlowLike from "./MockFlowLike.ts"
