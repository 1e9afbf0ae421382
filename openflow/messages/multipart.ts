// MULTIPART_REQUEST and MULTIPART_REPLY: a 16-byte header (type, flags, pad) and a body whose
// shape depends on the multipart type. Arrays of variable-length entries (flow stats, group
// stats, table features...) each carry their own length and are read through bounded readers.
import type {
  Bytes, FlowStats, GroupDesc, GroupStats, MessageOf, MeterConfig, MeterStats, MultipartReply, MultipartReplyBody,
  MultipartRequest, MultipartRequestBody, PortStats, QueueStats, TableFeatureProp, TableFeatures, TableStats,
} from "../types";
import type { Reader } from "../reader";
import type { Writer } from "../writer";
import type { BodyCodec } from "./body";
import { OfpEncodeError } from "../errors";
import { OFPMP, OFPT, OFPTFPT, SIZES } from "../spec";
import { readMatch, writeMatch } from "../oxm";
import { readInstructions, writeInstructions } from "../instructions";
import { readBuckets, readMeterBands, readPort, writeBuckets, writeMeterBands, writePort } from "./structs";

type Kind = MultipartRequestBody["kind"];
const KIND_CODE: Record<Kind, number> = {
  desc: OFPMP.DESC,
  flow: OFPMP.FLOW,
  aggregate: OFPMP.AGGREGATE,
  table: OFPMP.TABLE,
  port_stats: OFPMP.PORT_STATS,
  queue: OFPMP.QUEUE,
  group: OFPMP.GROUP,
  group_desc: OFPMP.GROUP_DESC,
  group_features: OFPMP.GROUP_FEATURES,
  meter: OFPMP.METER,
  meter_config: OFPMP.METER_CONFIG,
  meter_features: OFPMP.METER_FEATURES,
  table_features: OFPMP.TABLE_FEATURES,
  port_desc: OFPMP.PORT_DESC,
  experimenter: OFPMP.EXPERIMENTER,
};
const CODE_KIND = new Map<number, Kind>(Object.entries(KIND_CODE).map(([k, v]) => [v, k as Kind]));

function kindCode(kind: unknown): number {
  const code = typeof kind === "string" && Object.prototype.hasOwnProperty.call(KIND_CODE, kind) ? KIND_CODE[kind as Kind] : undefined;
  if (code === undefined) throw new OfpEncodeError(`unknown multipart kind "${String(kind)}"`);
  return code;
}

/** Reads an array of entries that each start with their own 16-bit length. */
function readLengthPrefixed<T>(r: Reader, what: string, min: number, lenAt: number, read: (e: Reader) => T): T[] {
  const out: T[] = [];
  while (r.pos < r.end) {
    const start = r.pos;
    r.skip(lenAt, what);
    const len = r.u16(what);
    if (len < min) r.fail(`${what} length ${len} is below ${min}`, start + lenAt);
    r.pos = start;
    out.push(read(r.sub(len, what)));
  }
  return out;
}

/** Reads an array of fixed-size entries filling the rest of the reader. */
function readFixed<T>(r: Reader, size: number, what: string, read: (e: Reader) => T): T[] {
  const out: T[] = [];
  while (r.pos < r.end) out.push(read(r.sub(size, what)));
  return out;
}

/**
 * Both directions share the 16-byte header (type, flags, pad); what follows depends on the kind.
 * Decoded objects keep the order type, xid, flags, kind, body.
 */
function multipart<T extends "multipart_request" | "multipart_reply">(
  type: T,
  code: number,
  writeBody: (w: Writer, m: MessageOf<T>) => void,
  readBody: (r: Reader, kind: Kind) => object,
): BodyCodec<T> {
  return {
    code,
    write(w, m) {
      const head = m as MultipartRequest | MultipartReply;
      w.u16(kindCode(head.kind), "multipart type");
      w.u16(head.flags, "multipart flags");
      w.zeros(4);
      writeBody(w, m);
    },
    read(r, xid) {
      const start = r.pos;
      const kindNumber = r.u16("multipart type");
      const flags = r.u16("multipart flags");
      r.skip(4, "pad");
      const kind = CODE_KIND.get(kindNumber);
      if (kind === undefined) return r.fail(`unknown multipart type ${kindNumber}`, start);
      return { type, xid, flags, ...readBody(r, kind) } as MessageOf<T>;
    },
  };
}

