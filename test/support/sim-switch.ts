// A strict simulated OpenFlow 1.3 switch for tests (after Faucet's fakeoftable): it applies
// FLOW_MODs and GROUP_MODs with the spec's add/modify/delete semantics and answers "what does the
// switch do with this frame". Every message goes through the real codec first
// (decode(encode(msg))), so every pipeline test also tests openflow/.
//
// Strict means it refuses what a careful controller never sends: overlapping flows of equal
// priority, gotos to the same or an earlier table, matches without their prerequisites, group
// actions naming missing groups, deleting a group another group chains to, and actions it does
// not model. Each refusal is a SimError naming the flow.

import {
  OFPFC,
  OFPFF,
  OFPG,
  OFPGC,
  OFPGT,
  OFPMPF_REPLY_MORE,
  OFPP,
  OFPR,
  OFPTT,
  OXM_BY_NAME,
  decode,
  encode,
  matchPrerequisiteProblems,
  type Action,
  type Bucket,
  type FlowMod,
  type FlowStats,
  type GroupMod,
  type Instruction,
  type Match,
  type OfpMessage,
  type PacketOut,
} from "../../openflow/index";
import { bytesToMac, formatIpv4, macToBytes } from "../../src/packet/addr";
import { encodeFrame, parseFrame, type EthernetFrame } from "../../src/packet/frame";
import type { ActualGroup, ActualState } from "../../src/pipeline/diff";

export class SimError extends Error {
  override name = "SimError";
}

interface SimFlow {
  tableId: number;
  priority: number;
  cookie: bigint;
  flags: number;
  match: Match;
  /** The match as (field → value, mask) bigints, computed once. */
  compiled: Array<{ field: string; value: bigint; mask: bigint }>;
  instructions: Instruction[];
  packetCount: bigint;
  byteCount: bigint;
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

export interface ProcessResult {
  outputs: Emitted[];
  packetIns: PacketInRecord[];
  /** One line per table visited and action taken: for failure messages. */
  trace: string[];
}

/** The state of one frame in the pipeline. */
interface SimPacket {
  frame: EthernetFrame;
  inPort: number;
  metadata: bigint;
  regs: bigint[];
  tunnelId: bigint;
}

// ---- field access ------------------------------------------------------------------------------

function fieldWidthMask(name: string): bigint {
  const f = OXM_BY_NAME[name];
  if (!f) throw new SimError(`unknown field ${name}`);
  return (1n << BigInt(f.bytes * 8)) - 1n;
}

/** A match or set_field value as a bigint, whatever its JS form (number, bigint, MAC, IPv4). */
export function valueToBigint(name: string, v: unknown): bigint {
  const f = OXM_BY_NAME[name];
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  if (typeof v === "string" && f?.kind === "mac") return BigInt("0x" + v.split(":").join(""));
  if (typeof v === "string" && f?.kind === "ipv4") return v.split(".").reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n);
  throw new SimError(`field ${name}: cannot use value ${String(v)}`);
}

function macOf(v: bigint): string {
  const b = new Uint8Array(6);
  for (let i = 5; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return bytesToMac(b);
}

function macBig(mac: string): bigint {
  return BigInt("0x" + Buffer.from(macToBytes(mac)).toString("hex"));
}

function ipBig(ip: string): bigint {
  return ip.split(".").reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n);
}

/** The packet's value of a field, or undefined when the packet has no such header. */
function getField(p: SimPacket, name: string): bigint | undefined {
  const f = p.frame;
  const ip = f.payload.kind === "ipv4" ? f.payload : undefined;
  const arp = f.payload.kind === "arp" ? f.payload : undefined;
  const udp = ip && ip.body.kind === "udp" ? ip.body : undefined;
  const regMatch = /^reg(\d+)$/.exec(name);
  if (regMatch) return p.regs[Number(regMatch[1])] ?? 0n;
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
      throw new SimError(`the simulator does not model field ${name}`);
  }
}

