// Errors a request to a switch can end with. Each says which switch and which request, so an
// app's log line is useful without more context.

import { errorNames } from "../../openflow";
import type { ErrorMsg } from "../../openflow";

/** The switch answered a request with an OFPT_ERROR. */
export class OpenFlowError extends Error {
  readonly errorType: number;
  readonly code: number;
  readonly reply: ErrorMsg;
  constructor(
    readonly dpid: string,
    readonly requestType: string,
    reply: ErrorMsg,
  ) {
    const names = errorNames(reply.errorType, reply.code);
    super(`switch ${dpid} refused ${requestType} (xid ${reply.xid}): ${names.type}/${names.code}`);
    this.name = "OpenFlowError";
    this.errorType = reply.errorType;
    this.code = reply.code;
    this.reply = reply;
  }
}

/** Several messages of one batch (see Switch.commit) were refused. */
export class BatchError extends Error {
  constructor(
    readonly dpid: string,
    readonly errors: readonly OpenFlowError[],
  ) {
    super(`switch ${dpid} refused ${errors.length} message(s) of a batch: ${errors.map((e) => e.message).join("; ")}`);
    this.name = "BatchError";
  }
}

export class RequestTimeoutError extends Error {
  constructor(
    readonly dpid: string,
    readonly requestType: string,
    readonly xid: number,
    readonly timeoutMs: number,
  ) {
    super(`switch ${dpid} did not answer ${requestType} (xid ${xid}) within ${timeoutMs} ms`);
    this.name = "RequestTimeoutError";
  }
}

export class SwitchDisconnectedError extends Error {
  constructor(
    readonly dpid: string,
    readonly reason: string,
  ) {
    super(`switch ${dpid} disconnected: ${reason}`);
    this.name = "SwitchDisconnectedError";
  }
}
