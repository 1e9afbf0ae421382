// The JSON-lines protocol between the controller and a host's kernel agent (which runs inside
// the host's network namespace because Node cannot setns a thread). One JSON object per line:
//   controller -> agent   {"id": 1, "method": "apply", "params": {...}}
//   agent -> controller   {"id": 1, "result": {...}}  or  {"id": 1, "error": "..."}
//   agent -> controller   {"event": "reconciled", "data": {...}}   (unsolicited)

import type { KernelCaps, LinkSet, Problem } from "../linkset";
import type { LinkState } from "../netlink/link";
import type { FdbState } from "../netlink/neigh";

export interface ApplyReport {
  /** Operations carried out, each with its reason. */
  done: string[];
  /** Operations the kernel refused, with its words. */
  errors: string[];
  /**
   * Differences found between the last applied LinkSet and the kernel before this run: when the
   * LinkSet did not change, these are changes made by hand.
   */
  drift: string[];
  /** VM interfaces the model expects that do not exist yet. */
  pending: string[];
  problems: Problem[];
}

export interface Methods {
  caps: { params: Record<string, never>; result: KernelCaps };
  /** Make the kernel match this LinkSet. */
  apply: { params: { linkSet: LinkSet }; result: ApplyReport };
  /** Compare the kernel with the last applied LinkSet, report drift, repair it. */
  reconcile: { params: { repair?: boolean }; result: ApplyReport };
  dump: { params: Record<string, never>; result: { links: LinkState[]; fdb: FdbState[] } };
  /** Port-security drops per VM interface. */
  counters: { params: Record<string, never>; result: Record<string, { packets: number; bytes: number }> };
  /** DHCP: how many replies the agent sent per network since it started. */
  dhcpStats: { params: Record<string, never>; result: Record<string, number> };
}

export type Method = keyof Methods;
export const METHODS: readonly Method[] = ["caps", "apply", "reconcile", "dump", "counters", "dhcpStats"];

export interface Request {
  id: number;
  method: Method;
  params?: unknown;
}

export type Response = { id: number | null; result: unknown } | { id: number | null; error: string };

export interface AgentEvent {
  event: "reconciled" | "dhcp" | "log";
  data: unknown;
}
