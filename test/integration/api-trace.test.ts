// The "why" route end to end: VMs created through the API, each host's flows compiled by the
// real pipeline, and the packet followed by the pipeline's interpreter through the tunnel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineTracer } from "../../src/api/pipeline-tracer";
import { seedTwoTenants, startFixture, switchViews, type Fixture } from "../e2e/fixtures";

describe("POST /api/trace through the real pipeline", () => {
  let f: Fixture;
  beforeAll(async () => {
    let fixture: Fixture | undefined;
    f = fixture = await startFixture({ tracer: pipelineTracer(() => fixture!.store.state(), () => switchViews(fixture!)) });
    await seedTwoTenants(f);
  });
  afterAll(() => f.close());

  it("follows a ping from red1 on hv1 through the tunnel to red2 on hv2", async () => {
    const r = await f.call("POST", "/api/trace", { from: "red1", to: "red2", protocol: "icmp" });
    expect(r.status).toBe(200);
    expect(r.body.delivered).toBe(true);
    expect(r.body.verdict).toMatch(/delivered to red2 \(203\.0\.113\.3\) on hv2/);
    const hosts = [...new Set(r.body.steps.map((s: { host: string }) => s.host))];
    expect(hosts).toEqual(["hv1", "hv2"]);
    expect(r.body.steps[0]).toMatchObject({ host: "hv1", tableId: 0 });
  });

  it("shows that red1 cannot reach blue1, although they share a subnet and a host", async () => {
    const r = await f.call("POST", "/api/trace", { from: "red1", to: "blue1", protocol: "icmp" });
    expect(r.status).toBe(200);
    expect(r.body.delivered).toBe(false);
    expect(r.body.verdict).not.toMatch(/delivered to blue1/);
  });

  it("a tenant cannot trace toward another tenant's VM: it does not exist for them", async () => {
    const red = f.tokenFor("red");
    const r = await f.call("POST", "/api/trace", { from: "red1", to: "blue1" }, red);
    expect(r.status).toBe(404);
  });
});
