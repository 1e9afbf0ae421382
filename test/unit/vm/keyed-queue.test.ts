import { describe, expect, it } from "vitest";
import { KeyedQueue } from "../../../src/vm/keyed-queue";

/** A promise the test resolves or rejects by hand. */
function gate<T = void>() {
  let open!: (v: T) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    open = res;
    fail = rej;
  });
  return { promise, open, fail };
}

describe("KeyedQueue", () => {
  it("runs one operation at a time per key, in call order, and keys side by side", async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const a1 = gate();
    const first = q.run("a", async () => {
      log.push("a1 start");
      await a1.promise;
      log.push("a1 end");
      return 1;
    });
    const second = q.run("a", async () => {
      log.push("a2");
      return 2;
    });
    const other = q.run("b", async () => {
      log.push("b1");
      return 3;
    });
    await other;
    // b ran while a1 was still waiting; a2 waits for a1.
    expect(log).toEqual(["a1 start", "b1"]);
    a1.open();
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(log).toEqual(["a1 start", "b1", "a1 end", "a2"]);
  });

  it("a failed operation rejects its own caller only, and the next one still runs", async () => {
    const q = new KeyedQueue();
    const g = gate();
    const failing = q.run("a", async () => {
      await g.promise;
      throw new Error("boom");
    });
    const next = q.run("a", async () => "ran");
    g.open();
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
  });

  it("forgets a key once its work is done", async () => {
    const q = new KeyedQueue();
    await q.run("a", async () => undefined);
    await new Promise((r) => setImmediate(r));
    expect((q as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });
});
