// The per-host pass runner: one pass at a time, bursts coalesced, a full pass never lost.
import { describe, expect, it } from "vitest";
import { SerialRunner, type PassKind } from "../../../src/realise/serial";

function recorder(passMs = 5) {
  const passes: PassKind[] = [];
  let running = 0;
  let maxRunning = 0;
  const runner = new SerialRunner(async (kind) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    passes.push(kind);
    await new Promise((r) => setTimeout(r, passMs));
    running--;
  }, 2);
  return { runner, passes, maxRunning: () => maxRunning };
}

describe("SerialRunner", () => {
  it("turns a burst into one pass", async () => {
    const { runner, passes } = recorder();
    for (let i = 0; i < 10; i++) runner.request("incremental");
    await runner.idle();
    expect(passes).toEqual(["incremental"]);
  });

  it("runs one pass at a time and follows asks made during a pass with exactly one more", async () => {
    const { runner, passes, maxRunning } = recorder(20);
    runner.request("incremental");
    await new Promise((r) => setTimeout(r, 8)); // the first pass is running now
    runner.request("incremental");
    runner.request("full");
    runner.request("incremental");
    await runner.idle();
    expect(maxRunning()).toBe(1);
    // The full ask survives the incremental asks after it.
    expect(passes).toEqual(["incremental", "full"]);
  });

  it("survives a failing pass and serves later asks", async () => {
    let calls = 0;
    const runner = new SerialRunner(async () => {
      calls++;
      if (calls === 1) throw new Error("boom");
    }, 0);
    runner.request("full");
    await runner.idle();
    runner.request("full");
    await runner.idle();
    expect(calls).toBe(2);
  });

  it("does nothing once closed", async () => {
    const { runner, passes } = recorder();
    runner.close();
    runner.request("full");
    await runner.idle();
    expect(passes).toEqual([]);
    expect(runner.busy).toBe(false);
  });
});
