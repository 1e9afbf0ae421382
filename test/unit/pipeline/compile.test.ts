import { describe, expect, it } from "vitest";
import { EMPTY_MODEL, applyChanges, type ModelChange } from "../../../src/model";
import { compile, decodeCookie, idHash } from "../../../src/pipeline";

const host = (id: string, n: number): ModelChange => ({
  op: "add_host",
  host: { id, name: `kvm${n}`, managementAddress: `203.0.113.${n}`, ovsdbTarget: `tcp:203.0.113.${n}:6640`, backend: "ovs", tunnelIp: `203.0.113.${n}`, uplink: "eth1" },
});

function model(changes: ModelChange[]) {
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const base = model([
  { op: "add_tenant", tenant: { id: "t", name: "t" } },
  host("h1", 1),
  host("h2", 2),
  { op: "add_network", network: { id: "n", tenantId: "t", name: "red", kind: "overlay", segmentationId: 9, subnet: "192.0.2.0/24", gateway: null, dhcpRange: null, dns: [] } },
  { op: "add_network", network: { id: "v", tenantId: "t", name: "site", kind: "provider", segmentationId: 5, subnet: "198.51.100.0/24", gateway: null, dhcpRange: null, dns: [] } },
  { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:01" } },
  { op: "add_port", port: { id: "p2", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:02" } },
  { op: "add_port", port: { id: "p3", networkId: "v", hostId: "h1", mac: "02:00:00:00:00:03" } },
  { op: "add_port", port: { id: "p4", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:04" } },
]);

describe("compile re-uses each network's part while its inputs hold", () => {
  const wiring = { vmPorts: { p1: 7, p3: 8, p4: 9 }, tunnels: { h2: 20 }, uplink: 1 };
  const cold = (m: typeof base, w: typeof wiring) => compile(structuredClone(m), "h1", w);

  // The networks' flows (the table-miss and host guard flows are a handful, made afresh).
  const ofNetworks = (s: ReturnType<typeof compile>) => s.flows.filter((f) => ["port", "network"].includes(decodeCookie(f.cookie)!.kind));

  it("gives the same flow objects for the same model and wiring, and the same flows as a cold compile", () => {
    const a = compile(base, "h1", wiring);
    const b = compile(base, "h1", wiring);
    expect(ofNetworks(b).length).toBeGreaterThan(20);
    expect(ofNetworks(b)).toHaveLength(ofNetworks(a).length);
    ofNetworks(b).forEach((f, i) => expect(f).toBe(ofNetworks(a)[i]));
    expect(b).toEqual(cold(base, wiring));
  });

  it("recompiles exactly the network whose member, NIC ofport, tunnel or uplink changed", () => {
    const before = compile(base, "h1", wiring);
    // The provider network's flows: everything p3's and network v's cookies own.
    const site = (s: ReturnType<typeof compile>) => ofNetworks(s).filter((f) => [idHash("p3"), idHash("v")].includes(decodeCookie(f.cookie)!.idHash));
    // p4 (network n) moves to another ofport: n is recompiled, the provider network v is re-used.
    const moved = { ...wiring, vmPorts: { ...wiring.vmPorts, p4: 11 } };
    const after = compile(base, "h1", moved);
    expect(after).toEqual(cold(base, moved));
    expect(after.flows.some((f) => f.match.in_port === 11)).toBe(true);
    expect(after.flows.some((f) => f.match.in_port === 9)).toBe(false);
    expect(site(after).length).toBeGreaterThan(5);
    site(after).forEach((f, i) => expect(f).toBe(site(before)[i]));
    // The tunnel to h2 (where n has a member) moves: n changes, and only n.
    const retunnelled = { ...moved, tunnels: { h2: 21 } };
    expect(compile(base, "h1", retunnelled)).toEqual(cold(base, retunnelled));
    // The uplink moves: the provider network changes.
    const uplinked = { ...retunnelled, uplink: 2 };
    expect(compile(base, "h1", uplinked)).toEqual(cold(base, uplinked));
    // A remote member changed in the model (a new Port object): its network is recompiled.
    const next = applyChanges(base, [{ op: "update_port", port: { id: "p2", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:22" } }]);
    if (!next.ok) throw new Error(JSON.stringify(next.errors));
    const state = compile(next.value, "h1", uplinked);
    expect(state).toEqual(cold(next.value, uplinked));
    expect(state.flows.some((f) => f.match.eth_dst === "02:00:00:00:00:22")).toBe(true);
  });
});

describe("compile", () => {
  it("gives flows only to bound ports: a port without an ofport has none until OVSDB reports one", () => {
    const state = compile(base, "h1", { vmPorts: { p1: 7 }, tunnels: { h2: 20 }, uplink: 1 });
    const inPorts = new Set(state.flows.filter((f) => f.table === "classify").map((f) => f.match.in_port));
    expect([...inPorts].sort()).toEqual([1, 20, 7, undefined].sort());
    // p4 is in the model but not bound: its MAC is not forwarded to, its address still answered
    // (the ARP responder knows every address of the network, bound or not).
    const owners = state.flows.map((f) => decodeCookie(f.cookie)).filter((c) => c?.kind === "port");
    expect(owners.length).toBeGreaterThan(0);
    expect(state.flows.some((f) => f.table === "l2_lookup" && f.match.eth_dst === "02:00:00:00:00:04")).toBe(false);
    expect(state.flows.some((f) => f.table === "arp" && f.match.arp_tpa === base.ports.find((p) => p.id === "p4")!.ip)).toBe(true);
    // The provider network has no bound port here: no flows, no groups for it.
    expect(state.groups.map((g) => g.groupId).sort()).toEqual([18, 19]);
  });

  it("reports what the wiring cannot give instead of guessing", () => {
    const state = compile(base, "h1", { vmPorts: { p1: 1, p3: 3 }, tunnels: {}, uplink: null });
    expect(state.problems).toEqual([
      'network "red": no tunnel port to host "h2", whose ports stay unreachable',
      'network "site" is a provider network but host "kvm1" has no uplink port',
    ]);
    expect(compile(base, "nope", { vmPorts: {}, tunnels: {}, uplink: null })).toEqual({ flows: [], groups: [], problems: ['host "nope" is not in the model'] });
  });

  it("is deterministic: the same inputs give the same flows in the same order", () => {
    const w = { vmPorts: { p1: 1, p3: 3, p4: 4 }, tunnels: { h2: 20 }, uplink: 2 };
    const a = compile(base, "h1", w);
    const shuffled = { ...base, ports: [...base.ports].reverse(), networks: [...base.networks].reverse() };
    const b = compile(shuffled, "h1", w);
    const text = (s: typeof a) => JSON.stringify(s, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    expect(text(b) === text(a)).toBe(true); // (not toBe: a failure would print two huge strings)
  });
});
