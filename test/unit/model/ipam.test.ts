// Allocation rules of the IPAM that the API leans on for defaults: the next free VNI.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EMPTY_MODEL, applyChange, nextFreeVni, type Network, type NetworkModel } from "../../../src/model";

const net = (id: string, kind: Network["kind"], segmentationId: number | null): Network => ({
  id,
  tenantId: "t1",
  name: id,
  kind,
  segmentationId,
  subnet: "192.0.2.0/24",
  gateway: null,
  dhcpRange: null,
  dns: [],
});

const withNetworks = (networks: Network[]): NetworkModel => ({ ...EMPTY_MODEL, tenants: [{ id: "t1", name: "t1" }], networks });

describe("nextFreeVni", () => {
  it("is 1 on an empty model", () => {
    expect(nextFreeVni(EMPTY_MODEL)).toBe(1);
  });

  it("fills the lowest gap, and ignores provider VLAN ids (another number space)", () => {
    const model = withNetworks([net("a", "overlay", 1), net("b", "overlay", 2), net("c", "overlay", 4), net("v", "provider", 3), net("f", "provider", null)]);
    expect(nextFreeVni(model)).toBe(3);
  });

  it("returns a VNI that the model's own rules accept, and never one in use (random models)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }), (used) => {
        const model = withNetworks(used.map((v, i) => net(`n${i}`, "overlay", v)));
        const vni = nextFreeVni(model)!;
        expect(used).not.toContain(vni);
        for (let smaller = 1; smaller < vni; smaller++) expect(used).toContain(smaller);
        const r = applyChange(model, { op: "add_network", network: net("new", "overlay", vni) });
        expect(r.ok).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
