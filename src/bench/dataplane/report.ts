// Renders a run record as the files of its results directory: summary and sample CSVs, a
// Markdown and an HTML report, and SVG plots (grouped bars per metric, latency CDFs per
// scenario). Pure: record in, { path: content } out; the runner writes them.

import { PALETTE, cdfSvg, type BarValue, escapeXml, formatNumber, groupedBarsSvg } from "../../report/svg";
import { cdf } from "./stats";
import { BACKENDS, BACKEND_INFO, METRICS, metricInfo, type BackendId, type CaseRecord, type MetricId, type RunRecord } from "./types";

/** Metrics drawn as bar charts (the counts go in a table instead). */
export const PLOTTED_METRICS: MetricId[] = ["tcp1_gbps", "tcpN_gbps", "udp_kpps", "ping_p50_ms", "ping_p99_ms", "rr_p50_us", "rr_p99_us", "first_ms", "cpu_s_per_gbit"];
const COUNT_METRICS: MetricId[] = ["of_flows", "dp_flows", "fdb_entries", "nft_rules"];

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : "";
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvRow(cells: (string | number | undefined)[]): string {
  return cells.map(csvCell).join(",");
}

/** One row per case and metric: median and spread. */
export function summaryCsv(run: RunRecord): string {
  const rows = [csvRow(["run", "scenario", "backend", "datapath", "vm", "metric", "unit", "n", "median", "min", "max", "p25", "p75", "status"])];
  for (const c of run.cases) {
    for (const m of METRICS) {
      const s = c.summary[m.id];
      if (!s || s.n === 0) continue;
      rows.push(csvRow([run.id, c.scenario, c.backend, c.datapath, c.vm, m.id, m.unit, s.n, s.median, s.min, s.max, s.p25, s.p75, c.status]));
    }
  }
  return rows.join("\n") + "\n";
}

/** One row per case, repeat and metric: every measured value. */
export function samplesCsv(run: RunRecord): string {
  const rows = [csvRow(["run", "scenario", "backend", "repeat", "metric", "value"])];
  for (const c of run.cases) {
    for (const r of c.repeats) {
      for (const m of METRICS) {
        const v = r.metrics[m.id];
        if (v !== undefined) rows.push(csvRow([run.id, c.scenario, c.backend, r.index, m.id, v]));
      }
    }
  }
  return rows.join("\n") + "\n";
}

function scenariosOf(run: RunRecord): string[] {
  return [...new Set(run.cases.map((c) => c.scenario))];
}

function backendsOf(run: RunRecord): BackendId[] {
  return [...new Set(run.cases.map((c) => c.backend))];
}

function caseOf(run: RunRecord, scenario: string, backend: BackendId): CaseRecord | undefined {
  return run.cases.find((c) => c.scenario === scenario && c.backend === backend);
}

/** One colour per backend, the same in every chart. */
export function backendColor(b: BackendId): string {
  return PALETTE[BACKENDS.indexOf(b) % PALETTE.length]!;
}

export interface Plot {
  /** File name under plots/. */
  file: string;
  title: string;
  svg: string;
}

export function plots(run: RunRecord): Plot[] {
  const scenarios = scenariosOf(run);
  const backends = backendsOf(run);
  const out: Plot[] = [];
  for (const id of PLOTTED_METRICS) {
    const info = metricInfo(id);
    const values = scenarios.map((s) =>
      backends.map((b): BarValue | string | null => {
        const c = caseOf(run, s, b);
        const sum = c?.summary[id];
        if (sum && sum.n > 0) return { value: sum.median, lo: sum.min, hi: sum.max };
        return c && metricFailed(c, id) ? "failed" : null;
      }),
    );
    const bars = values.flat().filter((v): v is BarValue => v !== null && typeof v !== "string");
    if (bars.length === 0) continue;
    // Throughput spans decades here (kernel ≈ 20 Gbit/s, OVS userspace ≈ 1): a log axis keeps both readable.
    const spread = bars.filter((v) => v.value > 0).map((v) => v.value);
    const log = spread.length > 1 && Math.max(...spread) / Math.min(...spread) > 30;
    const title = `${info.label} — median of repeats, whiskers min–max`;
    out.push({
      file: `bars-${id}.svg`,
      title: info.label,
      svg: groupedBarsSvg({ title, yLabel: `${info.unit} (${info.better} is better)`, groups: scenarios, series: backends.map((b) => BACKEND_INFO[b].label), values, log, colors: backends.map(backendColor) }),
    });
  }
  for (const s of scenarios) {
    for (const [key, label, unit] of [
      ["ping_ms", "ping round-trip time", "ms"],
      ["rr_us", "TCP request/response time", "µs"],
    ] as const) {
      const series = backends
        .map((b) => ({ name: BACKEND_INFO[b].label, color: backendColor(b), points: cdf(caseOf(run, s, b)?.samples[key] ?? []) }))
        .filter((x) => x.points.length > 0);
      if (series.length === 0) continue;
      out.push({ file: `cdf-${key.split("_")[0]}-${s}.svg`, title: `${s}: ${label} CDF`, svg: cdfSvg({ title: `${s}: ${label} (CDF)`, xLabel: unit, series }) });
    }
  }
  return out;
}

