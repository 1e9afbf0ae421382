// A strict simulated OpenFlow 1.3 switch for tests (after Faucet's fakeoftable): it applies
// FLOW_MODs and GROUP_MODs with the spec's add/modify/delete semantics and answers "what does the
// switch do with this frame". Every message goes through the real codec first
// (decode(encode(msg))), so every pipeline test also tests openflow/.
//
// Strict means it refuses what a careful controller never sends: overlapping flows of equal
// priority, gotos to the same or an earlier table, matches without their prerequisites, group
// actions naming missing groups, deleting a group another group chains to, and actions it does
// not model. Each refusal is a SimError naming the flow. Frames run through the pipeline
// interpreter of src/pipeline/interpreter.ts; this file adds the switch around it: flow and
// group tables with the spec's FLOW_MOD/GROUP_MOD semantics, counters, multipart replies, and a
// log of what left each port.

import {
  OFPFC,
  OFPFF,
  OFPG,
  OFPGC,
  OFPGT,
  OFPMPF_REPLY_MORE,
  OFPP,
  OFPTT,
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
import type { ActualGroup, ActualState } from "../../src/pipeline/diff";
import {
  InterpreterError,
  compileMatch,
  runPacketOut,
  runPipeline,
  type CompiledField,
  type Emitted,
  type InterpTables,
  type PacketInRecord,
  type RunResult,
} from "../../src/pipeline/interpreter";

export class SimError extends Error {
  override name = "SimError";
}

interface SimFlow {
  tableId: number;
  priority: number;
  cookie: bigint;
  flags: number;
  match: Match;
  /** The match as (field, value, mask) bigints, computed once. */
  compiled: CompiledField[];
  instructions: Instruction[];
  packetCount: bigint;
  byteCount: bigint;
}

export type { Emitted, PacketInRecord };
export type ProcessResult = RunResult;

function sameMatch(a: CompiledField[], b: CompiledField[]): boolean {
  return a.length === b.length && a.every((x, i) => x.field === b[i]!.field && x.value === b[i]!.value && x.mask === b[i]!.mask);
}

/** Two matches overlap when some packet matches both: every field both constrain agrees. */
function overlaps(a: CompiledField[], b: CompiledField[]): boolean {
  for (const x of a) {
    const y = b.find((f) => f.field === x.field);
    if (!y) continue;
    const common = x.mask & y.mask;
    if ((x.value & common) !== (y.value & common)) return false;
  }
  return true;
}

/** True when every packet matching `specific` also matches `general` (non-strict modify/delete). */
function covers(general: CompiledField[], specific: CompiledField[]): boolean {
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

  private readonly tables: InterpTables = {
    flowsOf: (tableId) => this.flows.filter((f) => f.tableId === tableId),
    group: (groupId) => this.groupTable.get(groupId),
  };

  /** Runs one frame through the pipeline from table 0, counting packets on the flows it hits. */
  process(inPort: number, frame: Uint8Array, opts: { tunnelId?: bigint } = {}): ProcessResult {
    const result = this.guard(() =>
      runPipeline(this.tables, { inPort, frame, tunnelId: opts.tunnelId ?? 0n }, (flow, bytes) => {
        const f = flow as SimFlow;
        f.packetCount++;
        f.byteCount += BigInt(bytes);
      }),
    );
    this.log(result.outputs);
    return result;
  }

  /** A PACKET_OUT from the controller (after the codec): its actions applied to its frame. */
  packetOut(message: PacketOut): ProcessResult {
    const msg = roundTrip(message);
    this.checkActions(msg.actions, "packet_out");
    const result = this.guard(() => runPacketOut(this.tables, { inPort: msg.inPort, frame: msg.data, actions: msg.actions }));
    this.log(result.outputs);
    return result;
  }

  private guard(run: () => RunResult): RunResult {
    try {
      return run();
    } catch (e) {
      if (e instanceof InterpreterError) throw new SimError(`${this.name}: ${e.message}`);
      throw e;
    }
  }

  private log(outputs: readonly Emitted[]): void {
    for (const out of outputs) {
      const list = this.portLog.get(out.port) ?? [];
      list.push(out);
      this.portLog.set(out.port, list);
    }
  }
}

function bigintJson(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return `0x${v.toString(16)}`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  return v;
}
