// Controller-to-switch and asynchronous messages (everything but multipart and the symmetric ones).
import type { AsyncConfig, PacketQueue, QueueProperty } from "../types";
import type { Reader } from "../reader";
import type { Writer } from "../writer";
import type { BodyCodec } from "./body";
import { sharedBody } from "./body";
import { OfpEncodeError } from "../errors";
import { formatMac, writeMac } from "../addr";
import { OFPQT, OFPT, SIZES } from "../spec";
import { readMatch, writeMatch } from "../oxm";
import { readActions, writeActions } from "../actions";
import { readInstructions, writeInstructions } from "../instructions";
import { readBuckets, readMeterBands, readPort, writeBuckets, writeMeterBands, writePort } from "./structs";

const empty = sharedBody<object>(
  () => {},
  (r, type) => {
    r.done(type);
    return {};
  },
);
export const featuresRequest = empty("features_request", OFPT.FEATURES_REQUEST);
export const getConfigRequest = empty("get_config_request", OFPT.GET_CONFIG_REQUEST);
export const barrierRequest = empty("barrier_request", OFPT.BARRIER_REQUEST);
export const barrierReply = empty("barrier_reply", OFPT.BARRIER_REPLY);
export const getAsyncRequest = empty("get_async_request", OFPT.GET_ASYNC_REQUEST);

export const featuresReply: BodyCodec<"features_reply"> = {
  code: OFPT.FEATURES_REPLY,
  write(w, m) {
    w.u64(m.datapathId, "features_reply datapathId");
    w.u32(m.nBuffers, "features_reply nBuffers");
    w.u8(m.nTables, "features_reply nTables");
    w.u8(m.auxiliaryId, "features_reply auxiliaryId");
    w.zeros(2);
    w.u32(m.capabilities, "features_reply capabilities");
    w.zeros(4); // reserved
  },
  read(r, xid) {
    const datapathId = r.u64("datapath_id");
    const nBuffers = r.u32("n_buffers");
    const nTables = r.u8("n_tables");
    const auxiliaryId = r.u8("auxiliary_id");
    r.skip(2, "pad");
    const capabilities = r.u32("capabilities");
    r.skip(4, "reserved");
    // OpenFlow 1.0-style port lists may follow in old switches; 1.3 has none, so anything is ignored.
    r.pos = r.end;
    return { type: "features_reply", xid, datapathId, nBuffers, nTables, auxiliaryId, capabilities };
  },
};

const switchConfig = sharedBody<{ flags: number; missSendLen: number }>(
  (w, m, type) => {
    w.u16(m.flags, `${type} flags`);
    w.u16(m.missSendLen, `${type} missSendLen`);
  },
  (r, type) => {
    const flags = r.u16("flags");
    const missSendLen = r.u16("miss_send_len");
    r.done(type);
    return { flags, missSendLen };
  },
);
export const setConfig = switchConfig("set_config", OFPT.SET_CONFIG);
export const getConfigReply = switchConfig("get_config_reply", OFPT.GET_CONFIG_REPLY);

export const packetIn: BodyCodec<"packet_in"> = {
  code: OFPT.PACKET_IN,
  write(w, m) {
    w.u32(m.bufferId, "packet_in bufferId");
    w.u16(m.totalLen, "packet_in totalLen");
    w.u8(m.reason, "packet_in reason");
    w.u8(m.tableId, "packet_in tableId");
    w.u64(m.cookie, "packet_in cookie");
    writeMatch(w, m.match);
    w.zeros(2);
    w.bytes(m.data, "packet_in data");
  },
  read(r, xid) {
    const bufferId = r.u32("buffer_id");
    const totalLen = r.u16("total_len");
    const reason = r.u8("reason");
    const tableId = r.u8("table_id");
    const cookie = r.u64("cookie");
    const match = readMatch(r);
    r.skip(2, "pad");
    return { type: "packet_in", xid, bufferId, totalLen, reason, tableId, cookie, match, data: r.rest() };
  },
};