/** The measurement step whose errors explain a missing metric. */
function stepOf(id: MetricId): string {
  if (id === "cpu_s_per_gbit" || id === "tcp1_gbps") return "tcp1";
  if (id === "tcpN_gbps") return "tcpN";
  if (id === "udp_kpps") return "udp";
  if (id.startsWith("ping")) return "ping";
  if (id.startsWith("rr")) return "rr";
  if (id === "first_ms") return "first";
  return "flows";
}

/** A case measured nothing for this metric because its step failed (not because it does not apply). */
export function metricFailed(c: CaseRecord, id: MetricId): boolean {
  return c.status === "failed" || c.repeats.some((r) => r.errors.some((e) => e.startsWith(`${stepOf(id)}:`)));
}

function cell(c: CaseRecord | undefined, id: MetricId): string {
  if (!c) return "";
  if (c.status === "skipped") return "n/a";
  const s = c.summary[id];
  if (!s || s.n === 0) return metricFailed(c, id) ? "failed" : "–";
  if (s.n === 1 || s.min === s.max) return formatNumber(s.median);
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

interface Table {
  head: string[];
  rows: string[][];
}

function metricTable(run: RunRecord, id: MetricId): Table {
  const backends = backendsOf(run);
  return {
    head: ["scenario", ...backends.map((b) => BACKEND_INFO[b].label)],
    rows: scenariosOf(run).map((s) => [s, ...backends.map((b) => cell(caseOf(run, s, b), id))]),
  };
}

function countsTable(run: RunRecord): Table {
  return {
    head: ["scenario", "backend", ...COUNT_METRICS.map((m) => metricInfo(m).label)],
    rows: run.cases
      .filter((c) => c.status !== "skipped" && COUNT_METRICS.some((m) => c.summary[m]?.n))
      .map((c) => [c.scenario, BACKEND_INFO[c.backend].label, ...COUNT_METRICS.map((m) => (c.summary[m]?.n ? formatCount(c.summary[m]!.median) : "–"))]),
  };
}

/** Table sizes are whole numbers; a median of two may end in .5. */
function formatCount(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function mdTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [`| ${t.head.map(esc).join(" | ")} |`, `|${t.head.map(() => "---").join("|")}|`, ...t.rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

function htmlTable(t: Table): string {
  return `<table><thead><tr>${t.head.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function facts(run: RunRecord): [string, string][] {
  const m = run.machine;
  const o = run.options;
  return [
    ["run", run.id],
    ["status", run.status],
    ["started", run.startedAt],
    ["duration", run.durationS !== undefined ? `${run.durationS.toFixed(0)} s` : "running"],
    ["command", run.command],
    ["machine", `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, load at start ${m.loadAverage.map((x) => x.toFixed(2)).join(" ")}`],
    ["kernel", `${m.kernel} (${m.os}); OVS kernel datapath ${m.ovsKernelDatapath ? "available" : "absent: OVS runs its userspace datapath"}`],
    ["versions", Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(", ")],
    ["endpoints", o.vm === "netns" ? "network namespaces (veth into the host)" : "QEMU guests (libvirt)"],
    ["settings", `${o.repeats} repeats; iperf3 ${o.durationS} s; ${o.streams} streams; UDP payload ${o.udpLength} B; ${o.pingCount} pings every ${o.pingIntervalS * 1000} ms; ${o.rrCount} request/response transactions; ${o.firstPacketTries} cold first packets per repeat`],
  ];
}

function problems(run: RunRecord): string[] {
  const out: string[] = [];
  for (const c of run.cases) {
    if (c.status === "skipped") out.push(`${c.scenario} / ${BACKEND_INFO[c.backend].label}: not applicable — ${c.reason ?? ""}`);
    else if (c.status === "failed") out.push(`${c.scenario} / ${BACKEND_INFO[c.backend].label}: failed — ${c.reason ?? ""}`);
    else {
      const counts = new Map<string, number>();
      for (const e of c.repeats.flatMap((r) => [...new Set(r.errors)])) counts.set(e, (counts.get(e) ?? 0) + 1);
      for (const [e, k] of counts) out.push(`${c.scenario} / ${BACKEND_INFO[c.backend].label}: ${e} (${k} of ${c.repeats.length} repeats)`);
    }
  }
  return out;
}

function datapaths(run: RunRecord): Table {
  return {
    head: ["scenario", "backend", "datapath the figures come from", "status"],
    rows: run.cases.filter((c) => c.status !== "skipped").map((c) => [c.scenario, BACKEND_INFO[c.backend].label, c.datapath, c.status]),
  };
}

export function markdownReport(run: RunRecord, plotDir = "plots"): string {
  const lines: string[] = [`# Data-plane benchmark ${run.id}`, ""];
  for (const [k, v] of facts(run)) lines.push(`- **${k}**: ${v}`);
  lines.push("", "Each cell: median of the repeats, with (min–max). `n/a`: the backend cannot run that scenario; `–`: not measured.", "");
  lines.push("## Where each figure comes from", "", mdTable(datapaths(run)), "");
  const plotFiles = new Set(plots(run).map((p) => p.file));
  for (const id of PLOTTED_METRICS) {
    const info = metricInfo(id);
    const t = metricTable(run, id);
    if (t.rows.every((r) => r.slice(1).every((c) => c === "–" || c === "n/a" || c === "" || c === "failed"))) continue;
    lines.push(`## ${info.label} (${info.unit}, ${info.better} is better)`, "", mdTable(t), "");
    if (plotFiles.has(`bars-${id}.svg`)) lines.push(`![${info.label}](${plotDir}/bars-${id}.svg)`, "");
  }
  const cdfs = plots(run).filter((p) => p.file.startsWith("cdf-"));
  if (cdfs.length) {
    lines.push("## Latency CDFs", "");
    for (const p of cdfs) lines.push(`![${p.title}](${plotDir}/${p.file})`, "");
  }
  const counts = countsTable(run);
  if (counts.rows.length) lines.push("## Table sizes after the traffic", "", mdTable(counts), "");
  const probs = problems(run);
  if (probs.length) lines.push("## Not measured, failed, or with errors", "", ...probs.map((p) => `- ${p}`), "");
  if (run.notes.length) lines.push("## Notes", "", ...run.notes.map((n) => `- ${n}`), "");
  return lines.join("\n");
}

export function htmlReport(run: RunRecord): string {
  const all = plots(run);
  const byFile = new Map(all.map((p) => [p.file, p]));
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vnet data-plane benchmark ${escapeXml(run.id)}</title>`);
  parts.push(
    `<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-variant-numeric:tabular-nums;white-space:nowrap}th{background:#f4f4f4}dt{font-weight:600}dd{margin:0 0 .4em 1em}svg{max-width:100%;height:auto}</style></head><body>`,
  );
  parts.push(`<h1>Data-plane benchmark ${escapeXml(run.id)}</h1><dl>${facts(run).map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join("")}</dl>`);
  parts.push(`<p>Each cell: median of the repeats, with (min–max). n/a: the backend cannot run that scenario; –: not measured.</p>`);
  parts.push(`<h2>Where each figure comes from</h2>${htmlTable(datapaths(run))}`);
  for (const id of PLOTTED_METRICS) {
    const info = metricInfo(id);
    const p = byFile.get(`bars-${id}.svg`);
    if (!p) continue;
    parts.push(`<h2>${escapeXml(`${info.label} (${info.unit}, ${info.better} is better)`)}</h2>${htmlTable(metricTable(run, id))}${p.svg}`);
  }
  const cdfs = all.filter((p) => p.file.startsWith("cdf-"));
  if (cdfs.length) parts.push(`<h2>Latency CDFs</h2>${cdfs.map((p) => p.svg).join("\n")}`);
  const counts = countsTable(run);
  if (counts.rows.length) parts.push(`<h2>Table sizes after the traffic</h2>${htmlTable(counts)}`);
  const probs = problems(run);
  if (probs.length) parts.push(`<h2>Not measured, failed, or with errors</h2><ul>${probs.map((p) => `<li>${escapeXml(p)}</li>`).join("")}</ul>`);
  if (run.notes.length) parts.push(`<h2>Notes</h2><ul>${run.notes.map((n) => `<li>${escapeXml(n)}</li>`).join("")}</ul>`);
  parts.push(`</body></html>`);
  return parts.join("\n");
}

/** Every file of a results directory except run.json, by path relative to it. */
export function renderFiles(run: RunRecord): Record<string, string> {
  const files: Record<string, string> = {
    "summary.csv": summaryCsv(run),
    "samples.csv": samplesCsv(run),
    "report.md": markdownReport(run),
    "report.html": htmlReport(run),
  };
  for (const p of plots(run)) files[`plots/${p.file}`] = p.svg;
  return files;
}
