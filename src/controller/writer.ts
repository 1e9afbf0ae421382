// Outgoing bytes of one switch connection, batched and flow-controlled.
//
// Everything an app sends while handling one event (say, a FLOW_MOD and a PACKET_OUT for one
// PACKET_IN, or replies to a whole 64 KiB chunk of PACKET_INs) is queued and written once, in a
// single socket write, when the current JavaScript task ends (a microtask). That turns thousands
// of small writes into one syscall without adding a timer's latency.
//
// When the socket reports back-pressure (write() returned false), nothing more is written until
// it drains; messages keep queueing here. The backlog (our queue plus the socket's own buffer) is
// bounded: past `maxBacklogBytes` the owner is told, and disconnects the switch, because a peer
// that does not read its replies must not make the controller hold unbounded memory.

export interface ByteSink {
  write(chunk: Buffer): boolean;
  once(event: "drain", listener: () => void): unknown;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

export interface WriterEvents {
  /** The backlog passed the limit; the writer has stopped accepting bytes. */
  onOverflow(backlogBytes: number): void;
  /** The socket drained and the queue was written. */
  onDrain?(): void;
}

export class BatchedWriter {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private waiting = false;
  private overflowed = false;
  private readonly flushTask = (): void => this.flush();

  constructor(
    private readonly sink: ByteSink,
    private readonly maxBacklogBytes: number,
    private readonly events: WriterEvents,
  ) {}

  /** True while the socket has asked to wait for `drain` (a drain event is then certain to come). */
  get waitingForDrain(): boolean {
    return this.waiting;
  }

  /** Bytes accepted but not yet sent to the peer's kernel buffer. */
  get backlog(): number {
    return this.queuedBytes + this.sink.writableLength;
  }

  enqueue(bytes: Buffer): void {
    if (this.overflowed) return;
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (this.queuedBytes + this.sink.writableLength > this.maxBacklogBytes) {
      this.overflowed = true;
      const backlog = this.backlog;
      this.queue = [];
      this.queuedBytes = 0;
      this.events.onOverflow(backlog);
      return;
    }
    if (!this.scheduled && !this.waiting) {
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** Writes what is queued now (unless the socket asked to wait for a drain). */
  flush(): void {
    this.scheduled = false;
    if (this.waiting || this.queuedBytes === 0 || this.sink.destroyed) return;
    const data = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue, this.queuedBytes);
    this.queue = [];
    this.queuedBytes = 0;
    if (!this.sink.write(data)) {
      this.waiting = true;
      this.sink.once("drain", () => {
        this.waiting = false;
        this.flush();
        this.events.onDrain?.();
      });
    }
  }
}
