// Time as the controller sees it. Sessions take `now` from here and the controller runs its one
// housekeeping tick through it, so tests can swap in a manual clock and step through echo
// keepalives, dead-peer and request timeouts without waiting.

export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Calls `fn` every `ms` milliseconds until the returned stop function is called. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    // The tick must never keep a process alive on its own: closing the sockets ends the controller.
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** A clock that moves only when told: `advance(ms)` runs every tick that falls due, in order. */
export class ManualClock implements Clock {
  private time = 0;
  private readonly timers = new Set<{ ms: number; due: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  every(ms: number, fn: () => void): () => void {
    const timer = { ms, due: this.time + ms, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: { ms: number; due: number; fn: () => void } | undefined;
      for (const t of this.timers) if (t.due <= end && (next === undefined || t.due < next.due)) next = t;
      if (next === undefined) break;
      this.time = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.time = end;
  }
}