/** The experimenter body is the same both ways: experimenter id, its type, opaque data. */
function writeExperimenterBody(w: Writer, m: { experimenter: number; expType: number; data: Uint8Array }): void {
  w.u32(m.experimenter, "experimenter");
  w.u32(m.expType, "experimenter expType");
  w.bytes(m.data, "experimenter data");
}
function readExperimenterBody(r: Reader): { kind: "experimenter"; experimenter: number; expType: number; data: Bytes } {
  const experimenter = r.u32("experimenter");
  const expType = r.u32("exp_type");
  return { kind: "experimenter", experimenter, expType, data: r.rest() };
}

// ---- requests -------------------------------------------------------------------------------

/** Requests whose body is one 32-bit id and 4 bytes of padding: the id's name, and its wire name. */
const ID_REQUESTS: Partial<Record<Kind, [field: string, wire: string]>> = {
  port_stats: ["portNo", "port_no"],
  group: ["groupId", "group_id"],
  meter: ["meterId", "meter_id"],
  meter_config: ["meterId", "meter_id"],
};

function writeRequestBody(w: Writer, m: MultipartRequest): void {
  const id = ID_REQUESTS[m.kind];
  if (id !== undefined) {
    w.u32((m as unknown as Record<string, number>)[id[0]]!, `${m.kind} request ${id[0]}`);
    w.zeros(4);
    return;
  }
  switch (m.kind) {
    case "flow":
    case "aggregate":
      w.u8(m.tableId, `${m.kind} request tableId`);
      w.zeros(3);
      w.u32(m.outPort, `${m.kind} request outPort`);
      w.u32(m.outGroup, `${m.kind} request outGroup`);
      w.zeros(4);
      w.u64(m.cookie, `${m.kind} request cookie`);
      w.u64(m.cookieMask, `${m.kind} request cookieMask`);
      writeMatch(w, m.match);
      return;
    case "queue":
      w.u32(m.portNo, "queue request portNo");
      w.u32(m.queueId, "queue request queueId");
      return;
    case "table_features":
      writeTableFeatures(w, m.tables);
      return;
    case "experimenter":
      writeExperimenterBody(w, m);
      return;
    default:
      return; // desc, table, group_desc, group_features, meter_features, port_desc: no body
  }
}

function readRequestBody(r: Reader, kind: Kind): MultipartRequestBody {
  const id = ID_REQUESTS[kind];
  if (id !== undefined) {
    const value = r.u32(id[1]);
    r.skip(4, "pad");
    r.done(`${kind} request`);
    return { kind, [id[0]]: value } as MultipartRequestBody;
  }
  switch (kind) {
    case "flow":
    case "aggregate": {
      const tableId = r.u8("table_id");
      r.skip(3, "pad");
      const outPort = r.u32("out_port");
      const outGroup = r.u32("out_group");
      r.skip(4, "pad");
      const cookie = r.u64("cookie");
      const cookieMask = r.u64("cookie_mask");
      const match = readMatch(r);
      r.done(`${kind} request`);
      return { kind, tableId, outPort, outGroup, cookie, cookieMask, match };
    }
    case "queue": {
      const portNo = r.u32("port_no");
      const queueId = r.u32("queue_id");
      r.done("queue request");
      return { kind, portNo, queueId };
    }
    case "table_features":
      return { kind, tables: readTableFeatures(r) };
    case "experimenter":
      return readExperimenterBody(r);
    default:
      r.done(`${kind} request`);
      return { kind } as MultipartRequestBody;
  }
}

export const multipartRequest = multipart("multipart_request", OFPT.MULTIPART_REQUEST, writeRequestBody, readRequestBody);

// ---- replies --------------------------------------------------------------------------------

const DESC_WIDTH = 256;
const SERIAL_WIDTH = 32;

