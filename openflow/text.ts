// The flow text syntax of `ovs-ofctl -O OpenFlow13`: what `dump-flows` prints and what `add-flow`
// accepts, for the fields and actions vnet uses. formatFlow writes a FLOW_MOD or a flow-stats
// entry the way dump-flows does (field order, shorthands such as "tcp", dl_vlan, nw_tos, CIDR
// masks), so an admin reads vnet's flows in the form they know; parseFlow reads that text (and
// add-flow's aliases: eth_dst, ip_src, tcp_dst, mod_dl_dst, load, strip_vlan ...) back.
//
// Field names, widths and display (hex or decimal) come from the OXM table in oxm.ts.
import type { Action, FlowMod, FlowStats, Instruction, Match, MatchFieldName } from "./types";
import type { OxmField } from "./oxm";
import { FlowSyntaxError } from "./errors";
import { OXM_FIELDS, OXM_FIELD_MAP, fieldOfNxName } from "./oxm";
import { defaultMaxLen } from "./actions";
import { isMac, normalizeIpv6, parseIpv4, parseIpv6, formatIpv6 } from "./addr";
import { OFP_NO_BUFFER, OFPFC, OFPFF, OFPG, OFPP, OFPTT_ALL, OFPVID } from "./spec";

const DEFAULT_PRIORITY = 0x8000;

/** A flow as the text describes it: a FLOW_MOD's or a flow-stats entry's fields. */
export interface FlowEntry {
  tableId: number;
  priority: number;
  cookie: bigint;
  /** Only for modify/delete text ("cookie=0x1/0xff"). */
  cookieMask: bigint;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  match: Match;
  instructions: Instruction[];
  outPort: number;
  outGroup: number;
  /** Present when the text carried counters (dump-flows without --no-stats). */
  durationSec?: number;
  durationNsec?: number;
  packetCount?: bigint;
  byteCount?: bigint;
}

// ---- ports ----------------------------------------------------------------------------------

const PORT_NAMES: [string, number][] = [
  ["IN_PORT", OFPP.IN_PORT],
  ["TABLE", OFPP.TABLE],
  ["NORMAL", OFPP.NORMAL],
  ["FLOOD", OFPP.FLOOD],
  ["ALL", OFPP.ALL],
  ["CONTROLLER", OFPP.CONTROLLER],
  ["LOCAL", OFPP.LOCAL],
  ["ANY", OFPP.ANY],
];
const PORT_BY_NAME = new Map(PORT_NAMES.map(([n, p]) => [n, p]));
const NAME_BY_PORT = new Map(PORT_NAMES.map(([n, p]) => [p, n]));

/** A port as ovs-ofctl writes it: a number, or a reserved name (LOCAL, CONTROLLER...). */
export function formatPort(port: number): string {
  return NAME_BY_PORT.get(port) ?? String(port);
}

/** Parses a port number or reserved name (any case, "NONE" meaning ANY). */
export function parsePort(s: string, what = "port"): number {
  const up = s.toUpperCase();
  const named = PORT_BY_NAME.get(up === "NONE" ? "ANY" : up);
  if (named !== undefined) return named;
  return parseUint(s, 32, what);
}

// ---- numbers and values ---------------------------------------------------------------------

function parseUint(s: string, bits: number, what: string): number {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) throw new FlowSyntaxError(`${what}: "${s}" is not a number`, s);
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v >= 2 ** bits) throw new FlowSyntaxError(`${what}: ${s} does not fit in ${bits} bits`, s);
  return v;
}

function parseU64(s: string, what: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) throw new FlowSyntaxError(`${what}: "${s}" is not a number`, s);
  const v = BigInt(s);
  if (v > 0xffffffffffffffffn) throw new FlowSyntaxError(`${what}: ${s} does not fit in 64 bits`, s);
  return v;
}

const hex = (v: number | bigint): string => "0x" + v.toString(16);

function ipv4ToNum(s: string): number {
  return parseIpv4(s);
}
function numToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
function prefixLen32(mask: number): number {
  // A CIDR mask is ones then zeros: its complement plus one is a power of two.
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) return -1;
  return 32 - Math.log2(inv + 1);
}
function macToBig(s: string): bigint {
  return BigInt("0x" + s.replace(/[:-]/g, ""));
}
function bigToMac(v: bigint): string {
  return v.toString(16).padStart(12, "0").replace(/(..)(?!$)/g, "$1:");
}
function ipv6ToBig(s: string): bigint {
  const b = new Uint8Array(16);
  parseIpv6(s, b, 0);
  return BigInt("0x" + Buffer.from(b).toString("hex"));
}
function bigToIpv6(v: bigint): string {
  return formatIpv6(Buffer.from(v.toString(16).padStart(32, "0"), "hex"), 0);
}
function prefixLenBig(mask: bigint, bits: number): number {
  const all = (1n << BigInt(bits)) - 1n;
  const inv = all ^ mask;
  if ((inv & (inv + 1n)) !== 0n) return -1;
  return bits - (inv === 0n ? 0 : inv.toString(2).length);
}

type Masked<T> = { value: T; mask: T };
const isMaskedValue = (v: unknown): v is Masked<unknown> => typeof v === "object" && v !== null && "mask" in v;

/** One field value (no mask) as text. */
function formatValue(f: OxmField, v: unknown): string {
  switch (f.kind) {
    case "mac":
    case "ipv4":
      return String(v);
    case "ipv6":
      return normalizeIpv6(String(v)) ?? String(v);
    case "u64":
      return hex(v as bigint);
    default:
      if (f.name === "in_port" || f.name === "in_phy_port") return formatPort(v as number);
      if (f.name === "ipv6_flabel") return "0x" + (v as number).toString(16).padStart(5, "0");
      return f.hex ? hex(v as number) : String(v);
  }
}