function setField(p: SimPacket, name: string, v: bigint): void {
  const f = p.frame;
  const regMatch = /^reg(\d+)$/.exec(name);
  if (regMatch) {
    p.regs[Number(regMatch[1])] = v & 0xffffffffn;
    return;
  }
  const arp = f.payload.kind === "arp" ? f.payload : undefined;
  const ip = f.payload.kind === "ipv4" ? f.payload : undefined;
  const need = <T>(x: T | undefined): T => {
    if (x === undefined) throw new SimError(`set_field ${name} on a frame without that header`);
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
      // OpenFlow 1.3 set_field vlan_vid carries OFPVID_PRESENT; it rewrites an existing tag.
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
      throw new SimError(`the simulator does not model set_field ${name}`);
  }
}

function compileMatch(match: Match): SimFlow["compiled"] {
  const out: SimFlow["compiled"] = [];
  for (const [field, raw] of Object.entries(match)) {
    if (raw === undefined || field === "experimenter") continue;
    const full = fieldWidthMask(field);
    const masked = typeof raw === "object" && raw !== null && "mask" in raw;
    const value = valueToBigint(field, masked ? (raw as { value: unknown }).value : raw);
    const mask = masked ? valueToBigint(field, (raw as { mask: unknown }).mask) : full;
    out.push({ field, value: value & mask, mask });
  }
  return out.sort((a, b) => a.field.localeCompare(b.field));
}

function sameMatch(a: SimFlow["compiled"], b: SimFlow["compiled"]): boolean {
  return a.length === b.length && a.every((x, i) => x.field === b[i]!.field && x.value === b[i]!.value && x.mask === b[i]!.mask);
}

/** Two matches overlap when some packet matches both: every field both constrain agrees. */
function overlaps(a: SimFlow["compiled"], b: SimFlow["compiled"]): boolean {
  for (const x of a) {
    const y = b.find((f) => f.field === x.field);
    if (!y) continue;
    const common = x.mask & y.mask;
    if ((x.value & common) !== (y.value & common)) return false;
  }
  return true;
}

/** True when every packet matching `specific` also matches `general` (non-strict modify/delete). */
function covers(general: SimFlow["compiled"], specific: SimFlow["compiled"]): boolean {
  return general.every((g) => {
    const s = specific.find((f) => f.field === g.field);
    return s !== undefined && (s.mask & g.mask) === g.mask && (s.value & g.mask) === g.value;
  });
}

function describe(f: { tableId: number; priority: number; match: Match }): string {
  const m = Object.entries(f.match)
    .map(([k, v]) => `${k}=${typeof v === "object" && v !== null && "mask" in v ? `${String((v as { value: unknown }).value)}/${String((v as { mask: unknown }).mask)}` : String(v)}`)
    .join(",");
  return `table=${f.tableId},priority=${f.priority},${m}`;
}

function clonePacket(p: SimPacket): SimPacket {
  return { ...p, frame: parseFrame(encodeFrame(p.frame)), regs: [...p.regs] };
}

/** Messages the simulator takes: they cross the real codec first. */
function roundTrip<T extends OfpMessage>(msg: T): T {
  return decode(encode(msg)) as T;
}

const FLOW_STATS_PER_REPLY = 40;

export class SimSwitch {
  private readonly flows: SimFlow[] = [];
  private readonly groupTable = new Map<number, { groupType: number; buckets: Bucket[] }>();
  /** Every frame that left each port, in order. */
  readonly portLog = new Map<number, Emitted[]>();
  /** Count of messages applied (after the codec), for idempotence tests. */
  applied = 0;

  constructor(readonly name: string) {}

  // ---- messages ----------------------------------------------------------------------------------

  send(message: OfpMessage): void {
    const msg = roundTrip(message);
    this.applied++;
    switch (msg.type) {
      case "flow_mod":
        return this.flowMod(msg);
      case "group_mod":
        return this.groupMod(msg);
      case "barrier_request":
        return;
      default:
        throw new SimError(`${this.name}: the simulator does not take ${msg.type} messages here`);
    }
  }

