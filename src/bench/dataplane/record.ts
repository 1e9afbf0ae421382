// Building the run record: per-case summaries recomputed from the repeats, samples pooled and
// thinned for the CDFs. Pure.

import { summarize, thin } from "./stats";
import { METRIC_IDS, type CaseRecord, type MetricId, type RepeatRecord } from "./types";

/** Latency samples kept per case (pooled over repeats) for CDFs: enough for p99, small on disk. */
export const MAX_SAMPLES = 2000;

export function summarizeRepeats(repeats: readonly RepeatRecord[]): CaseRecord["summary"] {
  const out: CaseRecord["summary"] = {};
  for (const id of METRIC_IDS) {
    const values = repeats.map((r) => r.metrics[id]).filter((v): v is number => v !== undefined);
    if (values.length) out[id as MetricId] = summarize(values);
  }
  return out;
}

/**
 * Adds a repeat's record and samples to a case, recomputing its summary and status. Samples are
 * pooled whole; `finishCase` thins them once, so every repeat weighs the same in the CDF.
 */
export function addRepeat(c: CaseRecord, repeat: RepeatRecord, samples: { ping_ms: number[]; rr_us: number[] }): CaseRecord {
  const repeats = [...c.repeats, repeat];
  const pool = (old: number[], add: number[]) => [...old, ...add];
  const measured = repeats.some((r) => Object.keys(r.metrics).length > 0);
  const clean = repeats.every((r) => r.errors.length === 0);
  return {
    ...c,
    repeats,
    summary: summarizeRepeats(repeats),
    samples: { ping_ms: pool(c.samples.ping_ms, samples.ping_ms), rr_us: pool(c.samples.rr_us, samples.rr_us) },
    status: !measured ? "failed" : clean ? "ok" : "partial",
    ...(!measured && !c.reason ? { reason: repeat.errors[0] ?? "nothing measured" } : {}),
  };
}

/** A case as it is stored: latency samples thinned to MAX_SAMPLES each. */
export function finishCase(c: CaseRecord): CaseRecord {
  return { ...c, samples: { ping_ms: thin(c.samples.ping_ms, MAX_SAMPLES), rr_us: thin(c.samples.rr_us, MAX_SAMPLES) } };
}

/** Notes a run's results call for (added to the report when the run ends). */
export function derivedNotes(cases: readonly CaseRecord[]): string[] {
  const notes: string[] = [];
  const tso = cases.filter((c) => c.backend === "ovs-tso" && c.status !== "skipped");
  const tsoTunnel = tso.filter((c) => c.scenarioKind === "cross-host");
  const tunnelBroken = tsoTunnel.filter((c) => c.repeats.some((r) => r.errors.some((e) => /^(tcp1|tcpN|rr):/.test(e))) || c.status === "failed");
  const worked = tso.filter((c) => c.scenarioKind !== "cross-host" && c.summary.tcp1_gbps?.n).map((c) => c.scenario);
  if (worked.length) notes.push(`OVS userspace TSO (other_config:userspace-tso-enable=true) worked in: ${worked.join(", ")}.`);
  if (tunnelBroken.length) {
    notes.push("OVS userspace TSO does not work across the VXLAN tunnel here (Open vSwitch 3.1): ping passes but TCP cannot even connect, so the cross-host TSO figures are missing, not zero.");
  } else if (tsoTunnel.some((c) => c.summary.tcp1_gbps?.n)) {
    notes.push("OVS userspace TSO carried TCP across the VXLAN tunnel in this run.");
  }
  return notes;
}
