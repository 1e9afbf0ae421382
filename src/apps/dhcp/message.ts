// The DHCP message (RFC 2131 §2, BOOTP layout of RFC 951) and its options (RFC 2132): a pure,
// bounded codec. Options keep their raw bytes; the accessors below read the ones the server uses.

import { bytesToMac, formatIpv4, macToBytes, parseIpv4 } from "../../packet/addr";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** RFC 2131 §3: the four octets that start the options field. */
export const MAGIC_COOKIE = [99, 130, 83, 99] as const;
/** Fixed part before the options: op..file (236 bytes) plus the magic cookie. */
const FIXED_LEN = 236;
/** RFC 1542 §3.4: BOOTP relays and some clients discard messages shorter than 300 bytes. */
const MIN_MESSAGE_LEN = 300;
/** Flags bit 15: the client cannot receive unicast before it has an address. */
export const FLAG_BROADCAST = 0x8000;

export const DHCP_TYPE = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

export const DHCP_TYPE_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(DHCP_TYPE).map(([k, v]) => [v, k]),
);

/** Option codes (RFC 2132) vnet reads or writes. */
export const OPT = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  HOSTNAME: 12,
  INTERFACE_MTU: 26,
  BROADCAST: 28,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAM_REQUEST: 55,
  MESSAGE: 56,
  RENEWAL_T1: 58,
  REBINDING_T2: 59,
  CLIENT_ID: 61,
  END: 255,
} as const;

export class DhcpDecodeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = "DhcpDecodeError";
  }
}

export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Client hardware address (the first `hlen` bytes of chaddr) as a MAC. */
  chaddr: string;
  /** Options in the order they appeared; a repeated code is concatenated (RFC 3396). */
  options: Map<number, Uint8Array>;
}

export function decodeDhcp(bytes: Uint8Array): DhcpMessage {
  if (bytes.length < FIXED_LEN + 4) {
    throw new DhcpDecodeError(`a DHCP message needs at least ${FIXED_LEN + 4} bytes, got ${bytes.length}`, 0);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ip = (o: number) => `${bytes[o]}.${bytes[o + 1]}.${bytes[o + 2]}.${bytes[o + 3]}`;
  for (let i = 0; i < 4; i++) {
    if (bytes[FIXED_LEN + i] !== MAGIC_COOKIE[i]) throw new DhcpDecodeError("missing the DHCP magic cookie 99.130.83.99", FIXED_LEN);
  }
  const options = new Map<number, Uint8Array>();
  let o = FIXED_LEN + 4;
  while (o < bytes.length) {
    const code = bytes[o]!;
    if (code === OPT.PAD) {
      o++;
      continue;
    }
    if (code === OPT.END) break;
    if (o + 2 > bytes.length) throw new DhcpDecodeError(`option ${code} has no length byte`, o);
    const len = bytes[o + 1]!;
    if (o + 2 + len > bytes.length) throw new DhcpDecodeError(`option ${code} claims ${len} bytes, only ${bytes.length - o - 2} remain`, o);
    const value = bytes.slice(o + 2, o + 2 + len);
    const prev = options.get(code);
    options.set(code, prev ? concat(prev, value) : value);
    o += 2 + len;
  }
  return {
    op: bytes[0]!,
    htype: bytes[1]!,
    hlen: bytes[2]!,
    hops: bytes[3]!,
    xid: v.getUint32(4),
    secs: v.getUint16(8),
    flags: v.getUint16(10),
    ciaddr: ip(12),
    yiaddr: ip(16),
    siaddr: ip(20),
    giaddr: ip(24),
    chaddr: bytesToMac(bytes, 28),
    options,
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function ipBytes(ip: string): number[] {
  const n = parseIpv4(ip) ?? 0;
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export function encodeDhcp(m: DhcpMessage): Uint8Array {
  const optionBytes: number[] = [];
  for (const [code, value] of m.options) {
    // RFC 3396: a value longer than 255 bytes is split over several options of the same code.
    for (let i = 0; i === 0 || i < value.length; i += 255) {
      const part = value.subarray(i, i + 255);
      optionBytes.push(code, part.length, ...part);
    }
  }
  optionBytes.push(OPT.END);
  const out = new Uint8Array(Math.max(MIN_MESSAGE_LEN, FIXED_LEN + 4 + optionBytes.length));
  const v = new DataView(out.buffer);
  out[0] = m.op;
  out[1] = m.htype;
  out[2] = m.hlen;
  out[3] = m.hops;
  v.setUint32(4, m.xid >>> 0);
  v.setUint16(8, m.secs);
  v.setUint16(10, m.flags);
  out.set(ipBytes(m.ciaddr), 12);
  out.set(ipBytes(m.yiaddr), 16);
  out.set(ipBytes(m.siaddr), 20);
  out.set(ipBytes(m.giaddr), 24);
  out.set(macToBytes(m.chaddr), 28);
  out.set(MAGIC_COOKIE, FIXED_LEN);
  out.set(optionBytes, FIXED_LEN + 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Option accessors and constructors

export function messageType(m: DhcpMessage): number | null {
  const v = m.options.get(OPT.MESSAGE_TYPE);
  return v && v.length === 1 ? v[0]! : null;
}

/** An option holding one IPv4 address (50 requested IP, 54 server id), or null if absent/malformed. */
export function ipOption(m: DhcpMessage, code: number): string | null {
  const v = m.options.get(code);
  return v && v.length === 4 ? formatIpv4(((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0) : null;
}

export function u32Option(m: DhcpMessage, code: number): number | null {
  const v = m.options.get(code);
  return v && v.length === 4 ? ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0 : null;
}

export const opt = {
  u8: (n: number) => new Uint8Array([n & 0xff]),
  u16: (n: number) => new Uint8Array([(n >>> 8) & 0xff, n & 0xff]),
  u32: (n: number) => new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]),
  ips: (ips: readonly string[]) => new Uint8Array(ips.flatMap(ipBytes)),
  text: (s: string) => new TextEncoder().encode(s),
};