export const flowRemoved: BodyCodec<"flow_removed"> = {
  code: OFPT.FLOW_REMOVED,
  write(w, m) {
    w.u64(m.cookie, "flow_removed cookie");
    w.u16(m.priority, "flow_removed priority");
    w.u8(m.reason, "flow_removed reason");
    w.u8(m.tableId, "flow_removed tableId");
    w.u32(m.durationSec, "flow_removed durationSec");
    w.u32(m.durationNsec, "flow_removed durationNsec");
    w.u16(m.idleTimeout, "flow_removed idleTimeout");
    w.u16(m.hardTimeout, "flow_removed hardTimeout");
    w.u64(m.packetCount, "flow_removed packetCount");
    w.u64(m.byteCount, "flow_removed byteCount");
    writeMatch(w, m.match);
  },
  read(r, xid) {
    const m = {
      type: "flow_removed" as const,
      xid,
      cookie: r.u64("cookie"),
      priority: r.u16("priority"),
      reason: r.u8("reason"),
      tableId: r.u8("table_id"),
      durationSec: r.u32("duration_sec"),
      durationNsec: r.u32("duration_nsec"),
      idleTimeout: r.u16("idle_timeout"),
      hardTimeout: r.u16("hard_timeout"),
      packetCount: r.u64("packet_count"),
      byteCount: r.u64("byte_count"),
      match: readMatch(r),
    };
    r.done("flow_removed");
    return m;
  },
};

export const portStatus: BodyCodec<"port_status"> = {
  code: OFPT.PORT_STATUS,
  write(w, m) {
    w.u8(m.reason, "port_status reason");
    w.zeros(7);
    writePort(w, m.desc);
  },
  read(r, xid) {
    const reason = r.u8("reason");
    r.skip(7, "pad");
    const desc = readPort(r);
    r.done("port_status");
    return { type: "port_status", xid, reason, desc };
  },
};

export const packetOut: BodyCodec<"packet_out"> = {
  code: OFPT.PACKET_OUT,
  write(w, m) {
    w.u32(m.bufferId, "packet_out bufferId");
    w.u32(m.inPort, "packet_out inPort");
    const lenAt = w.pos;
    w.u16(0, "packet_out actions_len");
    w.zeros(6);
    const actionsStart = w.pos;
    writeActions(w, m.actions);
    w.patchLen16(lenAt, actionsStart, "packet_out actions");
    w.bytes(m.data, "packet_out data");
  },
  read(r, xid) {
    const bufferId = r.u32("buffer_id");
    const inPort = r.u32("in_port");
    const actionsLen = r.u16("actions_len");
    r.skip(6, "pad");
    const actions = readActions(r.sub(actionsLen, "packet_out actions"));
    return { type: "packet_out", xid, bufferId, inPort, actions, data: r.rest() };
  },
};

export const flowMod: BodyCodec<"flow_mod"> = {
  code: OFPT.FLOW_MOD,
  write(w, m) {
    w.u64(m.cookie, "flow_mod cookie");
    w.u64(m.cookieMask, "flow_mod cookieMask");
    w.u8(m.tableId, "flow_mod tableId");
    w.u8(m.command, "flow_mod command");
    w.u16(m.idleTimeout, "flow_mod idleTimeout");
    w.u16(m.hardTimeout, "flow_mod hardTimeout");
    w.u16(m.priority, "flow_mod priority");
    w.u32(m.bufferId, "flow_mod bufferId");
    w.u32(m.outPort, "flow_mod outPort");
    w.u32(m.outGroup, "flow_mod outGroup");
    w.u16(m.flags, "flow_mod flags");
    w.zeros(2);
    writeMatch(w, m.match);
    writeInstructions(w, m.instructions);
  },
  read(r, xid) {
    const cookie = r.u64("cookie");
    const cookieMask = r.u64("cookie_mask");
    const tableId = r.u8("table_id");
    const command = r.u8("command");
    const idleTimeout = r.u16("idle_timeout");
    const hardTimeout = r.u16("hard_timeout");
    const priority = r.u16("priority");
    const bufferId = r.u32("buffer_id");
    const outPort = r.u32("out_port");
    const outGroup = r.u32("out_group");
    const flags = r.u16("flags");
    r.skip(2, "pad");
    const match = readMatch(r);
    const instructions = readInstructions(r);
    return {
      type: "flow_mod", xid, cookie, cookieMask, tableId, command, idleTimeout, hardTimeout, priority,
      bufferId, outPort, outGroup, flags, match, instructions,
    };
  },
};