function writeReplyBody(w: Writer, m: MultipartReply): void {
  switch (m.kind) {
    case "desc":
      w.str(m.mfrDesc, DESC_WIDTH, "desc mfrDesc");
      w.str(m.hwDesc, DESC_WIDTH, "desc hwDesc");
      w.str(m.swDesc, DESC_WIDTH, "desc swDesc");
      w.str(m.serialNum, SERIAL_WIDTH, "desc serialNum");
      w.str(m.dpDesc, DESC_WIDTH, "desc dpDesc");
      return;
    case "flow":
      for (const f of m.flows) writeFlowStats(w, f);
      return;
    case "aggregate":
      w.u64(m.packetCount, "aggregate packetCount");
      w.u64(m.byteCount, "aggregate byteCount");
      w.u32(m.flowCount, "aggregate flowCount");
      w.zeros(4);
      return;
    case "table":
      for (const t of m.tables) {
        w.u8(t.tableId, "table stats tableId");
        w.zeros(3);
        w.u32(t.activeCount, "table stats activeCount");
        w.u64(t.lookupCount, "table stats lookupCount");
        w.u64(t.matchedCount, "table stats matchedCount");
      }
      return;
    case "port_stats":
      for (const p of m.ports) writePortStats(w, p);
      return;
    case "queue":
      for (const q of m.queues) {
        w.u32(q.portNo, "queue stats portNo");
        w.u32(q.queueId, "queue stats queueId");
        w.u64(q.txBytes, "queue stats txBytes");
        w.u64(q.txPackets, "queue stats txPackets");
        w.u64(q.txErrors, "queue stats txErrors");
        w.u32(q.durationSec, "queue stats durationSec");
        w.u32(q.durationNsec, "queue stats durationNsec");
      }
      return;
    case "group":
      for (const g of m.groups) writeGroupStats(w, g);
      return;
    case "group_desc":
      for (const g of m.groups) {
        const start = w.pos;
        w.u16(0, "group desc length");
        w.u8(g.groupType, "group desc groupType");
        w.zeros(1);
        w.u32(g.groupId, "group desc groupId");
        writeBuckets(w, g.buckets);
        w.patchLen16(start, start, "group desc");
      }
      return;
    case "group_features":
      w.u32(m.types, "group_features types");
      w.u32(m.capabilities, "group_features capabilities");
      for (let i = 0; i < 4; i++) w.u32(m.maxGroups[i]!, `group_features maxGroups[${i}]`);
      for (let i = 0; i < 4; i++) w.u32(m.actions[i]!, `group_features actions[${i}]`);
      return;
    case "meter":
      for (const s of m.meters) writeMeterStats(w, s);
      return;
    case "meter_config":
      for (const c of m.meters) {
        const start = w.pos;
        w.u16(0, "meter config length");
        w.u16(c.flags, "meter config flags");
        w.u32(c.meterId, "meter config meterId");
        writeMeterBands(w, c.bands);
        w.patchLen16(start, start, "meter config");
      }
      return;
    case "meter_features":
      w.u32(m.maxMeter, "meter_features maxMeter");
      w.u32(m.bandTypes, "meter_features bandTypes");
      w.u32(m.capabilities, "meter_features capabilities");
      w.u8(m.maxBands, "meter_features maxBands");
      w.u8(m.maxColor, "meter_features maxColor");
      w.zeros(2);
      return;
    case "table_features":
      writeTableFeatures(w, m.tables);
      return;
    case "port_desc":
      for (const p of m.ports) writePort(w, p);
      return;
    case "experimenter":
      writeExperimenterBody(w, m);
      return;
  }
}

