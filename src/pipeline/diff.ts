// diff(desired, actual) → the messages that turn the switch's tables into the desired ones, and
// nothing more. `actual` is what the switch answered to flow and group-description multipart
// requests. Order matters and is fixed:
//
//   1. DELETE_STRICT every flow that should not be there (by table, priority and match)
//   2. GROUP ADD new groups, groups they chain to first
//   3. GROUP MODIFY groups whose type or buckets changed
//   4. FLOW ADD missing flows; MODIFY_STRICT flows whose instructions changed (counters kept);
//      ADD over a flow whose cookie changed (the cookie is its owner; ADD replaces it)
//   5. GROUP DELETE groups that should not be there, chaining groups first: only now, because
//      deleting a group also deletes the flows that still point at it (OpenFlow 1.3 §6.5)
//   6. BARRIER, so the caller knows when all of it has been applied
//
// Comparison is on a canonical form (match fields sorted, full masks dropped, masked values
// reduced, instructions in execution order, a move in Open vSwitch's raw form read as a move), so a
// switch that spells the same flow differently is not "different".

import {
  OFPFC,
  OFPG,
  OFPGC,
  OFPP,
  OFP_NO_BUFFER,
  OXM_BY_NAME,
  type Action,
  type BarrierRequest,
  type Bucket,
  type FlowMod,
  type FlowStats,
  type GroupMod,
  type Instruction,
  type Match,
} from "../../openflow/index";
import { INSTRUCTION_ORDER, sortInstructions, type DesiredFlow, type DesiredGroup, type DesiredState } from "./flow";
import { regMoveOf } from "./nx-move";
import { tableId } from "./tables";

export interface ActualGroup {
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}

/** What the switch holds, from OFPMP_FLOW and OFPMP_GROUP_DESC replies. */
export interface ActualState {
  flows: readonly FlowStats[];
  groups: readonly ActualGroup[];
}

export type SwitchMessage = FlowMod | GroupMod | BarrierRequest;

// ---- canonical forms ---------------------------------------------------------------------------

function macOrIpToBigint(v: string): bigint {
  if (v.includes(":")) return BigInt("0x" + v.split(":").map((p) => p.padStart(2, "0")).join(""));
  return v.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function toBig(v: unknown): bigint | null {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  if (typeof v === "string" && /^[0-9a-fA-F:.]+$/.test(v) && !v.includes("::")) return macOrIpToBigint(v.toLowerCase());
  return null;
}

function fieldValue(name: string, v: unknown): string {
  // Fast path: the codec gives every field one JS type (MACs lower-case, IPv4 dotted), so an
  // unmasked value compares as text; only masks need arithmetic.
  if (typeof v === "number") return v.toString(16);
  if (typeof v === "bigint") return v.toString(16);
  if (typeof v === "string") return v.toLowerCase();
  const isMasked = typeof v === "object" && v !== null && "mask" in v && "value" in v;
  if (!isMasked) return JSON.stringify(v);
  const { value, mask } = v as { value: unknown; mask: unknown };
  const bv = toBig(value);
  const bm = toBig(mask);
  if (bv === null || bm === null) return JSON.stringify([String(value), String(mask)]);
  const field = OXM_BY_NAME[name];
  const full = field ? (1n << BigInt(field.bytes * 8)) - 1n : -1n;
  const bitsFull = field ? (1n << BigInt(field.bits)) - 1n : -1n;
  // A full mask is no mask: print the value the way the fast path above does.
  if (bm === full || bm === bitsFull) return fieldValue(name, value);
  return `${(bv & bm).toString(16)}/${bm.toString(16)}`;
}

// Desired flows carry their canonical texts from one diff to the next: the realiser re-uses the
// DesiredState it compiled while model and wiring stay the same, so a periodic reconcile keys only
// the switch's side. Flows the switch reported are fresh objects each read: keying them once
// each is unavoidable, and caching them would only load the garbage collector. asActual's flows
// are registered with their desired flow's key, so incremental changes() key nothing twice.
const FLOW_KEY = new WeakMap<object, string>();
const INSTRUCTION_TEXT = new WeakMap<object, string>();

export function canonicalMatch(match: Match): string {
  // Hot at scale (one call per flow the switch reports): no intermediate arrays beyond the few
  // keys, one string built in place.
  const m = match as Record<string, unknown>;
  const keys: string[] = [];
  for (const k in m) if (m[k] !== undefined && k !== "experimenter") keys.push(k);
  keys.sort();
  let text = "";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    text += (i === 0 ? "" : ",") + k + "=" + fieldValue(k, m[k]);
  }
  return text;
}

function canonicalAction(a: Action): string {
  switch (a.type) {
    case "nx_reg_move":
    case "experimenter": {
      const move = regMoveOf(a);
      if (move) return `move:${move.src}[${move.srcOfs}+${move.nBits}]->${move.dst}[${move.dstOfs}]`;
      const d = a.type === "experimenter" ? a.data : new Uint8Array();
      return `experimenter:${a.type === "experimenter" ? a.experimenter : 0}:${Buffer.from(d).toString("hex")}`;
    }
    case "output":
      // max_len only means something for output to the controller.
      return a.port === OFPP.CONTROLLER ? `output:controller:${a.maxLen ?? 0xffff}` : `output:${a.port}`;
    case "set_field":
      return `set_field:${a.field}=${fieldValue(a.field, a.value)}`;
    default:
      return JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString(16) : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
  }
}

