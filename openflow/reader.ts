// A big-endian cursor bounded to one structure. Every nested TLV (match, OXM field, action,
// instruction, multipart entry, property) gets its own Reader limited to its declared length, so
// a forged inner length can never read into its neighbour or past the message: the read fails
// with the codec's error, naming the field and the byte offset from the start of the message.
import { OfpDecodeError } from "./errors";

export class Reader {
  /** Absolute position in `buf`. */
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos: number,
    /** One past the last byte this reader may read. */
    readonly end: number,
    /** Position in `buf` of the start of the message: offsets in errors count from here. */
    readonly base: number,
  ) {
    this.pos = pos;
  }

  /** Offset from the start of the message of the next byte to read. */
  get offset(): number {
    return this.pos - this.base;
  }
  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string, pos: number = this.pos): never {
    throw new OfpDecodeError(message, pos - this.base);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      this.fail(`truncated ${what}: needs ${n} byte${n === 1 ? "" : "s"}, ${this.end - this.pos} left`);
    }
  }

  u8(what: string): number {
    if (this.pos + 1 > this.end) this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what: string): number {
    if (this.pos + 2 > this.end) this.need(2, what);
    const p = this.pos;
    this.pos = p + 2;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }
  u24(what: string): number {
    if (this.pos + 3 > this.end) this.need(3, what);
    const p = this.pos;
    this.pos = p + 3;
    return (this.buf[p]! << 16) | (this.buf[p + 1]! << 8) | this.buf[p + 2]!;
  }
  u32(what: string): number {
    if (this.pos + 4 > this.end) this.need(4, what);
    const p = this.pos;
    this.pos = p + 4;
    const b = this.buf;
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }
  u64(what: string): bigint {
    if (this.pos + 8 > this.end) this.need(8, what);
    const p = this.pos;
    this.pos = p + 8;
    const b = this.buf;
    const hi = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    const lo = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!);
    // Most cookies and counters are small: skip the BigInt shift when the high word is zero.
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }
  skip(n: number, what: string): void {
    if (this.pos + n > this.end) this.need(n, what);
    this.pos += n;
  }
  /** A view (not a copy) of the next n bytes. */
  bytes(n: number, what: string): Buffer {
    if (this.pos + n > this.end) this.need(n, what);
    const p = this.pos;
    this.pos = p + n;
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + p, n);
  }
  /** A view of everything left (Buffer.from on the ArrayBuffer: cheaper than subarray). */
  rest(): Buffer {
    const p = this.pos;
    this.pos = this.end;
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + p, this.end - p);
  }
  /** A NUL-padded ASCII string field of fixed width. */
  str(n: number, what: string): string {
    if (this.pos + n > this.end) this.need(n, what);
    const p = this.pos;
    this.pos = p + n;
    let e = p;
    while (e < p + n && this.buf[e] !== 0) e++;
    return this.buf.toString("latin1", p, e);
  }
  /** A reader over the next n bytes, which this reader then skips. */
  sub(n: number, what: string): Reader {
    if (n < 0 || this.pos + n > this.end) {
      this.fail(`${what} declares ${n} bytes but only ${this.end - this.pos} remain`);
    }
    const r = new Reader(this.buf, this.pos, this.pos + n, this.base);
    this.pos += n;
    return r;
  }
  /** Fails unless the reader was read to its end (for fixed-size structures). */
  done(what: string): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected trailing byte(s) in ${what}`);
  }
}
