// Addresses as strings: MAC "aa:bb:cc:dd:ee:ff" (lower case), IPv4 dotted quad, IPv6 in RFC 5952
// form. Reading and writing go straight between the buffer and the string, without temporary
// byte arrays, because packet-in decoding runs millions of times a second.
import { OfpEncodeError } from "./errors";

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).padStart(2, "0"));

export function formatMac(b: Uint8Array, p: number): string {
  return (
    HEX2[b[p]!]! + ":" + HEX2[b[p + 1]!]! + ":" + HEX2[b[p + 2]!]! + ":" +
    HEX2[b[p + 3]!]! + ":" + HEX2[b[p + 4]!]! + ":" + HEX2[b[p + 5]!]!
  );
}

const MAC_RE = /^([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})$/;

export function isMac(s: unknown): s is string {
  return typeof s === "string" && MAC_RE.test(s);
}

/** Hex digit values by char code, -1 for anything else (a table: no branches per character). */
const HEX_VALUE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;

/** Writes a MAC string as 6 bytes at b[p]. */
export function writeMac(s: string, b: Uint8Array, p: number, what: string): void {
  // Fast path for the canonical "aa:bb:cc:dd:ee:ff" form (also with dashes).
  if (typeof s === "string" && s.length === 17) {
    let bad = 0;
    for (let i = 0, j = 0; i < 6; i++, j += 3) {
      const hi = HEX_VALUE[s.charCodeAt(j)]!;
      const lo = HEX_VALUE[s.charCodeAt(j + 1)]!;
      bad |= hi | lo; // negative as soon as one is not a hex digit
      if (i < 5) {
        const sep = s.charCodeAt(j + 2);
        if (sep !== 58 && sep !== 45) bad = -1;
      }
      b[p + i] = (hi << 4) | lo;
    }
    if (bad >= 0) return;
  }
  const m = typeof s === "string" ? MAC_RE.exec(s) : null;
  if (!m) throw new OfpEncodeError(`${what} must be a MAC address like "aa:bb:cc:dd:ee:ff", got ${JSON.stringify(s)}`);
  for (let i = 0; i < 6; i++) b[p + i] = parseInt(m[i + 1]!, 16);
}

export function formatIpv4(b: Uint8Array, p: number): string {
  return b[p] + "." + b[p + 1] + "." + b[p + 2] + "." + b[p + 3];
}

/** The IPv4 address as a 32-bit unsigned number, or -1 when `s` is not a dotted quad. */
export function parseIpv4(s: unknown): number {
  if (typeof s !== "string") return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // no leading zeros ("01" is ambiguous: octal)
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

export function writeIpv4(s: string, b: Uint8Array, p: number, what: string): void {
  const v = parseIpv4(s);
  if (v < 0) throw new OfpEncodeError(`${what} must be an IPv4 address like "192.0.2.1", got ${JSON.stringify(s)}`);
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatIpv6(b: Uint8Array, p: number): string {
  const g: number[] = new Array(8);
  for (let i = 0; i < 8; i++) g[i] = (b[p + 2 * i]! << 8) | b[p + 2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // An IPv4-mapped address keeps its dotted tail (::ffff:192.0.2.1), as RFC 5952 section 5 says.
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) return "::ffff:" + formatIpv4(b, p + 12);
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(":")) out += ":";
    out += g[i]!.toString(16);
  }
  return out;
}

/** Parses IPv6 text (any valid form, incl. "::" and a dotted IPv4 tail) into 16 bytes at b[p]. */
export function parseIpv6(s: unknown, b: Uint8Array, p: number): boolean {
  if (typeof s !== "string" || s.length < 2 || s.length > 45) return false;
  let head = s;
  let tail = "";
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return false;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes(".")) {
        const v4 = parseIpv4(it);
        if (v4 < 0) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = dbl >= 0 ? groups(tail) : [];
  if (!h || !t) return false;
  if (dbl >= 0 && h.length > 0 && head.includes(".")) return false; // a dotted quad only at the end
  const total = h.length + t.length;
  if (dbl < 0 ? total !== 8 : total > 7) return false;
  const all = [...h, ...new Array<number>(8 - total).fill(0), ...t];
  for (let i = 0; i < 8; i++) {
    b[p + 2 * i] = all[i]! >>> 8;
    b[p + 2 * i + 1] = all[i]! & 0xff;
  }
  return true;
}

export function writeIpv6(s: string, b: Uint8Array, p: number, what: string): void {
  if (!parseIpv6(s, b, p)) throw new OfpEncodeError(`${what} must be an IPv6 address like "2001:db8::1", got ${JSON.stringify(s)}`);
}

/** Canonical (RFC 5952) form of an IPv6 address, or null if it is not one. */
export function normalizeIpv6(s: string): string | null {
  const b = new Uint8Array(16);
  return parseIpv6(s, b, 0) ? formatIpv6(b, 0) : null;
}