/** A value with an optional mask, as dump-flows shows it (value ANDed with the mask, CIDR where it can). */
function formatMaybeMasked(f: OxmField, v: unknown): string {
  if (!isMaskedValue(v)) return formatValue(f, v);
  switch (f.kind) {
    case "ipv4": {
      const m = ipv4ToNum(String(v.mask));
      const val = (ipv4ToNum(String(v.value)) & m) >>> 0;
      if (m === 0xffffffff) return numToIpv4(val);
      const len = prefixLen32(m);
      return `${numToIpv4(val)}/${len >= 0 ? len : numToIpv4(m)}`;
    }
    case "ipv6": {
      const m = ipv6ToBig(String(v.mask));
      const val = ipv6ToBig(String(v.value)) & m;
      if (m === (1n << 128n) - 1n) return bigToIpv6(val);
      const len = prefixLenBig(m, 128);
      return `${bigToIpv6(val)}/${len >= 0 ? len : bigToIpv6(m)}`;
    }
    case "mac": {
      const m = macToBig(String(v.mask));
      const val = macToBig(String(v.value)) & m;
      return m === 0xffffffffffffn ? bigToMac(val) : `${bigToMac(val)}/${bigToMac(m)}`;
    }
    case "u64": {
      const m = v.mask as bigint;
      const val = (v.value as bigint) & m;
      return m === 0xffffffffffffffffn ? hex(val) : `${hex(val)}/${hex(m)}`;
    }
    default: {
      const m = v.mask as number;
      const val = ((v.value as number) & m) >>> 0;
      const full = f.bytes === 4 ? 0xffffffff : (1 << (f.bytes * 8)) - 1;
      if (m === full) return formatValue(f, val);
      if (f.name === "ipv6_flabel") return `${formatValue(f, val)}/0x${m.toString(16).padStart(5, "0")}`;
      return `${hex(val)}/${hex(m >>> 0)}`;
    }
  }
}