export const groupMod: BodyCodec<"group_mod"> = {
  code: OFPT.GROUP_MOD,
  write(w, m) {
    w.u16(m.command, "group_mod command");
    w.u8(m.groupType, "group_mod groupType");
    w.zeros(1);
    w.u32(m.groupId, "group_mod groupId");
    writeBuckets(w, m.buckets);
  },
  read(r, xid) {
    const command = r.u16("command");
    const groupType = r.u8("type");
    r.skip(1, "pad");
    const groupId = r.u32("group_id");
    return { type: "group_mod", xid, command, groupType, groupId, buckets: readBuckets(r) };
  },
};

export const portMod: BodyCodec<"port_mod"> = {
  code: OFPT.PORT_MOD,
  write(w, m) {
    w.u32(m.portNo, "port_mod portNo");
    w.zeros(4);
    w.zeros(6);
    writeMac(m.hwAddr, w.buf, w.pos - 6, "port_mod hwAddr");
    w.zeros(2);
    w.u32(m.config, "port_mod config");
    w.u32(m.mask, "port_mod mask");
    w.u32(m.advertise, "port_mod advertise");
    w.zeros(4);
  },
  read(r, xid) {
    const portNo = r.u32("port_no");
    r.skip(4, "pad");
    const hwAddr = formatMac(r.buf, r.pos);
    r.skip(8, "hw_addr");
    const config = r.u32("config");
    const mask = r.u32("mask");
    const advertise = r.u32("advertise");
    r.skip(4, "pad");
    r.done("port_mod");
    return { type: "port_mod", xid, portNo, hwAddr, config, mask, advertise };
  },
};

export const tableMod: BodyCodec<"table_mod"> = {
  code: OFPT.TABLE_MOD,
  write(w, m) {
    w.u8(m.tableId, "table_mod tableId");
    w.zeros(3);
    w.u32(m.config, "table_mod config");
  },
  read(r, xid) {
    const tableId = r.u8("table_id");
    r.skip(3, "pad");
    const config = r.u32("config");
    r.done("table_mod");
    return { type: "table_mod", xid, tableId, config };
  },
};

export const meterMod: BodyCodec<"meter_mod"> = {
  code: OFPT.METER_MOD,
  write(w, m) {
    w.u16(m.command, "meter_mod command");
    w.u16(m.flags, "meter_mod flags");
    w.u32(m.meterId, "meter_mod meterId");
    writeMeterBands(w, m.bands);
  },
  read(r, xid) {
    const command = r.u16("command");
    const flags = r.u16("flags");
    const meterId = r.u32("meter_id");
    return { type: "meter_mod", xid, command, flags, meterId, bands: readMeterBands(r) };
  },
};

const role = sharedBody<{ role: number; generationId: bigint }>(
  (w, m, type) => {
    w.u32(m.role, `${type} role`);
    w.zeros(4);
    w.u64(m.generationId, `${type} generationId`);
  },
  (r, type) => {
    const roleValue = r.u32("role");
    r.skip(4, "pad");
    const generationId = r.u64("generation_id");
    r.done(type);
    return { role: roleValue, generationId };
  },
);
export const roleRequest = role("role_request", OFPT.ROLE_REQUEST);
export const roleReply = role("role_reply", OFPT.ROLE_REPLY);

const ASYNC_MASKS = [
  ["packetInMask", "packet_in_mask"],
  ["portStatusMask", "port_status_mask"],
  ["flowRemovedMask", "flow_removed_mask"],
] as const;
const asyncConfig = sharedBody<AsyncConfig>(
  (w, m, type) => {
    for (const [name] of ASYNC_MASKS) {
      const v = m[name];
      if (!Array.isArray(v) || v.length !== 2) throw new OfpEncodeError(`${type} ${name} must be [master/equal mask, slave mask]`);
      w.u32(v[0], `${type} ${name}[0]`);
      w.u32(v[1], `${type} ${name}[1]`);
    }
  },
  (r, type) => {
    const m: Record<string, [number, number]> = {};
    for (const [name, wire] of ASYNC_MASKS) m[name] = [r.u32(wire), r.u32(wire)];
    r.done(type);
    return m as unknown as AsyncConfig;
  },
);
export const getAsyncReply = asyncConfig("get_async_reply", OFPT.GET_ASYNC_REPLY);
export const setAsync = asyncConfig("set_async", OFPT.SET_ASYNC);

