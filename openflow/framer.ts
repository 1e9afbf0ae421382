// Splits a TCP byte stream into whole OpenFlow messages. An explicit state machine: push(chunk)
// returns the messages completed by that chunk and keeps any partial message for the next one.
// A length below 8 or above the limit means the stream is out of step (or hostile): push throws
// OfpDecodeError and the framer stays failed, since nothing after that point can be trusted.
import { OfpDecodeError } from "./errors";
import { OFP_HEADER_LEN, OFP_MAX_MESSAGE_LEN } from "./spec";

export interface FramerOptions {
  /** Largest message accepted, in bytes (at most 65535, which the 16-bit length allows). */
  maxMessageLength?: number;
}

export class Framer {
  private readonly max: number;
  /**
   * The incomplete message held over from earlier chunks. Once its length is known this Buffer is
   * allocated at that length and filled in place, so a message trickling in byte by byte is copied
   * once, not once per chunk. Before that (fewer than 4 bytes, length unknown) it holds just them.
   */
  private partial: Buffer | null = null;
  /** Bytes of `partial` received so far. */
  private filled = 0;
  /** Stream offset of the first byte of `partial` (or of the next chunk): for error offsets. */
  private streamOffset = 0;
  private error: OfpDecodeError | null = null;

  constructor(options: FramerOptions = {}) {
    const max = options.maxMessageLength ?? OFP_MAX_MESSAGE_LEN;
    if (!Number.isInteger(max) || max < OFP_HEADER_LEN || max > OFP_MAX_MESSAGE_LEN) {
      throw new RangeError(`maxMessageLength must be an integer from 8 to 65535, got ${max}`);
    }
    this.max = max;
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.partial === null ? 0 : this.filled;
  }

  /**
   * Feeds the next chunk of the stream; returns the whole messages it completes, in order. The
   * returned Buffers may be views into `chunk`: do not reuse the chunk's memory while you keep them.
   */
  push(chunk: Uint8Array): Buffer[] {
    if (this.error) throw this.error;
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    /** Bytes of buf already used to complete the held message. */
    let p = 0;
    const partial = this.partial;
    if (partial !== null) {
      if (partial.length < 4) {
        // Its length field had not arrived: join the few bytes held to the chunk and start afresh.
        buf = Buffer.concat([partial, buf]);
        this.partial = null;
      } else {
        p = Math.min(partial.length - this.filled, buf.length);
        buf.copy(partial, this.filled, 0, p);
        this.filled += p;
        if (this.filled < partial.length) return out;
        out.push(partial);
        this.partial = null;
        this.streamOffset += partial.length;
      }
    }
    const base = this.streamOffset - p; // stream offset of buf[0]
    while (buf.length - p >= 4) {
      const len = (buf[p + 2]! << 8) | buf[p + 3]!;
      if (len < OFP_HEADER_LEN || len > this.max) {
        const why = len < OFP_HEADER_LEN ? `below the 8-byte header` : `over the ${this.max}-byte limit`;
        this.error = new OfpDecodeError(`stream out of step: message length ${len} is ${why}`, base + p + 2);
        throw this.error;
      }
      if (buf.length - p < len) {
        // Copied, not viewed: the caller may reuse the chunk's memory once push returns.
        this.partial = Buffer.allocUnsafe(len);
        this.filled = buf.copy(this.partial, 0, p);
        this.streamOffset = base + p;
        return out;
      }
      out.push(buf.subarray(p, p + len));
      p += len;
    }
    if (p < buf.length) {
      this.partial = Buffer.from(buf.subarray(p));
      this.filled = this.partial.length;
    }
    this.streamOffset = base + p;
    return out;
  }
}
