// The MAC table of one switch: which port a source MAC was last seen on, and when.
//
// MACs are keys as 48-bit integers read straight from the frame (no string per packet: the
// PACKET_IN path is the hot one). The table is bounded: a switch seeing more MACs than
// `capacity` (a flood of fresh source addresses, as in a benchmark or an attack) forgets the
// least recently learned ones instead of growing. Map iteration order is insertion order, so
// re-inserting on every learn keeps the oldest entry first and eviction O(1).

export interface MacEntry {
  port: number;
  learnedAt: number;
}

export class MacTable {
  private readonly entries = new Map<number, MacEntry>();

  constructor(
    readonly capacity: number,
    /** Entries older than this (ms) are treated as unknown. */
    readonly maxAgeMs: number,
  ) {
    if (!(capacity >= 1)) throw new Error(`MAC table capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The port `mac` was learned on, unless unknown or aged out at time `now`. */
  lookup(mac: number, now: number): number | undefined {
    const entry = this.entries.get(mac);
    if (entry === undefined || now - entry.learnedAt > this.maxAgeMs) return undefined;
    return entry.port;
  }

  learn(mac: number, port: number, now: number): void {
    const entries = this.entries;
    if (!entries.delete(mac) && entries.size >= this.capacity) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.set(mac, { port, learnedAt: now });
  }

  /** Forgets every MAC learned on `port` (the port went down or away). Returns how many. */
  forgetPort(port: number): number {
    let forgotten = 0;
    for (const [mac, entry] of this.entries) {
      if (entry.port === port) {
        this.entries.delete(mac);
        forgotten++;
      }
    }
    return forgotten;
  }

  *[Symbol.iterator](): IterableIterator<[number, MacEntry]> {
    yield* this.entries;
  }
}

/** The 48-bit MAC at `offset` of a frame, as an integer (exact: below 2^53). */
export function macAt(frame: Uint8Array, offset: number): number {
  return (
    ((frame[offset]! * 256 + frame[offset + 1]!) * 65536 + (frame[offset + 2]! * 256 + frame[offset + 3]!)) * 65536 +
    (frame[offset + 4]! * 256 + frame[offset + 5]!)
  );
}

/** Group addresses (broadcast, multicast) have the low bit of the first octet set. */
export function isGroupMac(mac: number): boolean {
  return Math.floor(mac / 2 ** 40) % 2 === 1;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** "aa:bb:cc:dd:ee:ff", the codec's form. */
export function macToString(mac: number): string {
  const high = Math.floor(mac / 2 ** 24);
  const low = mac % 2 ** 24;
  return `${HEX[(high >>> 16) & 255]}:${HEX[(high >>> 8) & 255]}:${HEX[high & 255]}:${HEX[(low >>> 16) & 255]}:${HEX[(low >>> 8) & 255]}:${HEX[low & 255]}`;
}