function readReplyBody(r: Reader, kind: Kind): MultipartReplyBody {
  switch (kind) {
    case "desc": {
      const body: MultipartReplyBody = {
        kind,
        mfrDesc: r.str(DESC_WIDTH, "mfr_desc"),
        hwDesc: r.str(DESC_WIDTH, "hw_desc"),
        swDesc: r.str(DESC_WIDTH, "sw_desc"),
        serialNum: r.str(SERIAL_WIDTH, "serial_num"),
        dpDesc: r.str(DESC_WIDTH, "dp_desc"),
      };
      r.done("desc reply");
      return body;
    }
    case "flow":
      return { kind, flows: readLengthPrefixed(r, "flow stats", SIZES.flow_stats, 0, readFlowStats) };
    case "aggregate": {
      const packetCount = r.u64("packet_count");
      const byteCount = r.u64("byte_count");
      const flowCount = r.u32("flow_count");
      r.skip(4, "pad");
      r.done("aggregate reply");
      return { kind, packetCount, byteCount, flowCount };
    }
    case "table":
      return {
        kind,
        tables: readFixed(r, SIZES.table_stats, "table stats", (t): TableStats => {
          const tableId = t.u8("table_id");
          t.skip(3, "pad");
          return { tableId, activeCount: t.u32("active_count"), lookupCount: t.u64("lookup_count"), matchedCount: t.u64("matched_count") };
        }),
      };
    case "port_stats":
      return { kind, ports: readFixed(r, SIZES.port_stats, "port stats", readPortStats) };
    case "queue":
      return {
        kind,
        queues: readFixed(r, SIZES.queue_stats, "queue stats", (q): QueueStats => ({
          portNo: q.u32("port_no"),
          queueId: q.u32("queue_id"),
          txBytes: q.u64("tx_bytes"),
          txPackets: q.u64("tx_packets"),
          txErrors: q.u64("tx_errors"),
          durationSec: q.u32("duration_sec"),
          durationNsec: q.u32("duration_nsec"),
        })),
      };
    case "group":
      return { kind, groups: readLengthPrefixed(r, "group stats", SIZES.group_stats, 0, readGroupStats) };
    case "group_desc":
      return {
        kind,
        groups: readLengthPrefixed(r, "group desc", SIZES.group_desc, 0, (g): GroupDesc => {
          g.skip(2, "length");
          const groupType = g.u8("type");
          g.skip(1, "pad");
          const groupId = g.u32("group_id");
          return { groupType, groupId, buckets: readBuckets(g) };
        }),
      };
    case "group_features": {
      const types = r.u32("types");
      const capabilities = r.u32("capabilities");
      const maxGroups: [number, number, number, number] = [r.u32("max_groups"), r.u32("max_groups"), r.u32("max_groups"), r.u32("max_groups")];
      const actions: [number, number, number, number] = [r.u32("actions"), r.u32("actions"), r.u32("actions"), r.u32("actions")];
      r.done("group_features reply");
      return { kind, types, capabilities, maxGroups, actions };
    }
    case "meter":
      return { kind, meters: readLengthPrefixed(r, "meter stats", SIZES.meter_stats, 4, readMeterStats) };
    case "meter_config":
      return {
        kind,
        meters: readLengthPrefixed(r, "meter config", SIZES.meter_config, 0, (c): MeterConfig => {
          c.skip(2, "length");
          const flags = c.u16("flags");
          const meterId = c.u32("meter_id");
          return { flags, meterId, bands: readMeterBands(c) };
        }),
      };
    case "meter_features": {
      const body: MultipartReplyBody = {
        kind,
        maxMeter: r.u32("max_meter"),
        bandTypes: r.u32("band_types"),
        capabilities: r.u32("capabilities"),
        maxBands: r.u8("max_bands"),
        maxColor: r.u8("max_color"),
      };
      r.skip(2, "pad");
      r.done("meter_features reply");
      return body;
    }
    case "table_features":
      return { kind, tables: readTableFeatures(r) };
    case "port_desc": {
      const ports = [];
      while (r.pos < r.end) ports.push(readPort(r));
      return { kind, ports };
    }
    case "experimenter":
      return readExperimenterBody(r);
  }
}

export const multipartReply = multipart("multipart_reply", OFPT.MULTIPART_REPLY, writeReplyBody, readReplyBody);

// ---- entries --------------------------------------------------------------------------------

function writeFlowStats(w: Writer, f: FlowStats): void {
  const start = w.pos;
  w.u16(0, "flow stats length");
  w.u8(f.tableId, "flow stats tableId");
  w.zeros(1);
  w.u32(f.durationSec, "flow stats durationSec");
  w.u32(f.durationNsec, "flow stats durationNsec");
  w.u16(f.priority, "flow stats priority");
  w.u16(f.idleTimeout, "flow stats idleTimeout");
  w.u16(f.hardTimeout, "flow stats hardTimeout");
  w.u16(f.flags, "flow stats flags");
  w.zeros(4);
  w.u64(f.cookie, "flow stats cookie");
  w.u64(f.packetCount, "flow stats packetCount");
  w.u64(f.byteCount, "flow stats byteCount");
  writeMatch(w, f.match);
  writeInstructions(w, f.instructions);
  w.patchLen16(start, start, "flow stats");
}

function readFlowStats(r: Reader): FlowStats {
  r.skip(2, "length");
  const tableId = r.u8("table_id");
  r.skip(1, "pad");
  const durationSec = r.u32("duration_sec");
  const durationNsec = r.u32("duration_nsec");
  const priority = r.u16("priority");
  const idleTimeout = r.u16("idle_timeout");
  const hardTimeout = r.u16("hard_timeout");
  const flags = r.u16("flags");
  r.skip(4, "pad");
  const cookie = r.u64("cookie");
  const packetCount = r.u64("packet_count");
  const byteCount = r.u64("byte_count");
  const match = readMatch(r);
  return {
    tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags, cookie, packetCount, byteCount,
    match, instructions: readInstructions(r),
  };
}

const PORT_COUNTERS = [
  "rxPackets", "txPackets", "rxBytes", "txBytes", "rxDropped", "txDropped",
  "rxErrors", "txErrors", "rxFrameErr", "rxOverErr", "rxCrcErr", "collisions",
] as const;

