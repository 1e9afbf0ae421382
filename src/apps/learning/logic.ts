// Every decision of the learning switch, as pure functions of (MAC table, event, now) that return
// the messages to send. The app (index.ts) only feeds events in and sends what comes out.

import { OFP_NO_BUFFER, OFPCML_NO_BUFFER, OFPFC, OFPG, OFPP, OFPTT_ALL } from "../../../openflow";
import type { Action, FlowMod, PacketIn } from "../../../openflow";
import type { Outgoing } from "../../controller";
import { isGroupMac, macAt, macToString } from "./mac-table";
import type { MacTable } from "./mac-table";

export interface LearningConfig {
  /** Seconds a learned flow lives without traffic. */
  idleTimeoutSec: number;
  /** Seconds a learned flow lives at most (0: no limit). */
  hardTimeoutSec: number;
  /** Priority of learned flows; the table-miss flow has 0. */
  priority: number;
  /** Marks every flow this app installs, so it can find and delete its own (and only its own). */
  cookie: bigint;
  tableId: number;
  /** How long a learned MAC stays valid without being seen again. */
  macMaxAgeMs: number;
  /** MACs remembered per switch; the least recently learned are forgotten beyond it. */
  macCapacity: number;
}

export const DEFAULT_LEARNING_CONFIG: LearningConfig = {
  idleTimeoutSec: 60,
  hardTimeoutSec: 0,
  priority: 100,
  cookie: 0x4c45_4152_4e00_0000n, // "LEARN" in ASCII, low bytes free
  tableId: 0,
  macMaxAgeMs: 300_000,
  macCapacity: 8192,
};

const ALL_COOKIE_BITS = 0xffff_ffff_ffff_ffffn;

/** Throws a clear error for a configuration no switch would accept (checked before any switch sees it). */
export function checkLearningConfig(cfg: LearningConfig): void {
  const u16 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffff;
  if (!u16(cfg.idleTimeoutSec)) throw new Error(`learning switch: idle timeout must be 0 to 65535 seconds, got ${cfg.idleTimeoutSec}`);
  if (!u16(cfg.hardTimeoutSec)) throw new Error(`learning switch: hard timeout must be 0 to 65535 seconds, got ${cfg.hardTimeoutSec}`);
  if (!u16(cfg.priority) || cfg.priority === 0) throw new Error(`learning switch: priority must be 1 to 65535 (0 is the table miss), got ${cfg.priority}`);
  if (!(Number.isInteger(cfg.tableId) && cfg.tableId >= 0 && cfg.tableId <= 0xfe)) throw new Error(`learning switch: table must be 0 to 254, got ${cfg.tableId}`);
  if (!(cfg.macMaxAgeMs > 0)) throw new Error(`learning switch: MAC age must be positive, got ${cfg.macMaxAgeMs}`);
  if (!(cfg.cookie >= 0n && cfg.cookie <= ALL_COOKIE_BITS)) throw new Error(`learning switch: cookie must fit 64 bits`);
}

type FlowModFields = Omit<FlowMod, "type" | "xid">;

function flowMod(fields: Partial<FlowModFields> & Pick<FlowModFields, "command" | "match" | "instructions">): Outgoing {
  return {
    type: "flow_mod",
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0,
    bufferId: OFP_NO_BUFFER,
    outPort: OFPP.ANY,
    outGroup: OFPG.ANY,
    flags: 0,
    ...fields,
  };
}

/**
 * What a switch gets when it comes up: our old flows deleted (their ports may have changed while
 * we were away) and a table-miss flow sending every unmatched packet, whole, to the controller.
 */
