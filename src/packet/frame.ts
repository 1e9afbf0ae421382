// A small pure Ethernet frame codec: Ethernet II, one 802.1Q tag, ARP, IPv4, UDP. Enough for the
// DHCP app, the simulated switch and tests; anything else stays as raw payload bytes so a frame
// always round-trips. Parsing is bounded: a truncated or inconsistent header is a FrameError with
// the byte offset, never an out-of-range read.

import { bytesToMac, macToBytes, parseIpv4 } from "./addr";

export const ETH_TYPE = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, IPV6: 0x86dd } as const;
export const IP_PROTO = { ICMP: 1, TCP: 6, UDP: 17 } as const;
export const ARP_OP = { REQUEST: 1, REPLY: 2 } as const;

export class FrameError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = "FrameError";
  }
}

export interface VlanTag {
  vid: number;
  pcp: number;
}

export interface ArpPacket {
  kind: "arp";
  op: number;
  sha: string;
  spa: string;
  tha: string;
  tpa: string;
}

export interface UdpDatagram {
  kind: "udp";
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

export interface Ipv4Packet {
  kind: "ipv4";
  src: string;
  dst: string;
  protocol: number;
  ttl: number;
  tos: number;
  id: number;
  /** UDP is decoded; any other protocol (or a fragment) keeps its bytes. */
  body: UdpDatagram | { kind: "raw"; bytes: Uint8Array };
}

export interface EthernetFrame {
  dst: string;
  src: string;
  /** The 802.1Q tag, when the frame carries one. */
  vlan?: VlanTag;
  /** The ethertype after any VLAN tag. */
  ethType: number;
  payload: ArpPacket | Ipv4Packet | { kind: "raw"; bytes: Uint8Array };
}

/** Bounds-checked big-endian reads over one slice. */
class Cursor {
  constructor(private readonly bytes: Uint8Array, public offset = 0, private readonly end = bytes.length) {}
  need(n: number, what: string): void {
    if (this.offset + n > this.end) throw new FrameError(`truncated ${what}: need ${n} bytes, have ${this.end - this.offset}`, this.offset);
  }
  u8(): number {
    return this.bytes[this.offset++]!;
  }
  u16(): number {
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }
  mac(): string {
    const m = bytesToMac(this.bytes, this.offset);
    this.offset += 6;
    return m;
  }
  ipv4(): string {
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
  }
  rest(): Uint8Array {
    const out = this.bytes.slice(this.offset, this.end);
    this.offset = this.end;
    return out;
  }
}

export function parseFrame(bytes: Uint8Array): EthernetFrame {
  const c = new Cursor(bytes);
  c.need(14, "Ethernet header");
  const dst = c.mac();
  const src = c.mac();
  let ethType = c.u16();
  let vlan: VlanTag | undefined;
  if (ethType === ETH_TYPE.VLAN) {
    c.need(4, "802.1Q tag");
    const tci = c.u16();
    vlan = { vid: tci & 0x0fff, pcp: tci >> 13 };
    ethType = c.u16();
  }
  const frame: EthernetFrame = { dst, src, ethType, payload: { kind: "raw", bytes: new Uint8Array() } };
  if (vlan) frame.vlan = vlan;
  if (ethType === ETH_TYPE.ARP) frame.payload = parseArp(c);
  else if (ethType === ETH_TYPE.IPV4) frame.payload = parseIpv4Packet(bytes, c.offset);
  else frame.payload = { kind: "raw", bytes: c.rest() };
  return frame;
}

function parseArp(c: Cursor): ArpPacket {
  c.need(28, "ARP packet");
  const htype = c.u16();
  const ptype = c.u16();
  const hlen = c.u8();
  const plen = c.u8();
  if (htype !== 1 || ptype !== ETH_TYPE.IPV4 || hlen !== 6 || plen !== 4) {
    throw new FrameError(`ARP for hardware ${htype}/${hlen} protocol 0x${ptype.toString(16)}/${plen} is not Ethernet/IPv4`, c.offset - 6);
  }
  const op = c.u16();
  return { kind: "arp", op, sha: c.mac(), spa: c.ipv4(), tha: c.mac(), tpa: c.ipv4() };
}

function parseIpv4Packet(bytes: Uint8Array, start: number): Ipv4Packet {
  const c = new Cursor(bytes, start);
  c.need(20, "IPv4 header");
  const vihl = c.u8();
  if (vihl >> 4 !== 4) throw new FrameError(`IP version ${vihl >> 4} in an IPv4 ethertype`, start);
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) throw new FrameError(`IPv4 header length ${ihl} is below 20`, start);
  const tos = c.u8();
  const totalLength = c.u16();
  const id = c.u16();
  const fragment = c.u16();
  const ttl = c.u8();
  const protocol = c.u8();
  c.u16(); // header checksum: not verified; the simulated switch and tests build their own frames
  const src = c.ipv4();
  const dst = c.ipv4();
  if (totalLength < ihl || start + totalLength > bytes.length) {
    throw new FrameError(`IPv4 total length ${totalLength} does not fit the ${bytes.length - start} bytes after the Ethernet header`, start + 2);
  }
  // Ethernet pads short frames: the IP total length, not the frame, says where the packet ends.
  const end = start + totalLength;
  const body = new Cursor(bytes, start + ihl, end);
  const isFragment = (fragment & 0x3fff) !== 0;
  const packet: Ipv4Packet = { kind: "ipv4", src, dst, protocol, ttl, tos, id, body: { kind: "raw", bytes: new Uint8Array() } };
  if (protocol === IP_PROTO.UDP && !isFragment) {
    body.need(8, "UDP header");
    const srcPort = body.u16();
    const dstPort = body.u16();
    const length = body.u16();
    body.u16(); // checksum
    if (length < 8 || start + ihl + length > end) {
      throw new FrameError(`UDP length ${length} does not fit the IPv4 packet`, start + ihl + 4);
    }
    packet.body = { kind: "udp", srcPort, dstPort, payload: bytes.slice(start + ihl + 8, start + ihl + length) };
  } else {
    packet.body = { kind: "raw", bytes: body.rest() };
  }
  return packet;
}

