// Operations on one thing (a VM, a host's OVSDB) must not interleave: a stop racing a start on the
// same namespace would leave half of each. Operations on different things run concurrently.

/** Runs operations one at a time per key, in call order; a failed one does not block the next. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, op: () => Promise<T>): Promise<T> {
    const start = (): Promise<T> => op();
    const next = (this.tails.get(key) ?? Promise.resolve()).then(start, start);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget idle keys, so the map holds only things with work in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
