import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EMPTY_MODEL,
  applyChange,
  applyChanges,
  validateModel,
  type ModelChange,
  type Network,
  type NetworkModel,
} from "../../../src/model";

const overlay = (over: Partial<Network> = {}): Network => ({
  id: "n1",
  tenantId: "t1",
  name: "blue",
  kind: "overlay",
  segmentationId: 100,
  subnet: "192.0.2.0/24",
  gateway: "192.0.2.1",
  dhcpRange: { start: "192.0.2.100", end: "192.0.2.199" },
  dns: ["198.51.100.53"],
  ...over,
});

function build(changes: ModelChange[]): NetworkModel {
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const base = build([
  { op: "add_tenant", tenant: { id: "t1", name: "acme" } },
  { op: "add_tenant", tenant: { id: "t2", name: "globex" } },
  { op: "add_host", host: { id: "h1", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: "203.0.113.1", uplink: "eth1" } },
  { op: "add_host", host: { id: "h2", name: "kvm2", managementAddress: "kvm2.example", ovsdbTarget: "unix:/run/openvswitch/db.sock", backend: "bridge", tunnelIp: "203.0.113.2" } },
  { op: "add_network", network: overlay() },
]);

function refused(model: NetworkModel, change: ModelChange) {
  const r = applyChange(model, change);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error("unreachable");
  return r.errors;
}

describe("model validation", () => {
  it("allocates the lowest free address of the DHCP range, deterministically", () => {
    const m1 = build([]);
    expect(m1.ports).toEqual([]);
    const a = applyChange(base, { op: "add_port", port: { id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:0A" } });
    expect(a.ok && a.value.ports[0]).toEqual({
      id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:0a", ip: "192.0.2.100",
      ipAssignment: "allocated", ifaceId: "p1", vmId: null,
    });
    if (!a.ok) return;
    const b = applyChange(a.value, { op: "add_port", port: { id: "p2", networkId: "n1", hostId: "h2", mac: "02:00:00:00:00:0b" } });
    expect(b.ok && b.value.ports[1]!.ip).toBe("192.0.2.101");
  });

  it("lets two tenants use the same CIDR", () => {
    const r = applyChange(base, { op: "add_network", network: overlay({ id: "n2", tenantId: "t2", segmentationId: 101 }) });
    expect(r.ok).toBe(true);
  });

  it.each([
    ["VNI 0", overlay({ id: "x", name: "x", segmentationId: 0 }), "segmentationId", "out_of_range"],
    ["VNI 2^24", overlay({ id: "x", name: "x", segmentationId: 2 ** 24 }), "segmentationId", "out_of_range"],
    ["VNI in use", overlay({ id: "x", name: "x" }), "segmentationId", "duplicate"],
    ["VLAN 4095", overlay({ id: "x", name: "x", kind: "provider", segmentationId: 4095, dhcpRange: null }), "segmentationId", "out_of_range"],
    ["host bits", overlay({ id: "x", name: "x", segmentationId: 7, subnet: "192.0.2.1/24" }), "subnet", "invalid_format"],
    ["gateway outside", overlay({ id: "x", name: "x", segmentationId: 7, gateway: "198.51.100.1" }), "gateway", "out_of_range"],
    ["range over gateway", overlay({ id: "x", name: "x", segmentationId: 7, dhcpRange: { start: "192.0.2.1", end: "192.0.2.9" } }), "dhcpRange", "conflict"],
    ["range reversed", overlay({ id: "x", name: "x", segmentationId: 7, dhcpRange: { start: "192.0.2.9", end: "192.0.2.5" } }), "dhcpRange", "out_of_range"],
    ["MTU 40", overlay({ id: "x", name: "x", segmentationId: 7, mtu: 40 }), "mtu", "out_of_range"],
    ["same name in tenant", overlay({ id: "x", segmentationId: 7 }), "name", "duplicate"],
    ["unknown tenant", overlay({ id: "x", tenantId: "nope", segmentationId: 7 }), "tenantId", "not_found"],
  ])("refuses a network with %s", (_label, network, path, code) => {
    const errors = refused(base, { op: "add_network", network });
    expect(errors).toContainEqual(expect.objectContaining({ path, code }));
    expect(errors.every((e) => e.message.length > 10)).toBe(true);
  });

  it("refuses duplicate MAC, taken IP, IP outside the subnet, gateway IP, and leaves the model unchanged", () => {
    const m = build([
      { op: "add_tenant", tenant: { id: "t1", name: "acme" } },
      { op: "add_host", host: { id: "h1", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: null } },
      { op: "add_network", network: overlay() },
      { op: "add_port", port: { id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01", ip: "192.0.2.10" } },
    ]);
    const snapshot = JSON.stringify(m);
    const port = { id: "p2", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:02" };
    expect(refused(m, { op: "add_port", port: { ...port, mac: "02:00:00:00:00:01" } })).toContainEqual(expect.objectContaining({ path: "mac", code: "duplicate" }));
    expect(refused(m, { op: "add_port", port: { ...port, ip: "192.0.2.10" } })).toContainEqual(expect.objectContaining({ path: "ip", code: "duplicate" }));
    expect(refused(m, { op: "add_port", port: { ...port, ip: "198.51.100.4" } })).toContainEqual(expect.objectContaining({ path: "ip", code: "out_of_range" }));
    expect(refused(m, { op: "add_port", port: { ...port, ip: "192.0.2.255" } })).toContainEqual(expect.objectContaining({ path: "ip", code: "out_of_range" }));
    expect(refused(m, { op: "add_port", port: { ...port, ip: "192.0.2.1" } })).toContainEqual(expect.objectContaining({ path: "ip", code: "conflict" }));
    expect(refused(m, { op: "add_port", port: { ...port, mac: "01:00:5e:00:00:01" } })).toContainEqual(expect.objectContaining({ path: "mac", code: "invalid_format" }));
    expect(refused(m, { op: "add_port", port: { ...port, id: "p1" } })).toContainEqual(expect.objectContaining({ path: "id", code: "duplicate" }));
    expect(refused(m, { op: "remove_network", id: "n1" })).toContainEqual(expect.objectContaining({ code: "in_use" }));
    expect(refused(m, { op: "remove_host", id: "h1" })).toContainEqual(expect.objectContaining({ code: "in_use" }));
    expect(refused(m, { op: "remove_tenant", id: "t1" })).toContainEqual(expect.objectContaining({ code: "in_use" }));
    expect(refused(m, { op: "update_network", network: overlay({ subnet: "198.51.100.0/24", gateway: null, dhcpRange: null }) }))
      .toContainEqual(expect.objectContaining({ path: "subnet", code: "conflict" }));
    expect(JSON.stringify(m)).toBe(snapshot);
  });

  it("reports when the pool is exhausted", () => {
    let m = build([
      { op: "add_tenant", tenant: { id: "t1", name: "acme" } },
      { op: "add_host", host: { id: "h1", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: null } },
      { op: "add_network", network: overlay({ dhcpRange: { start: "192.0.2.10", end: "192.0.2.11" } }) },
    ]);
    for (const i of [1, 2]) {
      const r = applyChange(m, { op: "add_port", port: { id: `p${i}`, networkId: "n1", hostId: "h1", mac: `02:00:00:00:00:0${i}` } });
      if (!r.ok) throw new Error("expected room");
      m = r.value;
    }
    expect(m.ports.map((p) => p.ip)).toEqual(["192.0.2.10", "192.0.2.11"]);
    expect(refused(m, { op: "add_port", port: { id: "p3", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:03" } }))
      .toContainEqual(expect.objectContaining({ path: "ip", code: "conflict" }));
  });

  it("provider networks: flat or VLAN, site DHCP, allocation outside the site range, uplink required", () => {
    const provider = overlay({ id: "pv", name: "site", kind: "provider", segmentationId: null, dhcpRange: { start: "192.0.2.2", end: "192.0.2.200" } });
    const r = applyChange(base, { op: "add_network", network: provider });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(refused(r.value, { op: "add_network", network: { ...provider, id: "pv2", name: "site2" } }))
      .toContainEqual(expect.objectContaining({ path: "segmentationId", code: "duplicate" }));
    const p = applyChange(r.value, { op: "add_port", port: { id: "vp", networkId: "pv", hostId: "h1", mac: "02:00:00:00:01:01" } });
    expect(p.ok && p.value.ports.at(-1)).toMatchObject({ ip: null, ipAssignment: "external" });
    expect(refused(r.value, { op: "add_port", port: { id: "vp", networkId: "pv", hostId: "h1", mac: "02:00:00:00:01:01", ip: "192.0.2.50" } }))
      .toContainEqual(expect.objectContaining({ path: "ip", code: "conflict" }));
    expect(refused(r.value, { op: "add_port", port: { id: "vp", networkId: "pv", hostId: "h2", mac: "02:00:00:00:01:01" } }))
      .toContainEqual(expect.objectContaining({ path: "hostId", code: "conflict" }));
  });

  it("refuses malformed hosts and JSON of the wrong types without throwing", () => {
    const errors = refused(base, {
      op: "add_host",
      host: { id: "h3", name: "kvm1", managementAddress: "", ovsdbTarget: "http://x", backend: "xen" as never, tunnelIp: "203.0.113.1", uplink: "a/b" },
    });
    expect(errors.map((e) => e.path).sort()).toEqual(["backend", "managementAddress", "name", "ovsdbTarget", "tunnelIp", "uplink"]);
    expect(refused(base, { op: "add_network", network: { id: 5, subnet: 7, dns: "x" } as never }).length).toBeGreaterThan(3);
    expect(refused(base, { op: "nonsense" } as never)[0]!.path).toBe("op");
  });

  it("validateModel accepts a valid model and names the first bad object", () => {
    expect(validateModel(base)).toEqual([]);
    const bad = { ...base, ports: [{ id: "p", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01", ip: "192.0.3.1", ipAssignment: "fixed" as const, ifaceId: "p" }] };
    expect(validateModel(bad)).toContainEqual(expect.objectContaining({ path: "ports[0].ip" }));
  });
});

describe("port updates", () => {
  const withPort = build([
    { op: "add_tenant", tenant: { id: "t1", name: "acme" } },
    { op: "add_host", host: { id: "h1", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: "203.0.113.1" } },
    { op: "add_host", host: { id: "h2", name: "kvm2", managementAddress: "203.0.113.2", ovsdbTarget: "tcp:203.0.113.2:6640", backend: "ovs", tunnelIp: "203.0.113.2" } },
    { op: "add_network", network: overlay() },
    { op: "add_port", port: { id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01" } },
    { op: "add_port", port: { id: "p2", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:02", ip: "192.0.2.20" } },
  ]);

  it("moves a port to another host keeping its allocated address", () => {
    const r = applyChange(withPort, { op: "update_port", port: { id: "p1", networkId: "n1", hostId: "h2", mac: "02:00:00:00:00:01" } });
    expect(r.ok && r.value.ports[0]).toMatchObject({ id: "p1", hostId: "h2", ip: "192.0.2.100", ipAssignment: "allocated" });
  });

  it("checks the new values against the other ports, not against itself", () => {
    expect(applyChange(withPort, { op: "update_port", port: { id: "p2", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:02", ip: "192.0.2.20" } }).ok).toBe(true);
    expect(refused(withPort, { op: "update_port", port: { id: "p2", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01" } }))
      .toContainEqual(expect.objectContaining({ path: "mac", code: "duplicate" }));
    expect(refused(withPort, { op: "update_port", port: { id: "p9", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:09" } }))
      .toContainEqual(expect.objectContaining({ code: "not_found" }));
  });
});

describe("port index", () => {
  it("keeps answers right for an older model after a newer one took its index", () => {
    const port = (id: string, mac: string, ip?: string) => ({ op: "add_port" as const, port: { id, networkId: "n1", hostId: "h1", mac, ...(ip ? { ip } : {}) } });
    const m1 = build([
      { op: "add_tenant", tenant: { id: "t1", name: "acme" } },
      { op: "add_host", host: { id: "h1", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: null } },
      { op: "add_network", network: overlay() },
      port("p1", "02:00:00:00:00:01"),
    ]);
    const m2 = applyChange(m1, port("p2", "02:00:00:00:00:02", "192.0.2.50"));
    expect(m2.ok).toBe(true);
    // m1 never had p2: the same MAC, id and address are free there.
    expect(applyChange(m1, port("p2", "02:00:00:00:00:02", "192.0.2.50")).ok).toBe(true);
    if (!m2.ok) return;
    expect(refused(m2.value, port("p3", "02:00:00:00:00:02"))).toContainEqual(expect.objectContaining({ path: "mac", code: "duplicate" }));
    const m3 = applyChange(m2.value, { op: "remove_port", id: "p2" });
    expect(m3.ok && applyChange(m3.value, port("p3", "02:00:00:00:00:02", "192.0.2.50")).ok).toBe(true);
    expect(refused(m2.value, port("p3", "02:00:00:00:00:03", "192.0.2.50"))).toContainEqual(expect.objectContaining({ path: "ip", code: "duplicate" }));
  });
});

describe("hostile input", () => {
  it("never throws, whatever JSON arrives as a change", () => {
    const ops = ["add_tenant", "remove_tenant", "add_network", "update_network", "remove_network", "add_host", "update_host", "remove_host", "add_port", "update_port", "remove_port", "set_settings", "bogus"];
    const withPorts = applyChange(base, { op: "add_port", port: { id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01" } });
    const model = withPorts.ok ? withPorts.value : base;
    fc.assert(
      fc.property(fc.constantFrom(...ops), fc.anything(), fc.anything(), (op, payload, id) => {
        const change = { op, tenant: payload, network: payload, host: payload, port: payload, settings: payload, id } as never;
        const before = JSON.stringify(model);
        const r = applyChange(model, change);
        if (!r.ok) expect(r.errors.length).toBeGreaterThan(0);
        expect(JSON.stringify(model)).toBe(before);
      }),
      { numRuns: 500 },
    );
    // Objects that look almost right, field by field.
    const almost = fc.record({
      id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      tenantId: fc.constantFrom("t1", "t2", 5, null),
      networkId: fc.constantFrom("n1", "nope", null),
      hostId: fc.constantFrom("h1", "h2", {}),
      name: fc.oneof(fc.string(), fc.constant(undefined)),
      kind: fc.constantFrom("overlay", "provider", "x"),
      segmentationId: fc.oneof(fc.integer(), fc.constant(null), fc.string()),
      subnet: fc.constantFrom("192.0.2.0/24", "192.0.2.0/33", "x", 7),
      gateway: fc.constantFrom("192.0.2.1", null, "x", 1),
      dhcpRange: fc.constantFrom(null, { start: "192.0.2.5", end: "192.0.2.9" }, { start: 1 }, "x"),
      dns: fc.constantFrom([], ["198.51.100.1"], "x", [1]),
      mac: fc.constantFrom("02:00:00:00:00:09", "zz", 5),
      ip: fc.constantFrom(undefined, null, "192.0.2.77", "x", 9),
      managementAddress: fc.constantFrom("203.0.113.9", "", 1),
      ovsdbTarget: fc.constantFrom("tcp:203.0.113.9:6640", "x", null),
      backend: fc.constantFrom("ovs", "bridge", "x"),
      tunnelIp: fc.constantFrom(null, "203.0.113.9", "x"),
    });
    fc.assert(
      fc.property(fc.constantFrom(...ops), almost, (op, payload) => {
        const change = { op, tenant: payload, network: payload, host: payload, port: payload, settings: payload, id: payload.id } as never;
        const r = applyChange(model, change);
        if (r.ok) expect(validateModel(r.value)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
