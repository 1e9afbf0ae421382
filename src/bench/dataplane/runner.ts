// Runs a benchmark: for every case (scenario × backend) a lab of its own, the backend's topology,
// then every measurement `repeats` times; results are written after each case, so an interrupted
// run keeps what it measured. Progress: one line per step with the ETA. Cleans up on abort.

import { labUp, type Lab } from "../../lab/lab";
import { buildTopology } from "./backends";
import { describeMachine } from "./machine";
import { Servers, latencyMetrics, measureFirstPacket, measurePing, measureRr, measureTcp, measureUdp } from "./measure";
import { datapathOf, eta, formatDuration, planCases, planSteps, type PlannedCase, type Step } from "./plan";
import { addRepeat, derivedNotes, finishCase } from "./record";
import { newRunId, writeRun } from "./results";
import { formatNumber } from "../../report/svg";
import { median } from "./stats";
import type { Topology } from "./topology";
import { BACKEND_INFO, type BenchOptions, type CaseRecord, type MetricId, type RepeatRecord, type RunRecord } from "./types";

export interface ProgressEvent {
  type: "plan" | "step" | "case" | "done";
  step?: number;
  steps?: number;
  scenario?: string;
  backend?: string;
  kind?: string;
  repeat?: number;
  result?: string;
  error?: string;
  elapsedS?: number;
  etaS?: number;
  runId?: string;
  dir?: string;
}

export interface RunBenchOptions {
  options: BenchOptions;
  dataDir: string;
  /** Lab names are this prefix + the case number (base 36): at most 6 characters. */
  labPrefix: string;
  command: string;
  progress: (line: string, event: ProgressEvent) => void;
  signal?: AbortSignal;
  now?: () => Date;
}

export class BenchAborted extends Error {
  override name = "BenchAborted";
}

const NOTES = [
  "Figures taken on a shared machine are noisy: compare medians with their min–max spread, not single numbers.",
  "CPU per Gbit/s is the busy time of the whole machine (all cores, every process, including ovs-vswitchd) during the 1-stream TCP test, divided by the gigabits moved.",
  "First packet: learned state (FDB or MAC table, OVS megaflow cache, ARP caches) is flushed, then one ping: its RTT includes ARP resolution and any slow-path upcall.",
  "UDP small frames: iperf3 with unlimited rate; the figure is datagrams received per second, limited on this machine mostly by iperf3's own per-packet cost.",
];

function labName(prefix: string, index: number): string {
  return `${prefix}${index.toString(36).padStart(2, "0")}`;
}

