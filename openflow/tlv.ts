// The TLV shape actions and instructions share: type (2 bytes), length (2 bytes, a multiple of 8
// that counts the header and any padding), body. One reader opens it for both.
import type { Reader } from "./reader";

export interface Tlv {
  type: number;
  /** Declared length, header and padding included. */
  len: number;
  /** Position in the buffer of the TLV's first byte (for error offsets). */
  start: number;
  /** A reader over the TLV's body (after the 4-byte header), bounded to its declared length. */
  body: Reader;
}

/** Opens the TLV at outer.pos and moves outer past it. `what` names it in errors ("action"). */
export function readTlv(outer: Reader, what: string): Tlv {
  const start = outer.pos;
  const type = outer.u16(`${what} type`);
  const len = outer.u16(`${what} length`);
  if (len < 8 || len % 8 !== 0) outer.fail(`${what} length ${len} is not a multiple of 8 of at least 8`, start + 2);
  outer.pos = start;
  const body = outer.sub(len, what);
  body.pos = start + 4;
  return { type, len, start, body };
}

/** Fails unless a fixed-size TLV declares exactly its size. */
export function expectTlvLength(t: Tlv, want: number, what: string): void {
  if (t.len !== want) t.body.fail(`${what} length ${t.len}, expected ${want}`, t.start + 2);
}
