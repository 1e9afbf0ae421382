// An OpenFlow 1.3 pipeline interpreter: what a switch holding these flows and groups does with
// one frame. Pure and synchronous. The simulated switch of the tests (test/support/sim-switch.ts)
// runs its packets through it, and the "why" view (trace.ts) uses it to explain a path between
// two VMs from the compiled flows, so the product explains exactly what the tests check.
//
// Modelled: matching with value/mask on the fields vnet uses, goto, write_metadata, apply and
// write actions with the action set, output (IN_PORT, CONTROLLER, skipping the ingress port),
// ALL/INDIRECT groups, set_field, push/pop VLAN, nx_reg_move (also in Open vSwitch's raw form).
// Anything else is an InterpreterError, never a silent guess.

import { OFPP, OFPR, OXM_BY_NAME, type Action, type Bucket, type Instruction, type Match } from "../../openflow/index";
import { bytesToMac, formatIpv4, macToBytes } from "../packet/addr";
import { encodeFrame, parseFrame, type EthernetFrame } from "../packet/frame";
import { regMoveOf } from "./nx-move";

export class InterpreterError extends Error {
  override name = "InterpreterError";
}

export interface InterpFlow {
  tableId: number;
  priority: number;
  cookie: bigint;
  match: Match;
  instructions: Instruction[];
}

export interface InterpGroup {
  groupType: number;
  buckets: Bucket[];
}

/** The switch's tables as the interpreter reads them. */
export interface InterpTables {
  flowsOf(tableId: number): readonly InterpFlow[];
  group(groupId: number): InterpGroup | undefined;
}

export interface Emitted {
  port: number;
  frame: Uint8Array;
  /** The tunnel key the frame carries when it leaves (meaningful on tunnel ports). */
  tunnelId: bigint;
}

export interface PacketInRecord {
  cookie: bigint;
  tableId: number;
  reason: number;
  inPort: number;
  frame: Uint8Array;
}

export interface TraceStep {
  tableId: number;
  /** The flow that matched, or null for a table miss without a flow (drop). */
  flow: InterpFlow | null;
}

export interface RunResult {
  outputs: Emitted[];
  packetIns: PacketInRecord[];
  steps: TraceStep[];
  /** One line per table visited and action taken: for failure messages. */
  trace: string[];
}

/** The state of one frame in the pipeline. */
interface Packet {
  frame: EthernetFrame;
  inPort: number;
  metadata: bigint;
  regs: bigint[];
  tunnelId: bigint;
}

// ---- field values ------------------------------------------------------------------------------

function fullMask(name: string): bigint {
  const f = OXM_BY_NAME[name];
  if (!f) throw new InterpreterError(`unknown field ${name}`);
  return (1n << BigInt(f.bytes * 8)) - 1n;
}

function macBig(mac: string): bigint {
  return BigInt("0x" + Buffer.from(macToBytes(mac)).toString("hex"));
}

function ipBig(ip: string): bigint {
  return ip.split(".").reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n);
}

