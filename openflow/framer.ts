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
  /** Bytes of an incomplete message carried over from earlier chunks. */
  private pending: Buffer | null = null;
  /** Stream offset of the first byte of `pending` (or of the next chunk): for error offsets. */
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
    return this.pending === null ? 0 : this.pending.length;
  }

  /**
   * Feeds the next chunk of the stream; returns the whole messages it completes, in order. The
   * returned Buffers may be views into `chunk`: do not reuse the chunk's memory while you keep them.
   */
  push(chunk: Uint8Array): Buffer[] {
    if (this.error) throw this.error;
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, buf]);
      this.pending = null;
    }
    const out: Buffer[] = [];
    let p = 0;
    while (buf.length - p >= 4) {
      const len = (buf[p + 2]! << 8) | buf[p + 3]!;
      if (len < OFP_HEADER_LEN || len > this.max) {
        const why = len < OFP_HEADER_LEN ? `below the 8-byte header` : `over the ${this.max}-byte limit`;
        this.error = new OfpDecodeError(`stream out of step: message length ${len} is ${why}`, this.streamOffset + p + 2);
        throw this.error;
      }
      if (buf.length - p < len) break;
      out.push(buf.subarray(p, p + len));
      p += len;
    }
    if (p < buf.length) {
      // Copy the tail: the caller may reuse the chunk's memory once push returns.
      this.pending = Buffer.from(buf.subarray(p));
    }
    this.streamOffset += p;
    return out;
  }
}