function canonicalActions(actions: readonly Action[]): string {
  return actions.map(canonicalAction).join(";");
}

export function canonicalInstructions(instructions: readonly Instruction[]): string {
  return instructionsText(instructions);
}

/** canonicalInstructions of a desired flow, computed once per instruction list. */
function desiredInstructionsText(instructions: readonly Instruction[]): string {
  let text = INSTRUCTION_TEXT.get(instructions);
  if (text === undefined) {
    text = instructionsText(instructions);
    INSTRUCTION_TEXT.set(instructions, text);
  }
  return text;
}

function instructionsText(instructions: readonly Instruction[]): string {
  return (isInExecutionOrder(instructions) ? instructions : sortInstructions(instructions))
    .map((i) => {
      switch (i.type) {
        case "apply_actions":
        case "write_actions":
          return `${i.type}(${canonicalActions(i.actions)})`;
        case "write_metadata":
          return `write_metadata(${(i.metadata & i.mask).toString(16)}/${i.mask.toString(16)})`;
        case "goto_table":
          return `goto(${i.tableId})`;
        case "meter":
          return `meter(${i.meterId})`;
        case "clear_actions":
          return "clear_actions";
        default:
          return canonicalAction(i as never);
      }
    })
    .join(" ");
}

/** Switches report instructions in execution order already: then there is nothing to sort. */
function isInExecutionOrder(instructions: readonly Instruction[]): boolean {
  for (let i = 1; i < instructions.length; i++) {
    if (INSTRUCTION_ORDER[instructions[i - 1]!.type] > INSTRUCTION_ORDER[instructions[i]!.type]) return false;
  }
  return true;
}

function canonicalBuckets(buckets: readonly Bucket[]): string {
  return buckets.map((b) => `[${b.weight}/${b.watchPort}/${b.watchGroup}:${canonicalActions(b.actions)}]`).join("");
}

export function flowKey(tableIdNum: number, priority: number, match: Match): string {
  return `${tableIdNum}|${priority}|${canonicalMatch(match)}`;
}

/** A desired flow's identity on the switch (table, priority, canonical match), once per flow. */
export function desiredFlowKey(f: DesiredFlow): string {
  let key = FLOW_KEY.get(f);
  if (key === undefined) {
    key = flowKey(tableId(f.table), f.priority, f.match);
    FLOW_KEY.set(f, key);
  }
  return key;
}

/** The same identity for a flow the switch reported (or asActual made from a desired one). */
export function actualFlowKey(f: FlowStats): string {
  return FLOW_KEY.get(f) ?? flowKey(f.tableId, f.priority, f.match);
}

// ---- message constructors ----------------------------------------------------------------------

function flowMod(command: number, f: { tableId: number; priority: number; match: Match; instructions: Instruction[]; cookie: bigint }): FlowMod {
  return {
    type: "flow_mod",
    xid: 0,
    cookie: f.cookie,
    cookieMask: 0n,
    tableId: f.tableId,
    command,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: f.priority,
    bufferId: OFP_NO_BUFFER,
    outPort: OFPP.ANY,
    outGroup: OFPG.ANY,
    flags: 0,
    match: f.match,
    instructions: f.instructions,
  };
}

function groupMod(command: number, g: ActualGroup): GroupMod {
  return { type: "group_mod", xid: 0, command, groupType: g.groupType, groupId: g.groupId, buckets: g.buckets };
}

/** Group ids a group's buckets jump to. */
export function groupsUsed(buckets: readonly Bucket[]): number[] {
  return buckets.flatMap((b) => b.actions.filter((a) => a.type === "group").map((a) => (a as { groupId: number }).groupId));
}

/** Orders groups so that every group comes after the groups it uses (leaves first). */
function leavesFirst<T extends { groupId: number; buckets: Bucket[] }>(groups: readonly T[]): T[] {
  const byId = new Map(groups.map((g) => [g.groupId, g]));
  const done = new Set<number>();
  const out: T[] = [];
  const visit = (g: T, depth: number) => {
    if (done.has(g.groupId) || depth > groups.length) return;
    for (const used of groupsUsed(g.buckets)) {
      const dep = byId.get(used);
      if (dep) visit(dep, depth + 1);
    }
    if (!done.has(g.groupId)) {
      done.add(g.groupId);
      out.push(g);
    }
  };
  for (const g of [...groups].sort((a, b) => a.groupId - b.groupId)) visit(g, 0);
  return out;
}

// ---- the diff ----------------------------------------------------------------------------------

/** Desired flows by key (a later flow with the same key replaces an earlier one, in its place). */
interface WantedIndex {
  length: number;
  position: Map<string, number>;
  flows: DesiredFlow[];
}