// ---------------------------------------------------------------------------------------------

/** Internet checksum (RFC 1071) over the given byte ranges, as if they were concatenated. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | null = null;
  for (const part of parts) {
    for (const byte of part) {
      if (odd === null) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = null;
      }
    }
  }
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4Bytes(ip: string): Uint8Array {
  const n = parseIpv4(ip);
  if (n === null) throw new FrameError(`"${ip}" is not an IPv4 address`, 0);
  return new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

function encodeArp(a: ArpPacket): Uint8Array {
  const out = new Uint8Array(28);
  const v = new DataView(out.buffer);
  v.setUint16(0, 1);
  v.setUint16(2, ETH_TYPE.IPV4);
  out[4] = 6;
  out[5] = 4;
  v.setUint16(6, a.op);
  out.set(macToBytes(a.sha), 8);
  out.set(ipv4Bytes(a.spa), 14);
  out.set(macToBytes(a.tha), 18);
  out.set(ipv4Bytes(a.tpa), 24);
  return out;
}

function encodeUdp(src: string, dst: string, u: UdpDatagram): Uint8Array {
  const out = new Uint8Array(8 + u.payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, u.srcPort);
  v.setUint16(2, u.dstPort);
  v.setUint16(4, out.length);
  out.set(u.payload, 8);
  const pseudo = new Uint8Array(12);
  pseudo.set(ipv4Bytes(src), 0);
  pseudo.set(ipv4Bytes(dst), 4);
  pseudo[9] = IP_PROTO.UDP;
  new DataView(pseudo.buffer).setUint16(10, out.length);
  // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
  v.setUint16(6, internetChecksum(pseudo, out) || 0xffff);
  return out;
}

function encodeIpv4(p: Ipv4Packet): Uint8Array {
  const body = p.body.kind === "udp" ? encodeUdp(p.src, p.dst, p.body) : p.body.bytes;
  const out = new Uint8Array(20 + body.length);
  const v = new DataView(out.buffer);
  out[0] = 0x45;
  out[1] = p.tos;
  v.setUint16(2, out.length);
  v.setUint16(4, p.id);
  v.setUint16(6, 0);
  out[8] = p.ttl;
  out[9] = p.protocol;
  out.set(ipv4Bytes(p.src), 12);
  out.set(ipv4Bytes(p.dst), 16);
  v.setUint16(10, internetChecksum(out.subarray(0, 20)));
  out.set(body, 20);
  return out;
}

/** Serialises a frame; short frames are padded to the Ethernet minimum of 60 bytes (no FCS). */
export function encodeFrame(f: EthernetFrame): Uint8Array {
  const payload =
    f.payload.kind === "arp" ? encodeArp(f.payload) : f.payload.kind === "ipv4" ? encodeIpv4(f.payload) : f.payload.bytes;
  const header = f.vlan ? 18 : 14;
  const out = new Uint8Array(Math.max(60, header + payload.length));
  const v = new DataView(out.buffer);
  out.set(macToBytes(f.dst), 0);
  out.set(macToBytes(f.src), 6);
  if (f.vlan) {
    v.setUint16(12, ETH_TYPE.VLAN);
    v.setUint16(14, ((f.vlan.pcp & 7) << 13) | (f.vlan.vid & 0x0fff));
    v.setUint16(16, f.ethType);
  } else {
    v.setUint16(12, f.ethType);
  }
  out.set(payload, header);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Builders for the frames vnet and its tests send.

export function arpFrame(opts: { op: number; srcMac: string; dstMac: string; sha: string; spa: string; tha: string; tpa: string; vlan?: VlanTag }): EthernetFrame {
  const f: EthernetFrame = {
    dst: opts.dstMac,
    src: opts.srcMac,
    ethType: ETH_TYPE.ARP,
    payload: { kind: "arp", op: opts.op, sha: opts.sha, spa: opts.spa, tha: opts.tha, tpa: opts.tpa },
  };
  if (opts.vlan) f.vlan = opts.vlan;
  return f;
}

export function udpFrame(opts: {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  ttl?: number;
}): EthernetFrame {
  return {
    dst: opts.dstMac,
    src: opts.srcMac,
    ethType: ETH_TYPE.IPV4,
    payload: {
      kind: "ipv4",
      src: opts.srcIp,
      dst: opts.dstIp,
      protocol: IP_PROTO.UDP,
      ttl: opts.ttl ?? 64,
      tos: 0,
      id: 0,
      body: { kind: "udp", srcPort: opts.srcPort, dstPort: opts.dstPort, payload: opts.payload },
    },
  };
}

/** An ICMP echo request: the simulated "ping". */
export function icmpEchoFrame(opts: { srcMac: string; dstMac: string; srcIp: string; dstIp: string; id?: number; seq?: number }): EthernetFrame {
  const icmp = new Uint8Array(16);
  icmp[0] = 8; // echo request
  new DataView(icmp.buffer).setUint16(4, opts.id ?? 1);
  new DataView(icmp.buffer).setUint16(6, opts.seq ?? 1);
  new DataView(icmp.buffer).setUint16(2, internetChecksum(icmp));
  return {
    dst: opts.dstMac,
    src: opts.srcMac,
    ethType: ETH_TYPE.IPV4,
    payload: { kind: "ipv4", src: opts.srcIp, dst: opts.dstIp, protocol: IP_PROTO.ICMP, ttl: 64, tos: 0, id: 0, body: { kind: "raw", bytes: icmp } },
  };
}

