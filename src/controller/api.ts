// The interface apps program against: a handle per connected switch, typed events, and the shape
// of an app. The learning switch (src/apps/learning) and every later app use only this.

import type {
  ErrorMsg,
  FeaturesReply,
  FlowRemoved,
  MultipartReply,
  MultipartRequestBody,
  OfpMessage,
  PacketIn,
  PortStatus,
  RoleReply,
} from "../../openflow";
import type { PortChange, PortTable } from "./ports";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A message to send: any OpenFlow message. The runtime assigns the xid when it is absent or 0
 * (its own xids start at 1 and skip 0, so 0 can safely mean "not chosen yet").
 */
export type Outgoing = DistributiveOmit<OfpMessage, "xid"> & { xid?: number };

type MessageOfType<T extends string> = Extract<OfpMessage, { type: T }>;
/** The reply a request type gets (or any message, for requests not listed). */
export type ReplyTo<T extends string> = T extends "features_request"
  ? MessageOfType<"features_reply">
  : T extends "echo_request"
    ? MessageOfType<"echo_reply">
    : T extends "barrier_request"
      ? MessageOfType<"barrier_reply">
      : T extends "role_request"
        ? MessageOfType<"role_reply">
        : T extends "multipart_request"
          ? MultipartReply
          : OfpMessage;

export type MultipartKind = MultipartRequestBody["kind"];
export type MultipartReplyOf<K extends MultipartKind> = Extract<MultipartReply, { kind: K }>;

export interface RequestOptions {
  /** Overrides the controller's request timeout for this request. */
  timeoutMs?: number;
}

/** One connected switch, as apps see it. Valid from `switch_up` until `switch_down`. */
export interface Switch {
  readonly dpid: bigint;
  /** The datapath id as 16 lower-case hex digits, as `ovs-ofctl show` prints it. */
  readonly dpidHex: string;
  /** "address:port" of the switch's end of the connection. */
  readonly peer: string;
  readonly features: FeaturesReply;
  /** The live port table (PORT_DESC at connect, then every PORT_STATUS). */
  readonly ports: PortTable;
  readonly connected: boolean;

  /**
   * Queues messages for this switch, encoded at once (a bad message throws here and nothing of
   * the batch is sent) and written together when the current task ends. A message whose xid is
   * absent or 0 gets a fresh one, written into the message object: build a new object per send. Returns
   * the xids; errors they cause arrive as `error` events carrying them. Use `commit` to wait.
   */
  send(messages: Outgoing | readonly Outgoing[]): number[];
  /** Sends a request and resolves with its reply (or rejects with the switch's OFPT_ERROR). */
  request<M extends Outgoing>(message: M, options?: RequestOptions): Promise<ReplyTo<M["type"]>>;
  /** Sends a multipart request and resolves with every entry, reassembled across REPLY_MORE. */
  multipart<K extends MultipartKind>(
    body: Extract<MultipartRequestBody, { kind: K }>,
    options?: RequestOptions,
  ): Promise<MultipartReplyOf<K>>;
  /** Resolves once the switch has processed everything sent before. */
  barrier(options?: RequestOptions): Promise<void>;
  /**
   * Sends messages (as `send`, but always with fresh xids, written into them) then a barrier;
   * rejects with a BatchError listing each message the switch refused.
   */
  commit(messages: readonly Outgoing[], options?: RequestOptions): Promise<void>;
  /** OFPT_ROLE_REQUEST; rejects with OpenFlowError (ROLE_REQUEST_FAILED/STALE) for an old generation id. */
  setRole(role: number, generationId: bigint, options?: RequestOptions): Promise<RoleReply>;
  /** Disconnects the switch; it will usually reconnect. */
  close(reason: string): void;
}

/** Events, each with the arguments its handlers receive. */
export interface ControllerEvents {
  switch_up: [sw: Switch];
  switch_down: [sw: Switch, reason: string];
  packet_in: [sw: Switch, msg: PacketIn];
  port_status: [sw: Switch, msg: PortStatus, change: PortChange];
  flow_removed: [sw: Switch, msg: FlowRemoved];
  /** An OFPT_ERROR that answers no pending request (e.g. caused by a plain `send`). */
  error: [sw: Switch, msg: ErrorMsg];
}
export type ControllerEventName = keyof ControllerEvents;
export type Handler<E extends ControllerEventName> = (...args: ControllerEvents[E]) => void | Promise<void>;

/** What an app gets: events to subscribe to and the switches connected now. */
export interface ControllerApi {
  on<E extends ControllerEventName>(event: E, handler: Handler<E>): () => void;
  switches(): Iterable<Switch>;
  switchByDpid(dpid: bigint | string): Switch | undefined;
}

/**
 * An app: `start` subscribes to what it needs and may return a function that undoes it. Handlers
 * run in the order apps were added; an exception (or rejected promise) in one is logged and never
 * reaches the switch connection or the other apps.
 */
export interface App {
  readonly name: string;
  start(controller: ControllerApi): void | (() => void);
}
