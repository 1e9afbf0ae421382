// compile (model -> LinkSet) and diff (LinkSet vs kernel dump -> operations), both pure.

import { describe, expect, it } from "vitest";
import { compile } from "../../../src/kernel/compile";
import { diff, type Observed } from "../../../src/kernel/diff";
import { ALL_CAPS, type KernelCaps, type LinkSet, portIfName } from "../../../src/kernel/linkset";
import { checkLinkSet } from "../../../src/kernel/check";
import type { LinkState } from "../../../src/kernel/netlink/link";
import type { FdbState } from "../../../src/kernel/netlink/neigh";
import { NTF, NUD } from "../../../src/kernel/netlink/constants";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../../src/model";

const NO_VLAN: KernelCaps = { vlan: false, vlanFiltering: false, nftBridge: true };

function host(id: string, i: number, extra: Partial<{ backend: "ovs" | "bridge"; tunnelIp: string | null; uplink: string | null }> = {}): ModelChange {
  return {
    op: "add_host",
    host: { id, name: id, managementAddress: `192.0.2.${i}`, ovsdbTarget: "unix:/x", backend: "bridge", tunnelIp: `198.51.100.${i}`, ...extra },
  };
}

function build(changes: ModelChange[]): NetworkModel {
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const base: ModelChange[] = [
  { op: "add_tenant", tenant: { id: "t", name: "t" } },
  host("h1", 1),
  host("h2", 2),
  host("h3", 3, { backend: "ovs" }),
  { op: "add_network", network: { id: "n1", tenantId: "t", name: "n1", kind: "overlay", segmentationId: 10, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] } },
  { op: "add_port", port: { id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01", ip: "203.0.113.10" } },
  { op: "add_port", port: { id: "p2", networkId: "n1", hostId: "h2", mac: "02:00:00:00:00:02", ip: "203.0.113.11" } },
  { op: "add_port", port: { id: "p3", networkId: "n1", hostId: "h3", mac: "02:00:00:00:00:03", ip: "203.0.113.12" } },
];

describe("compile", () => {
  it("gives each network with local ports a bridge and a VXLAN device, with head-end and per-MAC entries", () => {
    const ls = compile(build(base), "h1", ALL_CAPS);
    expect(ls.links).toEqual([
      { kind: "bridge", name: "vnbr10", networkId: "n1" },
      { kind: "vxlan", name: "vnvx10", networkId: "n1", bridge: "vnbr10", vni: 10, local: "198.51.100.1", port: 4789 },
    ]);
    expect(ls.attachments).toEqual([
      { name: "vnvx10", bridge: "vnbr10", portId: null, flags: { learning: false } },
      { name: portIfName("p1"), bridge: "vnbr10", portId: "p1", flags: { learning: true } },
    ]);
    // Peers h2 (bridge) and h3 (OVS) both get head-end replication and their VMs' MACs.
    expect(ls.fdb).toEqual([
      { dev: "vnvx10", mac: "00:00:00:00:00:00", dst: "198.51.100.2" },
      { dev: "vnvx10", mac: "02:00:00:00:00:02", dst: "198.51.100.2" },
      { dev: "vnvx10", mac: "02:00:00:00:00:02" },
      { dev: "vnvx10", mac: "00:00:00:00:00:00", dst: "198.51.100.3" },
      { dev: "vnvx10", mac: "02:00:00:00:00:03", dst: "198.51.100.3" },
      { dev: "vnvx10", mac: "02:00:00:00:00:03" },
    ]);
    expect(ls.guards).toEqual([{ ifname: portIfName("p1"), portId: "p1", mac: "02:00:00:00:00:01", ip: "203.0.113.10", dhcpLocal: true }]);
    expect(ls.dhcp.map((d) => [d.bridge, d.ports.map((p) => p.port.id)])).toEqual([["vnbr10", ["p1"]]]);
    expect(ls.problems).toEqual([]);
    expect(checkLinkSet(JSON.parse(JSON.stringify(ls)))).toEqual(ls);
  });

  it("is deterministic and ignores the order of the model's lists", () => {
    const m = build(base);
    const shuffled: NetworkModel = { ...m, ports: [...m.ports].reverse(), hosts: [...m.hosts].reverse() };
    expect(compile(shuffled, "h1", ALL_CAPS)).toEqual(compile(m, "h1", ALL_CAPS));
  });

  it("builds nothing for networks without local ports, and refuses OVS hosts", () => {
    const m = build([...base, { op: "add_network", network: { id: "n2", tenantId: "t", name: "n2", kind: "overlay", segmentationId: 20, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] } }]);
    expect(compile(m, "h1", ALL_CAPS).links.map((l) => l.name)).toEqual(["vnbr10", "vnvx10"]);
    const ovs = compile(m, "h3", ALL_CAPS);
    expect(ovs.links).toEqual([]);
    expect(ovs.problems[0]!.message).toMatch(/uses backend "ovs"/);
  });

  it("says clearly when a provider VLAN needs 8021q the kernel lacks, and bridges a flat uplink without it", () => {
    const m = build([
      { op: "add_tenant", tenant: { id: "t", name: "t" } },
      host("h1", 1, { uplink: "uplink" }),
      { op: "add_network", network: { id: "v", tenantId: "t", name: "vlan100", kind: "provider", segmentationId: 100, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] } },
      { op: "add_network", network: { id: "f", tenantId: "t", name: "flat", kind: "provider", segmentationId: null, subnet: "198.51.100.0/24", gateway: null, dhcpRange: null, dns: [] } },
      { op: "add_port", port: { id: "pv", networkId: "v", hostId: "h1", mac: "02:00:00:00:01:01", ip: "203.0.113.5" } },
      { op: "add_port", port: { id: "pf", networkId: "f", hostId: "h1", mac: "02:00:00:00:01:02", ip: "198.51.100.5" } },
    ]);
    const without = compile(m, "h1", NO_VLAN);
    expect(without.problems.map((p) => p.message)).toEqual([
      "provider network vlan100 (VLAN 100) needs VLAN sub-interfaces (8021q), which host h1's kernel lacks: its VMs there reach only each other",
    ]);
    expect(without.links.map((l) => l.name)).toEqual(["vnbrflat", "vnbrv100"]);
    expect(without.attachments.find((a) => a.name === "uplink")).toEqual({ name: "uplink", bridge: "vnbrflat", portId: null, flags: {} });
    expect(without.dhcp).toEqual([]); // the site's DHCP server answers on provider networks
    expect(without.guards.every((g) => !g.dhcpLocal)).toBe(true);
    const withVlan = compile(m, "h1", ALL_CAPS);
    expect(withVlan.problems).toEqual([]);
    expect(withVlan.links).toContainEqual({ kind: "vlan", name: "vnvl100", networkId: "v", bridge: "vnbrv100", vlanId: 100, lower: "uplink" });
  });

  it("reports a host without a tunnel IP, and a Geneve model with OVS peers", () => {
    const noTunnel = build([...base.slice(0, 1), host("h1", 1, { tunnelIp: null }), ...base.slice(2)]);
    expect(compile(noTunnel, "h1", ALL_CAPS).problems[0]!.message).toMatch(/h1 has no tunnel IP/);
    const geneve: NetworkModel = { ...build(base), settings: { tunnelType: "geneve" } };
    expect(compile(geneve, "h1", ALL_CAPS).problems[0]!.message).toMatch(/tunnels in VXLAN but the model's tunnel type is geneve/);
  });
});

// --- diff ---------------------------------------------------------------------------------

let nextIndex = 1;
function link(name: string, extra: Partial<LinkState> = {}): LinkState {
  return { index: nextIndex++, name, mtu: 1500, up: true, lowerUp: true, ...extra };
}

/** The kernel state that exactly realises `ls`, as a dump would show it. */
function realise(ls: LinkSet): Observed {
  const links: LinkState[] = [link("lo"), link("underlay")];
  const idx = (n: string): number => links.find((l) => l.name === n)!.index;
  for (const l of ls.links) {
    if (l.kind === "bridge") links.push(link(l.name, { kind: "bridge" }));
  }
  for (const l of ls.links) {
    if (l.kind === "vxlan") links.push(link(l.name, { kind: "vxlan", master: idx(l.bridge), vxlan: { vni: l.vni, local: l.local, port: l.port, learning: false } }));
  }
  for (const a of ls.attachments) {
    const existing = links.find((l) => l.name === a.name);
    if (existing) existing.brport = { ...a.flags };
    else links.push(link(a.name, { kind: "veth", master: idx(a.bridge), brport: { ...a.flags } }));
  }
  const fdb: FdbState[] = ls.fdb.map((e) =>
    e.dst
      ? { ifindex: idx(e.dev), mac: e.mac, dst: e.dst, self: true, state: NUD.PERMANENT | NUD.NOARP, flags: NTF.SELF }
      : { ifindex: idx(e.dev), mac: e.mac, self: false, master: 1, state: NUD.NOARP, flags: 0 },
  );
  // Entries the kernel keeps by itself, which vnet must never touch.
  fdb.push({ ifindex: idx("vnvx10"), mac: "66:66:66:66:66:66", self: false, state: NUD.PERMANENT, flags: 0 });
  fdb.push({ ifindex: idx("vnvx10"), mac: "33:33:00:00:00:01", self: true, state: NUD.PERMANENT, flags: NTF.SELF });
  fdb.push({ ifindex: idx("vnvx10"), mac: "02:00:00:00:00:99", self: false, state: NUD.REACHABLE, flags: 0 });
  return { links, fdb };
}

describe("diff", () => {
  const ls = compile(build(base), "h1", ALL_CAPS);

  it("builds everything on an empty host, in dependency order", () => {
    const { ops, pending } = diff(ls, { links: [link("lo")], fdb: [] });
    expect(ops.map((o) => o.op)).toEqual(["link-add", "link-add", "brport-set", "fdb-add", "fdb-add", "fdb-add", "fdb-add", "fdb-add", "fdb-add"]);
    expect(ops[0]).toMatchObject({ op: "link-add", link: { name: "vnbr10" } });
    expect(ops[1]).toMatchObject({ op: "link-add", link: { name: "vnvx10" } });
    expect(pending).toEqual([portIfName("p1")]); // the VM has not started yet
  });

  it("finds nothing to do on a host that matches, and leaves the kernel's own entries alone", () => {
    expect(diff(ls, realise(ls))).toEqual({ ops: [], pending: [] });
  });

  it("asks only for what is missing", () => {
    const observed = realise(ls);
    observed.fdb = observed.fdb.filter((e) => e.mac !== "02:00:00:00:00:02");
    const first = diff(ls, observed);
    expect(first.ops.map((o) => o.reason)).toEqual([
      "FDB 02:00:00:00:00:02 dev vnvx10 dst 198.51.100.2 is missing",
      "FDB 02:00:00:00:00:02 dev vnvx10 master static is missing",
    ]);
  });

  it("recreates a VXLAN device whose fixed parameters changed, with its FDB, after deleting it", () => {
    const observed = realise(ls);
    const vx = observed.links.find((l) => l.name === "vnvx10")!;
    vx.vxlan = { ...vx.vxlan!, vni: 11 };
    const ops = diff(ls, observed).ops;
    expect(ops.map((o) => `${o.op} ${o.reason}`)).toEqual([
      "link-del vnvx10 has VNI 11, want 10: recreated",
      "link-add vnvx10 recreated",
      "brport-set vnvx10 bridge port wants learning off",
      ...ls.fdb.map((e) => `fdb-add FDB ${e.mac} dev ${e.dev}${e.dst ? ` dst ${e.dst}` : " master static"} is missing`),
    ]);
  });

  it("recreating a bridge re-plugs its tunnel and re-adds the static entries the bridge held", () => {
    const observed = realise(ls);
    const br = observed.links.find((l) => l.name === "vnbr10")!;
    br.kind = "vxlan"; // something else holds the bridge's name
    br.vxlan = { vni: 99, port: 4789, learning: true };
    const ops = diff(ls, observed).ops.map((o) => `${o.op}: ${o.reason}`);
    expect(ops).toContain("link-del: vnbr10 is a vxlan link, want bridge: recreated");
    expect(ops).toContain("link-set: vnvx10 was plugged into vnbr10, which is recreated");
    expect(ops.filter((o) => o.startsWith("fdb-add"))).toEqual([
      "fdb-add: FDB 02:00:00:00:00:02 dev vnvx10 master static is missing",
      "fdb-add: FDB 02:00:00:00:00:03 dev vnvx10 master static is missing",
    ]);
  });

  it("reports hand-made changes: a stray FDB entry, a port unplugged, learning switched on, a link down", () => {
    const observed = realise(ls);
    const vx = observed.links.find((l) => l.name === "vnvx10")!;
    const br = observed.links.find((l) => l.name === "vnbr10")!;
    const vm = observed.links.find((l) => l.name === portIfName("p1"))!;
    observed.fdb.push({ ifindex: vx.index, mac: "00:00:00:00:00:00", dst: "198.51.100.77", self: true, state: NUD.PERMANENT, flags: NTF.SELF });
    delete vm.master;
    vx.brport = { learning: true };
    br.up = false;
    expect(diff(ls, observed).ops.map((o) => `${o.op}: ${o.reason}`)).toEqual([
      "fdb-del: FDB 00:00:00:00:00:00 dev vnvx10 dst 198.51.100.77 is not in the model",
      "link-set: vnbr10 is down",
      `link-set: ${vm.name} is plugged into nothing, want vnbr10`,
      "brport-set: vnvx10 bridge port wants learning off",
      `brport-set: ${vm.name} bridge port wants learning on`,
    ]);
  });

  it("deletes owned links the model no longer needs and unplugs VM interfaces of removed ports, touching nothing else", () => {
    const observed = realise(ls);
    const stale = link("vnbr99", { kind: "bridge" });
    observed.links.push(
      stale,
      link("vnp0123456789ab", { master: stale.index }),
      link("docker0", { kind: "bridge" }),
      link("myvx", { kind: "vxlan" }),
      link("vnbr-nic", { kind: "veth" }), // shares the prefix, but vnet never makes veths
    );
    expect(diff(ls, observed).ops.map((o) => `${o.op}: ${o.reason}`)).toEqual([
      "link-del: vnbr99 exists but the model has no use for it",
      "link-set: vnp0123456789ab is plugged into vnbr99 but its port is not in the model: unplugged",
    ]);
  });
});

describe("checkLinkSet", () => {
  const ls = compile(build(base), "h1", ALL_CAPS);
  it("names the first bad field", () => {
    expect(() => checkLinkSet(null)).toThrow("invalid LinkSet: linkSet: expected an object");
    expect(() => checkLinkSet({ ...ls, fdb: [{ dev: "vnvx10", mac: "zz" }] })).toThrow("invalid LinkSet: linkSet.fdb[0].mac: expected a MAC address");
    expect(() => checkLinkSet({ ...ls, links: [{ kind: "bridge", name: "x; rm -rf /", networkId: "n" }] })).toThrow(/links\[0\]\.name: expected an interface name/);
    expect(() => checkLinkSet({ ...ls, attachments: [{ name: "a", bridge: "b", flags: { hairpin: true } }] })).toThrow(/flags\.hairpin: unknown flag/);
  });
});
