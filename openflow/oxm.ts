// The OXM match, driven by one declarative table. Each row says how a field is named (in vnet's
// objects and in ovs-ofctl text), where it lives on the wire (class, field code, width), how many
// bits carry meaning (for the test pipeline simulator), whether the spec allows a mask, and what
// other field the spec requires before it (prerequisites, checked on request). Encoding, decoding,
// the flow text syntax and the simulator all read this table; nothing else lists fields.
import type { Bytes, Match, MatchFieldName } from "./types";
import type { Reader } from "./reader";
import type { Writer } from "./writer";
import { OfpEncodeError } from "./errors";
import { formatIpv4, formatIpv6, formatMac, writeIpv4, writeIpv6, writeMac } from "./addr";
import { OFPMT, OFPXMC, OFPVID } from "./spec";

export type OxmKind = "u8" | "u16" | "u24" | "u32" | "u64" | "mac" | "ipv4" | "ipv6";

/** A prerequisite: field `field` must be present with one of `values` (or, for vlan_vid, tagged). */
export interface Prerequisite {
  field: MatchFieldName;
  /** Allowed values; "tagged" means vlan_vid has OFPVID_PRESENT set. */
  values: readonly number[] | "tagged";
}

export interface OxmField {
  name: MatchFieldName;
  /** The name ovs-ofctl prints for this field. */
  text: string;
  oxmClass: number;
  code: number;
  kind: OxmKind;
  /** Bytes of the value on the wire. */
  bytes: number;
  /** Bits that carry meaning (vlan_vid: 13, the VID plus OFPVID_PRESENT). */
  bits: number;
  maskable: boolean;
  prereq?: Prerequisite;
  /** The 32-bit OXM header, unmasked and masked. */
  header: number;
  maskedHeader: number;
  /** The name of this field in ovs-ofctl set_field actions (Open vSwitch's meta-flow name). */
  mf: string;
  /** Whether ovs-ofctl shows its integer values in hex. */
  hex: boolean;
  /**
   * The header Nicira actions (move, load) use for this field: the NXM header where the field has
   * one (as Open vSwitch writes them), else the OXM header; and that header's ovs-ofctl name.
   */
  nxHeader: number;
  nxName: string;
  /** Names used in error messages (precomputed: encode builds no strings). */
  label: string;
  maskLabel: string;
}

const BYTES: Record<OxmKind, number> = { u8: 1, u16: 2, u24: 3, u32: 4, u64: 8, mac: 6, ipv4: 4, ipv6: 16 };

const IP = [0x0800, 0x86dd] as const;
const ETH = (...values: number[]): Prerequisite => ({ field: "eth_type", values });
const PROTO = (...values: number[]): Prerequisite => ({ field: "ip_proto", values });

type Row = [name: MatchFieldName, text: string, code: number, kind: OxmKind, bits: number, maskable: boolean, prereq?: Prerequisite];