export async function runBench(o: RunBenchOptions): Promise<{ run: RunRecord; dir: string }> {
  const now = o.now ?? (() => new Date());
  const opts = o.options;
  if (!/^[a-z][a-z0-9]{0,5}$/.test(o.labPrefix)) throw new Error(`bad lab name prefix "${o.labPrefix}": a lowercase letter and up to 5 lowercase letters or digits`);
  const cases = planCases(opts);
  const steps = planSteps(cases, opts);
  const started = now();
  const machine = await describeMachine();
  const run: RunRecord = {
    schema: 1,
    id: newRunId(started),
    startedAt: started.toISOString(),
    status: "running",
    command: o.command,
    options: opts,
    machine,
    cases: [],
    notes: [
      ...(machine.ovsKernelDatapath
        ? []
        : ["This kernel has no openvswitch module: every OVS figure here comes from OVS's userspace datapath (netdev, AF_PACKET sockets), which is an order of magnitude slower than the kernel datapath most deployments use. The Linux bridge figures come from the kernel."]),
      ...NOTES,
    ],
  };
  const t0 = performance.now();
  let done = 0;
  const elapsed = () => (performance.now() - t0) / 1000;
  const say = (step: Step, c: PlannedCase, result: string, error?: string) => {
    done++;
    const etaS = eta(steps, done, elapsed());
    const where = `${c.scenario.id} · ${BACKEND_INFO[c.backend].label}${step.repeat !== undefined ? ` · repeat ${step.repeat + 1}/${opts.repeats}` : ""}`;
    const line = `[${String(done).padStart(String(steps.length).length)}/${steps.length}] ${where} · ${step.kind}: ${error ? `ERROR ${error}` : result}  (${formatDuration(elapsed())} elapsed, ETA ${formatDuration(etaS)})`;
    o.progress(line, { type: "step", step: done, steps: steps.length, scenario: c.scenario.id, backend: c.backend, kind: step.kind, ...(step.repeat !== undefined ? { repeat: step.repeat } : {}), result, ...(error ? { error } : {}), elapsedS: elapsed(), etaS });
  };
  const skipped = cases.filter((c) => c.skip).length;
  o.progress(`run ${run.id}: ${cases.length - skipped} cases (${skipped} not applicable), ${steps.length} steps, about ${formatDuration(eta(steps, 0, 0))}`, { type: "plan", steps: steps.length, runId: run.id, etaS: eta(steps, 0, 0) });
  let dir = writeRun(o.dataDir, run);
  // The previous case's lab is removed while the next one is built (never while it measures).
  let previousTeardown: Promise<void> = Promise.resolve();
  try {
    for (const [index, c] of cases.entries()) {
      if (o.signal?.aborted) throw new BenchAborted("interrupted");
      const record: CaseRecord = {
        scenario: c.scenario.id,
        scenarioKind: c.scenario.kind,
        pairs: c.scenario.pairs,
        backend: c.backend,
        datapath: datapathOf(c.scenario, c.backend, opts.guestKernel),
        vm: opts.vm,
        status: c.skip ? "skipped" : "failed",
        ...(c.skip ? { reason: c.skip } : {}),
        repeats: [],
        summary: {},
        samples: { ping_ms: [], rr_us: [] },
      };
      if (c.skip) {
        run.cases.push(record);
        continue;
      }
      const caseSteps = steps.filter((s) => s.caseIndex === index);
      const result = await runCase(o, c, labName(o.labPrefix, index), record, caseSteps, say, previousTeardown);
      previousTeardown = result.teardown;
      run.cases.push(result.record);
      dir = writeRun(o.dataDir, run);
      const s = run.cases[run.cases.length - 1]!;
      o.progress(`  ${c.scenario.id} · ${BACKEND_INFO[c.backend].label}: ${s.status}${s.reason ? ` (${s.reason})` : ""}`, { type: "case", scenario: c.scenario.id, backend: c.backend, result: s.status });
    }
    run.status = "done";
  } catch (err) {
    run.status = err instanceof BenchAborted || o.signal?.aborted ? "interrupted" : "failed";
    if (run.status === "failed") run.notes.push(`run failed: ${(err as Error).message}`);
  } finally {
    await previousTeardown;
    run.notes.push(...derivedNotes(run.cases));
    run.finishedAt = now().toISOString();
    run.durationS = elapsed();
    dir = writeRun(o.dataDir, run);
    o.progress(`run ${run.id} ${run.status} in ${formatDuration(run.durationS)}: ${dir}`, { type: "done", runId: run.id, dir, elapsedS: run.durationS });
  }
  return { run, dir };
}

type Say = (step: Step, c: PlannedCase, result: string, error?: string) => void;

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 300);
}

/** Errors after which the other TCP-based steps of the repeat cannot work either. */
const NO_TCP = /unable to connect to server: Connection timed out|request\/response probe: timed out/;
const TCP_STEPS = new Set<Step["kind"]>(["tcp1", "tcpN", "udp", "rr"]);

