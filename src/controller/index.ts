// The OpenFlow 1.3 controller runtime. See docs/controller.md for the app API and an example.
export { Controller } from "./controller";
export type { ControllerOptions, TlsFiles } from "./controller";
export type {
  App,
  ControllerApi,
  ControllerEventName,
  ControllerEvents,
  Handler,
  MultipartKind,
  MultipartReplyOf,
  Outgoing,
  ReplyTo,
  RequestOptions,
  Switch,
} from "./api";
export { ManualClock, systemClock } from "./clock";
export type { Clock } from "./clock";
export { BatchError, OpenFlowError, RequestTimeoutError, SwitchDisconnectedError } from "./errors";
export { applyPortStatus, isLinkUp, portTableFrom } from "./ports";
export type { PortChange, PortTable } from "./ports";
export { DEFAULT_SESSION_CONFIG, dpidToHex } from "./session";
export type { SessionConfig } from "./session";