// Built once per DesiredState flow list: a reconcile that re-uses the compiled state looks the
// switch's flows up in it without hashing a single desired key again.
const WANTED = new WeakMap<readonly DesiredFlow[], WantedIndex>();

function wantedIndex(flows: readonly DesiredFlow[]): WantedIndex {
  const cached = WANTED.get(flows);
  if (cached !== undefined && cached.length === flows.length) return cached;
  const position = new Map<string, number>();
  const list: DesiredFlow[] = [];
  for (const f of flows) {
    const key = desiredFlowKey(f);
    const at = position.get(key);
    if (at === undefined) {
      position.set(key, list.length);
      list.push(f);
    } else list[at] = f;
  }
  const index = { length: flows.length, position, flows: list };
  WANTED.set(flows, index);
  return index;
}

export function diff(desired: DesiredState, actual: ActualState): SwitchMessage[] {
  const wanted = wantedIndex(desired.flows);
  // present[i]: what the switch holds for wanted.flows[i]. One key and one lookup per switch flow.
  const present: (FlowStats | undefined)[] = new Array<FlowStats | undefined>(wanted.flows.length);
  const deletes: SwitchMessage[] = [];
  let deleted: Set<string> | null = null;
  for (const f of actual.flows) {
    const key = actualFlowKey(f);
    const at = wanted.position.get(key);
    if (at !== undefined) {
      present[at] = f;
    } else if (!(deleted ??= new Set()).has(key)) {
      deleted.add(key);
      deletes.push(flowMod(OFPFC.DELETE_STRICT, { ...f, instructions: [] }));
    }
  }

  const adds: SwitchMessage[] = [];
  const target = (f: DesiredFlow) => ({ tableId: tableId(f.table), priority: f.priority, match: f.match, instructions: f.instructions, cookie: f.cookie });
  for (let i = 0; i < wanted.flows.length; i++) {
    const f = wanted.flows[i]!;
    const have = present[i];
    if (!have || have.cookie !== f.cookie) adds.push(flowMod(OFPFC.ADD, target(f)));
    else if (have.instructions !== f.instructions && instructionsText(have.instructions) !== desiredInstructionsText(f.instructions)) {
      adds.push(flowMod(OFPFC.MODIFY_STRICT, target(f)));
    }
  }

  const wantedGroups = new Map(desired.groups.map((g) => [g.groupId, g]));
  const presentGroups = new Map(actual.groups.map((g) => [g.groupId, g]));
  const groupAdds = leavesFirst(desired.groups.filter((g) => !presentGroups.has(g.groupId))).map((g) => groupMod(OFPGC.ADD, g));
  const groupModifies = leavesFirst(
    desired.groups.filter((g) => {
      const have = presentGroups.get(g.groupId);
      return have !== undefined && (have.groupType !== g.groupType || canonicalBuckets(have.buckets) !== canonicalBuckets(g.buckets));
    }),
  ).map((g) => groupMod(OFPGC.MODIFY, g));
  const groupDeletes = leavesFirst(actual.groups.filter((g) => !wantedGroups.has(g.groupId)))
    .reverse()
    .map((g) => groupMod(OFPGC.DELETE, { groupType: g.groupType, groupId: g.groupId, buckets: [] }));

  return [...deletes, ...groupAdds, ...groupModifies, ...adds, ...groupDeletes, { type: "barrier_request", xid: 0 }];
}

// The realiser tracks what the switch holds as the last DesiredState it programmed and diffs
// against it on every incremental pass: make its actual form once.
const AS_ACTUAL = new WeakMap<DesiredState, ActualState>();

/** The state a switch would report after applying `desired` exactly: for incremental changes. */
export function asActual(desired: DesiredState): ActualState {
  const cached = AS_ACTUAL.get(desired);
  if (cached !== undefined && cached.flows.length === desired.flows.length && cached.groups.length === desired.groups.length) return cached;
  const actual = actualOf(desired);
  AS_ACTUAL.set(desired, actual);
  return actual;
}

function actualOf(desired: DesiredState): ActualState {
  return {
    flows: desired.flows.map((f) => {
      const stats: FlowStats = {
        tableId: tableId(f.table),
        durationSec: 0,
        durationNsec: 0,
        priority: f.priority,
        idleTimeout: 0,
        hardTimeout: 0,
        flags: 0,
        cookie: f.cookie,
        packetCount: 0n,
        byteCount: 0n,
        match: f.match,
        instructions: f.instructions,
      };
      FLOW_KEY.set(stats, desiredFlowKey(f));
      return stats;
    }),
    groups: desired.groups.map((g: DesiredGroup) => ({ groupType: g.groupType, groupId: g.groupId, buckets: g.buckets })),
  };
}

/**
 * The messages for a model change, from the previous desired state to the next: only what the
 * change touches (a new port adds its flows and updates its network's groups; nothing else moves).
 */
export function changes(previous: DesiredState, next: DesiredState): SwitchMessage[] {
  return diff(next, asActual(previous));
}

/** True when the diff holds nothing but its closing barrier. */
export function isInSync(messages: readonly SwitchMessage[]): boolean {
  return messages.every((m) => m.type === "barrier_request");
}