async function runCase(
  o: RunBenchOptions,
  c: PlannedCase,
  name: string,
  record: CaseRecord,
  steps: Step[],
  say: Say,
  previousTeardown: Promise<void>,
): Promise<{ record: CaseRecord; teardown: Promise<void> }> {
  const opts = o.options;
  const family = BACKEND_INFO[c.backend].family;
  let lab: Lab | null = null;
  let topo: Topology | null = null;
  let servers: Servers | null = null;
  const setup = steps.find((s) => s.kind === "setup")!;
  const teardownStep = steps.find((s) => s.kind === "teardown")!;
  const skipRest = (from: number) => {
    for (const s of steps.slice(from)) if (s.kind !== "teardown") say(s, c, "skipped");
  };
  const teardown = async (): Promise<void> => {
    await servers?.stop().catch(() => undefined);
    await topo?.close().catch(() => undefined);
    await lab?.down().catch(() => undefined);
    say(teardownStep, c, "lab removed");
  };
  try {
    const t = performance.now();
    try {
      lab = await labUp({ name, hosts: c.scenario.kind === "cross-host" ? 2 : 1, underlay: family === "ovs" ? "ovs" : "kernel", temporary: true });
      topo = await buildTopology(c.backend, { lab, scenario: c.scenario, log: () => undefined });
      servers = await Servers.start(topo.pairs);
      record.setupSeconds = (performance.now() - t) / 1000;
      say(setup, c, `lab ${name} and ${topo.pairs.length} pair(s) ready in ${record.setupSeconds.toFixed(1)} s`);
    } catch (err) {
      record.status = "failed";
      record.reason = `setup: ${message(err)}`;
      say(setup, c, "", record.reason);
      skipRest(1);
      return { record, teardown: previousTeardown.then(teardown) };
    } finally {
      await previousTeardown;
    }
    for (let r = 0; r < opts.repeats; r++) {
      const metrics: Partial<Record<MetricId, number>> = {};
      const errors: string[] = [];
      let ping: number[] = [];
      let rr: number[] = [];
      let noTcp: string | null = null;
      for (const step of steps.filter((s) => s.repeat === r)) {
        if (o.signal?.aborted) throw new BenchAborted("interrupted");
        if (noTcp && TCP_STEPS.has(step.kind)) {
          // Each would wait for its own connect timeout and fail the same way.
          errors.push(`${step.kind}: not run, TCP could not connect (${noTcp})`);
          say(step, c, "", "not run: TCP could not connect");
          continue;
        }
        try {
          const result = await measureStep(step.kind, topo, opts, metrics, (p, q) => {
            ping = p ?? ping;
            rr = q ?? rr;
          });
          say(step, c, result);
        } catch (err) {
          if (err instanceof BenchAborted) throw err;
          const e = `${step.kind}: ${message(err)}`;
          errors.push(e);
          if (TCP_STEPS.has(step.kind) && NO_TCP.test(e)) noTcp = step.kind;
          say(step, c, "", message(err));
        }
      }
      Object.assign(metrics, latencyMetrics(ping, rr));
      const rep: RepeatRecord = { index: r, metrics, errors };
      Object.assign(record, addRepeat(record, rep, { ping_ms: ping, rr_us: rr }));
    }
    return { record: finishCase(record), teardown: teardown() };
  } catch (err) {
    // Interrupted mid-case: remove its lab before the run ends.
    await teardown();
    throw err;
  }
}

async function measureStep(
  kind: Step["kind"],
  topo: Topology,
  opts: BenchOptions,
  metrics: Partial<Record<MetricId, number>>,
  keep: (ping?: number[], rr?: number[]) => void,
): Promise<string> {
  switch (kind) {
    case "tcp1": {
      const r = await measureTcp(topo.pairs, 1, opts.durationS);
      metrics.tcp1_gbps = r.gbps;
      metrics.cpu_s_per_gbit = r.cpuSecondsPerGbit;
      return `${formatNumber(r.gbps)} Gbit/s, ${formatNumber(r.cpuSecondsPerGbit)} CPU·s/Gbit`;
    }
    case "tcpN": {
      const r = await measureTcp(topo.pairs, opts.streams, opts.durationS);
      metrics.tcpN_gbps = r.gbps;
      return `${formatNumber(r.gbps)} Gbit/s with ${opts.streams} streams per pair`;
    }
    case "udp": {
      const kpps = await measureUdp(topo.pairs, opts.udpLength, opts.durationS);
      metrics.udp_kpps = kpps;
      return `${formatNumber(kpps)} kpps received`;
    }
    case "ping": {
      const rtts = await measurePing(topo.pairs, opts.pingCount, opts.pingIntervalS);
      keep(rtts, undefined);
      const m = latencyMetrics(rtts, []);
      return `p50 ${formatNumber(m.ping_p50_ms!)} ms, p99 ${formatNumber(m.ping_p99_ms!)} ms (${rtts.length} replies)`;
    }
    case "rr": {
      const us = await measureRr(topo.pairs, opts.rrCount);
      keep(undefined, us);
      const m = latencyMetrics([], us);
      return `p50 ${formatNumber(m.rr_p50_us!)} µs, p99 ${formatNumber(m.rr_p99_us!)} µs`;
    }
    case "first": {
      const ms = await measureFirstPacket(topo, opts.firstPacketTries);
      metrics.first_ms = median(ms);
      return `${ms.map((x) => formatNumber(x)).join(", ")} ms`;
    }
    case "flows": {
      const t = await topo.tables();
      Object.assign(metrics, t);
      const parts = Object.entries(t).map(([k, v]) => `${k} ${v}`);
      return parts.length ? parts.join(", ") : "no tables (no switch)";
    }
    case "setup":
    case "teardown":
      return "";
  }
}