/** Open vSwitch's meta-flow names where they differ from vnet's (used in set_field text). */
const MF_NAMES: Partial<Record<MatchFieldName, string>> = {
  ip_ecn: "nw_ecn", ipv4_src: "ip_src", ipv4_dst: "ip_dst", icmpv4_type: "icmp_type", icmpv4_code: "icmp_code",
  ipv6_flabel: "ipv6_label", ipv6_nd_target: "nd_target", ipv6_nd_sll: "nd_sll", ipv6_nd_tll: "nd_tll",
  tunnel_id: "tun_id", tun_ipv4_src: "tun_src", tun_ipv4_dst: "tun_dst",
};
/** Fields ovs-ofctl prints in hex. */
const HEX_FIELDS = new Set<string>([
  "metadata", "eth_type", "ipv6_flabel", "pbb_isid", "tunnel_id", "ipv6_exthdr", "pkt_mark", "ct_mark", "ct_state",
  ...Array.from({ length: 16 }, (_, i) => `reg${i}`),
]);
/** NXM (class 0 and 1) codes and names of the fields that have one, for Nicira actions. */
const NXM_ALIASES: Partial<Record<MatchFieldName, [cls: number, code: number, name: string]>> = {
  eth_dst: [0, 1, "NXM_OF_ETH_DST"], eth_src: [0, 2, "NXM_OF_ETH_SRC"], eth_type: [0, 3, "NXM_OF_ETH_TYPE"],
  ip_proto: [0, 6, "NXM_OF_IP_PROTO"], ipv4_src: [0, 7, "NXM_OF_IP_SRC"], ipv4_dst: [0, 8, "NXM_OF_IP_DST"],
  tcp_src: [0, 9, "NXM_OF_TCP_SRC"], tcp_dst: [0, 10, "NXM_OF_TCP_DST"], udp_src: [0, 11, "NXM_OF_UDP_SRC"],
  udp_dst: [0, 12, "NXM_OF_UDP_DST"], icmpv4_type: [0, 13, "NXM_OF_ICMP_TYPE"], icmpv4_code: [0, 14, "NXM_OF_ICMP_CODE"],
  arp_op: [0, 15, "NXM_OF_ARP_OP"], arp_spa: [0, 16, "NXM_OF_ARP_SPA"], arp_tpa: [0, 17, "NXM_OF_ARP_TPA"],
  tunnel_id: [1, 16, "NXM_NX_TUN_ID"], arp_sha: [1, 17, "NXM_NX_ARP_SHA"], arp_tha: [1, 18, "NXM_NX_ARP_THA"],
  ipv6_src: [1, 19, "NXM_NX_IPV6_SRC"], ipv6_dst: [1, 20, "NXM_NX_IPV6_DST"], icmpv6_type: [1, 21, "NXM_NX_ICMPV6_TYPE"],
  icmpv6_code: [1, 22, "NXM_NX_ICMPV6_CODE"], ipv6_nd_target: [1, 23, "NXM_NX_ND_TARGET"], ipv6_nd_sll: [1, 24, "NXM_NX_ND_SLL"],
  ipv6_nd_tll: [1, 25, "NXM_NX_ND_TLL"], ipv6_flabel: [1, 27, "NXM_NX_IPV6_LABEL"], ip_ecn: [1, 28, "NXM_NX_IP_ECN"],
};