/** Parses a value of field f, with an optional "/mask" (or "/prefix" for addresses). */
function parseFieldValue(f: OxmField, s: string, allowMask: boolean): unknown {
  const slash = s.indexOf("/");
  const valueText = slash < 0 ? s : s.slice(0, slash);
  const maskText = slash < 0 ? undefined : s.slice(slash + 1);
  if (maskText !== undefined && (!allowMask || !f.maskable)) {
    throw new FlowSyntaxError(`${f.mf}: a mask is not allowed here ("${s}")`, s);
  }
  const one = (t: string, isMask: boolean): unknown => {
    switch (f.kind) {
      case "mac":
        if (!isMac(t)) throw new FlowSyntaxError(`${f.mf}: "${t}" is not a MAC address`, t);
        return t.toLowerCase().replace(/-/g, ":").replace(/(^|:)([0-9a-f])(?=:|$)/g, "$10$2");
      case "ipv4": {
        if (isMask && /^\d+$/.test(t)) {
          const len = Number(t);
          if (len > 32) throw new FlowSyntaxError(`${f.mf}: prefix length ${t} is over 32`, t);
          return numToIpv4(len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
        }
        if (ipv4ToNum(t) < 0) throw new FlowSyntaxError(`${f.mf}: "${t}" is not an IPv4 address`, t);
        return t;
      }
      case "ipv6": {
        if (isMask && /^\d+$/.test(t)) {
          const len = Number(t);
          if (len > 128) throw new FlowSyntaxError(`${f.mf}: prefix length ${t} is over 128`, t);
          const all = (1n << 128n) - 1n;
          return bigToIpv6(len === 0 ? 0n : (all << BigInt(128 - len)) & all);
        }
        const n = normalizeIpv6(t);
        if (n === null) throw new FlowSyntaxError(`${f.mf}: "${t}" is not an IPv6 address`, t);
        return n;
      }
      case "u64":
        return parseU64(t, f.mf);
      default:
        if (!isMask && (f.name === "in_port" || f.name === "in_phy_port")) return parsePort(t, f.mf);
        return parseUint(t, f.bytes * 8, f.mf);
    }
  };
  const value = one(valueText, false);
  if (maskText === undefined) return value;
  const mask = one(maskText, true);
  // Bits outside the mask mean nothing: clear them, as ovs-ofctl does, so equal flows compare equal.
  return { value: andMask(f, value, mask), mask };
}

function andMask(f: OxmField, value: unknown, mask: unknown): unknown {
  switch (f.kind) {
    case "mac":
      return bigToMac(macToBig(value as string) & macToBig(mask as string));
    case "ipv4":
      return numToIpv4((ipv4ToNum(value as string) & ipv4ToNum(mask as string)) >>> 0);
    case "ipv6":
      return bigToIpv6(ipv6ToBig(value as string) & ipv6ToBig(mask as string));
    case "u64":
      return (value as bigint) & (mask as bigint);
    default:
      return ((value as number) & (mask as number)) >>> 0;
  }
}

// ---- ct_state flags -------------------------------------------------------------------------

const CT_FLAGS = ["new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat"] as const;

function formatCtState(v: unknown): string {
  const mask = isMaskedValue(v) ? (v.mask as number) : 0xffffffff;
  const value = ((isMaskedValue(v) ? (v.value as number) : (v as number)) & mask) >>> 0;
  if ((mask & 0xff) === 0xff && (mask >>> 8 === 0 || mask === 0xffffffff) && value >>> 8 === 0) {
    const names = CT_FLAGS.filter((_, i) => value & (1 << i));
    return names.length ? names.join("|") : "0";
  }
  if (mask >>> 8 !== 0 || value >>> 8 !== 0 || (mask & 0xff) === 0) return `${hex(value)}/${hex(mask >>> 0)}`;
  return CT_FLAGS.map((n, i) => (mask & (1 << i) ? (value & (1 << i) ? "+" : "-") + n : "")).join("");
}

function parseCtState(s: string): unknown {
  if (/^[+-]/.test(s)) {
    let value = 0;
    let mask = 0;
    for (const m of s.matchAll(/([+-])([a-z]+)/g)) {
      const bit = CT_FLAGS.indexOf(m[2] as (typeof CT_FLAGS)[number]);
      if (bit < 0) throw new FlowSyntaxError(`ct_state: unknown flag "${m[2]}"`, s);
      mask |= 1 << bit;
      if (m[1] === "+") value |= 1 << bit;
    }
    if (s.replace(/([+-])([a-z]+)/g, "") !== "") throw new FlowSyntaxError(`ct_state: cannot read "${s}"`, s);
    return { value, mask };
  }
  if (/^[a-z|]+$/.test(s)) {
    let value = 0;
    for (const name of s.split("|")) {
      const bit = CT_FLAGS.indexOf(name as (typeof CT_FLAGS)[number]);
      if (bit < 0) throw new FlowSyntaxError(`ct_state: unknown flag "${name}"`, s);
      value |= 1 << bit;
    }
    return { value, mask: 0xff };
  }
  return parseFieldValue(OXM_FIELD_MAP.get("ct_state")!, s, true);
}

// ---- matches --------------------------------------------------------------------------------

const SHORTHANDS: Record<string, [ethType: number, ipProto?: number]> = {
  ip: [0x0800], icmp: [0x0800, 1], igmp: [0x0800, 2], tcp: [0x0800, 6], udp: [0x0800, 17], sctp: [0x0800, 132],
  ipv6: [0x86dd], icmp6: [0x86dd, 58], tcp6: [0x86dd, 6], udp6: [0x86dd, 17], sctp6: [0x86dd, 132],
  arp: [0x0806], rarp: [0x8035], mpls: [0x8847], mplsm: [0x8848],
};

function shorthandOf(ethType: number | undefined, ipProto: number | undefined): { name: string; usesProto: boolean } | undefined {
  if (ethType === undefined) return undefined;
  for (const [name, [et, proto]] of Object.entries(SHORTHANDS)) {
    if (et === ethType && proto !== undefined && proto === ipProto) return { name, usesProto: true };
  }
  for (const [name, [et, proto]] of Object.entries(SHORTHANDS)) {
    if (et === ethType && proto === undefined) return { name, usesProto: false };
  }
  return undefined;
}

/** The field named `name`; an unknown name (only possible in a hand-built message) is an error. */
const F = (name: string): OxmField => {
  const f = OXM_FIELD_MAP.get(name);
  if (f === undefined) throw new FlowSyntaxError(`unknown field "${name}"`, name);
  return f;
};

/**
 * A match as dump-flows prints it, in Open vSwitch's field order, with `priority` first when it is
 * not the default 32768. Fields Open vSwitch does not know are printed last under vnet's names.
 */
export function formatMatch(match: Match, priority?: number): string {
  const m = match as Record<string, unknown>;
  const out: string[] = [];
  const done = new Set<string>(["experimenter"]);
  const put = (name: string, text: string, value: string) => {
    out.push(`${text}=${value}`);
    done.add(name);
  };
  const field = (name: string, text = F(name).text) => {
    if (m[name] !== undefined && !done.has(name)) put(name, text, formatMaybeMasked(F(name), m[name]));
  };
  if (priority !== undefined && priority !== DEFAULT_PRIORITY) out.push(`priority=${priority}`);
  field("pkt_mark");
  field("conj_id");
  if (m.ct_state !== undefined) put("ct_state", "ct_state", formatCtState(m.ct_state));
  field("ct_zone");
  field("ct_mark");
  const ethType = m.eth_type as number | undefined;
  const ipProto = m.ip_proto as number | undefined;
  const sh = shorthandOf(ethType, ipProto);
  if (sh) {
    out.push(sh.name);
    done.add("eth_type");
    if (sh.usesProto) done.add("ip_proto");
  }
  for (let i = 0; i < 16; i++) field(`reg${i}`);
  field("tunnel_id");
  field("tun_ipv4_src");
  field("tun_ipv4_dst");
  field("metadata");
  field("in_port");
  out.push(...formatVlan(m));
  done.add("vlan_vid").add("vlan_pcp");
  field("eth_src");
  field("eth_dst");
  if (!sh) field("eth_type");
  if (ethType === 0x86dd) {
    field("ipv6_src");
    field("ipv6_dst");
    field("ipv6_flabel");
  } else if (ethType === 0x0806 || ethType === 0x8035) {
    field("arp_spa");
    field("arp_tpa");
  } else {
    field("ipv4_src");
    field("ipv4_dst");
  }
  if (ethType === 0x0806 || ethType === 0x8035) {
    field("arp_op");
    field("arp_sha");
    field("arp_tha");
  } else {
    field("ip_proto");
  }
  // nw_tos is the DSCP shifted into the TOS byte; a value too big for DSCP keeps its own name.
  if (m.ip_dscp !== undefined && (m.ip_dscp as number) < 64) put("ip_dscp", "nw_tos", String((m.ip_dscp as number) << 2));
  field("ip_ecn");
  field("mpls_label");
  field("mpls_tc");
  field("mpls_bos");
  if (ethType === 0x0800 && ipProto === 1) {
    field("icmpv4_type", "icmp_type");
    field("icmpv4_code", "icmp_code");
  } else if (ethType === 0x86dd && ipProto === 58) {
    field("icmpv6_type", "icmp_type");
    field("icmpv6_code", "icmp_code");
    field("ipv6_nd_target");
    field("ipv6_nd_sll");
    field("ipv6_nd_tll");
  } else {
    const l4 = ipProto === 6 ? "tcp" : ipProto === 17 ? "udp" : ipProto === 132 ? "sctp" : undefined;
    if (l4) {
      field(`${l4}_src`, "tp_src");
      field(`${l4}_dst`, "tp_dst");
    }
  }
  // Anything left (fields Open vSwitch does not print, or fields without their prerequisites).
  for (const f of OXM_FIELDS) {
    if (m[f.name] === undefined || done.has(f.name)) continue;
    if (f.name === "ct_state") put(f.name, "ct_state", formatCtState(m[f.name]));
    else if (f.name === "ip_dscp" && (m[f.name] as number) < 64) put(f.name, "nw_tos", String((m[f.name] as number) << 2));
    // "icmp_type" would be read by the protocol in the match: out of place, the name must say which.
    else put(f.name, f.name.startsWith("icmpv4_") ? f.name : f.mf === f.name ? f.text : f.mf, formatMaybeMasked(f, m[f.name]));
  }
  for (const tlv of match.experimenter ?? []) out.push(`experimenter_oxm=${Buffer.from(tlv).toString("hex")}`);
  return out.join(",");
}

/** vlan_vid and vlan_pcp, shown as Open vSwitch shows its 16-bit TCI (PCP, CFI=PRESENT, VID). */
function formatVlan(m: Record<string, unknown>): string[] {
  const vid = m.vlan_vid as number | Masked<number> | undefined;
  const pcp = m.vlan_pcp as number | undefined;
  if (vid === undefined && pcp === undefined) return [];
  let tci = 0;
  let mask = 0;
  if (vid !== undefined) {
    const v = isMaskedValue(vid) ? vid.value : vid;
    const vm = isMaskedValue(vid) ? vid.mask & 0x1fff : 0x1fff;
    tci |= v & 0x1fff & vm;
    mask |= vm;
  }
  if (pcp !== undefined) {
    tci |= (pcp & 7) << 13;
    mask |= 0xe000;
    if (vid === undefined) {
      // vlan_pcp alone implies a tagged frame (its prerequisite).
      tci |= OFPVID.PRESENT;
      mask |= OFPVID.PRESENT;
    }
  }
  const vidMask = mask & 0x0fff;
  const pcpMask = mask & 0xe000;
  const cfi = mask & OFPVID.PRESENT && tci & OFPVID.PRESENT;
  if (cfi && (vidMask === 0 || vidMask === 0x0fff) && (pcpMask === 0 || pcpMask === 0xe000) && (vidMask || pcpMask)) {
    const out: string[] = [];
    if (vidMask) out.push(`dl_vlan=${tci & 0x0fff}`);
    if (pcpMask) out.push(`dl_vlan_pcp=${tci >> 13}`);
    return out;
  }
  const t = (n: number) => "0x" + n.toString(16).padStart(4, "0");
  return [mask === 0xffff ? `vlan_tci=${t(tci)}` : `vlan_tci=${t(tci)}/${t(mask)}`];
}

/** Every name a match field may be given in text: vnet's, Open vSwitch's match and meta-flow names. */
const FIELD_BY_ANY_NAME = new Map<string, OxmField>();
for (const f of OXM_FIELDS) {
  FIELD_BY_ANY_NAME.set(f.name, f);
  FIELD_BY_ANY_NAME.set(f.mf, f);
  if (!FIELD_BY_ANY_NAME.has(f.text)) FIELD_BY_ANY_NAME.set(f.text, f);
}
for (const [alias, name] of [
  ["eth_type", "eth_type"], ["nw_proto", "ip_proto"], ["dl_src", "eth_src"], ["dl_dst", "eth_dst"], ["dl_type", "eth_type"],
  ["nw_src", "ipv4_src"], ["nw_dst", "ipv4_dst"], ["ip_src", "ipv4_src"], ["ip_dst", "ipv4_dst"], ["ip_ecn", "ip_ecn"],
  ["tun_id", "tunnel_id"], ["vlan_vid", "vlan_vid"], ["vlan_pcp", "vlan_pcp"],
] as const) {
  FIELD_BY_ANY_NAME.set(alias, F(name));
}

/** Reads one "key=value" of a match into `m`; false when the key is not a match key. */
function parseMatchKey(m: Record<string, unknown>, key: string, value: string | undefined, deferred: [string, string][]): boolean {
  const needValue = (): string => {
    if (value === undefined || value === "") throw new FlowSyntaxError(`field ${key} missing value`, key);
    return value;
  };
  const set = (name: string, v: unknown) => {
    if (m[name] !== undefined) throw new FlowSyntaxError(`field ${key} set twice (${name})`, key);
    m[name] = v;
  };
  if (value === undefined && Object.prototype.hasOwnProperty.call(SHORTHANDS, key)) {
    const [et, proto] = SHORTHANDS[key]!;
    set("eth_type", et);
    if (proto !== undefined) set("ip_proto", proto);
    return true;
  }
  switch (key) {
    case "dl_vlan": {
      const v = parseUint(needValue(), 16, key);
      set("vlan_vid", v === 0xffff ? OFPVID.NONE : OFPVID.PRESENT | (v & 0x0fff));
      return true;
    }
    case "dl_vlan_pcp":
      set("vlan_pcp", parseUint(needValue(), 3, key));
      return true;
    case "vlan_tci": {
      const [vt, mt] = needValue().split("/");
      const tci = parseUint(vt!, 16, key);
      const mask = mt === undefined ? 0xffff : parseUint(mt, 16, key);
      const vidMask = mask & 0x1fff;
      // A zero mask is still a (match-all) vlan_vid, as written; a PCP-only TCI is vlan_pcp alone.
      if (vidMask || !(mask & 0xe000)) set("vlan_vid", vidMask === 0x1fff ? tci & 0x1fff : { value: tci & vidMask, mask: vidMask });
      if (mask & 0xe000) {
        if ((mask & 0xe000) !== 0xe000) throw new FlowSyntaxError(`vlan_tci: a partial PCP mask cannot be written in OpenFlow 1.3`, value!);
        set("vlan_pcp", tci >> 13);
      }
      return true;
    }
    case "nw_tos": {
      const tos = parseUint(needValue(), 8, key);
      if (tos & 3) throw new FlowSyntaxError(`nw_tos: ${tos} has ECN bits set (use nw_ecn)`, value!);
      set("ip_dscp", tos >> 2);
      return true;
    }
    case "ip_dscp":
      set("ip_dscp", parseUint(needValue(), 8, key));
      return true;
    case "ct_state":
      set("ct_state", parseCtState(needValue()));
      return true;
    case "tp_src":
    case "tp_dst":
    case "icmp_type":
    case "icmp_code":
      // Which field these mean depends on ip_proto and eth_type, which may come later.
      deferred.push([key, needValue()]);
      return true;
    case "experimenter_oxm": {
      const hexText = needValue();
      if (!/^([0-9a-fA-F]{2})+$/.test(hexText)) throw new FlowSyntaxError(`experimenter_oxm: "${hexText}" is not hex bytes`, hexText);
      const tlv = Buffer.from(hexText, "hex");
      if (tlv.length < 4 || tlv[3] !== tlv.length - 4) throw new FlowSyntaxError(`experimenter_oxm: not one whole OXM TLV`, hexText);
      ((m as Match).experimenter ??= []).push(tlv);
      return true;
    }
  }
  const f = FIELD_BY_ANY_NAME.get(key);
  if (f === undefined) return false;
  set(f.name, parseFieldValue(f, needValue(), true));
  return true;
}

function resolveDeferred(m: Record<string, unknown>, deferred: [string, string][]): void {
  for (const [key, value] of deferred) {
    const proto = m.ip_proto as number | undefined;
    const v6 = m.eth_type === 0x86dd;
    let name: string;
    if (key === "icmp_type" || key === "icmp_code") {
      name = (v6 || proto === 58 ? "icmpv6_" : "icmpv4_") + key.slice(5);
    } else {
      const l4 = proto === 6 ? "tcp" : proto === 17 ? "udp" : proto === 132 ? "sctp" : undefined;
      if (!l4) throw new FlowSyntaxError(`${key} needs tcp, udp or sctp (ip_proto 6, 17 or 132) in the match`, key);
      name = `${l4}_${key.slice(3)}`;
    }
    if (m[name] !== undefined) throw new FlowSyntaxError(`field ${key} set twice (${name})`, key);
    m[name] = parseFieldValue(F(name), value, true);
  }
}

/**
 * The match with its fields in the OXM table's order, which puts every prerequisite before the
 * fields that need it (eth_type before ip_proto before tcp_dst), as switches expect on the wire.
 */
function canonicalOrder(m: Record<string, unknown>): Match {
  const out: Record<string, unknown> = {};
  for (const f of OXM_FIELDS) if (m[f.name] !== undefined) out[f.name] = m[f.name];
  if (m.experimenter !== undefined) out.experimenter = m.experimenter;
  return out as Match;
}

/** Parses a match written as dump-flows or add-flow write it ("tcp,in_port=1,tp_dst=80"). */
export function parseMatch(text: string): Match {
  const m: Record<string, unknown> = {};
  const deferred: [string, string][] = [];
  for (const token of text.split(/[\s,]+/).filter(Boolean)) {
    const eq = token.indexOf("=");
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? undefined : token.slice(eq + 1);
    if (!parseMatchKey(m, key, value, deferred)) throw new FlowSyntaxError(`unknown match field "${key}"`, token);
  }
  resolveDeferred(m, deferred);
  return canonicalOrder(m);
}

// ---- actions and instructions ---------------------------------------------------------------

function formatRange(f: OxmField, ofs: number, nBits: number): string {
  if (ofs === 0 && nBits === f.bytes * 8) return "[]";
  if (nBits === 1) return `[${ofs}]`;
  return `[${ofs}..${ofs + nBits - 1}]`;
}

/** One action as ovs-ofctl writes it. */
export function formatAction(a: Action): string {
  switch (a.type) {
    case "output": {
      const maxLen = a.maxLen ?? defaultMaxLen(a.port);
      if (a.port === OFPP.CONTROLLER) return `CONTROLLER:${maxLen}`;
      if (maxLen !== defaultMaxLen(a.port)) return `output(port=${formatPort(a.port)},max_len=${maxLen})`;
      return a.port >= OFPP.MAX && NAME_BY_PORT.has(a.port) ? formatPort(a.port) : `output:${a.port}`;
    }
    case "copy_ttl_out":
    case "copy_ttl_in":
    case "dec_mpls_ttl":
    case "pop_vlan":
    case "pop_pbb":
      return a.type;
    case "dec_nw_ttl":
      return "dec_ttl";
    case "set_mpls_ttl":
      return `set_mpls_ttl:${a.ttl}`;
    case "set_nw_ttl":
      return `mod_nw_ttl:${a.ttl}`;
    case "push_vlan":
    case "push_mpls":
    case "pop_mpls":
    case "push_pbb":
      return `${a.type}:0x${a.ethertype.toString(16).padStart(4, "0")}`;
    case "set_queue":
      return `set_queue:${a.queueId}`;
    case "group":
      return `group:${a.groupId}`;
    case "set_field": {
      const f = F(a.field);
      return `set_field:${formatValue(f, a.value)}->${f.mf}`;
    }
    case "set_field_raw":
      return `set_field_raw(${Buffer.from(a.oxm).toString("hex")})`;
    case "nx_resubmit_table":
      if (a.tableId === 255) return `resubmit:${formatPort(a.inPort)}`;
      return `resubmit(${a.inPort === OFPP.IN_PORT ? "" : formatPort(a.inPort)},${a.tableId})`;
    case "nx_reg_move": {
      const src = F(a.src);
      const dst = F(a.dst);
      return `move:${src.nxName}${formatRange(src, a.srcOfs, a.nBits)}->${dst.nxName}${formatRange(dst, a.dstOfs, a.nBits)}`;
    }
    case "nx_reg_load": {
      const dst = F(a.dst);
      return `load:${hex(a.value)}->${dst.nxName}${formatRange(dst, a.ofs, a.nBits)}`;
    }
    case "experimenter":
      return `experimenter(${hex(a.experimenter)},${Buffer.from(a.data).toString("hex")})`;
    default:
      throw new FlowSyntaxError(`unknown action type "${String((a as { type: unknown }).type)}"`, String((a as { type: unknown }).type));
  }
}

/**
 * Instructions as dump-flows shows them after "actions=": meter, the applied actions, clear_actions,
 * write_actions(...), write_metadata, goto_table (the order the spec executes them in), or "drop".
 */
export function formatInstructions(instructions: readonly Instruction[]): string {
  const parts: string[] = [];
  const of = <T extends Instruction["type"]>(t: T) => instructions.filter((i): i is Extract<Instruction, { type: T }> => i.type === t);
  for (const i of of("meter")) parts.push(`meter:${i.meterId}`);
  for (const i of of("apply_actions")) for (const a of i.actions) parts.push(formatAction(a));
  for (const _ of of("clear_actions")) parts.push("clear_actions");
  for (const i of of("write_actions")) parts.push(`write_actions(${i.actions.map(formatAction).join(",")})`);
  for (const i of of("write_metadata")) {
    parts.push(i.mask === 0xffffffffffffffffn ? `write_metadata:${hex(i.metadata)}` : `write_metadata:${hex(i.metadata)}/${hex(i.mask)}`);
  }
  for (const i of of("goto_table")) parts.push(`goto_table:${i.tableId}`);
  for (const i of of("experimenter")) parts.push(`experimenter_instruction(${hex(i.experimenter)},${Buffer.from(i.data).toString("hex")})`);
  return parts.length ? parts.join(",") : "drop";
}

function hexBytes(text: string, token: string): Buffer {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new FlowSyntaxError(`"${text}" is not hex bytes`, token);
  return Buffer.from(text, "hex");
}

/** Splits at commas that are not inside parentheses or brackets. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((t) => t.trim()).filter(Boolean);
}

/** "NXM_NX_REG0[0..15]" (or "reg0[0..15]", "reg0") as a field and bit range. */
function parseSubfield(s: string): { f: OxmField; ofs: number; nBits: number } {
  const m = /^([A-Za-z0-9_]+)(?:\[(?:(\d+)(?:\.\.(\d+))?)?\])?$/.exec(s);
  const f = m ? (fieldOfNxName(m[1]!) ?? FIELD_BY_ANY_NAME.get(m[1]!)) : undefined;
  if (!m || !f) throw new FlowSyntaxError(`"${s}" is not a field or field[bits]`, s);
  const width = f.bytes * 8;
  if (m[2] === undefined) return { f, ofs: 0, nBits: width };
  const a = Number(m[2]);
  const b = m[3] === undefined ? a : Number(m[3]);
  if (b < a || b >= width) throw new FlowSyntaxError(`bits ${a}..${b} are outside ${f.nxName} (${width} bits)`, s);
  return { f, ofs: a, nBits: b - a + 1 };
}

const MOD_ALIASES: Record<string, MatchFieldName> = {
  mod_dl_src: "eth_src", mod_dl_dst: "eth_dst", mod_nw_src: "ipv4_src", mod_nw_dst: "ipv4_dst",
  mod_vlan_pcp: "vlan_pcp", set_mpls_label: "mpls_label", set_mpls_tc: "mpls_tc", mod_nw_ecn: "ip_ecn",
  set_tunnel: "tunnel_id", set_tunnel64: "tunnel_id",
};

/** Parses one action. `match` tells mod_tp_src/mod_tp_dst which protocol they change. */
export function parseAction(token: string, match: Match = {}): Action {
  const colon = token.indexOf(":");
  const paren = token.indexOf("(");
  const name = (colon < 0 && paren < 0 ? token : token.slice(0, Math.min(...[colon, paren].filter((i) => i >= 0)))).toLowerCase();
  const arg = colon >= 0 && (paren < 0 || colon < paren) ? token.slice(colon + 1) : undefined;
  const inner = paren >= 0 && token.endsWith(")") ? token.slice(paren + 1, -1) : undefined;
  const need = (): string => {
    if (arg === undefined || arg === "") throw new FlowSyntaxError(`action ${name} needs an argument ("${name}:...")`, token);
    return arg;
  };
  const ethertype = (): number => parseUint(need(), 16, name);
  const setField = (field: MatchFieldName, text: string): Action => {
    const f = F(field);
    return { type: "set_field", field, value: parseFieldValue(f, text, false) } as Action;
  };
  if (/^\d+$/.test(token)) return { type: "output", port: parsePort(token) };
  switch (name) {
    case "output":
      if (inner !== undefined) {
        const kv = Object.fromEntries(inner.split(",").map((p) => p.split("=") as [string, string]));
        if (kv.port === undefined) throw new FlowSyntaxError(`output(...) needs port=`, token);
        const port = parsePort(kv.port);
        const maxLen = kv.max_len === undefined ? defaultMaxLen(port) : parseUint(kv.max_len, 16, "max_len");
        return maxLen === defaultMaxLen(port) ? { type: "output", port } : { type: "output", port, maxLen };
      }
      return { type: "output", port: parsePort(need()) };
    case "controller": {
      let maxLen = 0xffff;
      if (arg !== undefined) maxLen = parseUint(arg, 16, "controller max_len");
      if (inner !== undefined) {
        const ml = /(?:^|,)max_len=(\d+)/.exec(inner);
        if (ml) maxLen = parseUint(ml[1]!, 16, "controller max_len");
      }
      return maxLen === 0xffff ? { type: "output", port: OFPP.CONTROLLER } : { type: "output", port: OFPP.CONTROLLER, maxLen };
    }
    case "in_port":
    case "table":
    case "normal":
    case "flood":
    case "all":
    case "local":
      return { type: "output", port: parsePort(name) };
    case "drop":
      throw new FlowSyntaxError(`"drop" must be the only action`, token);
    case "copy_ttl_out":
    case "copy_ttl_in":
    case "dec_mpls_ttl":
    case "pop_vlan":
    case "pop_pbb":
      return { type: name };
    case "strip_vlan":
      return { type: "pop_vlan" };
    case "dec_ttl":
      return { type: "dec_nw_ttl" };
    case "set_mpls_ttl":
      return { type: "set_mpls_ttl", ttl: parseUint(need(), 8, name) };
    case "mod_nw_ttl":
    case "set_nw_ttl":
      return { type: "set_nw_ttl", ttl: parseUint(need(), 8, name) };
    case "push_vlan":
    case "push_mpls":
    case "pop_mpls":
    case "push_pbb":
      return { type: name, ethertype: ethertype() };
    case "set_queue":
      return { type: "set_queue", queueId: parseUint(need(), 32, name) };
    case "group":
      return { type: "group", groupId: parseUint(need(), 32, name) };
    case "set_field": {
      const text = need();
      const arrow = text.lastIndexOf("->");
      if (arrow < 0) throw new FlowSyntaxError(`set_field needs "value->field"`, token);
      const f = FIELD_BY_ANY_NAME.get(text.slice(arrow + 2));
      if (!f) throw new FlowSyntaxError(`set_field: unknown field "${text.slice(arrow + 2)}"`, token);
      if (text.slice(0, arrow).includes("/")) throw new FlowSyntaxError(`set_field with a mask is not OpenFlow 1.3: use load:VALUE->FIELD[bits]`, token);
      return setField(f.name as MatchFieldName, text.slice(0, arrow));
    }
    case "mod_vlan_vid":
      return { type: "set_field", field: "vlan_vid", value: OFPVID.PRESENT | parseUint(need(), 12, name) };
    case "mod_nw_tos":
      return { type: "set_field", field: "ip_dscp", value: parseUint(need(), 8, name) >> 2 };
    case "mod_tp_src":
    case "mod_tp_dst": {
      const proto = match.ip_proto;
      const l4 = proto === 6 ? "tcp" : proto === 17 ? "udp" : proto === 132 ? "sctp" : undefined;
      if (!l4) throw new FlowSyntaxError(`${name} needs tcp, udp or sctp in the match`, token);
      return setField(`${l4}_${name.slice(7)}` as MatchFieldName, need());
    }
    case "resubmit": {
      if (inner !== undefined) {
        const [p, t] = inner.split(",").map((x) => x.trim());
        return {
          type: "nx_resubmit_table",
          inPort: p ? parsePort(p) : OFPP.IN_PORT,
          tableId: t ? parseUint(t, 8, "resubmit table") : 255,
        };
      }
      return { type: "nx_resubmit_table", inPort: parsePort(need()), tableId: 255 };
    }
    case "move": {
      const [s, d] = need().split("->");
      if (d === undefined) throw new FlowSyntaxError(`move needs "SRC[bits]->DST[bits]"`, token);
      const src = parseSubfield(s!);
      const dst = parseSubfield(d);
      if (src.nBits !== dst.nBits) throw new FlowSyntaxError(`move: ${src.nBits} source bits but ${dst.nBits} destination bits`, token);
      return { type: "nx_reg_move", nBits: src.nBits, srcOfs: src.ofs, dstOfs: dst.ofs, src: src.f.name, dst: dst.f.name };
    }
    case "load": {
      const [v, d] = need().split("->");
      if (d === undefined) throw new FlowSyntaxError(`load needs "VALUE->DST[bits]"`, token);
      const dst = parseSubfield(d);
      const value = parseU64(v!, "load value");
      if (dst.nBits < 64 && value >> BigInt(dst.nBits) !== 0n) throw new FlowSyntaxError(`load: ${v} does not fit in ${dst.nBits} bits`, token);
      return { type: "nx_reg_load", ofs: dst.ofs, nBits: dst.nBits, dst: dst.f.name, value };
    }
    case "set_field_raw":
    case "experimenter": {
      if (inner === undefined) throw new FlowSyntaxError(`${name}(...) needs its bytes`, token);
      if (name === "set_field_raw") {
        const oxm = hexBytes(inner, token);
        if (oxm.length < 4 || oxm[3] !== oxm.length - 4) throw new FlowSyntaxError(`set_field_raw: not one whole OXM TLV`, token);
        return { type: "set_field_raw", oxm };
      }
      const [id, data] = inner.split(",");
      return { type: "experimenter", experimenter: parseUint(id!, 32, "experimenter"), data: hexBytes(data ?? "", token) };
    }
  }
  if (Object.prototype.hasOwnProperty.call(MOD_ALIASES, name)) return setField(MOD_ALIASES[name]!, need());
  if (PORT_BY_NAME.has(token.toUpperCase())) return { type: "output", port: parsePort(token) };
  throw new FlowSyntaxError(`unknown action "${token}"`, token);
}

/** Parses the text after "actions=" into instructions. */
export function parseInstructions(text: string, match: Match = {}): Instruction[] {
  const tokens = splitTop(text);
  if (tokens.length === 1 && tokens[0]!.toLowerCase() === "drop") return [];
  const apply: Action[] = [];
  const ins: Instruction[] = [];
  const seen = new Set<string>();
  const once = (t: string, token: string) => {
    if (seen.has(t)) throw new FlowSyntaxError(`instruction ${t} given twice`, token);
    seen.add(t);
  };
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (lower.startsWith("meter:")) {
      once("meter", token);
      ins.push({ type: "meter", meterId: parseUint(token.slice(6), 32, "meter") });
    } else if (lower === "clear_actions") {
      once("clear_actions", token);
      ins.push({ type: "clear_actions" });
    } else if (lower.startsWith("write_actions(") && token.endsWith(")")) {
      once("write_actions", token);
      ins.push({ type: "write_actions", actions: splitTop(token.slice(14, -1)).map((t) => parseAction(t, match)) });
    } else if (lower.startsWith("write_metadata:")) {
      once("write_metadata", token);
      const [v, mk] = token.slice(15).split("/");
      ins.push({ type: "write_metadata", metadata: parseU64(v!, "write_metadata"), mask: mk === undefined ? 0xffffffffffffffffn : parseU64(mk, "write_metadata mask") });
    } else if (lower.startsWith("goto_table:")) {
      once("goto_table", token);
      ins.push({ type: "goto_table", tableId: parseUint(token.slice(11), 8, "goto_table") });
    } else if (lower.startsWith("experimenter_instruction(") && token.endsWith(")")) {
      const [id, data] = token.slice(25, -1).split(",");
      ins.push({ type: "experimenter", experimenter: parseUint(id!, 32, "experimenter"), data: hexBytes(data ?? "", token) });
    } else {
      apply.push(parseAction(token, match));
    }
  }
  const order = ["meter", "apply_actions", "clear_actions", "write_actions", "write_metadata", "goto_table", "experimenter"];
  if (apply.length) ins.push({ type: "apply_actions", actions: apply });
  return ins.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
}