  sendAll(messages: readonly OfpMessage[]): void {
    for (const m of messages) this.send(m);
  }

  private checkInstructions(fm: FlowMod): void {
    for (const ins of fm.instructions) {
      if (ins.type === "goto_table" && ins.tableId <= fm.tableId) {
        throw new SimError(`${this.name}: ${describe(fm)} goes to table ${ins.tableId}, not after its own`);
      }
      if (ins.type === "apply_actions" || ins.type === "write_actions") this.checkActions(ins.actions, describe(fm));
      if (ins.type === "meter" || ins.type === "experimenter") throw new SimError(`${this.name}: ${ins.type} instruction not modelled`);
    }
  }

  private checkActions(actions: readonly Action[], where: string): void {
    for (const a of actions) {
      if (a.type === "group" && !this.groupTable.has(a.groupId)) {
        throw new SimError(`${this.name}: ${where} uses group ${a.groupId}, which does not exist`);
      }
      if (a.type === "output" && [OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.TABLE, OFPP.LOCAL, OFPP.ANY].includes(a.port as never)) {
        throw new SimError(`${this.name}: ${where} outputs to reserved port ${a.port.toString(16)}, which vnet never uses`);
      }
    }
  }

  private flowMod(fm: FlowMod): void {
    const compiled = compileMatch(fm.match);
    const cookieHit = (f: SimFlow) => (f.cookie & fm.cookieMask) === (fm.cookie & fm.cookieMask);
    switch (fm.command) {
      case OFPFC.ADD: {
        if (fm.tableId > OFPTT.MAX) throw new SimError(`${this.name}: table ${fm.tableId} out of range`);
        const problems = matchPrerequisiteProblems(fm.match);
        if (problems.length) throw new SimError(`${this.name}: ${describe(fm)}: ${problems.join("; ")}`);
        this.checkInstructions(fm);
        const same = this.flows.findIndex((f) => f.tableId === fm.tableId && f.priority === fm.priority && sameMatch(f.compiled, compiled));
        const clash = this.flows.find(
          (f, i) => i !== same && f.tableId === fm.tableId && f.priority === fm.priority && overlaps(f.compiled, compiled),
        );
        if (clash) throw new SimError(`${this.name}: ${describe(fm)} overlaps ${describe(clash)} at the same priority`);
        const entry: SimFlow = {
          tableId: fm.tableId,
          priority: fm.priority,
          cookie: fm.cookie,
          flags: fm.flags,
          match: fm.match,
          compiled,
          instructions: fm.instructions,
          packetCount: 0n,
          byteCount: 0n,
        };
        // §6.4: an ADD identical in match and priority replaces the old entry, counters cleared.
        if (same >= 0) this.flows[same] = entry;
        else this.flows.push(entry);
        return;
      }
      case OFPFC.MODIFY:
      case OFPFC.MODIFY_STRICT: {
        this.checkInstructions(fm);
        const strict = fm.command === OFPFC.MODIFY_STRICT;
        for (const f of this.flows) {
          if (f.tableId !== fm.tableId || !cookieHit(f)) continue;
          if (strict ? f.priority === fm.priority && sameMatch(f.compiled, compiled) : covers(compiled, f.compiled)) {
            f.instructions = fm.instructions;
            if (fm.flags & OFPFF.RESET_COUNTS) {
              f.packetCount = 0n;
              f.byteCount = 0n;
            }
          }
        }
        return;
      }
      case OFPFC.DELETE:
      case OFPFC.DELETE_STRICT: {
        const strict = fm.command === OFPFC.DELETE_STRICT;
        for (let i = this.flows.length - 1; i >= 0; i--) {
          const f = this.flows[i]!;
          if (fm.tableId !== OFPTT.ALL && f.tableId !== fm.tableId) continue;
          if (!cookieHit(f)) continue;
          if (fm.outPort !== OFPP.ANY && !this.flowOutputsTo(f, fm.outPort)) continue;
          if (fm.outGroup !== OFPG.ANY && !this.flowUsesGroup(f, fm.outGroup)) continue;
          const hit = strict ? f.priority === fm.priority && sameMatch(f.compiled, compiled) : covers(compiled, f.compiled);
          if (hit) this.flows.splice(i, 1);
        }
        return;
      }
      default:
        throw new SimError(`${this.name}: unknown flow_mod command ${fm.command}`);
    }
  }

