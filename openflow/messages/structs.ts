// Structures shared by several messages: ofp_port, ofp_bucket, ofp_meter_band_*.
import type { Bucket, MeterBand, PortDesc } from "../types";
import type { Reader } from "../reader";
import type { Writer } from "../writer";
import { OfpEncodeError } from "../errors";
import { formatMac, writeMac } from "../addr";
import { OFPMBT, SIZES } from "../spec";
import { readActions, writeActions } from "../actions";

const PORT_NAME_LEN = 16;

export function writePort(w: Writer, p: PortDesc): void {
  w.u32(p.portNo, "port portNo");
  w.zeros(4);
  w.zeros(6);
  writeMac(p.hwAddr, w.buf, w.pos - 6, "port hwAddr");
  w.zeros(2);
  w.str(p.name, PORT_NAME_LEN, "port name");
  w.u32(p.config, "port config");
  w.u32(p.state, "port state");
  w.u32(p.curr, "port curr");
  w.u32(p.advertised, "port advertised");
  w.u32(p.supported, "port supported");
  w.u32(p.peer, "port peer");
  w.u32(p.currSpeed, "port currSpeed");
  w.u32(p.maxSpeed, "port maxSpeed");
}

export function readPort(outer: Reader): PortDesc {
  const r = outer.sub(SIZES.port, "port");
  const portNo = r.u32("port_no");
  r.skip(4, "pad");
  const hwAddr = formatMac(r.buf, r.pos);
  r.skip(8, "hw_addr");
  return {
    portNo,
    hwAddr,
    name: r.str(PORT_NAME_LEN, "name"),
    config: r.u32("config"),
    state: r.u32("state"),
    curr: r.u32("curr"),
    advertised: r.u32("advertised"),
    supported: r.u32("supported"),
    peer: r.u32("peer"),
    currSpeed: r.u32("curr_speed"),
    maxSpeed: r.u32("max_speed"),
  };
}

export function writeBuckets(w: Writer, buckets: readonly Bucket[]): void {
  if (!Array.isArray(buckets)) throw new OfpEncodeError("buckets must be an array");
  for (const b of buckets) {
    const start = w.pos;
    w.u16(0, "bucket length");
    w.u16(b.weight, "bucket weight");
    w.u32(b.watchPort, "bucket watchPort");
    w.u32(b.watchGroup, "bucket watchGroup");
    w.zeros(4);
    writeActions(w, b.actions);
    w.patchLen16(start, start, "bucket");
  }
}

export function readBuckets(r: Reader): Bucket[] {
  const out: Bucket[] = [];
  while (r.pos < r.end) {
    const start = r.pos;
    const len = r.u16("bucket length");
    if (len < SIZES.bucket || len % 8 !== 0) r.fail(`bucket length ${len} is not a multiple of 8 of at least ${SIZES.bucket}`, start);
    r.pos = start;
    const b = r.sub(len, "bucket");
    b.skip(2, "len");
    const weight = b.u16("weight");
    const watchPort = b.u32("watch_port");
    const watchGroup = b.u32("watch_group");
    b.skip(4, "pad");
    out.push({ weight, watchPort, watchGroup, actions: readActions(b) });
  }
  return out;
}

export function writeMeterBands(w: Writer, bands: readonly MeterBand[]): void {
  if (!Array.isArray(bands)) throw new OfpEncodeError("bands must be an array");
  for (const band of bands) {
    const start = w.pos;
    const type =
      band.type === "drop" ? OFPMBT.DROP
      : band.type === "dscp_remark" ? OFPMBT.DSCP_REMARK
      : band.type === "experimenter" ? OFPMBT.EXPERIMENTER
      : -1;
    if (type < 0) throw new OfpEncodeError(`unknown meter band type "${(band as { type: unknown }).type}"`);
    w.u16(type, "band type");
    w.u16(0, "band length");
    w.u32(band.rate, "band rate");
    w.u32(band.burstSize, "band burstSize");
    if (band.type === "drop") w.zeros(4);
    else if (band.type === "dscp_remark") {
      w.u8(band.precLevel, "band precLevel");
      w.zeros(3);
    } else {
      w.u32(band.experimenter, "band experimenter");
      w.bytes(band.data, "band data");
      w.pad8(start);
    }
    w.patchLen16(start + 2, start, "meter band");
  }
}

export function readMeterBands(r: Reader): MeterBand[] {
  const out: MeterBand[] = [];
  while (r.pos < r.end) {
    const start = r.pos;
    const type = r.u16("band type");
    const len = r.u16("band length");
    if (len < SIZES.meter_band || len % 8 !== 0) r.fail(`meter band length ${len} is not a multiple of 8 of at least 16`, start + 2);
    r.pos = start;
    const b = r.sub(len, "meter band");
    b.skip(4, "type and len");
    const rate = b.u32("rate");
    const burstSize = b.u32("burst_size");
    if (type === OFPMBT.DROP) {
      if (len !== 16) b.fail(`drop band length ${len}, expected 16`, start + 2);
      out.push({ type: "drop", rate, burstSize });
    } else if (type === OFPMBT.DSCP_REMARK) {
      if (len !== 16) b.fail(`dscp_remark band length ${len}, expected 16`, start + 2);
      out.push({ type: "dscp_remark", rate, burstSize, precLevel: b.u8("prec_level") });
    } else if (type === OFPMBT.EXPERIMENTER) {
      const experimenter = b.u32("experimenter");
      out.push({ type: "experimenter", rate, burstSize, experimenter, data: b.rest() });
    } else {
      b.fail(`unknown meter band type ${type}`, start);
    }
  }
  return out;
}