function writePortStats(w: Writer, p: PortStats): void {
  w.u32(p.portNo, "port stats portNo");
  w.zeros(4);
  for (const c of PORT_COUNTERS) w.u64(p[c], `port stats ${c}`);
  w.u32(p.durationSec, "port stats durationSec");
  w.u32(p.durationNsec, "port stats durationNsec");
}

function readPortStats(r: Reader): PortStats {
  const portNo = r.u32("port_no");
  r.skip(4, "pad");
  const p: Record<string, unknown> = { portNo };
  for (const c of PORT_COUNTERS) p[c] = r.u64(c);
  p.durationSec = r.u32("duration_sec");
  p.durationNsec = r.u32("duration_nsec");
  return p as unknown as PortStats;
}

function writeGroupStats(w: Writer, g: GroupStats): void {
  const start = w.pos;
  w.u16(0, "group stats length");
  w.zeros(2);
  w.u32(g.groupId, "group stats groupId");
  w.u32(g.refCount, "group stats refCount");
  w.zeros(4);
  w.u64(g.packetCount, "group stats packetCount");
  w.u64(g.byteCount, "group stats byteCount");
  w.u32(g.durationSec, "group stats durationSec");
  w.u32(g.durationNsec, "group stats durationNsec");
  writeCounters(w, g.buckets, "bucket");
  w.patchLen16(start, start, "group stats");
}

function readGroupStats(r: Reader): GroupStats {
  r.skip(4, "length and pad");
  const groupId = r.u32("group_id");
  const refCount = r.u32("ref_count");
  r.skip(4, "pad");
  const packetCount = r.u64("packet_count");
  const byteCount = r.u64("byte_count");
  const durationSec = r.u32("duration_sec");
  const durationNsec = r.u32("duration_nsec");
  const buckets = readFixed(r, SIZES.bucket_counter, "bucket counter", (b) => readCounter(b, "packet_count", "byte_count"));
  return { groupId, refCount, packetCount, byteCount, durationSec, durationNsec, buckets };
}

function writeMeterStats(w: Writer, s: MeterStats): void {
  const start = w.pos;
  w.u32(s.meterId, "meter stats meterId");
  w.u16(0, "meter stats len");
  w.zeros(6);
  w.u32(s.flowCount, "meter stats flowCount");
  w.u64(s.packetInCount, "meter stats packetInCount");
  w.u64(s.byteInCount, "meter stats byteInCount");
  w.u32(s.durationSec, "meter stats durationSec");
  w.u32(s.durationNsec, "meter stats durationNsec");
  writeCounters(w, s.bands, "band");
  w.patchLen16(start + 4, start, "meter stats");
}

function readMeterStats(r: Reader): MeterStats {
  const meterId = r.u32("meter_id");
  r.skip(8, "len and pad");
  const flowCount = r.u32("flow_count");
  const packetInCount = r.u64("packet_in_count");
  const byteInCount = r.u64("byte_in_count");
  const durationSec = r.u32("duration_sec");
  const durationNsec = r.u32("duration_nsec");
  const bands = readFixed(r, SIZES.meter_band_stats, "meter band stats", (b) => readCounter(b, "packet_band_count", "byte_band_count"));
  return { meterId, flowCount, packetInCount, byteInCount, durationSec, durationNsec, bands };
}

/** A packet and byte counter pair (ofp_bucket_counter, ofp_meter_band_stats). */
interface Counter {
  packetCount: bigint;
  byteCount: bigint;
}
function writeCounters(w: Writer, counters: readonly Counter[], what: string): void {
  for (const c of counters) {
    w.u64(c.packetCount, `${what} packetCount`);
    w.u64(c.byteCount, `${what} byteCount`);
  }
}
function readCounter(r: Reader, packets: string, bytes: string): Counter {
  return { packetCount: r.u64(packets), byteCount: r.u64(bytes) };
}

// ---- table features -------------------------------------------------------------------------