  private flowActions(f: SimFlow): Action[] {
    return f.instructions.flatMap((i) => (i.type === "apply_actions" || i.type === "write_actions" ? i.actions : []));
  }
  private flowOutputsTo(f: SimFlow, port: number): boolean {
    return this.flowActions(f).some((a) => a.type === "output" && a.port === port);
  }
  private flowUsesGroup(f: SimFlow, groupId: number): boolean {
    return this.flowActions(f).some((a) => a.type === "group" && a.groupId === groupId);
  }

  private groupMod(gm: GroupMod): void {
    const where = `group ${gm.groupId}`;
    switch (gm.command) {
      case OFPGC.ADD:
      case OFPGC.MODIFY: {
        const exists = this.groupTable.has(gm.groupId);
        if (gm.command === OFPGC.ADD && exists) throw new SimError(`${this.name}: ${where} already exists (OFPGMFC_GROUP_EXISTS)`);
        if (gm.command === OFPGC.MODIFY && !exists) throw new SimError(`${this.name}: ${where} does not exist (OFPGMFC_UNKNOWN_GROUP)`);
        if (gm.groupId > OFPG.MAX) throw new SimError(`${this.name}: ${where} is a reserved number`);
        if (![OFPGT.ALL, OFPGT.INDIRECT].includes(gm.groupType as never)) throw new SimError(`${this.name}: ${where}: only ALL and INDIRECT groups are modelled`);
        if (gm.groupType === OFPGT.INDIRECT && gm.buckets.length !== 1) throw new SimError(`${this.name}: ${where}: an INDIRECT group has exactly one bucket`);
        for (const b of gm.buckets) {
          this.checkActions(b.actions, where);
          for (const a of b.actions) {
            if (a.type === "group" && this.reaches(a.groupId, gm.groupId)) throw new SimError(`${this.name}: ${where} would chain into a loop (OFPGMFC_LOOP)`);
          }
        }
        this.groupTable.set(gm.groupId, { groupType: gm.groupType, buckets: gm.buckets });
        return;
      }
      case OFPGC.DELETE: {
        const ids = gm.groupId === OFPG.ALL ? [...this.groupTable.keys()] : [gm.groupId];
        for (const id of ids) {
          if (!this.groupTable.has(id)) continue; // §6.5: deleting a missing group is not an error
          for (const [otherId, other] of this.groupTable) {
            if (otherId !== id && !ids.includes(otherId) && other.buckets.some((b) => b.actions.some((a) => a.type === "group" && a.groupId === id))) {
              throw new SimError(`${this.name}: group ${id} is still used by group ${otherId} (OFPGMFC_CHAINED_GROUP)`);
            }
          }
          this.groupTable.delete(id);
          // §6.5: flows that forward to a deleted group are removed with it.
          for (let i = this.flows.length - 1; i >= 0; i--) if (this.flowUsesGroup(this.flows[i]!, id)) this.flows.splice(i, 1);
        }
        return;
      }
      default:
        throw new SimError(`${this.name}: unknown group_mod command ${gm.command}`);
    }
  }

  /** True when group `from` is `target` or chains to it. */
  private reaches(from: number, target: number, depth = 0): boolean {
    if (from === target) return true;
    if (depth > 16) return true;
    const g = this.groupTable.get(from);
    return !!g && g.buckets.some((b) => b.actions.some((a) => a.type === "group" && this.reaches(a.groupId, target, depth + 1)));
  }

  // ---- what the switch reports -------------------------------------------------------------------

