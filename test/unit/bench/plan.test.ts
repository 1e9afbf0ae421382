import { describe, expect, it } from "vitest";
import { datapathOf, eta, expandScenarios, formatDuration, notApplicable, planCases, planSteps, resolveOptions, MEASURE_STEPS } from "../../../src/bench/dataplane/plan";
import { QUICK_DEFAULTS, FULL_DEFAULTS, type Scenario } from "../../../src/bench/dataplane/types";

const same: Scenario = { kind: "same-host", id: "same-host", pairs: 1 };
const cross: Scenario = { kind: "cross-host", id: "cross-host", pairs: 1 };

describe("benchmark plan", () => {
  it("expands the pairs scenario once per pair count", () => {
    expect(expandScenarios({ scenarios: ["same-host", "pairs"], pairs: [2, 4] }).map((s) => [s.id, s.pairs])).toEqual([
      ["same-host", 1],
      ["pairs-2", 2],
      ["pairs-4", 4],
    ]);
  });

  it("a veth pair has no cross-host or provider case, and says why", () => {
    expect(notApplicable(cross, "veth")).toMatch(/no switch/);
    expect(notApplicable({ kind: "provider", id: "provider", pairs: 1 }, "veth")).not.toBeNull();
    expect(notApplicable(same, "veth")).toBeNull();
    expect(notApplicable(cross, "ovs-normal")).toBeNull();
  });

  it("says which datapath each figure comes from", () => {
    expect(datapathOf(same, "linux-bridge")).toBe("this kernel: Linux bridge");
    expect(datapathOf(cross, "vnet-kernel")).toBe("this kernel: Linux bridge + nftables + kernel VXLAN");
    expect(datapathOf(cross, "ovs-vnet")).toBe("OVS userspace (netdev, AF_PACKET) + userspace VXLAN");
    expect(datapathOf(same, "ovs-tso")).toContain("userspace TSO");
    expect(datapathOf(same, "veth", true)).toBe("guest kernel: veth");
  });

  it("steps: set-up, every measure per repeat, teardown; none for skipped cases", () => {
    const o = { ...QUICK_DEFAULTS, scenarios: ["same-host", "cross-host"] as const, backends: ["veth", "ovs-normal"] as const, repeats: 2 };
    const cases = planCases({ ...o, scenarios: [...o.scenarios], backends: [...o.backends] });
    expect(cases.map((c) => [c.scenario.id, c.backend, c.skip !== null])).toEqual([
      ["same-host", "veth", false],
      ["same-host", "ovs-normal", false],
      ["cross-host", "veth", true],
      ["cross-host", "ovs-normal", false],
    ]);
    const steps = planSteps(cases, { ...o, scenarios: [...o.scenarios], backends: [...o.backends] });
    expect(steps).toHaveLength(3 * (2 + 2 * MEASURE_STEPS.length));
    expect(steps.filter((s) => s.caseIndex === 2)).toEqual([]);
    expect(steps[0]!.kind).toBe("setup");
    expect(steps[1]).toMatchObject({ kind: "tcp1", repeat: 0 });
    expect(steps.every((s) => s.estimateS > 0)).toBe(true);
  });

  it("the quick plan is estimated well under 3 minutes, the full one longer", () => {
    const quick = planSteps(planCases(QUICK_DEFAULTS), QUICK_DEFAULTS);
    const full = planSteps(planCases(FULL_DEFAULTS), FULL_DEFAULTS);
    expect(eta(quick, 0, 0)).toBeLessThan(180);
    expect(eta(full, 0, 0)).toBeGreaterThan(eta(quick, 0, 0) * 5);
  });

  it("ETA scales the remaining estimate by how fast finished steps went, clamped", () => {
    const steps = [10, 10, 10, 10].map((estimateS) => ({ caseIndex: 0, kind: "tcp1" as const, estimateS }));
    expect(eta(steps, 0, 0)).toBe(40);
    expect(eta(steps, 2, 40)).toBe(40); // twice as slow: 20 s left → 40 s
    expect(eta(steps, 2, 1000)).toBe(60); // clamped at 3 ×
    expect(eta(steps, 2, 1)).toBe(10); // clamped at 0.5 ×
    expect(eta(steps, 4, 50)).toBe(0);
  });

  it("formats durations", () => {
    expect(formatDuration(5.4)).toBe("5s");
    expect(formatDuration(125)).toBe("2m05s");
    expect(formatDuration(3700)).toBe("1h01m");
    expect(formatDuration(NaN)).toBe("?");
  });
});

describe("command-line options", () => {
  it("defaults: full run of 5 repeats; --quick a single short repeat", () => {
    expect(resolveOptions({})).toMatchObject({ repeats: 5, quick: false, vm: "netns" });
    expect(resolveOptions({ quick: true })).toMatchObject({ repeats: 1, durationS: 1, quick: true });
  });

  it("parses lists and numbers", () => {
    const o = resolveOptions({ scenarios: "same-host, pairs", backends: "veth,ovs-vnet,veth", pairs: "1,8", repeats: "3", duration: "2", streams: "8" });
    expect(o).toMatchObject({ scenarios: ["same-host", "pairs"], backends: ["veth", "ovs-vnet"], pairs: [1, 8], repeats: 3, durationS: 2, streams: 8 });
  });

  it("refuses bad input with a message naming the flag and the allowed values", () => {
    expect(() => resolveOptions({ backends: "veth,bogus" })).toThrow('unknown backend "bogus" (one of: veth, linux-bridge, vnet-kernel, ovs-normal, ovs-vnet, ovs-tso)');
    expect(() => resolveOptions({ scenarios: "" })).toThrow("--scenarios is empty");
    expect(() => resolveOptions({ repeats: "0" })).toThrow('--repeats must be an integer from 1 to 50, not "0"');
    expect(() => resolveOptions({ pairs: "2,99" })).toThrow(/--pairs must be an integer from 1 to 8/);
    expect(() => resolveOptions({ duration: "1.5" })).toThrow(/--duration/);
    expect(() => resolveOptions({ vm: "xen" })).toThrow('--vm must be netns or libvirt, not "xen"');
  });
});