// OpenFlow basic class (OFPXMC_OPENFLOW_BASIC), in the spec's order (OFPXMT_OFB_*).
const BASIC_ROWS: Row[] = [
  ["in_port", "in_port", 0, "u32", 32, false],
  ["in_phy_port", "in_phy_port", 1, "u32", 32, false, { field: "in_port", values: [] }],
  ["metadata", "metadata", 2, "u64", 64, true],
  ["eth_dst", "dl_dst", 3, "mac", 48, true],
  ["eth_src", "dl_src", 4, "mac", 48, true],
  ["eth_type", "dl_type", 5, "u16", 16, false],
  ["vlan_vid", "dl_vlan", 6, "u16", 13, true],
  ["vlan_pcp", "dl_vlan_pcp", 7, "u8", 3, false, { field: "vlan_vid", values: "tagged" }],
  ["ip_dscp", "ip_dscp", 8, "u8", 6, false, ETH(...IP)],
  ["ip_ecn", "nw_ecn", 9, "u8", 2, false, ETH(...IP)],
  ["ip_proto", "nw_proto", 10, "u8", 8, false, ETH(...IP)],
  ["ipv4_src", "nw_src", 11, "ipv4", 32, true, ETH(0x0800)],
  ["ipv4_dst", "nw_dst", 12, "ipv4", 32, true, ETH(0x0800)],
  ["tcp_src", "tcp_src", 13, "u16", 16, false, PROTO(6)],
  ["tcp_dst", "tcp_dst", 14, "u16", 16, false, PROTO(6)],
  ["udp_src", "udp_src", 15, "u16", 16, false, PROTO(17)],
  ["udp_dst", "udp_dst", 16, "u16", 16, false, PROTO(17)],
  ["sctp_src", "sctp_src", 17, "u16", 16, false, PROTO(132)],
  ["sctp_dst", "sctp_dst", 18, "u16", 16, false, PROTO(132)],
  ["icmpv4_type", "icmp_type", 19, "u8", 8, false, PROTO(1)],
  ["icmpv4_code", "icmp_code", 20, "u8", 8, false, PROTO(1)],
  ["arp_op", "arp_op", 21, "u16", 16, false, ETH(0x0806)],
  ["arp_spa", "arp_spa", 22, "ipv4", 32, true, ETH(0x0806)],
  ["arp_tpa", "arp_tpa", 23, "ipv4", 32, true, ETH(0x0806)],
  ["arp_sha", "arp_sha", 24, "mac", 48, true, ETH(0x0806)],
  ["arp_tha", "arp_tha", 25, "mac", 48, true, ETH(0x0806)],
  ["ipv6_src", "ipv6_src", 26, "ipv6", 128, true, ETH(0x86dd)],
  ["ipv6_dst", "ipv6_dst", 27, "ipv6", 128, true, ETH(0x86dd)],
  ["ipv6_flabel", "ipv6_label", 28, "u32", 20, true, ETH(0x86dd)],
  ["icmpv6_type", "icmpv6_type", 29, "u8", 8, false, PROTO(58)],
  ["icmpv6_code", "icmpv6_code", 30, "u8", 8, false, PROTO(58)],
  ["ipv6_nd_target", "nd_target", 31, "ipv6", 128, false, { field: "icmpv6_type", values: [135, 136] }],
  ["ipv6_nd_sll", "nd_sll", 32, "mac", 48, false, { field: "icmpv6_type", values: [135] }],
  ["ipv6_nd_tll", "nd_tll", 33, "mac", 48, false, { field: "icmpv6_type", values: [136] }],
  ["mpls_label", "mpls_label", 34, "u32", 20, false, ETH(0x8847, 0x8848)],
  ["mpls_tc", "mpls_tc", 35, "u8", 3, false, ETH(0x8847, 0x8848)],
  ["mpls_bos", "mpls_bos", 36, "u8", 1, false, ETH(0x8847, 0x8848)],
  ["pbb_isid", "pbb_isid", 37, "u24", 24, true, ETH(0x88e7)],
  ["tunnel_id", "tun_id", 38, "u64", 64, true],
  ["ipv6_exthdr", "ipv6_exthdr", 39, "u16", 9, true, ETH(0x86dd)],
];

// Nicira extension fields (class NXM_1) that Open vSwitch controllers rely on.
const NXM1_ROWS: Row[] = [
  ...Array.from({ length: 16 }, (_, i): Row => [`reg${i}` as MatchFieldName, `reg${i}`, i, "u32", 32, true]),
  ["tun_ipv4_src", "tun_src", 31, "ipv4", 32, true],
  ["tun_ipv4_dst", "tun_dst", 32, "ipv4", 32, true],
  ["pkt_mark", "pkt_mark", 33, "u32", 32, true],
  ["conj_id", "conj_id", 37, "u32", 32, false],
  ["ct_state", "ct_state", 105, "u32", 32, true],
  ["ct_zone", "ct_zone", 106, "u16", 16, false],
  ["ct_mark", "ct_mark", 107, "u32", 32, true],
];

function build(rows: Row[], oxmClass: number): OxmField[] {
  return rows.map(([name, text, code, kind, bits, maskable, prereq]) => {
    const bytes = BYTES[kind];
    const header = ((oxmClass << 16) | (code << 9) | bytes) >>> 0;
    const alias = NXM_ALIASES[name];
    const nxName =
      alias ? alias[2]
      : oxmClass === OFPXMC.NXM_1 ? `NXM_NX_${(MF_NAMES[name] ?? name).toUpperCase().replace(/^TUN_(SRC|DST)$/, "TUN_IPV4_$1")}`
      : `OXM_OF_${name.toUpperCase()}`;
    return {
      name, text, oxmClass, code, kind, bytes, bits, maskable, ...(prereq ? { prereq } : {}),
      mf: MF_NAMES[name] ?? name,
      hex: HEX_FIELDS.has(name),
      nxHeader: alias ? ((alias[0] << 16) | (alias[1] << 9) | bytes) >>> 0 : header,
      nxName,
      header,
      maskedHeader: ((oxmClass << 16) | (code << 9) | 0x100 | (bytes * 2)) >>> 0,
      label: `match field ${name}`,
      maskLabel: `mask of match field ${name}`,
    };
  });
}