const TABLE_NAME_WIDTH = 32;
/** Property types whose body is a list of ids, and each id's width in bytes (before experimenter ids). */
function idWidth(type: number): number {
  switch (type) {
    case OFPTFPT.INSTRUCTIONS:
    case OFPTFPT.INSTRUCTIONS_MISS:
    case OFPTFPT.WRITE_ACTIONS:
    case OFPTFPT.WRITE_ACTIONS_MISS:
    case OFPTFPT.APPLY_ACTIONS:
    case OFPTFPT.APPLY_ACTIONS_MISS:
      return 4; // type (2) and len (2) of an instruction or action header
    case OFPTFPT.NEXT_TABLES:
    case OFPTFPT.NEXT_TABLES_MISS:
      return 1;
    case OFPTFPT.MATCH:
    case OFPTFPT.WILDCARDS:
    case OFPTFPT.WRITE_SETFIELD:
    case OFPTFPT.WRITE_SETFIELD_MISS:
    case OFPTFPT.APPLY_SETFIELD:
    case OFPTFPT.APPLY_SETFIELD_MISS:
      return 4; // an OXM header
    default:
      return 0;
  }
}

function writeTableFeatures(w: Writer, tables: readonly TableFeatures[]): void {
  if (!Array.isArray(tables)) throw new OfpEncodeError("table_features tables must be an array");
  for (const t of tables) {
    const start = w.pos;
    w.u16(0, "table features length");
    w.u8(t.tableId, "table features tableId");
    w.zeros(5);
    w.str(t.name, TABLE_NAME_WIDTH, "table features name");
    w.u64(t.metadataMatch, "table features metadataMatch");
    w.u64(t.metadataWrite, "table features metadataWrite");
    w.u32(t.config, "table features config");
    w.u32(t.maxEntries, "table features maxEntries");
    for (const p of t.properties) writeTableFeatureProp(w, p);
    w.patchLen16(start, start, "table features");
  }
}

function writeTableFeatureProp(w: Writer, p: TableFeatureProp): void {
  const start = w.pos;
  w.u16(p.type, "table feature property type");
  w.u16(0, "table feature property length");
  if ("ids" in p) {
    const width = idWidth(p.type);
    if (width === 0) throw new OfpEncodeError(`table feature property type ${p.type} has no id list; give data instead`);
    for (const id of p.ids) {
      if (width === 1) w.u8(id, "next table id");
      else if (p.type <= OFPTFPT.APPLY_ACTIONS_MISS) {
        w.u16(id, "instruction or action type");
        w.u16(4, "instruction or action id length");
      } else w.u32(id, "oxm header");
    }
  } else {
    w.bytes(p.data, "table feature property data");
  }
  w.patchLen16(start + 2, start, "table feature property");
  w.pad8(start);
}

function readTableFeatures(r: Reader): TableFeatures[] {
  return readLengthPrefixed(r, "table features", SIZES.table_features, 0, (t) => {
    t.skip(2, "length");
    const tableId = t.u8("table_id");
    t.skip(5, "pad");
    const name = t.str(TABLE_NAME_WIDTH, "name");
    const metadataMatch = t.u64("metadata_match");
    const metadataWrite = t.u64("metadata_write");
    const config = t.u32("config");
    const maxEntries = t.u32("max_entries");
    const properties: TableFeatureProp[] = [];
    while (t.pos < t.end) {
      const ps = t.pos;
      const type = t.u16("property type");
      const len = t.u16("property length");
      if (len < 4) t.fail(`table feature property length ${len} is below 4`, ps + 2);
      t.pos = ps;
      const p = t.sub(len, "table feature property");
      p.skip(4, "property header");
      // Properties are padded to 8 bytes; the padding is not counted in their length.
      t.skip(Math.min(((len + 7) & ~7) - len, t.remaining), "property padding");
      properties.push(readTableFeatureProp(p, type));
    }
    return { tableId, name, metadataMatch, metadataWrite, config, maxEntries, properties };
  });
}

function readTableFeatureProp(p: Reader, type: number): TableFeatureProp {
  const width = idWidth(type);
  const bodyStart = p.pos;
  if (width === 1) {
    const ids: number[] = [];
    while (p.pos < p.end) ids.push(p.u8("table id"));
    return { type, ids };
  }
  if (width === 4 && p.remaining % 4 === 0) {
    const ids: number[] = [];
    let plain = true;
    while (p.pos < p.end) {
      if (type <= OFPTFPT.APPLY_ACTIONS_MISS) {
        const id = p.u16("id type");
        const len = p.u16("id length");
        if (len !== 4) { plain = false; break; } // an experimenter id: keep the list as bytes
        ids.push(id);
      } else {
        const hdr = p.u32("oxm header");
        if (hdr >>> 16 === 0xffff) { plain = false; break; } // experimenter OXM ids are 8 bytes
        ids.push(hdr);
      }
    }
    if (plain) return { type, ids };
  }
  p.pos = bodyStart;
  return { type, data: p.rest() };
}
