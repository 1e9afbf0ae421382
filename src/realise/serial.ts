// One job at a time, bursts coalesced: the realiser of a host asks for a pass whenever anything
// changes (a model update, an OVSDB row, a switch connecting), and many asks while a pass runs
// become one more pass afterwards. A "full" ask is sticky until a pass takes it, so a request to
// re-read the switch is never lost behind a cheaper incremental one.

export type PassKind = "full" | "incremental";

export class SerialRunner {
  private running = false;
  private pending = false;
  private pendingFull = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  /**
   * @param pass the job; it gets whether a full pass was asked for. Its errors are its own to
   *             report: a rejection here is swallowed so the loop keeps serving later asks.
   * @param settleMs how long to wait after the first ask so a burst becomes one pass.
   */
  constructor(
    private readonly pass: (kind: PassKind) => Promise<void>,
    private readonly settleMs = 5,
  ) {}

  request(kind: PassKind): void {
    if (this.closed) return;
    this.pending = true;
    if (kind === "full") this.pendingFull = true;
    if (!this.running) void this.loop();
  }

  /** Resolves when no pass runs and none is pending. */
  idle(): Promise<void> {
    if (!this.running && !this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): boolean {
    return this.running || this.pending;
  }

  close(): void {
    this.closed = true;
    this.pending = false;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending && !this.closed) {
        if (this.settleMs > 0) await new Promise((r) => setTimeout(r, this.settleMs));
        const kind: PassKind = this.pendingFull ? "full" : "incremental";
        this.pending = false;
        this.pendingFull = false;
        try {
          await this.pass(kind);
        } catch {
          // The pass reports its own failures; the loop must survive them.
        }
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
