// What a run will do, decided before anything is built: the cases (scenario × backend, with the
// reason a pair does not apply), the steps with their expected durations, and the ETA while it
// runs. Pure, so the CLI can print the plan and the tests can check it.

import {
  BACKENDS,
  BACKEND_INFO,
  FULL_DEFAULTS,
  QUICK_DEFAULTS,
  SCENARIO_KINDS,
  type BackendId,
  type BenchOptions,
  type Scenario,
  type ScenarioKind,
} from "./types";

export class BenchOptionError extends Error {
  override name = "BenchOptionError";
}

export const MAX_PAIRS = 8;

export function expandScenarios(o: Pick<BenchOptions, "scenarios" | "pairs">): Scenario[] {
  const out: Scenario[] = [];
  for (const kind of o.scenarios) {
    if (kind === "pairs") for (const n of o.pairs) out.push({ kind, id: `pairs-${n}`, pairs: n });
    else out.push({ kind, id: kind, pairs: 1 });
  }
  return out;
}

/** Why a backend cannot run a scenario, or null if it can. */
export function notApplicable(scenario: Scenario, backend: BackendId): string | null {
  if (backend === "veth" && (scenario.kind === "cross-host" || scenario.kind === "provider")) {
    return "a bare veth pair joins two namespaces on one host: there is no switch to tunnel or bridge an uplink";
  }
  return null;
}

/** Which datapath a case's figures come from (the report says it next to every number). */
export function datapathOf(scenario: Scenario, backend: BackendId, guestKernel = false): string {
  const where = guestKernel ? "guest kernel" : "this kernel";
  const tunnel = scenario.kind === "cross-host";
  switch (BACKEND_INFO[backend].family) {
    case "none":
      return `${where}: veth`;
    case "kernel":
      return `${where}: Linux bridge${backend === "vnet-kernel" ? " + nftables" : ""}${tunnel ? " + kernel VXLAN" : ""}`;
    case "ovs":
      return `OVS userspace (netdev, AF_PACKET)${backend === "ovs-tso" ? " + userspace TSO" : ""}${tunnel ? " + userspace VXLAN" : ""}`;
  }
}

export interface PlannedCase {
  scenario: Scenario;
  backend: BackendId;
  skip: string | null;
}

export function planCases(o: BenchOptions): PlannedCase[] {
  const out: PlannedCase[] = [];
  for (const scenario of expandScenarios(o)) {
    for (const backend of o.backends) out.push({ scenario, backend, skip: notApplicable(scenario, backend) });
  }
  return out;
}

export const MEASURE_STEPS = ["tcp1", "tcpN", "udp", "ping", "rr", "flows", "first"] as const;
export type MeasureStep = (typeof MEASURE_STEPS)[number];

export interface Step {
  caseIndex: number;
  kind: "setup" | MeasureStep | "teardown";
  repeat?: number;
  /** Expected seconds (used for the ETA; corrected by how fast steps actually go). */
  estimateS: number;
}

/** Expected seconds per step, calibrated on this 2-core machine (a quick run: about 6 s per case). */
export function stepEstimate(kind: Step["kind"], o: BenchOptions, backend: BackendId, pairs: number): number {
  const ovs = BACKEND_INFO[backend].family === "ovs";
  const iperf = o.durationS + (ovs ? 0.3 : 0.15) + (pairs > 1 && ovs ? 0.3 : 0);
  switch (kind) {
    case "setup":
      return (backend === "ovs-vnet" ? 1.2 : backend === "vnet-kernel" ? 2 : 0.5) + (ovs ? 0.5 : 0.2) * pairs;
    case "tcp1":
    case "tcpN":
    case "udp":
      return iperf;
    case "ping":
      return o.pingCount * o.pingIntervalS + 0.1;
    case "rr":
      return 0.2 + o.rrCount * (ovs ? 0.0003 : 0.0001);
    case "first":
      return o.firstPacketTries * 0.15;
    case "flows":
      return 0.1;
    case "teardown":
      // Overlaps the next case's set-up (runner.ts): only part of it adds to the run.
      return 0.3;
  }
}

export function planSteps(cases: readonly PlannedCase[], o: BenchOptions): Step[] {
  const steps: Step[] = [];
  cases.forEach((c, caseIndex) => {
    if (c.skip) return;
    const est = (kind: Step["kind"]) => stepEstimate(kind, o, c.backend, c.scenario.pairs);
    steps.push({ caseIndex, kind: "setup", estimateS: est("setup") });
    for (let r = 0; r < o.repeats; r++) {
      for (const kind of MEASURE_STEPS) steps.push({ caseIndex, kind, repeat: r, estimateS: est(kind) });
    }
    steps.push({ caseIndex, kind: "teardown", estimateS: est("teardown") });
  });
  return steps;
}

/**
 * Seconds left: the remaining estimates, scaled by how the finished steps compared with theirs
 * (clamped, so one slow set-up does not triple the ETA).
 */
export function eta(steps: readonly Step[], done: number, elapsedS: number): number {
  const estDone = steps.slice(0, done).reduce((a, s) => a + s.estimateS, 0);
  const estLeft = steps.slice(done).reduce((a, s) => a + s.estimateS, 0);
  const ratio = done > 0 && estDone > 0 ? Math.min(3, Math.max(0.5, elapsedS / estDone)) : 1;
  return estLeft * ratio;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Raw command-line values (strings as commander gives them). */
export interface RawBenchFlags {
  quick?: boolean;
  scenarios?: string;
  backends?: string;
  pairs?: string;
  repeats?: string;
  duration?: string;
  streams?: string;
  vm?: string;
  guestKernel?: boolean;
}

function list<T extends string>(raw: string, allowed: readonly T[], what: string): T[] {
  const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BenchOptionError(`--${what} is empty`);
  for (const i of items) {
    if (!(allowed as readonly string[]).includes(i)) throw new BenchOptionError(`unknown ${what.replace(/s$/, "")} "${i}" (one of: ${allowed.join(", ")})`);
  }
  return [...new Set(items)] as T[];
}

function int(raw: string, what: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchOptionError(`--${what} must be an integer from ${min} to ${max}, not "${raw}"`);
  return n;
}

/** Turns command-line flags into options, refusing anything out of range with a clear message. */
export function resolveOptions(f: RawBenchFlags): BenchOptions {
  const base = f.quick ? QUICK_DEFAULTS : FULL_DEFAULTS;
  const o: BenchOptions = { ...base, scenarios: [...base.scenarios], backends: [...base.backends], pairs: [...base.pairs] };
  if (f.scenarios !== undefined) o.scenarios = list<ScenarioKind>(f.scenarios, SCENARIO_KINDS, "scenarios");
  if (f.backends !== undefined) o.backends = list<BackendId>(f.backends, BACKENDS, "backends");
  if (f.pairs !== undefined) o.pairs = [...new Set(f.pairs.split(",").map((p) => int(p.trim(), "pairs", 1, MAX_PAIRS)))];
  if (f.repeats !== undefined) o.repeats = int(f.repeats, "repeats", 1, 50);
  if (f.duration !== undefined) o.durationS = int(f.duration, "duration", 1, 60);
  if (f.streams !== undefined) o.streams = int(f.streams, "streams", 2, 16);
  if (f.vm !== undefined) {
    if (f.vm !== "netns" && f.vm !== "libvirt") throw new BenchOptionError(`--vm must be netns or libvirt, not "${f.vm}"`);
    o.vm = f.vm;
  }
  o.guestKernel = Boolean(f.guestKernel);
  return o;
}