/** Every field the codec knows, in table order. */
export const OXM_FIELDS: readonly OxmField[] = [...build(BASIC_ROWS, OFPXMC.OPENFLOW_BASIC), ...build(NXM1_ROWS, OFPXMC.NXM_1)];

export const OXM_BY_NAME: Readonly<Record<string, OxmField>> = Object.fromEntries(OXM_FIELDS.map((f) => [f.name, f]));
/** Lookup by name as a Map: the encoder's hot path. */
export const OXM_FIELD_MAP: ReadonlyMap<string, OxmField> = new Map(OXM_FIELDS.map((f) => [f.name, f]));
/** Lookup by ovs-ofctl text name. */
export const OXM_BY_TEXT: Readonly<Record<string, OxmField>> = Object.fromEntries(OXM_FIELDS.map((f) => [f.text, f]));

// Decode lookup: class and field code packed in one number (class * 128 + code).
const BY_WIRE = new Map<number, OxmField>();
for (const f of OXM_FIELDS) BY_WIRE.set(f.oxmClass * 128 + f.code, f);
const BASIC_BY_CODE: (OxmField | undefined)[] = [];
for (const f of OXM_FIELDS) if (f.oxmClass === OFPXMC.OPENFLOW_BASIC) BASIC_BY_CODE[f.code] = f;

// Load-time checks that the table is self-consistent.
for (const f of OXM_FIELDS) {
  if (f.bits > f.bytes * 8) throw new Error(`openflow/oxm: ${f.name} has ${f.bits} bits in ${f.bytes} bytes`);
}
if (BY_WIRE.size !== OXM_FIELDS.length) throw new Error("openflow/oxm: two fields share a class and code");

/** The 32-bit OXM header of a field (as NXAST_REG_MOVE and table features name fields). */
export function oxmHeader(f: OxmField, masked = false): number {
  return masked ? f.maskedHeader : f.header;
}

/** The field an OXM header names (ignoring mask bit and length), if the codec knows it. */
export function fieldOfHeader(header: number): OxmField | undefined {
  return BY_WIRE.get((header >>> 16) * 128 + ((header >>> 9) & 0x7f));
}

const BY_NX_HEADER = new Map<number, OxmField>(OXM_FIELDS.map((f) => [f.nxHeader, f]));
const BY_NX_NAME = new Map<string, OxmField>(OXM_FIELDS.map((f) => [f.nxName, f]));
for (const f of OXM_FIELDS) BY_NX_NAME.set(`OXM_OF_${f.name.toUpperCase()}`, f);

/** The field a Nicira action's header names, when it is exactly the header the codec writes for it. */
export function fieldOfNxHeader(header: number): OxmField | undefined {
  return BY_NX_HEADER.get(header);
}
/** The field an ovs-ofctl NXM/OXM name ("NXM_NX_REG0", "OXM_OF_METADATA") stands for. */
export function fieldOfNxName(name: string): OxmField | undefined {
  return BY_NX_NAME.get(name);
}

/** The field named `name`, or undefined. */
export function oxmField(name: string): OxmField | undefined {
  return Object.prototype.hasOwnProperty.call(OXM_BY_NAME, name) ? OXM_BY_NAME[name] : undefined;
}

// ---- values ---------------------------------------------------------------------------------

/** Reads one value of the field's kind at r.pos (bounds already checked by the caller). */
function readValue(r: Reader, f: OxmField): unknown {
  const b = r.buf;
  const p = r.pos;
  switch (f.kind) {
    case "u8":
      return r.u8(f.name);
    case "u16":
      return r.u16(f.name);
    case "u24":
      return r.u24(f.name);
    case "u32":
      return r.u32(f.name);
    case "u64":
      return r.u64(f.name);
    case "mac":
      r.skip(6, f.name);
      return formatMac(b, p);
    case "ipv4":
      r.skip(4, f.name);
      return formatIpv4(b, p);
    case "ipv6":
      r.skip(16, f.name);
      return formatIpv6(b, p);
  }
}

