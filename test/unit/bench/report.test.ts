import { describe, expect, it } from "vitest";
import { htmlReport, markdownReport, plots, renderFiles, samplesCsv, summaryCsv } from "../../../src/bench/dataplane/report";
import { MAX_SAMPLES, addRepeat, derivedNotes, finishCase, summarizeRepeats } from "../../../src/bench/dataplane/record";
import { sampleRun } from "./fixture";

describe("run record", () => {
  it("summaries are medians with spread over the repeats that measured the metric", () => {
    const s = summarizeRepeats([
      { index: 0, metrics: { tcp1_gbps: 1 }, errors: [] },
      { index: 1, metrics: { tcp1_gbps: 3, udp_kpps: 5 }, errors: [] },
      { index: 2, metrics: { tcp1_gbps: 2 }, errors: ["udp: failed"] },
    ]);
    expect(s.tcp1_gbps).toMatchObject({ n: 3, median: 2, min: 1, max: 3 });
    expect(s.udp_kpps).toMatchObject({ n: 1, median: 5 });
    expect(s.ping_p50_ms).toBeUndefined();
  });

  it("a case is ok, partial (some errors) or failed (nothing measured)", () => {
    const run = sampleRun();
    expect(run.cases.map((c) => c.status)).toEqual(["ok", "ok", "ok", "partial", "skipped"]);
    const none = addRepeat(run.cases[0]!, { index: 9, metrics: {}, errors: ["x"] }, { ping_ms: [], rr_us: [] });
    expect(none.status).toBe("partial");
  });

  it("pools every repeat's latency samples, then thins them evenly to at most MAX_SAMPLES", () => {
    let c = sampleRun().cases[0]!;
    c = addRepeat(c, { index: 3, metrics: {}, errors: [] }, { ping_ms: Array.from({ length: 3000 }, () => 1), rr_us: [] });
    c = addRepeat(c, { index: 4, metrics: {}, errors: [] }, { ping_ms: Array.from({ length: 3000 }, () => 2), rr_us: [5] });
    expect(c.samples.ping_ms).toHaveLength(9 + 6000); // the fixture's 3 repeats × 3, then these two
    const done = finishCase(c);
    expect(done.samples.ping_ms).toHaveLength(MAX_SAMPLES);
    // Both big repeats keep (about) half of the samples each.
    expect(done.samples.ping_ms.filter((x) => x === 1).length).toBeGreaterThan(900);
    expect(done.samples.ping_ms.filter((x) => x === 2).length).toBeGreaterThan(900);
    expect(done.samples.rr_us).toEqual([5]);
  });

  it("notes where userspace TSO broke across the tunnel", () => {
    const run = sampleRun();
    const tso = run.cases.map((c) => ({ ...c, backend: "ovs-tso" as const }));
    expect(derivedNotes(tso).join("\n")).toMatch(/does not work across the VXLAN tunnel/);
    expect(derivedNotes(run.cases)).toEqual([]);
  });
});

describe("CSV", () => {
  it("one summary row per case and metric, quoted where needed", () => {
    const csv = summaryCsv(sampleRun()).trim().split("\n");
    expect(csv[0]).toBe("run,scenario,backend,datapath,vm,metric,unit,n,median,min,max,p25,p75,status");
    expect(csv).toContain('20261126-140000-abcd,same-host,ovs-normal,"OVS userspace (netdev, AF_PACKET)",netns,tcp1_gbps,Gbit/s,3,0.5,0.4,0.6,0.45,0.55,ok');
    expect(csv).toContain("20261126-140000-abcd,same-host,linux-bridge,this kernel: Linux bridge,netns,tcp1_gbps,Gbit/s,3,18,16,20,17,19,ok");
    // Nothing for the skipped case.
    expect(csv.some((l) => l.includes(",veth,"))).toBe(false);
  });

  it("one sample row per repeat and metric", () => {
    const rows = samplesCsv(sampleRun()).trim().split("\n");
    expect(rows[0]).toBe("run,scenario,backend,repeat,metric,value");
    expect(rows.filter((r) => r.includes("same-host,linux-bridge") && r.includes("tcp1_gbps")).map((r) => r.split(",").pop())).toEqual(["18", "16", "20"]);
  });
});

describe("reports and plots", () => {
  it("grouped bars per measured metric, CDFs per scenario with samples", () => {
    const files = plots(sampleRun()).map((p) => p.file);
    expect(files).toContain("bars-tcp1_gbps.svg");
    expect(files).toContain("bars-ping_p50_ms.svg");
    expect(files).not.toContain("bars-udp_kpps.svg");
    expect(files).toContain("cdf-ping-same-host.svg");
    expect(files).not.toContain("cdf-rr-same-host.svg");
  });

  it("bars carry their values; a failed cell is labelled, a skipped one n/a", () => {
    const bars = plots(sampleRun()).find((p) => p.file === "bars-tcp1_gbps.svg")!.svg;
    expect(bars).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(bars).toContain("same-host · Linux bridge: 18.0");
    expect(bars).toContain(">failed<");
    expect(bars).toContain(">n/a<");
    expect(bars).toContain("(log scale)"); // 20 vs 0.9 Gbit/s spans more than 30×
  });

  it("Markdown: facts, a table per metric with median (min–max), images, problems, escaped notes", () => {
    const md = markdownReport(sampleRun());
    expect(md).toContain("# Data-plane benchmark 20261126-140000-abcd");
    expect(md).toContain("OVS kernel datapath absent: OVS runs its userspace datapath");
    expect(md).toContain("| scenario | Linux bridge | OVS NORMAL | veth pair |"); // columns in the order the run measured them
    expect(md).toContain("| same-host | 18.0 (16.0–20.0) | 0.5 (0.4–0.6) |");
    // A metric whose step failed says so; one that cannot apply says n/a.
    expect(md).toContain("| cross-host | 3.00 | failed | n/a |");
    expect(md).toContain("![TCP, 1 stream](plots/bars-tcp1_gbps.svg)");
    expect(md).toContain("cross-host / OVS NORMAL: tcp1: iperf3: unable to connect to server: Connection timed out (1 of 1 repeats)");
    expect(md).toContain("cross-host / veth pair: not applicable — no switch");
  });

  it("HTML inlines the plots and escapes text", () => {
    const html = htmlReport(sampleRun());
    expect(html).toContain("<!doctype html>");
    expect(html).toContain("<svg");
    expect(html).toContain("a note, with &lt;angle&gt; &amp; ampersand");
    expect(html).not.toContain("<angle>");
  });

  it("renders every file of the results directory", () => {
    const keys = Object.keys(renderFiles(sampleRun()));
    expect(keys).toEqual(expect.arrayContaining(["summary.csv", "samples.csv", "report.md", "report.html", "plots/bars-tcp1_gbps.svg", "plots/cdf-ping-same-host.svg"]));
    expect(keys.every((k) => /^(summary\.csv|samples\.csv|report\.(md|html)|plots\/[a-z0-9_.-]+\.svg)$/.test(k))).toBe(true);
  });
});
