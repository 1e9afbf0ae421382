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
const INITIAL_RING = 32;

/** Hash buckets for `entries` MACs: a power of two, at least twice as many (load at most one half). */
function bucketsFor(entries: number): number {
  let buckets = 4;
  while (buckets < entries * 2) buckets *= 2;
  return buckets;
}

export interface MacEntry {
  port: number;
  learnedAt: number;
}

export class MacTable {
  private mask: number;
  /** Per hash bucket: the MAC, its port, when it was last seen, and its position in the ring. */
  private macs: Float64Array;
  private ports: Uint32Array;
  private seenAt: Float64Array;
  private ringSlot: Int32Array;
  /** MACs in the order they were first learned; a slot whose MAC now sits elsewhere is stale. */
  private ring: Float64Array;
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
    // Start small and grow: a controller with a thousand quiet switches must not hold a thousand
    // full-size tables.
    const ringSize = Math.min(capacity, INITIAL_RING);
    this.ring = new Float64Array(ringSize);
    const buckets = bucketsFor(ringSize);
    this.mask = buckets - 1;
    this.macs = new Float64Array(buckets);
    this.ports = new Uint32Array(buckets);
    this.seenAt = new Float64Array(buckets);
    this.ringSlot = new Int32Array(buckets).fill(EMPTY_SLOT);
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
    if (this.used === this.ring.length && this.ring.length < this.capacity) {
      this.grow();
      b = this.bucketOf(mac);
      while (this.ringSlot[b] !== EMPTY_SLOT) b = (b + 1) & this.mask;
    }
    const ringLength = this.ring.length;
    let slot: number;
    if (this.used < ringLength) {
      slot = (this.head + this.used) % ringLength;
      this.used++;
    } else {
      slot = this.head;
      this.head = (this.head + 1) % ringLength;
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

  /**
   * Doubles the ring (up to `capacity`) and the hash buckets with it. The ring only grows while
   * it has never wrapped (nothing is evicted before it reaches `capacity`), so ring positions,
   * oldest first from 0, stay valid as they are.
   */
  private grow(): void {
    const ring = new Float64Array(Math.min(this.capacity, this.ring.length * 2));
    ring.set(this.ring);
    this.ring = ring;
    const { macs, ports, seenAt, ringSlot } = this;
    const buckets = bucketsFor(ring.length);
    this.mask = buckets - 1;
    this.macs = new Float64Array(buckets);
    this.ports = new Uint32Array(buckets);
    this.seenAt = new Float64Array(buckets);
    this.ringSlot = new Int32Array(buckets).fill(EMPTY_SLOT);
    for (let old = 0; old < macs.length; old++) {
      if (ringSlot[old] === EMPTY_SLOT) continue;
      let b = this.bucketOf(macs[old]!);
      while (this.ringSlot[b] !== EMPTY_SLOT) b = (b + 1) & this.mask;
      this.macs[b] = macs[old]!;
      this.ports[b] = ports[old]!;
      this.seenAt[b] = seenAt[old]!;
      this.ringSlot[b] = ringSlot[old]!;
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