  /** Flow stats as a real switch sends them: in multipart replies, through the codec. */
  flowStats(): FlowStats[] {
    const all: FlowStats[] = this.flows.map((f) => ({
      tableId: f.tableId,
      durationSec: 0,
      durationNsec: 0,
      priority: f.priority,
      idleTimeout: 0,
      hardTimeout: 0,
      flags: f.flags,
      cookie: f.cookie,
      packetCount: f.packetCount,
      byteCount: f.byteCount,
      match: f.match,
      instructions: f.instructions,
    }));
    const out: FlowStats[] = [];
    for (let i = 0; i === 0 || i < all.length; i += FLOW_STATS_PER_REPLY) {
      const chunk = all.slice(i, i + FLOW_STATS_PER_REPLY);
      const more = i + FLOW_STATS_PER_REPLY < all.length ? OFPMPF_REPLY_MORE : 0;
      const reply = roundTrip({ type: "multipart_reply", xid: 1, flags: more, kind: "flow", flows: chunk });
      if (reply.type !== "multipart_reply" || reply.kind !== "flow") throw new SimError("flow stats reply did not round-trip");
      out.push(...reply.flows);
    }
    return out;
  }

  groupDescs(): ActualGroup[] {
    const groups = [...this.groupTable].map(([groupId, g]) => ({ groupId, groupType: g.groupType, buckets: g.buckets }));
    const reply = roundTrip({ type: "multipart_reply", xid: 1, flags: 0, kind: "group_desc", groups });
    if (reply.type !== "multipart_reply" || reply.kind !== "group_desc") throw new SimError("group desc reply did not round-trip");
    return reply.groups;
  }

  actual(): ActualState {
    return { flows: this.flowStats(), groups: this.groupDescs() };
  }

  /** A stable text of the tables (without counters): equal texts mean equal switches. */
  snapshot(): string {
    const flows = this.flows
      .map((f) => `${describe(f)} cookie=${f.cookie.toString(16)} ${JSON.stringify(f.instructions, bigintJson)}`)
      .sort();
    const groups = [...this.groupTable].map(([id, g]) => `group ${id} type=${g.groupType} ${JSON.stringify(g.buckets, bigintJson)}`).sort();
    return [...flows, ...groups].join("\n");
  }

  flowCount(): number {
    return this.flows.length;
  }

  /** Packet counters of the flows whose cookie satisfies `pick`. */
  packetCount(pick: (cookie: bigint, f: { tableId: number; match: Match }) => boolean): bigint {
    return this.flows.filter((f) => pick(f.cookie, f)).reduce((a, f) => a + f.packetCount, 0n);
  }

  // ---- the data path -----------------------------------------------------------------------------

  /** Runs one frame through the pipeline from table 0. */
  process(inPort: number, frame: Uint8Array, opts: { tunnelId?: bigint } = {}): ProcessResult {
    const result: ProcessResult = { outputs: [], packetIns: [], trace: [] };
    const packet: SimPacket = { frame: parseFrame(frame), inPort, metadata: 0n, regs: Array(16).fill(0n), tunnelId: opts.tunnelId ?? 0n };
    this.runPipeline(packet, frame.length, result);
    return result;
  }

  /** A PACKET_OUT from the controller (after the codec): its actions applied to its frame. */
  packetOut(message: PacketOut): ProcessResult {
    const msg = roundTrip(message);
    const result: ProcessResult = { outputs: [], packetIns: [], trace: [] };
    const packet: SimPacket = { frame: parseFrame(msg.data), inPort: msg.inPort, metadata: 0n, regs: Array(16).fill(0n), tunnelId: 0n };
    this.checkActions(msg.actions, "packet_out");
    this.runActions(packet, msg.actions, result, 0n, OFPTT.MAX, 0);
    return result;
  }