export const queueGetConfigRequest: BodyCodec<"queue_get_config_request"> = {
  code: OFPT.QUEUE_GET_CONFIG_REQUEST,
  write(w, m) {
    w.u32(m.port, "queue_get_config_request port");
    w.zeros(4);
  },
  read(r, xid) {
    const port = r.u32("port");
    r.skip(4, "pad");
    r.done("queue_get_config_request");
    return { type: "queue_get_config_request", xid, port };
  },
};

export const queueGetConfigReply: BodyCodec<"queue_get_config_reply"> = {
  code: OFPT.QUEUE_GET_CONFIG_REPLY,
  write(w, m) {
    w.u32(m.port, "queue_get_config_reply port");
    w.zeros(4);
    if (!Array.isArray(m.queues)) throw new OfpEncodeError("queue_get_config_reply queues must be an array");
    for (const q of m.queues) writeQueue(w, q);
  },
  read(r, xid) {
    const port = r.u32("port");
    r.skip(4, "pad");
    const queues: PacketQueue[] = [];
    while (r.pos < r.end) queues.push(readQueue(r));
    return { type: "queue_get_config_reply", xid, port, queues };
  },
};

function writeQueue(w: Writer, q: PacketQueue): void {
  const start = w.pos;
  w.u32(q.queueId, "queue queueId");
  w.u32(q.port, "queue port");
  w.u16(0, "queue len");
  w.zeros(6);
  for (const p of q.properties) {
    const ps = w.pos;
    const type = p.type === "min_rate" ? OFPQT.MIN_RATE : p.type === "max_rate" ? OFPQT.MAX_RATE : p.type === "experimenter" ? OFPQT.EXPERIMENTER : -1;
    if (type < 0) throw new OfpEncodeError(`unknown queue property "${(p as { type: unknown }).type}"`);
    w.u16(type, "queue property type");
    w.u16(0, "queue property len");
    w.zeros(4);
    if (p.type === "experimenter") {
      w.u32(p.experimenter, "queue property experimenter");
      w.zeros(4);
      w.bytes(p.data, "queue property data");
      w.pad8(ps);
    } else {
      w.u16(p.rate, `queue property ${p.type} rate`);
      w.zeros(6);
    }
    w.patchLen16(ps + 2, ps, "queue property");
  }
  w.patchLen16(start + 8, start, "queue");
}

function readQueue(outer: Reader): PacketQueue {
  const start = outer.pos;
  const queueId = outer.u32("queue_id");
  const port = outer.u32("port");
  const len = outer.u16("queue len");
  if (len < SIZES.packet_queue) outer.fail(`queue length ${len} is below ${SIZES.packet_queue}`, start + 8);
  outer.pos = start;
  const r = outer.sub(len, "queue");
  r.skip(16, "queue header");
  const properties: QueueProperty[] = [];
  while (r.pos < r.end) {
    const ps = r.pos;
    const type = r.u16("queue property type");
    const plen = r.u16("queue property len");
    if (plen < SIZES.queue_prop_header) r.fail(`queue property length ${plen} is below 8`, ps + 2);
    r.pos = ps;
    const p = r.sub(plen, "queue property");
    p.skip(8, "queue property header");
    if (type === OFPQT.MIN_RATE || type === OFPQT.MAX_RATE) {
      if (plen !== SIZES.queue_prop_rate) p.fail(`queue rate property length ${plen}, expected 16`, ps + 2);
      const rate = p.u16("rate");
      properties.push({ type: type === OFPQT.MIN_RATE ? "min_rate" : "max_rate", rate });
    } else if (type === OFPQT.EXPERIMENTER) {
      const experimenter = p.u32("experimenter");
      p.skip(4, "pad");
      properties.push({ type: "experimenter", experimenter, data: p.rest() });
    } else {
      p.fail(`unknown queue property type ${type}`, ps);
    }
  }
  return { queueId, port, properties };
}
