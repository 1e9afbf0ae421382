import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { BatchedWriter } from "../../../src/controller/writer";
import type { ByteSink } from "../../../src/controller/writer";

/** A socket stand-in that accepts `room` bytes before asking for a drain. */
class FakeSink extends EventEmitter implements ByteSink {
  writes: Buffer[] = [];
  writableLength = 0;
  destroyed = false;
  constructor(private room: number) {
    super();
  }
  write(chunk: Buffer): boolean {
    this.writes.push(Buffer.from(chunk));
    this.writableLength += chunk.length;
    return this.writableLength <= this.room;
  }
  drain(): void {
    this.writableLength = 0;
    this.emit("drain");
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("BatchedWriter", () => {
  it("writes everything queued in one task as one write", async () => {
    const sink = new FakeSink(1 << 20);
    const writer = new BatchedWriter(sink, 1 << 20, { onOverflow: () => {} });
    writer.enqueue(Buffer.from([1, 2]));
    writer.enqueue(Buffer.from([3]));
    writer.enqueue(Buffer.from([4, 5, 6]));
    expect(sink.writes).toHaveLength(0);
    await tick();
    expect(sink.writes.map((b) => [...b])).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  it("holds bytes while the socket wants a drain and writes them after it", async () => {
    const sink = new FakeSink(4);
    let drained = 0;
    const writer = new BatchedWriter(sink, 1 << 20, { onOverflow: () => {}, onDrain: () => drained++ });
    writer.enqueue(Buffer.alloc(10, 1)); // over the sink's room: write returns false
    await tick();
    writer.enqueue(Buffer.alloc(3, 2));
    writer.enqueue(Buffer.alloc(3, 3));
    await tick();
    expect(sink.writes).toHaveLength(1);
    expect(writer.backlog).toBe(16);
    expect(writer.waitingForDrain).toBe(true);
    sink.drain();
    expect(sink.writes).toHaveLength(2);
    expect([...sink.writes[1]!]).toEqual([2, 2, 2, 3, 3, 3]);
    expect(drained).toBe(1);
    expect(writer.waitingForDrain).toBe(true); // 6 bytes are over the sink's room of 4 too: another drain is owed
  });

  it("reports an overflow once past the limit and accepts nothing more", async () => {
    const sink = new FakeSink(0);
    const overflows: number[] = [];
    const writer = new BatchedWriter(sink, 100, { onOverflow: (b) => overflows.push(b) });
    writer.enqueue(Buffer.alloc(60));
    await tick(); // written, but the sink keeps it (no drain)
    writer.enqueue(Buffer.alloc(30));
    expect(overflows).toEqual([]);
    writer.enqueue(Buffer.alloc(30));
    expect(overflows).toEqual([120]);
    writer.enqueue(Buffer.alloc(1));
    sink.drain();
    await tick();
    expect(sink.writes).toHaveLength(1);
  });
});