function writeValue(w: Writer, f: OxmField, v: unknown, what: string): void {
  switch (f.kind) {
    case "u8":
      return w.u8(v as number, what);
    case "u16":
      return w.u16(v as number, what);
    case "u24":
      return w.u24(v as number, what);
    case "u32":
      return w.u32(v as number, what);
    case "u64":
      return w.u64(v as bigint, what);
    // Addresses are parsed straight into the bytes they fill (a bad one aborts the whole message).
    case "mac":
      return writeMac(v as string, w.buf, w.reserve(6), what);
    case "ipv4":
      return writeIpv4(v as string, w.buf, w.reserve(4), what);
    case "ipv6":
      return writeIpv6(v as string, w.buf, w.reserve(16), what);
  }
}

function isMasked(v: unknown): v is { value: unknown; mask: unknown } {
  return typeof v === "object" && v !== null && "mask" in v;
}

// ---- one OXM TLV ----------------------------------------------------------------------------

/** Writes one OXM TLV for field `f` (a value or { value, mask }). */
export function writeOxm(w: Writer, f: OxmField, v: unknown): void {
  // Plain values (number, bigint, string) first: the common case skips the `in` test.
  if (typeof v !== "object" || v === null || !("mask" in v)) {
    w.u32(f.header, "oxm header");
    writeValue(w, f, v, f.label);
    return;
  }
  if (!f.maskable) throw new OfpEncodeError(`match field ${f.name} cannot be masked in OpenFlow 1.3`);
  w.u32(f.maskedHeader, "oxm header");
  const masked = v as { value: unknown; mask: unknown };
  writeValue(w, f, masked.value, f.label);
  writeValue(w, f, masked.mask, f.maskLabel);
}

/** An OXM TLV read from the wire: a known field, or raw bytes of one the codec does not know. */
export type OxmTlv = { field: OxmField; value: unknown } | { field: undefined; raw: Bytes };

/** Reads one OXM TLV (header included) from r. */
export function readOxm(r: Reader): OxmTlv {
  const start = r.pos;
  const oxmClass = r.u16("oxm class");
  const fieldAndMask = r.u8("oxm field");
  const len = r.u8("oxm length");
  const body = r.sub(len, "oxm field");
  const f = oxmClass === OFPXMC.OPENFLOW_BASIC ? BASIC_BY_CODE[fieldAndMask >> 1] : BY_WIRE.get(oxmClass * 128 + (fieldAndMask >> 1));
  if (f === undefined) {
    if (oxmClass === OFPXMC.EXPERIMENTER && len < 4) r.fail(`experimenter oxm length ${len} is below 4`, start);
    return { field: undefined, raw: r.buf.subarray(start, body.end) };
  }
  const hasMask = (fieldAndMask & 1) === 1;
  if (len !== (hasMask ? f.bytes * 2 : f.bytes)) {
    r.fail(`oxm field ${f.name} has length ${len}, expected ${hasMask ? f.bytes * 2 : f.bytes}`, start);
  }
  if (hasMask && !f.maskable) r.fail(`oxm field ${f.name} cannot be masked`, start);
  if (!hasMask) return { field: f, value: readValue(body, f) };
  const value = readValue(body, f);
  const mask = readValue(body, f);
  return { field: f, value: { value, mask } };
}

// ---- the ofp_match structure ----------------------------------------------------------------

