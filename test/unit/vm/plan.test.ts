import { describe, expect, it } from "vitest";
import { planNics } from "../../../src/vm/netns/plan";

const A = "vnp000000000001";
const B = "vnp000000000002";
const C = "vnp000000000003";

describe("netns NIC plan", () => {
  it("creates every NIC of a fresh VM as eth0..N in spec order", () => {
    expect(planNics([{ hostIf: A, mac: "02:00:00:00:00:01" }, { hostIf: B, mac: "02:00:00:00:00:02" }], [{ name: "lo" }])).toEqual({
      remove: [],
      add: [
        { guestIf: "eth0", hostIf: A, mac: "02:00:00:00:00:01" },
        { guestIf: "eth1", hostIf: B, mac: "02:00:00:00:00:02" },
      ],
      keep: [],
    });
  });

  it("keeps existing NICs by their alias, removes departed ones and reuses their names", () => {
    const seen = [
      { name: "lo" },
      { name: "eth0", alias: A, address: "02:00:00:00:00:01" },
      { name: "eth1", alias: B, address: "02:00:00:00:00:02" },
    ];
    const plan = planNics([{ hostIf: A, mac: "02:00:00:00:00:01" }, { hostIf: C, mac: "02:00:00:00:00:03" }], seen);
    expect(plan.remove).toEqual([{ guestIf: "eth1", hostIf: B }]);
    expect(plan.keep).toEqual([{ guestIf: "eth0", hostIf: A }]);
    expect(plan.add).toEqual([{ guestIf: "eth1", hostIf: C, mac: "02:00:00:00:00:03" }]);
  });

  it("fixes a changed MAC in place and never takes a name some other link has", () => {
    const seen = [{ name: "eth0", alias: A, address: "02:00:00:00:00:09" }, { name: "eth1" }];
    const plan = planNics([{ hostIf: A, mac: "02:00:00:00:00:01" }, { hostIf: B, mac: "02:00:00:00:00:02" }], seen);
    expect(plan.keep).toEqual([{ guestIf: "eth0", hostIf: A, setMac: "02:00:00:00:00:01" }]);
    expect(plan.add).toEqual([{ guestIf: "eth2", hostIf: B, mac: "02:00:00:00:00:02" }]);
    expect(plan.remove).toEqual([]);
  });

  it("ignores links whose alias is not one of vnet's NIC names", () => {
    expect(planNics([], [{ name: "eth0", alias: "uplink" }]).remove).toEqual([]);
  });
});