export function switchUpMessages(cfg: LearningConfig): Outgoing[] {
  return [
    flowMod({
      command: OFPFC.DELETE,
      tableId: OFPTT_ALL,
      cookie: cfg.cookie,
      cookieMask: ALL_COOKIE_BITS,
      match: {},
      instructions: [],
    }),
    flowMod({
      command: OFPFC.ADD,
      tableId: cfg.tableId,
      priority: 0,
      cookie: cfg.cookie,
      match: {},
      instructions: [{ type: "apply_actions", actions: [{ type: "output", port: OFPP.CONTROLLER, maxLen: OFPCML_NO_BUFFER }] }],
    }),
  ];
}

export type PacketInDecision =
  | { action: "ignore"; why: string }
  | {
      action: "flood" | "forward" | "drop";
      /** The source MAC to learn (or refresh) on the packet's in_port; none for a group address. */
      learn?: { mac: number; port: number };
      /** The source was known on another port: its old flows are deleted. */
      moved: boolean;
      messages: Outgoing[];
    };

export function decidePacketIn(table: MacTable, pi: PacketIn, now: number, cfg: LearningConfig): PacketInDecision {
  const inPort = pi.match.in_port;
  if (inPort === undefined) return { action: "ignore", why: "PACKET_IN without in_port" };
  const frame = pi.data;
  if (frame.length < 14) return { action: "ignore", why: `frame of ${frame.length} bytes is shorter than an Ethernet header` };
  const dst = macAt(frame, 0);
  const src = macAt(frame, 6);
  const messages: Outgoing[] = [];

  let learn: { mac: number; port: number } | undefined;
  let moved = false;
  if (!isGroupMac(src)) {
    learn = { mac: src, port: inPort };
    const knownPort = table.lookup(src, now);
    if (knownPort !== undefined && knownPort !== inPort) {
      // The host moved: flows that still send to its old port must go.
      moved = true;
      messages.push(deleteFlowsTo(src, cfg));
    }
  }

  const outPort = isGroupMac(dst) ? undefined : dst === src ? inPort : table.lookup(dst, now);
  if (outPort === inPort) {
    // Sending it back where it came from would loop; a buffered packet is released by a PACKET_OUT
    // without actions.
    if (pi.bufferId !== OFP_NO_BUFFER) messages.push(packetOut(pi, inPort, []));
    return { action: "drop", learn, moved, messages };
  }
  if (outPort === undefined) {
    messages.push(packetOut(pi, inPort, FLOOD));
    return { action: "flood", learn, moved, messages };
  }
  messages.push(
    flowMod({
      command: OFPFC.ADD,
      tableId: cfg.tableId,
      priority: cfg.priority,
      cookie: cfg.cookie,
      idleTimeout: cfg.idleTimeoutSec,
      hardTimeout: cfg.hardTimeoutSec,
      // A buffered packet is forwarded by the switch itself once the flow is in.
      bufferId: pi.bufferId,
      match: { in_port: inPort, eth_dst: macToString(dst), eth_src: macToString(src) },
      instructions: [{ type: "apply_actions", actions: [{ type: "output", port: outPort }] }],
    }),
  );
  if (pi.bufferId === OFP_NO_BUFFER) messages.push(packetOut(pi, inPort, [{ type: "output", port: outPort }]));
  return { action: "forward", learn, moved, messages };
}

/** Shared by every flood: the codec only reads actions, so one list serves all. */
const FLOOD: readonly Action[] = Object.freeze([Object.freeze({ type: "output", port: OFPP.FLOOD })]);

function packetOut(pi: PacketIn, inPort: number, actions: readonly Action[]): Outgoing {
  const buffered = pi.bufferId !== OFP_NO_BUFFER;
  return { type: "packet_out", bufferId: pi.bufferId, inPort, actions: actions as Action[], data: buffered ? EMPTY : pi.data };
}

function deleteFlowsTo(mac: number, cfg: LearningConfig): Outgoing {
  return flowMod({
    command: OFPFC.DELETE,
    tableId: cfg.tableId,
    cookie: cfg.cookie,
    cookieMask: ALL_COOKIE_BITS,
    match: { eth_dst: macToString(mac) },
    instructions: [],
  });
}

const EMPTY = new Uint8Array(0);
