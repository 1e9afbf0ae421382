import { describe, expect, it } from "vitest";
import { locateHost, matchLabHost } from "../../../src/vm/locate";
import { planLab } from "../../../src/lab/plan";
import type { LabState } from "../../../src/lab/state";
import { host } from "./fixtures";

function lab(name: string, slot: number, phase: LabState["phase"] = "up"): LabState {
  const plan = planLab(name, slot, 2);
  return { version: 1, plan, runDir: `/run/vnet-lab/${name}`, createdAt: "", ownerPid: 1, phase, hosts: [], lan: { runDir: "", leaseFile: "" }, endpoints: [], linuxBridges: [] };
}

describe("finding a model host among the labs", () => {
  const labs = [lab("one", 0), lab("two", 3)];
  it("matches by OVSDB target or management address", () => {
    const h2 = labs[1]!.plan.hosts[1]!;
    expect(matchLabHost({ ...host, ovsdbTarget: h2.ovsdbTarget, managementAddress: "elsewhere" }, labs)).toEqual({ lab: "two", netns: h2.netns, ovsdbTarget: h2.ovsdbTarget, runDir: "/run/vnet-lab/two" });
    expect(matchLabHost({ ...host, ovsdbTarget: "unix:/x", managementAddress: h2.mgmtAddress }, labs)?.netns).toBe(h2.netns);
  });

  it("ignores labs still building, and explains a miss", () => {
    const h1 = labs[0]!.plan.hosts[0]!;
    expect(matchLabHost({ ...host, ovsdbTarget: h1.ovsdbTarget }, [lab("one", 0, "building")])).toBeUndefined();
    expect(() => locateHost({ ...host, managementAddress: "203.0.113.200", ovsdbTarget: "tcp:203.0.113.200:6640" }, "netns VMs", labs)).toThrow(
      /host h1 is not a lab host on this machine: netns VMs need the host's network namespace here.*lab hosts here: one\/h1/,
    );
    expect(() => locateHost({ ...host, managementAddress: "x", ovsdbTarget: "y" }, "netns VMs", [])).toThrow(/no lab is up here/);
  });
});