// ---- whole flows ----------------------------------------------------------------------------

const FLAG_NAMES: [string, number][] = [
  ["send_flow_rem", OFPFF.SEND_FLOW_REM],
  ["check_overlap", OFPFF.CHECK_OVERLAP],
  ["reset_counts", OFPFF.RESET_COUNTS],
  ["no_packet_counts", OFPFF.NO_PKT_COUNTS],
  ["no_byte_counts", OFPFF.NO_BYT_COUNTS],
];

export interface FormatFlowOptions {
  /** Show cookie, duration, table and counters as dump-flows does (default: when the entry has counters). */
  stats?: boolean;
}

/**
 * As ovs-ofctl prints durations: "5s" for whole seconds, else nine digits of fraction with
 * trailing zeros dropped but at least three kept ("0.880s", "5.000001s", "30.0000005s").
 */
export function formatDuration(sec: number, nsec: number): string {
  if (nsec === 0) return `${sec}s`;
  return `${sec}.${String(nsec).padStart(9, "0").replace(/0+$/, "").padEnd(3, "0")}s`;
}

function isFlowMod(f: FlowMod | FlowStats | FlowEntry): f is FlowMod {
  return (f as FlowMod).type === "flow_mod";
}

/**
 * One flow as `ovs-ofctl -O OpenFlow13 dump-flows` prints it (without the leading space). With
 * stats off it is the `--no-stats` form, which `ovs-ofctl add-flow` accepts as it is.
 */
