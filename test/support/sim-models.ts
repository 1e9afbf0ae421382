// Random tenant models for property tests: several hosts, tenants that reuse the same CIDRs,
// overlay networks, VLAN and flat provider networks, and ports spread over hosts. Built through
// applyChange, so every model is one the API would accept.
import fc from "fast-check";
import { EMPTY_MODEL, applyChange, type ModelChange, type NetworkModel } from "../../src/model";

const SUBNETS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/28"] as const;

export interface ModelShape {
  hosts: Array<{ uplink: boolean }>;
  tenants: number;
  networks: Array<{ tenant: number; kind: "overlay" | "vlan" | "flat"; subnet: number }>;
  ports: Array<{ network: number; host: number; mac: number; fixedIp: boolean }>;
}

export const modelShape: fc.Arbitrary<ModelShape> = fc.record({
  hosts: fc.array(fc.record({ uplink: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  tenants: fc.integer({ min: 1, max: 3 }),
  networks: fc.array(
    fc.record({
      tenant: fc.nat(2),
      kind: fc.constantFrom("overlay", "overlay", "overlay", "vlan", "flat") as fc.Arbitrary<"overlay" | "vlan" | "flat">,
      subnet: fc.nat(SUBNETS.length - 1),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  // `mac` is drawn from a small range so that the same MAC shows up in different networks.
  ports: fc.array(fc.record({ network: fc.nat(4), host: fc.nat(3), mac: fc.nat(15), fixedIp: fc.boolean() }), { maxLength: 12 }),
});

/** Builds the model; changes the validation refuses (e.g. a provider port on a host without uplink) are skipped. */
export function buildModel(shape: ModelShape): NetworkModel {
  let model = EMPTY_MODEL;
  const tryApply = (change: ModelChange) => {
    const r = applyChange(model, change);
    if (r.ok) model = r.value;
  };
  shape.hosts.forEach((h, i) =>
    tryApply({
      op: "add_host",
      host: { id: `h${i}`, name: `kvm${i}`, managementAddress: `203.0.113.${100 + i}`, ovsdbTarget: `tcp:203.0.113.${100 + i}:6640`, backend: "ovs", tunnelIp: `203.0.113.${100 + i}`, uplink: h.uplink ? "eth1" : null },
    }),
  );
  for (let t = 0; t < shape.tenants; t++) tryApply({ op: "add_tenant", tenant: { id: `t${t}`, name: `tenant${t}` } });
  shape.networks.forEach((n, i) => {
    const subnet = SUBNETS[n.subnet]!;
    const base = subnet.split("/")[0]!.split(".").slice(0, 3).join(".");
    tryApply({
      op: "add_network",
      network: {
        id: `n${i}`,
        tenantId: `t${n.tenant % shape.tenants}`,
        name: `net${i}`,
        kind: n.kind === "overlay" ? "overlay" : "provider",
        segmentationId: n.kind === "overlay" ? 5000 + i : n.kind === "vlan" ? 100 + i : null,
        subnet,
        gateway: `${base}.1`,
        dhcpRange: n.kind === "overlay" ? null : { start: `${base}.2`, end: `${base}.5` },
        dns: [],
      },
    });
  });
  shape.ports.forEach((p, i) => {
    const network = model.networks[p.network % Math.max(1, model.networks.length)];
    const host = model.hosts[p.host % model.hosts.length];
    if (!network || !host) return;
    const base = network.subnet.split("/")[0]!.split(".").slice(0, 3).join(".");
    tryApply({
      op: "add_port",
      port: {
        id: `p${i}`,
        networkId: network.id,
        hostId: host.id,
        mac: `02:00:00:00:00:${p.mac.toString(16).padStart(2, "0")}`,
        ...(p.fixedIp ? { ip: `${base}.${6 + i}` } : {}),
      },
    });
  });
  return model;
}
