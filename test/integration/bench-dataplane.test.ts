// `vnet bench dataplane` end to end on a tiny subset: one scenario, two backends (Linux bridge and
// OVS NORMAL), one repeat, 1 s iperf3. Real labs, real iperf3 and ping between namespaces; proves
// that the results directory is complete and readable, and that nothing is left behind, also
// when a run is interrupted. The figures are printed, never asserted against a clock.

import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { runBench } from "../../src/bench/dataplane/runner";
import { listRuns, readRun } from "../../src/bench/dataplane/results";
import { QUICK_DEFAULTS, type BenchOptions } from "../../src/bench/dataplane/types";
import { tryRun } from "../../src/lab/exec";
import { setLogLevel } from "../../src/log";

setLogLevel("silent");

const dataDir = mkdtempSync(join(tmpdir(), "bn-int-"));
const prefix = `bn${randomBytes(2).toString("hex").replace(/^[0-9]/, "a").slice(0, 3)}`;
const tiny: BenchOptions = {
  ...QUICK_DEFAULTS,
  scenarios: ["same-host"],
  backends: ["linux-bridge", "ovs-normal"],
  repeats: 1,
  durationS: 1,
  pingCount: 20,
  rrCount: 200,
  firstPacketTries: 1,
};

async function leftovers(): Promise<string[]> {
  const ns = (await tryRun(["ip", "netns", "list"])).stdout.split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(`lb-${prefix}`));
  const links = (await tryRun(["ip", "-o", "link", "show"])).stdout.split("\n").filter((l) => l.includes(`lb-${prefix}`));
  const procs = (await tryRun(["pgrep", "-af", `/run/vnet-lab/${prefix}`])).stdout.split("\n").filter(Boolean);
  return [...ns, ...links, ...procs];
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("vnet bench dataplane (tiny subset)", () => {
  it("measures both backends and writes a complete, readable results directory", async () => {
    const lines: string[] = [];
    const { run, dir } = await runBench({ options: tiny, dataDir, labPrefix: prefix, command: "test", progress: (l) => lines.push(l) });
    console.log(lines.join("\n"));
    expect(run.status).toBe("done");
    expect(run.cases.map((c) => [c.backend, c.status])).toEqual([
      ["linux-bridge", "ok"],
      ["ovs-normal", "ok"],
    ]);
    for (const c of run.cases) {
      for (const m of ["tcp1_gbps", "tcpN_gbps", "udp_kpps", "ping_p50_ms", "ping_p99_ms", "rr_p50_us", "first_ms", "cpu_s_per_gbit"] as const) {
        expect(c.summary[m]?.median, `${c.backend} ${m}`).toBeGreaterThan(0);
      }
      expect(c.samples.ping_ms.length).toBeGreaterThanOrEqual(15);
      expect(c.samples.rr_us).toHaveLength(200);
      expect(c.summary.ping_p99_ms!.median).toBeGreaterThanOrEqual(c.summary.ping_p50_ms!.median);
    }
    const [bridge, ovs] = run.cases;
    // The table sizes are those of the backend: learned MACs in the bridge, NORMAL's one flow.
    expect(bridge!.summary.fdb_entries?.median).toBeGreaterThanOrEqual(2);
    expect(ovs!.summary.of_flows?.median).toBe(1);
    expect(ovs!.datapath).toContain("OVS userspace");
    // Every step printed one progress line with an ETA.
    expect(lines.filter((l) => / · (tcp1|tcpN|udp|ping|rr|flows|first): .*ETA /.test(l))).toHaveLength(14);
    // The results directory holds everything the report and the dashboard read.
    for (const f of ["run.json", "summary.csv", "samples.csv", "report.md", "report.html", "plots/bars-tcp1_gbps.svg", "plots/cdf-ping-same-host.svg"]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readRun(dataDir, run.id)).toEqual(run);
    expect(listRuns(dataDir).map((r) => r.id)).toContain(run.id);
    expect(readFileSync(join(dir, "summary.csv"), "utf8")).toMatch(/same-host,ovs-normal,.*,tcp1_gbps,Gbit\/s,1,/);
    expect(await leftovers()).toEqual([]);
  }, 60_000);

  it("an interrupted run stops, records what it had and removes its lab", async () => {
    const abort = new AbortController();
    const { run } = await runBench({
      options: { ...tiny, backends: ["ovs-normal"] },
      dataDir,
      labPrefix: prefix,
      command: "test",
      signal: abort.signal,
      progress: (_l, e) => {
        if (e.kind === "tcp1") abort.abort();
      },
    });
    expect(run.status).toBe("interrupted");
    expect(readRun(dataDir, run.id)!.status).toBe("interrupted");
    expect(await leftovers()).toEqual([]);
  }, 30_000);

  it("the command refuses what it cannot do, before building anything", async () => {
    const vnet = join(process.cwd(), "bin", "vnet");
    const libvirt = await tryRun([vnet, "bench", "dataplane", "--vm", "libvirt", "--data-dir", dataDir]);
    expect(libvirt.code).toBe(1);
    expect(libvirt.stderr).toContain("not available yet: --vm libvirt");
    const bad = await tryRun([vnet, "bench", "dataplane", "--backends", "ovs,bridge", "--data-dir", dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown backend "ovs"');
    expect(listRuns(dataDir)).toHaveLength(2); // only the two runs above
  }, 30_000);
});
