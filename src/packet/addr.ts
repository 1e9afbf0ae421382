// MAC and IPv4 address arithmetic shared by the model, the packet codec and the pipeline.
// Strings are the canonical form everywhere (as in openflow/types.ts); numbers are for arithmetic.

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** "192.0.2.1" → 0xc0000201, or null when it is not a dotted quad of 0..255 without leading zeros. */
export function parseIpv4(text: string): number | null {
  const m = IPV4_RE.exec(text);
  if (!m) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    // Leading zeros are rejected because some tools read them as octal.
    if (part.length > 1 && part.startsWith("0")) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join(".");
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

export interface Ipv4Prefix {
  /** The network address as a number. */
  base: number;
  length: number;
}

/** Host bits mask of a prefix length: /24 → 0xff. */
export function hostMask(length: number): number {
  return length === 0 ? 0xffffffff : (2 ** (32 - length) - 1) >>> 0;
}

export type CidrParse = { ok: true; prefix: Ipv4Prefix } | { ok: false; reason: string };

/** Parses "192.0.2.0/24"; host bits must be zero so a typo cannot silently widen a network. */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  if (slash < 0) return { ok: false, reason: `"${text}" is not in CIDR form (expected e.g. 192.0.2.0/24)` };
  const addr = parseIpv4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === null || !/^\d{1,2}$/.test(lenText)) {
    return { ok: false, reason: `"${text}" is not in CIDR form (expected e.g. 192.0.2.0/24)` };
  }
  const length = Number(lenText);
  if (length > 32) return { ok: false, reason: `prefix length ${length} is more than 32` };
  const hm = hostMask(length);
  if ((addr & hm) !== 0) {
    const base = (addr - (addr & hm)) >>> 0;
    return { ok: false, reason: `"${text}" has host bits set; did you mean ${formatIpv4(base)}/${length}?` };
  }
  return { ok: true, prefix: { base: addr, length } };
}

export function prefixContains(prefix: Ipv4Prefix, ip: number): boolean {
  return ip - (ip & hostMask(prefix.length)) === prefix.base;
}

export function broadcastOf(prefix: Ipv4Prefix): number {
  return prefix.base + hostMask(prefix.length);
}

export function normaliseMac(text: string): string | null {
  const lower = text.toLowerCase();
  return MAC_RE.test(lower) ? lower : null;
}

export function macToBytes(mac: string): Uint8Array {
  const out = new Uint8Array(6);
  const parts = mac.split(":");
  for (let i = 0; i < 6; i++) out[i] = parseInt(parts[i] ?? "0", 16);
  return out;
}

export function bytesToMac(bytes: Uint8Array, offset = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((bytes[offset + i] ?? 0).toString(16).padStart(2, "0"));
  return parts.join(":");
}

/** A MAC a NIC may own: not multicast/broadcast (I/G bit clear), not all zero. */
export function isUnicastMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && mac !== "00:00:00:00:00:00";
}

export const BROADCAST_MAC = "ff:ff:ff:ff:ff:ff";
