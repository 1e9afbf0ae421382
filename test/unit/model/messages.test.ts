// The exact wording of the model's refusals: they must name things as a person knows them
// (tenant and network names, VM names through the caller's describePort), not bare ids.
import { describe, expect, it } from "vitest";
import {
  EMPTY_MODEL,
  applyChange,
  applyChanges,
  validateModel,
  type ModelChange,
  type Network,
  type NetworkModel,
  type Port,
} from "../../../src/model";

const net = (over: Partial<Network> = {}): Network => ({
  id: "net-1",
  tenantId: "tenant-7f3a",
  name: "n",
  kind: "overlay",
  segmentationId: 100,
  subnet: "192.0.2.0/24",
  gateway: "192.0.2.1",
  dhcpRange: null,
  dns: [],
  ...over,
});

function build(changes: ModelChange[]): NetworkModel {
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const base = build([
  { op: "add_tenant", tenant: { id: "tenant-7f3a", name: "green" } },
  { op: "add_host", host: { id: "host-9", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: "203.0.113.1", uplink: "eth1" } },
  { op: "add_network", network: net() },
  { op: "add_port", port: { id: "port-x", networkId: "net-1", hostId: "host-9", mac: "02:00:00:00:00:01", ip: "192.0.2.10", vmId: "vm-42" } },
  { op: "add_port", port: { id: "port-y", networkId: "net-1", hostId: "host-9", mac: "02:00:00:00:00:02", ip: "192.0.2.11" } },
]);

/** What the inventory would pass: VM vm-42 is called green2. */
const byVmName = {
  describePort: (p: Port) => (p.vmId === "vm-42" ? `VM green2 (NIC ${p.id})` : `port ${p.id} (no VM)`),
};

function messages(model: NetworkModel, change: ModelChange, options = {}): string[] {
  const r = applyChange(model, change, options);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors.map((e) => e.message);
}

const newPort = (over: Record<string, unknown>): ModelChange =>
  ({ op: "add_port", port: { id: "port-z", networkId: "net-1", hostId: "host-9", mac: "02:00:00:00:00:09", ...over } }) as ModelChange;

describe("validation messages", () => {
  it("a duplicate MAC names the VM through the caller's describePort", () => {
    expect(messages(base, newPort({ mac: "02:00:00:00:00:01" }), byVmName))
      .toContain('MAC 02:00:00:00:00:01 is already used by VM green2 (NIC port-x) in network "n"');
  });

  it("without a describer the model names the port, its VM id, or that it has no VM", () => {
    expect(messages(base, newPort({ mac: "02:00:00:00:00:01" })))
      .toContain('MAC 02:00:00:00:00:01 is already used by port port-x (of VM id "vm-42") in network "n"');
    expect(messages(base, newPort({ mac: "02:00:00:00:00:02" })))
      .toContain('MAC 02:00:00:00:00:02 is already used by port port-y (no VM) in network "n"');
  });

  it("a duplicate address names the VM", () => {
    expect(messages(base, newPort({ ip: "192.0.2.10" }), byVmName))
      .toContain('192.0.2.10 is already used by VM green2 (NIC port-x) in network "n"');
  });

  it("a duplicate network name uses the tenant's name, not its id", () => {
    expect(messages(base, { op: "add_network", network: net({ id: "net-2", segmentationId: 101 }) }))
      .toEqual(['tenant "green" already has a network named "n"']);
  });

  it("removing a network or host with ports names them and the VM, or says there is none", () => {
    expect(messages(base, { op: "remove_network", id: "net-1" }, byVmName)).toEqual(['network "n" still has VM green2 (NIC port-x)']);
    expect(messages(base, { op: "remove_host", id: "host-9" }, byVmName)).toEqual(['host "kvm1" still has VM green2 (NIC port-x)']);
    const onlyY = applyChange(base, { op: "remove_port", id: "port-x" });
    if (!onlyY.ok) throw new Error("remove_port refused");
    expect(messages(onlyY.value, { op: "remove_host", id: "host-9" }, byVmName)).toEqual(['host "kvm1" still has port port-y (no VM)']);
  });

  it("removing a tenant with networks uses the tenant's name", () => {
    expect(messages(base, { op: "remove_tenant", id: "tenant-7f3a" })).toEqual(['tenant "green" still has network "n" (net-1)']);
  });

  it("two networks of one tenant may share a subnet (isolation is at L2)", () => {
    const r = applyChange(base, { op: "add_network", network: net({ id: "net-2", name: "n2", segmentationId: 101 }) });
    expect(r.ok).toBe(true);
  });
});

describe("the name rule for tenants, networks and hosts", () => {
  const host = (name: unknown): ModelChange =>
    ({ op: "add_host", host: { id: "host-2", name, managementAddress: "203.0.113.2", ovsdbTarget: "tcp:203.0.113.2:6640", backend: "ovs", tunnelIp: null } }) as ModelChange;

  it("refuses names outside letters, digits, '.', '_', '-' with a clear error and changes nothing", () => {
    const before = JSON.stringify(base);
    expect(messages(base, { op: "add_tenant", tenant: { id: "t2", name: "bad name!" } }))
      .toEqual([`tenant name "bad name!" is not allowed: use 1-63 letters, digits, '.', '_' or '-'`]);
    expect(messages(base, { op: "add_network", network: net({ id: "net-2", name: "web/1", segmentationId: 101 }) }))
      .toEqual([`network name "web/1" is not allowed: use 1-63 letters, digits, '.', '_' or '-'`]);
    expect(messages(base, host("kvm 2"))).toEqual([`host name "kvm 2" is not allowed: use 1-63 letters, digits, '.', '_' or '-'`]);
    expect(JSON.stringify(base)).toBe(before);
  });

  it("refuses a 64-character name and accepts 63 characters of every allowed kind", () => {
    const r64 = applyChange(base, { op: "add_tenant", tenant: { id: "t2", name: "a".repeat(64) } });
    expect(r64.ok).toBe(false);
    expect(r64.ok ? null : r64.errors[0]).toMatchObject({ code: "invalid_format", path: "name" });
    const ok63 = "A-z_0.9" + "x".repeat(56);
    expect(ok63.length).toBe(63);
    expect(applyChange(base, { op: "add_tenant", tenant: { id: "t2", name: ok63 } }).ok).toBe(true);
    expect(applyChange(base, host("kvm-2.rack_1")).ok).toBe(true);
  });

  it("keeps the 'required' error for a missing or blank name", () => {
    expect(messages(base, { op: "add_tenant", tenant: { id: "t2", name: "  " } })).toEqual(["tenant name is required (a non-empty string)"]);
  });

  it("applies to a model loaded whole (validateModel)", () => {
    const loaded = { ...base, tenants: [...base.tenants, { id: "t2", name: "bad name!" }] };
    expect(validateModel(loaded)).toContainEqual(expect.objectContaining({ code: "invalid_format", path: "[2].name" }));
  });
});
