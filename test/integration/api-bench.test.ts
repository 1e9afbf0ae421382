// The benchmark routes against a real server and a real results directory, written by the
// bench's own writer (writeRun) from the unit tests' sample run.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRun } from "../../src/bench/dataplane/index";
import { serve } from "../../src/cli/commands/serve";
import { newId, newSecret } from "../../src/inventory/secrets";
import { sampleRun } from "../unit/bench/fixture";
import { seedTwoTenants, startFixture, type Fixture } from "../e2e/fixtures";

const OLD = "20261126-140000-abcd";
const NEW = "20261126-150000-beef";
const BROKEN = "20261126-160000-dead";

describe("API: benchmark runs", () => {
  let f: Fixture;
  let benchData: string;
  beforeAll(async () => {
    benchData = mkdtempSync(join(tmpdir(), `bp-api-${process.pid}-`));
    writeRun(benchData, sampleRun(OLD));
    writeRun(benchData, { ...sampleRun(NEW), status: "interrupted" });
    // A run whose record is damaged: skipped by the list, a 400 when asked for.
    mkdirSync(join(benchData, "bench", BROKEN), { recursive: true });
    writeFileSync(join(benchData, "bench", BROKEN, "run.json"), "{ not json");
    // A file next to the run that is not a plot: never served through the plot route.
    writeFileSync(join(benchData, "bench", OLD, "plots", "notes.txt"), "secret");
    f = await startFixture({ dataDir: benchData });
    await seedTwoTenants(f);
  });
  afterAll(async () => {
    await f?.close();
    rmSync(benchData, { recursive: true, force: true });
  });

  it("lists readable runs newest first, for admins and tenants alike", async () => {
    const r = await f.call("GET", "/api/bench/runs");
    expect(r.status).toBe(200);
    expect(r.body.map((x: any) => x.id)).toEqual([NEW, OLD]);
    expect(r.body[0]).toMatchObject({ status: "interrupted", quick: true, durationS: 120, cases: 5, failedCases: 0, machine: "2 × Test CPU, 6.1.0" });
    expect(r.body[1].scenarios).toEqual(["same-host", "cross-host"]);
    expect(r.body[1].backends).toEqual(["linux-bridge", "ovs-normal", "veth"]);
    const asTenant = await f.call("GET", "/api/bench/runs", undefined, f.tokenFor("red"));
    expect(asTenant.status).toBe(200);
    expect(asTenant.body).toEqual(r.body);
  });

  it("refuses callers without a token", async () => {
    const res = await fetch(`${f.server.url}/api/bench/runs`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("unauthorized");
    expect((await fetch(`${f.server.url}/api/bench/runs/${OLD}/plots/bars-tcp1_gbps.svg`)).status).toBe(401);
  });

  it("reads one run with its machine line and its plots, titled, each served as SVG", async () => {
    const r = await f.call("GET", `/api/bench/runs/${OLD}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: OLD, status: "done", command: "vnet bench dataplane --quick", machine: "2 × Test CPU, 6.1.0", loadAverage: [0.5, 0.4, 0.3] });
    const names = r.body.plots.map((p: any) => p.name);
    expect(names).toContain("bars-tcp1_gbps.svg");
    expect(names).not.toContain("notes.txt");
    // In the report's order, titled as the report titles them.
    expect(r.body.plots[0]).toEqual({ name: "bars-tcp1_gbps.svg", title: "TCP, 1 stream", url: `/api/bench/runs/${OLD}/plots/bars-tcp1_gbps.svg` });
    expect(names.indexOf("bars-ping_p50_ms.svg")).toBeLessThan(names.indexOf("cdf-ping-same-host.svg"));
    for (const p of r.body.plots) {
      const res = await fetch(f.server.url + p.url, { headers: { authorization: `Bearer ${f.adminToken}` } });
      expect(res.status, p.url).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
      const text = await res.text();
      expect(text.startsWith("<svg")).toBe(true);
    }
  });

  it("answers 404 for a run or plot that does not exist, 400 for a damaged or malformed run", async () => {
    const missing = await f.call("GET", "/api/bench/runs/20200101-000000-0000");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const damaged = await f.call("GET", `/api/bench/runs/${BROKEN}`);
    expect(damaged.status).toBe(400);
    expect(damaged.body.error.message).toMatch(/not JSON/);
    const malformed = await f.call("GET", "/api/bench/runs/latest");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("bad_request");
    expect((await f.call("GET", `/api/bench/runs/${OLD}/plots/bars-nothing.svg`)).status).toBe(404);
    expect((await f.call("GET", `/api/bench/runs/20200101-000000-0000/plots/bars-tcp1_gbps.svg`)).status).toBe(404);
  });

  it("serves only listed plots: no other file of the run and no path outside it", async () => {
    for (const path of [
      `/api/bench/runs/${OLD}/plots/notes.txt`,
      `/api/bench/runs/${OLD}/plots/..%2Frun.json`,
      `/api/bench/runs/${OLD}/plots/..%2F..%2F..%2Fvnet.sqlite`,
      `/api/bench/runs/${OLD}/plots/%2Fetc%2Fpasswd`,
      `/api/bench/runs/..%2F..%2Fbench/plots/bars-tcp1_gbps.svg`,
      `/api/bench/runs/${OLD}/plots/report.html`,
    ]) {
      const r = await f.call("GET", path);
      expect(r.status, path).toBe(404);
      expect(r.body.error.code, path).toBe("not_found");
      expect(JSON.stringify(r.body)).not.toMatch(/secret|root:/);
    }
  });

  it("has no runs on a server started without a data directory", async () => {
    const bare = await startFixture();
    try {
      const r = await bare.call("GET", "/api/bench/runs");
      expect(r.status).toBe(200);
      expect(r.body).toEqual([]);
      expect((await bare.call("GET", `/api/bench/runs/${OLD}`)).status).toBe(404);
      expect((await bare.call("GET", `/api/bench/runs/${OLD}/plots/bars-tcp1_gbps.svg`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it("reads the runs of `vnet serve`'s own data directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), `bp-serve-${process.pid}-`));
    writeRun(dir, sampleRun(OLD));
    const vnet = await serve({ dataDir: dir, port: 0, dashboard: false, liveSocket: false });
    try {
      const token = newSecret();
      vnet.store.addToken({ id: newId("tok"), name: "bp", role: "admin", tenantId: null, createdAt: new Date().toISOString() }, token);
      const res = await fetch(`${vnet.url}/api/bench/runs`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect((await res.json()).map((r: any) => r.id)).toEqual([OLD]);
    } finally {
      await vnet.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
