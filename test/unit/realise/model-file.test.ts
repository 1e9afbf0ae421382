// A model from a JSON file (vnet realise --model): a list of changes or a whole model, validated;
// anything else refused with a reason, never thrown.
import { describe, expect, it } from "vitest";
import { applyChanges, EMPTY_MODEL, type NetworkModel } from "../../../src/model";
import { parseModelText } from "../../../src/realise/model-file";

function model(): NetworkModel {
  const r = applyChanges(EMPTY_MODEL, [
    { op: "add_tenant", tenant: { id: "t", name: "t" } },
    { op: "add_host", host: { id: "h1", name: "h1", managementAddress: "198.51.100.10", ovsdbTarget: "tcp:198.51.100.10:6640", backend: "ovs", tunnelIp: "192.0.2.1" } },
    { op: "add_network", network: { id: "n", tenantId: "t", name: "n", kind: "overlay", segmentationId: 5, subnet: "198.51.100.0/24", gateway: null, dhcpRange: null, dns: [] } },
    { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:01" } },
    { op: "add_port", port: { id: "p2", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:02" } },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

describe("parseModelText", () => {
  it("applies a list of changes, allocating addresses", () => {
    const r = parseModelText(JSON.stringify({ changes: [
      { op: "add_tenant", tenant: { id: "t", name: "t" } },
      { op: "add_network", network: { id: "n", tenantId: "t", name: "n", kind: "overlay", segmentationId: 5, subnet: "198.51.100.0/24", gateway: "198.51.100.1", dhcpRange: null, dns: [] } },
      { op: "add_host", host: { id: "h", name: "h", managementAddress: "192.0.2.9", ovsdbTarget: "tcp:192.0.2.9:6640", backend: "ovs", tunnelIp: "192.0.2.9" } },
      { op: "add_port", port: { id: "p", networkId: "n", hostId: "h", mac: "02:00:00:00:00:01" } },
    ] }));
    expect(r.ok && r.value.ports[0]!.ip).toBe("198.51.100.2");
  });

  it("round-trips a whole model and refuses broken ones with a reason", () => {
    const m = model();
    const r = parseModelText(JSON.stringify(m));
    expect(r.ok && r.value.ports.length).toBe(2);
    for (const bad of ["", "[]", "{}", '{"changes": 3}', '{"tenants": [], "networks": [], "hosts": [{"id": 1}], "ports": []}', '{"changes": [null]}']) {
      const x = parseModelText(bad);
      expect(x.ok, bad).toBe(false);
      if (!x.ok) expect(x.errors[0]!.message.length).toBeGreaterThan(0);
    }
  });
});
