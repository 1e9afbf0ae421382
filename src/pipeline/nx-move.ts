// Open vSwitch writes NXAST_REG_MOVE with the legacy NXM headers of its fields (NXM_OF_ETH_SRC,
// NXM_NX_ARP_SHA ...). The codec types those it knows as `nx_reg_move`; one it cannot type stays
// a raw experimenter action. This reads the raw form, so the diff and the interpreter treat both
// alike. The header numbers are Open vSwitch's (class 0 = NXM_OF_*, class 1 = NXM_NX_*).

import { OXM_FIELDS, type Action } from "../../openflow/index";

const LEGACY_NXM: Record<string, string> = {
  "0/1": "eth_dst", "0/2": "eth_src", "0/3": "eth_type", "0/6": "ip_proto", "0/7": "ipv4_src", "0/8": "ipv4_dst",
  "0/11": "udp_src", "0/12": "udp_dst", "0/15": "arp_op", "0/16": "arp_spa", "0/17": "arp_tpa",
  "1/16": "tunnel_id", "1/17": "arp_sha", "1/18": "arp_tha",
  ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`1/${i}`, `reg${i}`])),
};
const NX_VENDOR_ID = 0x2320;
const NXAST_REG_MOVE = 6;

export interface RegMove {
  nBits: number;
  srcOfs: number;
  dstOfs: number;
  src: string;
  dst: string;
}

/** A field name for an NXM or OXM header, or the header in hex when unknown. */
export function nxmFieldName(header: number): string {
  const oxmClass = header >>> 16;
  const code = (header >>> 9) & 0x7f;
  const legacy = LEGACY_NXM[`${oxmClass}/${code}`];
  if (legacy) return legacy;
  return OXM_FIELDS.find((f) => f.oxmClass === oxmClass && f.code === code)?.name ?? `0x${header.toString(16)}`;
}

/** The move an action performs, typed or raw; null when it is not a move. */
export function regMoveOf(a: Action): RegMove | null {
  if (a.type === "nx_reg_move") return { nBits: a.nBits, srcOfs: a.srcOfs, dstOfs: a.dstOfs, src: a.src, dst: a.dst };
  if (a.type !== "experimenter" || a.experimenter !== NX_VENDOR_ID) return null;
  const d = a.data;
  if (d.length < 16 || ((d[0]! << 8) | d[1]!) !== NXAST_REG_MOVE) return null;
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return { nBits: v.getUint16(2), srcOfs: v.getUint16(4), dstOfs: v.getUint16(6), src: nxmFieldName(v.getUint32(8)), dst: nxmFieldName(v.getUint32(12)) };
}
