// The pure host wiring: which tunnel/uplink ports br-int should carry, what OVSDB must change to
// get there, and how the bridge's ports bind to model ports.
import { describe, expect, it } from "vitest";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../../src/model";
import type { PortView } from "../../../src/ovsdb/vswitch";
import {
  REMOTE_HOST_KEY,
  ROLE_KEY,
  desiredTunnels,
  isWiringPlanEmpty,
  observeWiring,
  planWiring,
  portAtOfport,
  sameWiring,
  tunnelPortName,
} from "../../../src/realise/wiring";
import { liveHostStatus, liveTunnels } from "../../../src/realise/live";

function host(id: string, tunnelIp: string | null, backend: "ovs" | "bridge" = "ovs"): ModelChange {
  return { op: "add_host", host: { id, name: id, managementAddress: "198.51.100.10", ovsdbTarget: `tcp:198.51.100.${id.length}:6640`, backend, tunnelIp, uplink: "uplink" } };
}

function model(extra: ModelChange[] = []): NetworkModel {
  const r = applyChanges(EMPTY_MODEL, [
    { op: "add_tenant", tenant: { id: "t", name: "t" } },
    host("h1", "192.0.2.1"),
    host("h2", "192.0.2.2"),
    host("h3", "192.0.2.3", "bridge"),
    host("h4", null),
    { op: "add_network", network: { id: "n", tenantId: "t", name: "n", kind: "overlay", segmentationId: 5, subnet: "198.51.100.0/24", gateway: null, dhcpRange: null, dns: [] } },
    { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:01" } },
    { op: "add_port", port: { id: "p2", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:02", ifaceId: "vnic-2" } },
    ...extra,
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function view(name: string, o: Partial<PortView> = {}): PortView {
  return { name, type: "", trunks: [], externalIds: {}, options: {}, ...o };
}

function tunnelView(remote: string, remoteIp: string, o: Partial<PortView> = {}): PortView {
  return view(tunnelPortName("vxlan", remote), {
    type: "vxlan",
    options: { remote_ip: remoteIp, local_ip: "192.0.2.1", key: "flow" },
    externalIds: { [REMOTE_HOST_KEY]: remote },
    ...o,
  });
}

describe("desiredTunnels", () => {
  it("has one tunnel per other host with a tunnel endpoint; VXLAN to kernel-bridge hosts even under Geneve", () => {
    const m = { ...model(), settings: { tunnelType: "geneve" as const } };
    const t = desiredTunnels(m, "h1");
    expect(t.map((x) => [x.remoteHostId, x.kind, x.remoteIp, x.localIp, x.key])).toEqual(
      [
        ["h2", "geneve", "192.0.2.2", "192.0.2.1", "flow"],
        ["h3", "vxlan", "192.0.2.3", "192.0.2.1", "flow"],
      ].sort((a, b) => tunnelPortName(a[1] as "vxlan", a[0]!).localeCompare(tunnelPortName(b[1] as "vxlan", b[0]!))),
    );
    // Names fit in an interface name and differ per remote host.
    for (const x of t) expect(x.name.length).toBeLessThanOrEqual(15);
    expect(new Set(t.map((x) => x.name)).size).toBe(t.length);
  });

  it("is empty for a host without a tunnel endpoint or unknown to the model", () => {
    expect(desiredTunnels(model(), "h4")).toEqual([]);
    expect(desiredTunnels(model(), "nope")).toEqual([]);
  });
});

describe("planWiring", () => {
  it("asks for every tunnel and the uplink on a bare bridge", () => {
    const plan = planWiring(model(), "h1", [view("br-int", { type: "internal" })]);
    expect(plan.tunnels.map((t) => t.remoteHostId)).toEqual(expect.arrayContaining(["h2", "h3"]));
    expect(plan.uplink).toBe("uplink");
    expect(plan.remove).toEqual([]);
  });

  it("is empty when the bridge is as wanted", () => {
    const ports = [
      tunnelView("h2", "192.0.2.2"),
      tunnelView("h3", "192.0.2.3"),
      view("uplink", { externalIds: { [ROLE_KEY]: "uplink" } }),
    ];
    expect(isWiringPlanEmpty(planWiring(model(), "h1", ports))).toBe(true);
  });

  it("corrects a tunnel whose remote moved, removes tunnels to hosts that left, keeps foreign ports", () => {
    const ports = [
      tunnelView("h2", "192.0.2.99"),
      tunnelView("h3", "192.0.2.3"),
      tunnelView("gone", "192.0.2.50"),
      view("uplink", { externalIds: { [ROLE_KEY]: "uplink" } }),
      view("somebody-else", { type: "vxlan", options: { remote_ip: "192.0.2.77" } }),
    ];
    const plan = planWiring(model(), "h1", ports);
    expect(plan.tunnels.map((t) => [t.remoteHostId, t.remoteIp])).toEqual([["h2", "192.0.2.2"]]);
    expect(plan.remove).toEqual([tunnelPortName("vxlan", "gone")]);
    expect(plan.uplink).toBeNull();
  });

  it("switches tunnel kind when the setting changes (new name, old port removed)", () => {
    const m = { ...model(), settings: { tunnelType: "geneve" as const } };
    const plan = planWiring(m, "h1", [tunnelView("h2", "192.0.2.2"), tunnelView("h3", "192.0.2.3"), view("uplink", { externalIds: { [ROLE_KEY]: "uplink" } })]);
    expect(plan.tunnels.map((t) => [t.remoteHostId, t.kind])).toEqual([["h2", "geneve"]]);
    expect(plan.remove).toEqual([tunnelPortName("vxlan", "h2")]);
  });
});

describe("observeWiring", () => {
  it("binds VM NICs by iface-id, tunnels by remote host, the uplink by role; skips ports without ofport", () => {
    const ports = [
      view("tap1", { ofport: 7, externalIds: { "iface-id": "p1" } }),
      view("tap9", { externalIds: { "iface-id": "p1" } }), // no ofport yet
      tunnelView("h2", "192.0.2.2", { ofport: 3 }),
      tunnelView("gone", "192.0.2.50", { ofport: 4 }),
      view("uplink", { ofport: 2, externalIds: { [ROLE_KEY]: "uplink" } }),
    ];
    const o = observeWiring(model(), "h1", ports);
    expect(o.wiring).toEqual({ vmPorts: { p1: 7 }, tunnels: { h2: 3 }, uplink: 2 });
    expect(o.ifaceOf).toEqual({ p1: "tap1" });
    expect(o.unbound).toEqual([]);
    expect(portAtOfport(o.wiring, 7)).toBe("p1");
    expect(portAtOfport(o.wiring, 3)).toBeUndefined();
  });

  it("reports NICs it cannot bind, and never binds a port twice", () => {
    const ports = [
      view("a", { ofport: 1, externalIds: { "iface-id": "p1" } }),
      view("b", { ofport: 2, externalIds: { "iface-id": "p1" } }),
      view("c", { ofport: 3, externalIds: { "iface-id": "vnic-2" } }), // p2 lives on h2
      view("d", { ofport: 4, externalIds: { "iface-id": "stranger" } }),
    ];
    const o = observeWiring(model(), "h1", ports);
    expect(o.wiring.vmPorts).toEqual({ p1: 1 });
    expect(o.unbound.map((u) => [u.iface, u.reason])).toEqual([
      ["b", "port p1 is bound to a already"],
      ["c", "the model places port p2 on host h2"],
      ["d", "no port in the model has this iface-id"],
    ]);
  });

  it("sameWiring compares content, not identity", () => {
    const a = { vmPorts: { p1: 1 }, tunnels: { h2: 3 }, uplink: null };
    expect(sameWiring(a, { vmPorts: { p1: 1 }, tunnels: { h2: 3 }, uplink: null })).toBe(true);
    expect(sameWiring(a, { vmPorts: { p1: 2 }, tunnels: { h2: 3 }, uplink: null })).toBe(false);
    expect(sameWiring(a, { vmPorts: { p1: 1 }, tunnels: {}, uplink: null })).toBe(false);
    expect(sameWiring(a, { vmPorts: { p1: 1 }, tunnels: { h2: 3 }, uplink: 9 })).toBe(false);
  });
});

describe("live view terms", () => {
  const status = (hostId: string, tunnels: Record<string, number>, connected = true) => ({
    hostId, dpid: "00000000000000aa", connected, ovsdbReady: true, flowRestoreWait: false, inSync: connected,
    wiring: { vmPorts: {}, tunnels, uplink: null }, ifaceOf: {}, unbound: [], lastReport: null,
  });
  it("reports tunnels up when their port has an ofport, and host connectivity", () => {
    const m = model();
    const tunnels = liveTunnels(m, [status("h1", { h2: 3 })]);
    expect(tunnels.map((t) => [t.id, t.kind, t.remoteIp, t.up])).toEqual([
      ["h1->h2", "vxlan", "192.0.2.2", true],
      ["h1->h3", "vxlan", "192.0.2.3", false],
    ]);
    expect(liveHostStatus(m, status("h1", {}, false))).toEqual({ name: "h1", status: { ovsdbConnected: true, openflowConnected: false } });
    expect(liveHostStatus(m, status("h1", {}))!.status.dpid).toBe("00000000000000aa");
    expect(liveHostStatus(m, status("zz", {}))).toBeNull();
  });
});
