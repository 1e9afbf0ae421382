// The emulator's receive path: walks OpenFlow headers in the byte stream without decoding
// bodies. Messages of the "counted" types (the controller's answers to PACKET_INs) are only
// counted and skipped; the rare others (handshake, echo, barrier) are collected whole and handed
// over to be answered. This is what keeps the emulator from being the bottleneck.

export interface ScannerSink {
  /** A counted message's header was seen (its body may still be arriving). */
  counted(type: number): void;
  /** Any other complete message (its bytes are a copy the sink may keep). */
  message(bytes: Buffer): void;
}

export class HeaderScanner {
  private readonly header = Buffer.alloc(8);
  private headerFill = 0;
  private skip = 0;
  private collect: Buffer | null = null;
  private collectFill = 0;

  /** `countedTypes[type]` is true for the message types to count and skip. */
  constructor(
    private readonly countedTypes: readonly boolean[],
    private readonly sink: ScannerSink,
  ) {}

  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.skip > 0) {
        const k = Math.min(this.skip, n - i);
        this.skip -= k;
        i += k;
        continue;
      }
      if (this.collect !== null) {
        const k = Math.min(this.collect.length - this.collectFill, n - i);
        chunk.copy(this.collect, this.collectFill, i, i + k);
        this.collectFill += k;
        i += k;
        if (this.collectFill === this.collect.length) {
          const whole = this.collect;
          this.collect = null;
          this.sink.message(whole);
        }
        continue;
      }
      let type: number;
      let length: number;
      if (this.headerFill === 0 && n - i >= 8) {
        type = chunk[i + 1]!;
        length = chunk.readUInt16BE(i + 2);
        if (length < 8) throw new Error(`controller sent a message of length ${length}`);
        if (this.countedTypes[type] === true) {
          this.sink.counted(type);
          this.skip = length - 8;
          i += 8;
        } else {
          this.collect = Buffer.allocUnsafe(length);
          this.collectFill = 0;
        }
        continue;
      }
      // A header split across chunks: gather its 8 bytes first.
      const k = Math.min(8 - this.headerFill, n - i);
      chunk.copy(this.header, this.headerFill, i, i + k);
      this.headerFill += k;
      i += k;
      if (this.headerFill < 8) continue;
      this.headerFill = 0;
      type = this.header[1]!;
      length = this.header.readUInt16BE(2);
      if (length < 8) throw new Error(`controller sent a message of length ${length}`);
      if (this.countedTypes[type] === true) {
        this.sink.counted(type);
        this.skip = length - 8;
      } else {
        this.collect = Buffer.allocUnsafe(length);
        this.header.copy(this.collect, 0);
        this.collectFill = 8;
        if (length === 8) {
          const whole = this.collect;
          this.collect = null;
          this.sink.message(whole);
        }
      }
    }
  }
}
