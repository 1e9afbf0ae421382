import { describe, expect, it } from "vitest";
import { EMPTY_MODEL, applyChanges, type ModelChange } from "../../../src/model";
import { bindWiring, compile, planHostWiring, tunnelPortName } from "../../../src/pipeline";

const host = (id: string, n: number, over: Record<string, unknown> = {}): ModelChange => ({
  op: "add_host",
  host: { id, name: `kvm${n}`, managementAddress: `203.0.113.${n}`, ovsdbTarget: `tcp:203.0.113.${n}:6640`, backend: "ovs", tunnelIp: `203.0.113.${n}`, uplink: "eth1", ...over },
});

function model(changes: ModelChange[]) {
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

describe("host wiring", () => {
  it("plans one tunnel per remote host with an endpoint, VXLAN towards kernel-bridge hosts", () => {
    const m = model([host("h1", 1), host("h2", 2), host("h3", 3, { backend: "bridge" }), host("h4", 4, { tunnelIp: null }), { op: "set_settings", settings: { tunnelType: "geneve" } }]);
    const plan = planHostWiring(m, "h1");
    expect(plan.tunnels).toEqual([
      { name: tunnelPortName("geneve", "h2"), kind: "geneve", remoteHostId: "h2", remoteIp: "203.0.113.2", localIp: "203.0.113.1", key: "flow" },
      { name: tunnelPortName("vxlan", "h3"), kind: "vxlan", remoteHostId: "h3", remoteIp: "203.0.113.3", localIp: "203.0.113.1", key: "flow" },
    ]);
    expect(plan.tunnels.every((t) => t.name.length <= 15)).toBe(true);
    expect(plan.problems).toEqual([expect.stringMatching(/kernel-bridge/)]);
    expect(planHostWiring(m, "h4").problems).toEqual([expect.stringMatching(/no tunnel endpoint/)]);
  });

  it("binds VM NICs by iface-id, tunnels by name, and skips interfaces without an ofport", () => {
    const m = model([
      { op: "add_tenant", tenant: { id: "t", name: "t" } },
      host("h1", 1),
      host("h2", 2),
      { op: "add_network", network: { id: "n", tenantId: "t", name: "n", kind: "overlay", segmentationId: 9, subnet: "192.0.2.0/24", gateway: null, dhcpRange: null, dns: [] } },
      { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:01", ifaceId: "vm1-nic0" } },
      { op: "add_port", port: { id: "p2", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:02" } },
      { op: "add_port", port: { id: "p3", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:03" } },
    ]);
    const plan = planHostWiring(m, "h1");
    const wiring = bindWiring(m, "h1", plan, [
      { name: "tap-a", ofport: 7, externalIds: { "iface-id": "vm1-nic0" } },
      { name: "tap-b", externalIds: { "iface-id": "p2" } }, // not plugged in yet
      { name: "tap-c", ofport: 9, externalIds: { "iface-id": "p3" } }, // p3 lives on h2: not bound here
      { name: tunnelPortName("vxlan", "h2"), ofport: 20, externalIds: {} },
      { name: "eth1", ofport: 1, externalIds: {} },
    ]);
    expect(wiring).toEqual({ vmPorts: { p1: 7 }, tunnels: { h2: 20 }, uplink: 1 });
    // Only the bound port gets flows; the unbound one gets none until OVSDB reports its ofport.
    const flows = compile(m, "h1", wiring).flows;
    expect(flows.some((f) => f.match.in_port === 7)).toBe(true);
    expect(flows.filter((f) => f.table === "classify" && f.match.in_port !== undefined && f.match.in_port !== 7 && f.match.in_port !== 20 && f.match.in_port !== 1)).toEqual([]);
  });

  it("reports what the wiring cannot give instead of guessing", () => {
    const m = model([
      { op: "add_tenant", tenant: { id: "t", name: "t" } },
      host("h1", 1),
      host("h2", 2),
      { op: "add_network", network: { id: "n", tenantId: "t", name: "red", kind: "overlay", segmentationId: 9, subnet: "192.0.2.0/24", gateway: null, dhcpRange: null, dns: [] } },
      { op: "add_network", network: { id: "v", tenantId: "t", name: "site", kind: "provider", segmentationId: 5, subnet: "198.51.100.0/24", gateway: null, dhcpRange: null, dns: [] } },
      { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:01" } },
      { op: "add_port", port: { id: "p2", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:02" } },
      { op: "add_port", port: { id: "p3", networkId: "v", hostId: "h1", mac: "02:00:00:00:00:03" } },
    ]);
    const state = compile(m, "h1", { vmPorts: { p1: 1, p3: 3 }, tunnels: {}, uplink: null });
    expect(state.problems).toEqual([
      'network "red": no tunnel port to host "h2", whose ports stay unreachable',
      'network "site" is a provider network but host "kvm1" has no uplink port',
    ]);
    expect(compile(m, "nope", { vmPorts: {}, tunnels: {}, uplink: null })).toEqual({ flows: [], groups: [], problems: ['host "nope" is not in the model'] });
  });
});
