// A fleet of emulated switches connected to one controller, and the two measurements the
// benchmark makes with it: answers per second with every pipe full, and round-trip percentiles
// with one PACKET_IN in flight per switch.

import { EmulatedSwitch } from "./switch";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ThroughputResult {
  answersPerSec: number;
  answers: number;
  seconds: number;
  /** Windows refilled because the controller stopped answering (dropped PACKET_INs). */
  refills: number;
  /** CPU time the controller used per answer, when a CPU sampler was given. */
  cpuUsPerAnswer?: number;
}

export interface LatencyResult {
  samples: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
}

export class Fleet {
  readonly switches: EmulatedSwitch[];

  constructor(count: number, host: string, port: number, firstIndex = 0) {
    this.switches = Array.from({ length: count }, (_, i) => new EmulatedSwitch(firstIndex + i, host, port));
  }

  /** Connects all switches (in groups, so a listen backlog never overflows). */
  async connect(group = 100): Promise<void> {
    for (let i = 0; i < this.switches.length; i += group) {
      await Promise.all(this.switches.slice(i, i + group).map((s) => s.connect()));
    }
  }

  /**
   * Resolves when every switch answered FEATURES_REQUEST and no handshake message arrived for
   * `quietMs` (controllers differ in what they ask after FEATURES; waiting for quiet covers all).
   */
  async ready(quietMs = 300, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = performance.now();
      const closed = this.switches.find((s) => s.closed);
      if (closed) throw new Error(`switch ${closed.index} was disconnected during the handshake: ${closed.closeReason}`);
      const allFeatures = this.switches.every((s) => s.featuresAnswered);
      const lastSetup = Math.max(...this.switches.map((s) => s.lastSetupMessageAt));
      if (allFeatures && now - lastSetup >= quietMs) return;
      if (now > deadline) {
        const missing = this.switches.filter((s) => !s.featuresAnswered).length;
        throw new Error(`handshake not finished within ${timeoutMs} ms (${missing} switch(es) never got FEATURES_REQUEST)`);
      }
      await sleep(50);
    }
  }

  /** `cpuSeconds`, if given, reads the controller's CPU time, to report its cost per answer. */
  async throughput(durationMs: number, window: number, cpuSeconds?: () => number): Promise<ThroughputResult> {
    for (const s of this.switches) s.start("throughput", window);
    // Let the pipes fill before counting.
    await sleep(Math.min(200, durationMs / 5));
    for (const s of this.switches) s.answers = 0;
    const cpuStart = cpuSeconds?.();
    const started = performance.now();
    let refills = 0;
    const guard = setInterval(() => {
      const now = performance.now();
      for (const s of this.switches) if (s.unstick(now, 1000)) refills++;
    }, 100);
    await sleep(durationMs);
    const seconds = (performance.now() - started) / 1000;
    let answers = 0;
    for (const s of this.switches) answers += s.answers;
    const cpuUsPerAnswer = cpuStart !== undefined && answers > 0 ? ((cpuSeconds!() - cpuStart) * 1e6) / answers : undefined;
    clearInterval(guard);
    for (const s of this.switches) s.stop();
    this.assertConnected();
    await sleep(200); // drain what is still in flight before the next phase
    return { answersPerSec: answers / seconds, answers, seconds, refills, cpuUsPerAnswer };
  }

  async latency(durationMs: number): Promise<LatencyResult> {
    for (const s of this.switches) s.start("latency");
    // The first round trips warm the JIT of both sides: measure only after a short warm-up.
    await sleep(Math.min(300, durationMs / 5));
    for (const s of this.switches) s.latenciesUs.length = 0;
    await sleep(durationMs);
    for (const s of this.switches) s.stop();
    this.assertConnected();
    const all: number[] = [];
    for (const s of this.switches) for (const v of s.latenciesUs) all.push(v);
    all.sort((a, b) => a - b);
    await sleep(100);
    return { samples: all.length, p50Us: percentile(all, 0.5), p90Us: percentile(all, 0.9), p99Us: percentile(all, 0.99) };
  }

  close(): void {
    for (const s of this.switches) s.close();
  }

  private assertConnected(): void {
    const closed = this.switches.find((s) => s.closed);
    if (closed) throw new Error(`switch ${closed.index} was disconnected: ${closed.closeReason}`);
  }
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
