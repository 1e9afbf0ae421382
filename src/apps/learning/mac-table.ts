// The MAC table of one switch: which port a source MAC was last seen on, and when.
//
// It sits on the PACKET_IN hot path (two lookups and a learn per packet), so it is a hash table
// of its own over typed arrays rather than a Map: MACs are 48-bit integers read straight from the
// frame, stored as doubles (exact below 2^53), with no object and no string per entry, and
// nothing for the garbage collector to chase.
// - Open addressing with linear probing; deletion shifts the following entries back, so there
//   are no tombstones and probes stay short.
// - Bounded: beyond `capacity` MACs (a flood of fresh source addresses, as in a benchmark or an
//   attack) the MAC learned first is forgotten, in O(1), through a ring of MACs in the order they
//   were first learned. A MAC refreshed (seen again) keeps its place in that order.

const EMPTY_SLOT = -1;

export interface MacEntry {
  port: number;
  learnedAt: number;
}

export class MacTable {
  private readonly mask: number;
  /** Per hash bucket: the MAC, its port, when it was last seen, and its position in the ring. */
  private readonly macs: Float64Array;
  private readonly ports: Uint32Array;
  private readonly seenAt: Float64Array;
  private readonly ringSlot: Int32Array;
  /** MACs in the order they were first learned; a slot whose MAC now sits elsewhere is stale. */
  private readonly ring: Float64Array;
  private head = 0;
  private used = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    /** Entries older than this (ms) are treated as unknown. */
    readonly maxAgeMs: number,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 24)) {
      throw new Error(`MAC table capacity must be a whole number from 1 to ${1 << 24}, got ${capacity}`);
    }
    let buckets = 2;
    while (buckets < capacity * 2) buckets *= 2; // load factor at most one half
    this.mask = buckets - 1;
    this.macs = new Float64Array(buckets);
    this.ports = new Uint32Array(buckets);
    this.seenAt = new Float64Array(buckets);
    this.ringSlot = new Int32Array(buckets).fill(EMPTY_SLOT);
    this.ring = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The port `mac` was learned on, unless unknown or aged out at time `now`. */
  lookup(mac: number, now: number): number | undefined {
    const b = this.find(mac);
    if (b < 0 || now - this.seenAt[b]! > this.maxAgeMs) return undefined;
    return this.ports[b];
  }

  /** Records `mac` on `port` at `now`: a MAC seen again is refreshed in place. */
  learn(mac: number, port: number, now: number): void {
    let b = this.bucketOf(mac);
    while (this.ringSlot[b] !== EMPTY_SLOT) {
      if (this.macs[b] === mac) {
        this.ports[b] = port;
        this.seenAt[b] = now;
        return;
      }
      b = (b + 1) & this.mask;
    }
    let slot: number;
    if (this.used < this.capacity) {
      slot = (this.head + this.used) % this.capacity;
      this.used++;
    } else {
      slot = this.head;
      this.head = (this.head + 1) % this.capacity;
      const victim = this.find(this.ring[slot]!);
      if (victim >= 0 && this.ringSlot[victim] === slot) {
        this.remove(victim);
        b = this.bucketOf(mac); // the removal may have shifted entries: probe again
        while (this.ringSlot[b] !== EMPTY_SLOT) b = (b + 1) & this.mask;
      }
    }
    this.ring[slot] = mac;
    this.macs[b] = mac;
    this.ports[b] = port;
    this.seenAt[b] = now;
    this.ringSlot[b] = slot;
    this.count++;
  }

  /** Forgets every MAC learned on `port` (the port went down or away). Returns how many. */
  forgetPort(port: number): number {
    let forgotten = 0;
    for (let b = 0; b <= this.mask; ) {
      // A removal shifts a later entry into `b`: look at the same bucket again.
      if (this.ringSlot[b] !== EMPTY_SLOT && this.ports[b] === port) {
        this.remove(b);
        forgotten++;
      } else {
        b++;
      }
    }
    return forgotten;
  }

  *[Symbol.iterator](): IterableIterator<[number, MacEntry]> {
    for (let b = 0; b <= this.mask; b++) {
      if (this.ringSlot[b] !== EMPTY_SLOT) yield [this.macs[b]!, { port: this.ports[b]!, learnedAt: this.seenAt[b]! }];
    }
  }

  private bucketOf(mac: number): number {
    const low = mac % 4294967296;
    const high = (mac - low) / 4294967296;
    return (Math.imul(low | 0, 0x9e3779b1) ^ Math.imul(high, 0x85ebca6b)) >>> 0 & this.mask;
  }

  private find(mac: number): number {
    let b = this.bucketOf(mac);
    while (this.ringSlot[b] !== EMPTY_SLOT) {
      if (this.macs[b] === mac) return b;
      b = (b + 1) & this.mask;
    }
    return -1;
  }

  /** Empties bucket `b`, moving back later entries of the probe run that would otherwise be unreachable. */
  private remove(b: number): void {
    const mask = this.mask;
    this.ringSlot[b] = EMPTY_SLOT;
    this.count--;
    let hole = b;
    let next = (b + 1) & mask;
    while (this.ringSlot[next] !== EMPTY_SLOT) {
      const home = this.bucketOf(this.macs[next]!);
      // Move the entry at `next` into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        this.macs[hole] = this.macs[next]!;
        this.ports[hole] = this.ports[next]!;
        this.seenAt[hole] = this.seenAt[next]!;
        this.ringSlot[hole] = this.ringSlot[next]!;
        this.ringSlot[next] = EMPTY_SLOT;
        hole = next;
      }
      next = (next + 1) & mask;
    }
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