  private runPipeline(packet: SimPacket, length: number, result: ProcessResult): void {
    let tableId = 0;
    let actionSet: Action[] = [];
    for (;;) {
      const candidates = this.flows.filter((f) => f.tableId === tableId && f.compiled.every((m) => {
        const v = getField(packet, m.field);
        return v !== undefined && (v & m.mask) === m.value;
      }));
      if (candidates.length === 0) {
        result.trace.push(`table ${tableId}: no match, dropped`);
        break;
      }
      const top = Math.max(...candidates.map((f) => f.priority));
      const best = candidates.filter((f) => f.priority === top);
      if (best.length > 1) throw new SimError(`${this.name}: table ${tableId} has ${best.length} matching flows at priority ${top}`);
      const flow = best[0]!;
      flow.packetCount++;
      flow.byteCount += BigInt(length);
      result.trace.push(`table ${tableId}: ${describe(flow)}`);
      let next: number | null = null;
      for (const ins of flow.instructions) {
        switch (ins.type) {
          case "apply_actions":
            this.runActions(packet, ins.actions, result, flow.cookie, tableId, 0);
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
            next = ins.tableId;
            break;
          default:
            throw new SimError(`${this.name}: instruction ${ins.type} not modelled`);
        }
      }
      if (next === null) {
        // §5.10: the action set runs at the end of the pipeline (group before output).
        const ordered = [...actionSet.filter((a) => a.type !== "group" && a.type !== "output"), ...actionSet.filter((a) => a.type === "group"), ...actionSet.filter((a) => a.type === "output")];
        this.runActions(packet, ordered, result, flow.cookie, tableId, 0);
        break;
      }
      tableId = next;
    }
  }

  private runActions(packet: SimPacket, actions: readonly Action[], result: ProcessResult, cookie: bigint, tableId: number, depth: number): void {
    if (depth > 8) throw new SimError(`${this.name}: groups chained deeper than 8`);
    for (const a of actions) {
      switch (a.type) {
        case "output":
          this.output(packet, a.port, result, cookie, tableId);
          break;
        case "group": {
          const g = this.groupTable.get(a.groupId);
          if (!g) throw new SimError(`${this.name}: group ${a.groupId} vanished`);
          result.trace.push(`group ${a.groupId}: ${g.buckets.length} bucket(s)`);
          // ALL: every bucket acts on its own copy of the packet; INDIRECT: the one bucket.
          for (const b of g.buckets) this.runActions(clonePacket(packet), b.actions, result, cookie, tableId, depth + 1);
          break;
        }
        case "set_field":
          setField(packet, a.field, valueToBigint(a.field, a.value));
          break;
        case "push_vlan":
          if (packet.frame.vlan) throw new SimError(`${this.name}: push_vlan on a tagged frame (QinQ) is not modelled`);
          packet.frame.vlan = { vid: 0, pcp: 0 };
          break;
        case "pop_vlan":
          if (!packet.frame.vlan) throw new SimError(`${this.name}: pop_vlan on an untagged frame`);
          delete packet.frame.vlan;
          break;
        case "nx_reg_move": {
          const src = getField(packet, a.src);
          const dst = getField(packet, a.dst);
          if (src === undefined || dst === undefined) throw new SimError(`${this.name}: move ${a.src}->${a.dst} on a frame without them`);
          const bits = (1n << BigInt(a.nBits)) - 1n;
          const piece = (src >> BigInt(a.srcOfs)) & bits;
          const cleared = dst & ~(bits << BigInt(a.dstOfs));
          setField(packet, a.dst, cleared | (piece << BigInt(a.dstOfs)));
          break;
        }
        default:
          throw new SimError(`${this.name}: action ${a.type} not modelled`);
      }
    }
  }

  private output(packet: SimPacket, port: number, result: ProcessResult, cookie: bigint, tableId: number): void {
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
      result.trace.push(`output ${port}: is the ingress port, skipped`);
      return;
    }
    const emitted: Emitted = { port: target, frame: bytes, tunnelId: packet.tunnelId };
    result.outputs.push(emitted);
    result.trace.push(`output ${target}`);
    const log = this.portLog.get(target) ?? [];
    log.push(emitted);
    this.portLog.set(target, log);
  }
}

function bigintJson(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return `0x${v.toString(16)}`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  return v;
}
