// A big-endian writer into a slab of memory. encode() writes a message here, patches its lengths
// once the body is known (lengths are computed, never written by hand), and hands out a view of
// exactly the bytes written. Values are range-checked so a bad message fails with the codec's
// error naming the field, instead of wrapping silently.
import { OfpEncodeError } from "./errors";

/** Room kept free for one message: the largest a 16-bit length allows, plus slack. */
const ROOM = 65536 + 64;
const SLAB_SIZE = 256 * 1024;

export class Writer {
  /** The slab being written; messages already taken from it are never written again. */
  buf: Buffer;
  /** The same memory, for 64-bit writes (DataView.setBigUint64 is the fastest way to write a bigint). */
  private view: DataView;
  /** Next byte to write (absolute, in buf). */
  pos = 0;
  /** Where the current message starts. */
  private start = 0;
  /** One past the last byte the current message may use: no message exceeds 65535 bytes. */
  private limit = 0xffff;

  constructor() {
    this.buf = Buffer.allocUnsafe(SLAB_SIZE);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /**
   * Starts a message. Encoded messages are handed out as views into a large slab instead of each
   * being copied into its own Buffer: a new slab is taken when the free room could not hold a
   * message of the largest size, so positions never move while a message is written.
   */
  begin(): void {
    if (this.buf.length - this.pos < ROOM) {
      this.buf = Buffer.allocUnsafe(SLAB_SIZE);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      this.pos = 0;
    }
    this.start = this.pos;
    this.limit = this.pos + 0xffff;
  }

  /** Drops the message being written (after an error). */
  abort(): void {
    this.pos = this.start;
  }

  /** The finished message, as a view that nothing will write again. */
  take(): Buffer {
    // Buffer.from(arrayBuffer, offset, length) makes the view about twice as fast as subarray.
    const out = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.start, this.pos - this.start);
    // Keep the next message 8-byte aligned, as a fresh allocation would be.
    this.pos = Math.min((this.pos + 7) & ~7, this.buf.length);
    this.start = this.pos;
    return out;
  }

  private overflow(_n: number): never {
    throw new OfpEncodeError(`message is longer than the 65535 bytes a 16-bit length allows`);
  }

  u8(v: number, what: string): void {
    if ((v & 0xff) !== v) badValue(what, v, 8);
    if (this.pos + 1 > this.limit) this.overflow(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number, what: string): void {
    if ((v & 0xffff) !== v) badValue(what, v, 16);
    if (this.pos + 2 > this.limit) this.overflow(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }
  u24(v: number, what: string): void {
    if ((v & 0xffffff) !== v) badValue(what, v, 24);
    if (this.pos + 3 > this.limit) this.overflow(3);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 16;
    b[p + 1] = v >>> 8;
    b[p + 2] = v;
    this.pos = p + 3;
  }
  u32(v: number, what: string): void {
    if (v >>> 0 !== v) badValue(what, v, 32);
    if (this.pos + 4 > this.limit) this.overflow(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }
  u64(v: bigint, what: string): void {
    // asUintN(64, v) === v holds exactly for a bigint in 0..2^64-1: one check for both bounds.
    if (typeof v !== "bigint" || BigInt.asUintN(64, v) !== v) badValue(what, v, 64);
    if (this.pos + 8 > this.limit) this.overflow(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
  }
  /** Claims the next n bytes for the caller to fill in place (at the returned position). */
  reserve(n: number): number {
    const p = this.pos;
    if (p + n > this.limit) this.overflow(n);
    this.pos = p + n;
    return p;
  }
  zeros(n: number): void {
    if (this.pos + n > this.limit) this.overflow(n);
    // A plain loop: Buffer.fill costs more than it saves for the few pad bytes OpenFlow uses.
    const b = this.buf;
    const end = this.pos + n;
    for (let p = this.pos; p < end; p++) b[p] = 0;
    this.pos = end;
  }
  bytes(data: Uint8Array, what: string): void {
    if (!(data instanceof Uint8Array)) throw new OfpEncodeError(`${what} must be a Uint8Array`);
    const n = data.length;
    if (this.pos + n > this.limit) this.overflow(n);
    this.buf.set(data, this.pos);
    this.pos += n;
  }
  /** A fixed-width NUL-padded ASCII string. */
  str(s: string, width: number, what: string): void {
    if (typeof s !== "string") throw new OfpEncodeError(`${what} must be a string`);
    if (s.length > width) throw new OfpEncodeError(`${what} "${s}" is longer than ${width} bytes`);
    if (/[^\x01-\xff]/.test(s)) throw new OfpEncodeError(`${what} "${s}" has a character outside Latin-1 or a NUL`);
    if (this.pos + width > this.limit) this.overflow(width);
    this.buf.fill(0, this.pos, this.pos + width);
    this.buf.write(s, this.pos, width, "latin1");
    this.pos += width;
  }
  /** Zero bytes up to the next multiple of 8 counted from `start`. */
  pad8(start: number): void {
    const rem = (this.pos - start) & 7;
    if (rem !== 0) this.zeros(8 - rem);
  }
  /** Writes the 16-bit length of the structure that began at `start`. */
  patchLen16(at: number, start: number, what: string): void {
    const len = this.pos - start;
    if (len > 0xffff) throw new OfpEncodeError(`${what} is ${len} bytes long, over the 65535 a 16-bit length allows`);
    this.buf[at] = len >>> 8;
    this.buf[at + 1] = len;
  }
}

function badValue(what: string, v: unknown, bits: number): never {
  const shown = typeof v === "bigint" ? `${v}n` : typeof v === "string" ? JSON.stringify(v) : String(v);
  throw new OfpEncodeError(`${what} must be an unsigned ${bits}-bit ${bits === 64 ? "bigint" : "integer"}, got ${shown}`);
}