export function formatFlow(f: FlowMod | FlowStats | FlowEntry, options: FormatFlowOptions = {}): string {
  const hasCounters = "packetCount" in f && f.packetCount !== undefined && !isFlowMod(f);
  const stats = options.stats ?? hasCounters;
  const head: string[] = [];
  const cookieMask = "cookieMask" in f ? f.cookieMask : 0n;
  if (stats || f.cookie !== 0n || cookieMask !== 0n) {
    head.push(cookieMask !== 0n ? `cookie=${hex(f.cookie)}/${hex(cookieMask)}` : `cookie=${hex(f.cookie)}`);
  }
  if (stats) {
    const e = f as FlowStats;
    head.push(`duration=${formatDuration(e.durationSec ?? 0, e.durationNsec ?? 0)}`);
  }
  if (stats || f.tableId !== 0) head.push(`table=${f.tableId}`);
  if (stats) {
    const e = f as FlowStats;
    head.push(`n_packets=${e.packetCount ?? 0n}`, `n_bytes=${e.byteCount ?? 0n}`);
  }
  if (f.idleTimeout) head.push(`idle_timeout=${f.idleTimeout}`);
  if (f.hardTimeout) head.push(`hard_timeout=${f.hardTimeout}`);
  if (isFlowMod(f) || "outPort" in f) {
    const m = f as FlowMod;
    if (m.outPort !== undefined && m.outPort !== OFPP.ANY) head.push(`out_port=${formatPort(m.outPort)}`);
    if (m.outGroup !== undefined && m.outGroup !== OFPG.ANY) head.push(`out_group=${m.outGroup}`);
  }
  const flags = FLAG_NAMES.filter(([, bit]) => f.flags & bit).map(([n]) => n);
  const match = formatMatch(f.match, f.priority);
  let line = head.map((h) => h + ", ").join("");
  if (flags.length) line += flags.join(" ") + " ";
  line += match;
  return `${line}${match ? " " : ""}actions=${formatInstructions(f.instructions)}`;
}