function macOf(v: bigint): string {
  const b = new Uint8Array(6);
  for (let i = 5; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return bytesToMac(b);
}

/** A match or set_field value as a bigint, whatever its JS form (number, bigint, MAC, IPv4). */
export function valueToBigint(name: string, v: unknown): bigint {
  const f = OXM_BY_NAME[name];
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  if (typeof v === "string" && f?.kind === "mac") return macBig(v);
  if (typeof v === "string" && f?.kind === "ipv4") return ipBig(v);
  throw new InterpreterError(`field ${name}: cannot use value ${String(v)}`);
}

export interface CompiledField {
  field: string;
  value: bigint;
  mask: bigint;
}

/** A match as sorted (field, value & mask, mask) triples. */
export function compileMatch(match: Match): CompiledField[] {
  const out: CompiledField[] = [];
  for (const [field, raw] of Object.entries(match)) {
    if (raw === undefined || field === "experimenter") continue;
    const full = fullMask(field);
    const masked = typeof raw === "object" && raw !== null && "mask" in raw;
    const value = valueToBigint(field, masked ? (raw as { value: unknown }).value : raw);
    const mask = masked ? valueToBigint(field, (raw as { mask: unknown }).mask) : full;
    out.push({ field, value: value & mask, mask });
  }
  return out.sort((a, b) => a.field.localeCompare(b.field));
}

/** The packet's value of a field, or undefined when the packet has no such header. */
function getField(p: Packet, name: string): bigint | undefined {
  const f = p.frame;
  const ip = f.payload.kind === "ipv4" ? f.payload : undefined;
  const arp = f.payload.kind === "arp" ? f.payload : undefined;
  const udp = ip && ip.body.kind === "udp" ? ip.body : undefined;
  const reg = /^reg(\d+)$/.exec(name);
  if (reg) return p.regs[Number(reg[1])] ?? 0n;
  switch (name) {
    case "in_port":
      return BigInt(p.inPort);
    case "metadata":
      return p.metadata;
    case "tunnel_id":
      return p.tunnelId;
    case "eth_dst":
      return macBig(f.dst);
    case "eth_src":
      return macBig(f.src);
    case "eth_type":
      return BigInt(f.ethType);
    case "vlan_vid":
      return f.vlan ? BigInt(0x1000 | f.vlan.vid) : 0n;
    case "vlan_pcp":
      return f.vlan ? BigInt(f.vlan.pcp) : undefined;
    case "ip_proto":
      return ip ? BigInt(ip.protocol) : undefined;
    case "ip_dscp":
      return ip ? BigInt(ip.tos >> 2) : undefined;
    case "ipv4_src":
      return ip ? ipBig(ip.src) : undefined;
    case "ipv4_dst":
      return ip ? ipBig(ip.dst) : undefined;
    case "udp_src":
      return udp ? BigInt(udp.srcPort) : undefined;
    case "udp_dst":
      return udp ? BigInt(udp.dstPort) : undefined;
    case "tcp_src":
    case "tcp_dst": {
      if (!ip || ip.protocol !== 6 || ip.body.kind !== "raw" || ip.body.bytes.length < 4) return undefined;
      const b = ip.body.bytes;
      return BigInt(name === "tcp_src" ? (b[0]! << 8) | b[1]! : (b[2]! << 8) | b[3]!);
    }
    case "icmpv4_type":
    case "icmpv4_code":
      if (!ip || ip.protocol !== 1 || ip.body.kind !== "raw" || ip.body.bytes.length < 2) return undefined;
      return BigInt(ip.body.bytes[name === "icmpv4_type" ? 0 : 1]!);
    case "arp_op":
      return arp ? BigInt(arp.op) : undefined;
    case "arp_spa":
      return arp ? ipBig(arp.spa) : undefined;
    case "arp_tpa":
      return arp ? ipBig(arp.tpa) : undefined;
    case "arp_sha":
      return arp ? macBig(arp.sha) : undefined;
    case "arp_tha":
      return arp ? macBig(arp.tha) : undefined;
    default:
      throw new InterpreterError(`the interpreter does not model field ${name}`);
  }
}

function setField(p: Packet, name: string, v: bigint): void {
  const f = p.frame;
  const reg = /^reg(\d+)$/.exec(name);
  if (reg) {
    p.regs[Number(reg[1])] = v & 0xffffffffn;
    return;
  }
  const arp = f.payload.kind === "arp" ? f.payload : undefined;
  const ip = f.payload.kind === "ipv4" ? f.payload : undefined;
  const need = <T>(x: T | undefined): T => {
    if (x === undefined) throw new InterpreterError(`set_field ${name} on a frame without that header`);
    return x;
  };
  switch (name) {
    case "metadata":
      p.metadata = v;
      return;
    case "tunnel_id":
      p.tunnelId = v;
      return;
    case "eth_dst":
      f.dst = macOf(v);
      return;
    case "eth_src":
      f.src = macOf(v);
      return;
    case "vlan_vid":
      // OpenFlow 1.3 set_field vlan_vid carries OFPVID_PRESENT and rewrites an existing tag.
      need(f.vlan).vid = Number(v & 0xfffn);
      return;
    case "vlan_pcp":
      need(f.vlan).pcp = Number(v & 7n);
      return;
    case "ipv4_src":
      need(ip).src = formatIpv4(Number(v));
      return;
    case "ipv4_dst":
      need(ip).dst = formatIpv4(Number(v));
      return;
    case "arp_op":
      need(arp).op = Number(v);
      return;
    case "arp_spa":
      need(arp).spa = formatIpv4(Number(v));
      return;
    case "arp_tpa":
      need(arp).tpa = formatIpv4(Number(v));
      return;
    case "arp_sha":
      need(arp).sha = macOf(v);
      return;
    case "arp_tha":
      need(arp).tha = macOf(v);
      return;
    default:
      throw new InterpreterError(`the interpreter does not model set_field ${name}`);
  }
}

/** Compiled matches by flow object (flows are never mutated in their match). */
const COMPILED = new WeakMap<InterpFlow, CompiledField[]>();

function compiledOf(flow: InterpFlow): CompiledField[] {
  let c = COMPILED.get(flow);
  if (!c) {
    c = compileMatch(flow.match);
    COMPILED.set(flow, c);
  }
  return c;
}

function matches(flow: InterpFlow, packet: Packet): boolean {
  return compiledOf(flow).every((m) => {
    const v = getField(packet, m.field);
    return v !== undefined && (v & m.mask) === m.value;
  });
}

function clonePacket(p: Packet): Packet {
  return { ...p, frame: parseFrame(encodeFrame(p.frame)), regs: [...p.regs] };
}

// ---- running -----------------------------------------------------------------------------------

/** Runs one frame through the pipeline from table 0. `onFlow` sees each matched flow (counters). */
export function runPipeline(
  tables: InterpTables,
  input: { inPort: number; frame: Uint8Array; tunnelId?: bigint },
  onFlow?: (flow: InterpFlow, bytes: number) => void,
): RunResult {
  const result: RunResult = { outputs: [], packetIns: [], steps: [], trace: [] };
  const packet: Packet = { frame: parseFrame(input.frame), inPort: input.inPort, metadata: 0n, regs: Array(16).fill(0n), tunnelId: input.tunnelId ?? 0n };
  let tableId = 0;
  let actionSet: Action[] = [];
  for (let hops = 0; ; hops++) {
    if (hops > 255) throw new InterpreterError("more than 255 tables visited");
    const candidates = tables.flowsOf(tableId).filter((f) => matches(f, packet));
    if (candidates.length === 0) {
      result.steps.push({ tableId, flow: null });
      result.trace.push(`table ${tableId}: no match, dropped`);
      break;
    }
    const top = Math.max(...candidates.map((f) => f.priority));
    const best = candidates.filter((f) => f.priority === top);
    if (best.length > 1) throw new InterpreterError(`table ${tableId} has ${best.length} matching flows at priority ${top}`);
    const flow = best[0]!;
    onFlow?.(flow, input.frame.length);
    result.steps.push({ tableId, flow });
    result.trace.push(`table ${tableId}: priority ${flow.priority} ${formatMatch(flow.match)}`);
    let next: number | null = null;
    for (const ins of flow.instructions) {
      switch (ins.type) {
        case "apply_actions":
          runActions(tables, packet, ins.actions, result, flow.cookie, tableId, 0);
          break;
        case "clear_actions":
          actionSet = [];
          break;
        case "write_actions":
          actionSet = [...actionSet.filter((a) => !ins.actions.some((b) => b.type === a.type)), ...ins.actions];
          break;
        case "write_metadata":
          packet.metadata = (packet.metadata & ~ins.mask) | (ins.metadata & ins.mask);
          break;
        case "goto_table":
          if (ins.tableId <= tableId) throw new InterpreterError(`table ${tableId} goes back to table ${ins.tableId}`);
          next = ins.tableId;
          break;
        default:
          throw new InterpreterError(`instruction ${ins.type} not modelled`);
      }
    }
    if (next === null) {
      // OpenFlow 1.3 §5.10: the action set runs at the end of the pipeline, group before output.
      const ordered = [
        ...actionSet.filter((a) => a.type !== "group" && a.type !== "output"),
        ...actionSet.filter((a) => a.type === "group"),
        ...actionSet.filter((a) => a.type === "output"),
      ];
      runActions(tables, packet, ordered, result, flow.cookie, tableId, 0);
      break;
    }
    tableId = next;
  }
  return result;
}

/** Applies an action list to a frame outside the pipeline (a PACKET_OUT). */
export function runPacketOut(tables: InterpTables, input: { inPort: number; frame: Uint8Array; actions: readonly Action[] }): RunResult {
  const result: RunResult = { outputs: [], packetIns: [], steps: [], trace: [] };
  const packet: Packet = { frame: parseFrame(input.frame), inPort: input.inPort, metadata: 0n, regs: Array(16).fill(0n), tunnelId: 0n };
  runActions(tables, packet, input.actions, result, 0n, 0xff, 0);
  return result;
}

function runActions(tables: InterpTables, packet: Packet, actions: readonly Action[], result: RunResult, cookie: bigint, tableId: number, depth: number): void {
  if (depth > 8) throw new InterpreterError("groups chained deeper than 8");
  for (const a of actions) {
    switch (a.type) {
      case "output":
        output(packet, a.port, result, cookie, tableId);
        break;
      case "group": {
        const g = tables.group(a.groupId);
        if (!g) throw new InterpreterError(`group ${a.groupId} does not exist`);
        result.trace.push(`group ${a.groupId}: ${g.buckets.length} bucket(s)`);
        // ALL: every bucket acts on its own copy of the packet; INDIRECT: the one bucket.
        for (const b of g.buckets) runActions(tables, clonePacket(packet), b.actions, result, cookie, tableId, depth + 1);
        break;
      }
      case "set_field":
        setField(packet, a.field, valueToBigint(a.field, a.value));
        break;
      case "push_vlan":
        if (packet.frame.vlan) throw new InterpreterError("push_vlan on a tagged frame (QinQ) is not modelled");
        packet.frame.vlan = { vid: 0, pcp: 0 };
        break;
      case "pop_vlan":
        if (!packet.frame.vlan) throw new InterpreterError("pop_vlan on an untagged frame");
        delete packet.frame.vlan;
        break;
      case "nx_reg_move":
      case "experimenter": {
        const m = regMoveOf(a);
        if (!m) throw new InterpreterError(`experimenter action not modelled`);
        move(packet, m.src, m.dst, m.nBits, m.srcOfs, m.dstOfs);
        break;
      }
      default:
        throw new InterpreterError(`action ${a.type} not modelled`);
    }
  }
}

function move(packet: Packet, src: string, dst: string, nBits: number, srcOfs: number, dstOfs: number): void {
  const from = getField(packet, src);
  const to = getField(packet, dst);
  if (from === undefined || to === undefined) throw new InterpreterError(`move ${src}->${dst} on a frame without them`);
  const bits = (1n << BigInt(nBits)) - 1n;
  const piece = (from >> BigInt(srcOfs)) & bits;
  setField(packet, dst, (to & ~(bits << BigInt(dstOfs))) | (piece << BigInt(dstOfs)));
}

function output(packet: Packet, port: number, result: RunResult, cookie: bigint, tableId: number): void {
  const bytes = encodeFrame(packet.frame);
  if (port === OFPP.CONTROLLER) {
    result.packetIns.push({ cookie, tableId, reason: OFPR.ACTION, inPort: packet.inPort, frame: bytes });
    result.trace.push("output: controller");
    return;
  }
  let target = port;
  if (port === OFPP.IN_PORT) target = packet.inPort;
  else if (port === packet.inPort) {
    // §5.12: output to the ingress port only happens through OFPP_IN_PORT.
    result.trace.push(`output ${port}: the ingress port, skipped`);
    return;
  } else if (port > OFPP.MAX) {
    throw new InterpreterError(`output to reserved port 0x${port.toString(16)} not modelled`);
  }
  result.outputs.push({ port: target, frame: bytes, tunnelId: packet.tunnelId });
  result.trace.push(`output ${target}`);
}

// ---- text, for traces --------------------------------------------------------------------------

function valueText(v: unknown): string {
  if (typeof v === "bigint") return `0x${v.toString(16)}`;
  if (typeof v === "object" && v !== null && "mask" in v) {
    const m = v as { value: unknown; mask: unknown };
    return `${valueText(m.value)}/${valueText(m.mask)}`;
  }
  return String(v);
}

export function formatMatch(match: Match): string {
  const parts = Object.entries(match)
    .filter(([k, v]) => v !== undefined && k !== "experimenter")
    .map(([k, v]) => `${k}=${valueText(v)}`);
  return parts.length ? parts.join(",") : "(any)";
}

export function formatActions(actions: readonly Action[]): string {
  return actions
    .map((a) => {
      switch (a.type) {
        case "output":
          return a.port === OFPP.CONTROLLER ? "CONTROLLER" : a.port === OFPP.IN_PORT ? "IN_PORT" : `output:${a.port}`;
        case "group":
          return `group:${a.groupId}`;
        case "set_field":
          return `set_field:${valueText(a.value)}->${a.field}`;
        case "push_vlan":
          return `push_vlan:0x${a.ethertype.toString(16)}`;
        case "nx_reg_move":
          return `move:${a.src}->${a.dst}`;
        default:
          return a.type;
      }
    })
    .join(",");
}

export function formatInstructions(instructions: readonly Instruction[]): string {
  const text = instructions
    .map((i) => {
      switch (i.type) {
        case "apply_actions":
          return formatActions(i.actions);
        case "write_actions":
          return `write_actions(${formatActions(i.actions)})`;
        case "write_metadata":
          return `write_metadata:${valueText(i.metadata)}/${valueText(i.mask)}`;
        case "goto_table":
          return `goto_table:${i.tableId}`;
        default:
          return i.type;
      }
    })
    .filter((s) => s.length > 0)
    .join(",");
  return text.length ? text : "drop";
}
