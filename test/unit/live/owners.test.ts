import { describe, expect, it } from "vitest";
import { makeCookie } from "../../../src/pipeline/cookie";
import type { InventoryState } from "../../../src/inventory/types";
import { cookieOwners } from "../../../src/live/owners";
import { DEFAULT_SETTINGS } from "../../../src/model/types";

const state: InventoryState = {
  model: {
    tenants: [{ id: "t-red", name: "red" }],
    hosts: [{ id: "h1", name: "hv1", managementAddress: "192.0.2.1", ovsdbTarget: "tcp:192.0.2.1:6640", backend: "ovs", tunnelIp: null }],
    networks: [{ id: "n1", tenantId: "t-red", name: "web", kind: "overlay", segmentationId: 5, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] }],
    ports: [{ id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01", ip: "203.0.113.2", ipAssignment: "allocated", ifaceId: "p1", vmId: "vm1" }],
    settings: DEFAULT_SETTINGS,
  },
  vms: [{ id: "vm1", name: "web1", tenantId: "t-red", hostId: "h1", driver: "netns", state: "running" }],
};

describe("cookieOwners", () => {
  const owner = cookieOwners(() => state);

  it("attributes a port's flows to its tenant, network and VM", () => {
    expect(owner(makeCookie("port", "spoof_drop", "p1"))).toEqual({ tenant: "red", network: "web", vm: "web1" });
  });

  it("attributes a network's flows to its tenant", () => {
    expect(owner(makeCookie("network", "flood", "n1"))).toEqual({ tenant: "red", network: "web" });
  });

  it("gives host wiring, table-miss, unknown owners and foreign cookies to nobody", () => {
    expect(owner(makeCookie("host_wiring", "tunnel", "h1"))).toEqual({});
    expect(owner(makeCookie("table_miss", "guard", null))).toEqual({});
    expect(owner(makeCookie("port", "forward", "gone"))).toEqual({});
    expect(owner(0x1234n)).toEqual({});
  });
});
