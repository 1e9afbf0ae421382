// Netlink attributes (struct nlattr): u16 length INCLUDING the 4-byte header, u16 type, payload,
// then padding to a 4-byte boundary that is NOT counted in the length. Integers are host order
// (little endian on every machine vnet runs on) except where the kernel says "be16" (VXLAN port).
// Encoding computes every length; decoding reads each attribute inside its declared bounds and
// throws NetlinkDecodeError with the byte offset instead of trusting the peer.

import { NLA_F_NESTED, NLA_TYPE_MASK } from "./constants";

export class NetlinkDecodeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`netlink decode at byte ${offset}: ${message}`);
    this.name = "NetlinkDecodeError";
  }
}

const NLA_HDRLEN = 4;
const align4 = (n: number): number => (n + 3) & ~3;

/** One attribute to encode: a payload, or children that make a nested attribute. */
export type Attr = { type: number; payload: Buffer } | { type: number; nested: Attr[] };

export const u8 = (type: number, v: number): Attr => ({ type, payload: Buffer.from([v & 0xff]) });
export function u16(type: number, v: number): Attr {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return { type, payload: b };
}
export function be16(type: number, v: number): Attr {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return { type, payload: b };
}
export function u32(type: number, v: number): Attr {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return { type, payload: b };
}
/** NUL-terminated string, as the kernel's NLA_STRING / NLA_NUL_STRING policies accept. */
export const str = (type: number, v: string): Attr => ({ type, payload: Buffer.from(`${v}\0`, "utf8") });
export const bytes = (type: number, v: Buffer): Attr => ({ type, payload: v });
export const nest = (type: number, children: Attr[]): Attr => ({ type, nested: children });

export function encodedLength(attrs: readonly Attr[]): number {
  let n = 0;
  for (const a of attrs) n += align4(NLA_HDRLEN + payloadLength(a));
  return n;
}

function payloadLength(a: Attr): number {
  return "payload" in a ? a.payload.length : encodedLength(a.nested);
}

export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const out = Buffer.alloc(encodedLength(attrs));
  writeAttrs(out, 0, attrs);
  return out;
}

function writeAttrs(out: Buffer, offset: number, attrs: readonly Attr[]): number {
  for (const a of attrs) {
    const len = NLA_HDRLEN + payloadLength(a);
    if (len > 0xffff) throw new RangeError(`netlink attribute ${a.type} too long (${len} bytes)`);
    out.writeUInt16LE(len, offset);
    if ("payload" in a) {
      out.writeUInt16LE(a.type, offset + 2);
      a.payload.copy(out, offset + NLA_HDRLEN);
    } else {
      out.writeUInt16LE(a.type | NLA_F_NESTED, offset + 2);
      writeAttrs(out, offset + NLA_HDRLEN, a.nested);
    }
    offset += align4(len);
  }
  return offset;
}

/** A decoded attribute: its type (flag bits removed), payload and absolute offset for errors. */
export interface RawAttr {
  type: number;
  payload: Buffer;
  offset: number;
}

/**
 * Splits `buf` into attributes. `base` is the absolute offset of `buf` in the message, so that
 * errors point at the right byte. A trailing fragment shorter than a header is an error.
 */
export function decodeAttrs(buf: Buffer, base = 0): RawAttr[] {
  const out: RawAttr[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLA_HDRLEN) throw new NetlinkDecodeError(`truncated attribute header`, base + off);
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`attribute ${type} declares length ${len} < 4`, base + off);
    if (off + len > buf.length) {
      throw new NetlinkDecodeError(`attribute ${type} declares length ${len}, only ${buf.length - off} bytes left`, base + off);
    }
    out.push({ type, payload: buf.subarray(off + NLA_HDRLEN, off + len), offset: base + off + NLA_HDRLEN });
    off += align4(len);
  }
  return out;
}

/** Attributes by type; the last one wins, as in the kernel's nla_parse. */
export function attrMap(buf: Buffer, base = 0): Map<number, RawAttr> {
  const m = new Map<number, RawAttr>();
  for (const a of decodeAttrs(buf, base)) m.set(a.type, a);
  return m;
}

function need(a: RawAttr, n: number, what: string): void {
  if (a.payload.length < n) throw new NetlinkDecodeError(`${what} needs ${n} bytes, has ${a.payload.length}`, a.offset);
}
export function readU8(a: RawAttr, what = `attribute ${a.type}`): number {
  need(a, 1, what);
  return a.payload[0]!;
}
export function readU16(a: RawAttr, what = `attribute ${a.type}`): number {
  need(a, 2, what);
  return a.payload.readUInt16LE(0);
}
export function readBe16(a: RawAttr, what = `attribute ${a.type}`): number {
  need(a, 2, what);
  return a.payload.readUInt16BE(0);
}
export function readU32(a: RawAttr, what = `attribute ${a.type}`): number {
  need(a, 4, what);
  return a.payload.readUInt32LE(0);
}
export function readString(a: RawAttr): string {
  const nul = a.payload.indexOf(0);
  return a.payload.subarray(0, nul < 0 ? a.payload.length : nul).toString("utf8");
}
export function readNested(a: RawAttr): Map<number, RawAttr> {
  return attrMap(a.payload, a.offset);
}
