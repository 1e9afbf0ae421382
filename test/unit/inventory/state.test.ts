// The inventory hands the model a describePort that knows VM names, so refusals name VMs.
import { describe, expect, it } from "vitest";
import { EMPTY_MODEL } from "../../../src/model";
import { applyInventoryChanges } from "../../../src/inventory/state";
import type { InventoryChange, InventoryState } from "../../../src/inventory/types";

function build(changes: InventoryChange[]): InventoryState {
  const r = applyInventoryChanges({ model: EMPTY_MODEL, vms: [] }, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const state = build([
  { op: "add_tenant", tenant: { id: "tenant-7f3a", name: "green" } },
  { op: "add_host", host: { id: "host-9", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: "203.0.113.1" } },
  { op: "add_network", network: { id: "net-1", tenantId: "tenant-7f3a", name: "n", kind: "overlay", segmentationId: 100, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: null, dns: [] } },
  { op: "add_vm", vm: { id: "vm-42", name: "green2", tenantId: "tenant-7f3a", hostId: "host-9", driver: "netns", state: "defined" } },
  { op: "add_port", port: { id: "port-x", networkId: "net-1", hostId: "host-9", mac: "02:00:00:00:00:01", vmId: "vm-42" } },
]);

function messages(changes: InventoryChange[], from = state): string[] {
  const r = applyInventoryChanges(from, changes);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors.map((e) => e.message);
}

describe("inventory messages name VMs", () => {
  it("a MAC clash names the VM that owns the other NIC", () => {
    expect(messages([{ op: "add_port", port: { id: "port-z", networkId: "net-1", hostId: "host-9", mac: "02:00:00:00:00:01" } }]))
      .toEqual(['MAC 02:00:00:00:00:01 is already used by VM green2 (NIC port-x) in network "n"']);
  });

  it("removing a network still in use names the VM", () => {
    expect(messages([{ op: "remove_network", id: "net-1" }])).toEqual(['network "n" still has VM green2 (NIC port-x)']);
  });

  it("removing a VM that still owns a NIC names the VM, not its id", () => {
    expect(messages([{ op: "remove_vm", id: "vm-42" }])).toEqual(['VM "green2" still owns NIC port-x']);
  });

  it("a port without a VM is said to have none", () => {
    const withBare = build([
      { op: "add_tenant", tenant: { id: "t1", name: "blue" } },
      { op: "add_host", host: { id: "h1", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: null } },
      { op: "add_network", network: { id: "n1", tenantId: "t1", name: "web", kind: "overlay", segmentationId: 5, subnet: "198.51.100.0/24", gateway: null, dhcpRange: null, dns: [] } },
      { op: "add_port", port: { id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:05" } },
    ]);
    expect(messages([{ op: "remove_host", id: "h1" }], withBare)).toEqual(['host "kvm1" still has port p1 (no VM)']);
  });

  it("a refused change leaves the state as it was", () => {
    const before = JSON.stringify(state);
    messages([{ op: "add_tenant", tenant: { id: "t9", name: "bad name!" } }]);
    expect(JSON.stringify(state)).toBe(before);
  });
});