/** Writes an ofp_match (type OXM, length, TLVs, padding to 8). */
export function writeMatch(w: Writer, match: Match): void {
  if (typeof match !== "object" || match === null) throw new OfpEncodeError("match must be an object");
  const start = w.pos;
  w.u16(OFPMT.OXM, "match type");
  w.u16(0, "match length");
  for (const key in match) {
    if (key === "experimenter") {
      // Written where the key stands, so a decoded match keeps its TLVs' wire order.
      writeExperimenterTlvs(w, match.experimenter);
      continue;
    }
    const v = (match as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const f = OXM_FIELD_MAP.get(key);
    if (f === undefined) throw new OfpEncodeError(`unknown match field "${key}"`);
    writeOxm(w, f, v);
  }
  w.patchLen16(start + 2, start, "match");
  w.pad8(start);
}

function writeExperimenterTlvs(w: Writer, exp: unknown): void {
  if (exp === undefined) return;
  if (!Array.isArray(exp)) throw new OfpEncodeError("match.experimenter must be an array of OXM TLVs");
  for (const tlv of exp) {
    if (!(tlv instanceof Uint8Array) || tlv.length < 4 || tlv[3]! !== tlv.length - 4) {
      throw new OfpEncodeError("each match.experimenter entry must be one whole OXM TLV (4-byte header, then as many bytes as its length says)");
    }
    w.bytes(tlv, "match.experimenter");
  }
}

/** Reads an ofp_match and its padding. Keys come out in wire order. */
export function readMatch(r: Reader): Match {
  const start = r.pos;
  const type = r.u16("match type");
  const len = r.u16("match length");
  if (type !== OFPMT.OXM) r.fail(`match type ${type} is not OXM (1)`, start);
  if (len < 4) r.fail(`match length ${len} is below 4`, start + 2);
  if (len - 4 > r.remaining) r.fail(`match length ${len} runs past the end of the message (${r.remaining + 4} bytes left)`, start + 2);
  const body = r.sub(len - 4, "match");
  const padded = (len + 7) & ~7;
  r.skip(padded - len, "match padding");
  const match: Record<string, unknown> = {};
  while (body.pos < body.end) {
    const tlvStart = body.pos;
    const tlv = readOxm(body);
    if (tlv.field === undefined) {
      const m = match as Match;
      (m.experimenter ??= []).push(tlv.raw);
      continue;
    }
    if (match[tlv.field.name] !== undefined) body.fail(`duplicate match field ${tlv.field.name}`, tlvStart);
    match[tlv.field.name] = tlv.value;
  }
  return match as Match;
}

// ---- prerequisites --------------------------------------------------------------------------

/**
 * The spec's prerequisite rules (OpenFlow 1.3.5 section 7.2.3.6): a field may only be matched if
 * the fields it depends on are matched to the right values, and on the wire those must come first.
 * Returns one sentence per problem; an empty array means the match is consistent. Masked
 * prerequisites do not count as satisfied.
 */
export function matchPrerequisiteProblems(match: Match): string[] {
  const problems: string[] = [];
  const m = match as Record<string, unknown>;
  const position = new Map(Object.keys(m).map((k, i) => [k, i]));
  for (const key in m) {
    const f = OXM_BY_NAME[key];
    if (f === undefined || f.prereq === undefined || m[key] === undefined) continue;
    const need = f.prereq;
    const have = m[need.field];
    if (need.values === "tagged") {
      const vid = isMasked(have) ? (have.value as number) & (have.mask as number) : (have as number | undefined);
      if (vid === undefined || (vid & OFPVID.PRESENT) === 0) problems.push(`${key} requires vlan_vid with OFPVID_PRESENT (a tagged frame)`);
      else if (position.get("vlan_vid")! > position.get(key)!) problems.push(`${key} must come after its prerequisite vlan_vid`);
      continue;
    }
    if (have === undefined || isMasked(have)) {
      problems.push(
        need.values.length === 0
          ? `${key} requires ${need.field}`
          : `${key} requires ${need.field}=${need.values.map(hexIfBig).join(" or ")}`,
      );
    } else if (need.values.length > 0 && !need.values.includes(have as number)) {
      problems.push(`${key} requires ${need.field}=${need.values.map(hexIfBig).join(" or ")}, but ${need.field} is ${hexIfBig(have as number)}`);
    } else if (position.get(need.field)! > position.get(key)!) {
      problems.push(`${key} must come after its prerequisite ${need.field}`);
    }
  }
  return problems;
}

function hexIfBig(v: number): string {
  return v > 255 ? "0x" + v.toString(16).padStart(4, "0") : String(v);
}