/**
 * Parses a flow written as dump-flows prints it (with or without stats) or as add-flow accepts it:
 * "[cookie=..., table=..., ...] [flags] priority=N,MATCH actions=ACTIONS". Counters are kept when
 * present; defaults are add-flow's (priority 32768, table 0, no timeouts).
 */
export function parseFlow(text: string, options: { requireActions?: boolean } = {}): FlowEntry {
  let at = text.search(/(^|[\s,])actions?=/);
  if (at < 0) {
    if (options.requireActions ?? true) throw new FlowSyntaxError(`a flow needs "actions=" (use "actions=drop" for none)`, text);
    at = text.length;
  }
  const head = text.slice(0, at);
  const actionsText = text.slice(at).replace(/^[\s,]*actions?=/, "").trim();
  const entry: FlowEntry = {
    tableId: 0, priority: DEFAULT_PRIORITY, cookie: 0n, cookieMask: 0n, idleTimeout: 0, hardTimeout: 0, flags: 0,
    match: {}, instructions: [], outPort: OFPP.ANY, outGroup: OFPG.ANY,
  };
  const m: Record<string, unknown> = {};
  const deferred: [string, string][] = [];
  for (const token of head.split(/[\s,]+/).filter(Boolean)) {
    const eq = token.indexOf("=");
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? undefined : token.slice(eq + 1);
    const flag = FLAG_NAMES.find(([n]) => n === key);
    if (flag && value === undefined) {
      entry.flags |= flag[1];
      continue;
    }
    if (value !== undefined) {
      switch (key) {
        case "cookie": {
          const [c, cm] = value.split("/");
          entry.cookie = parseU64(c!, "cookie");
          if (cm !== undefined) entry.cookieMask = parseU64(cm, "cookie mask");
          continue;
        }
        case "table":
          entry.tableId = parseUint(value, 8, "table");
          continue;
        case "priority":
          entry.priority = parseUint(value, 16, "priority");
          continue;
        case "idle_timeout":
          entry.idleTimeout = parseUint(value, 16, "idle_timeout");
          continue;
        case "hard_timeout":
          entry.hardTimeout = parseUint(value, 16, "hard_timeout");
          continue;
        case "out_port":
          entry.outPort = parsePort(value);
          continue;
        case "out_group":
          entry.outGroup = value.toUpperCase() === "ANY" ? OFPG.ANY : value.toUpperCase() === "ALL" ? OFPG.ALL : parseUint(value, 32, "out_group");
          continue;
        case "duration": {
          const d = /^(\d+)(?:\.(\d+))?s$/.exec(value);
          if (!d) throw new FlowSyntaxError(`duration: "${value}" is not like "1.234s"`, token);
          entry.durationSec = Number(d[1]);
          entry.durationNsec = Math.round(Number(`0.${d[2] ?? "0"}`) * 1e9);
          continue;
        }
        case "n_packets":
          entry.packetCount = parseU64(value, "n_packets");
          continue;
        case "n_bytes":
          entry.byteCount = parseU64(value, "n_bytes");
          continue;
        case "idle_age":
        case "hard_age":
        case "importance":
          continue; // shown by some ovs-ofctl versions; not part of an OpenFlow 1.3 flow
      }
    }
    if (!parseMatchKey(m, key, value, deferred)) throw new FlowSyntaxError(`unknown field "${key}"`, token);
  }
  resolveDeferred(m, deferred);
  entry.match = canonicalOrder(m);
  entry.instructions = actionsText === "" && !(options.requireActions ?? true) ? [] : parseInstructions(actionsText, entry.match);
  return entry;
}

/** A FLOW_MOD from flow text; delete commands default to every table, as ovs-ofctl does. */
export function flowModFromText(text: string, options: { xid?: number; command?: number } = {}): FlowMod {
  const command = options.command ?? OFPFC.ADD;
  const isDelete = command === OFPFC.DELETE || command === OFPFC.DELETE_STRICT;
  const e = parseFlow(text, { requireActions: !isDelete });
  const tableGiven = /(^|[\s,])table=/.test(text);
  return {
    type: "flow_mod",
    xid: options.xid ?? 0,
    cookie: e.cookie,
    cookieMask: e.cookieMask,
    tableId: isDelete && !tableGiven ? OFPTT_ALL : e.tableId,
    command,
    idleTimeout: e.idleTimeout,
    hardTimeout: e.hardTimeout,
    priority: e.priority,
    bufferId: OFP_NO_BUFFER,
    outPort: e.outPort,
    outGroup: e.outGroup,
    flags: e.flags,
    match: e.match,
    instructions: e.instructions,
  };
}
