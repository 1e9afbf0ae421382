// Splits an OVSDB byte stream into JSON texts.
//
// RFC 7047 JSON-RPC sends JSON values back to back on the stream with no length prefix and no
// delimiter, so the only way to find where a message ends is to track nesting depth, skipping
// brackets that sit inside strings. The framer is an explicit state machine: `push(chunk)` returns
// every complete top-level value the chunk finished, as text; the caller parses it.
//
// Every structural character is ASCII and no byte of a multi-byte UTF-8 sequence is below 0x80, so
// scanning bytes is safe and a chunk may split a UTF-8 character anywhere.

export class FramingError extends Error {
  override name = "FramingError";
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Default bound on one message: a full Open_vSwitch dump of a big switch is a few MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class JsonStreamFramer {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Bytes of the value being read that arrived in earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed: FramingError | null = null;

  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes held for a value that has not ended yet. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds bytes; returns the complete JSON texts they finished, in order. After a FramingError the
   * stream cannot be resynchronised (there is no delimiter to skip to), so every later call throws.
   */
  push(chunk: Buffer | string): string[] {
    if (this.failed) throw this.failed;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const out: string[] = [];
    // Start of the current value inside `bytes`, or -1 when it began in an earlier chunk.
    let start = this.depth > 0 ? 0 : -1;
    // Inside strings (most of the bytes) jump straight to the next quote or backslash; the next
    // position of each is cached per chunk so a long chunk is searched once, not once per string.
    let nextQuote = -2;
    let nextBackslash = -2;
    for (let i = 0; i < bytes.length; i++) {
      if (this.inString && !this.escaped) {
        if (nextQuote !== -1 && nextQuote < i) nextQuote = bytes.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = bytes.indexOf(BACKSLASH, i);
        const stop = nextQuote === -1 ? nextBackslash : nextBackslash === -1 ? nextQuote : Math.min(nextQuote, nextBackslash);
        if (stop === -1) {
          i = bytes.length - 1;
          break;
        }
        i = stop;
      }
      const b = bytes[i]!;
      if (this.depth === 0) {
        if (isWhitespace(b)) continue;
        if (b !== OPEN_BRACE && b !== OPEN_BRACKET) {
          return this.fail(`unexpected byte 0x${b.toString(16).padStart(2, "0")} between messages`);
        }
        start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          const tail = bytes.subarray(start, i + 1);
          const whole = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
          if (whole.length > this.maxMessageBytes) return this.fail(`message of ${whole.length} bytes exceeds limit`);
          this.pending = [];
          this.pendingBytes = 0;
          out.push(whole.toString("utf8"));
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const rest = bytes.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxMessageBytes) {
        return this.fail(`message exceeds ${this.maxMessageBytes} bytes without ending`);
      }
      // Copy: the caller may reuse its buffer.
      this.pending.push(Buffer.from(rest));
    }
    return out;
  }

  private fail(message: string): never {
    this.failed = new FramingError(message);
    this.pending = [];
    this.pendingBytes = 0;
    throw this.failed;
  }
}
