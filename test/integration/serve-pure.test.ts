// The pure parts of `vnet serve` and `vnet demo`: listen-address parsing, the controller target,
// how switch ports are labelled for the live view, host statuses, and the demo's plan. No network
// here (the file sits with the serve tests because it tests their helpers).
import { describe, expect, it } from "vitest";
import type { PortDesc } from "../../openflow/index";
import { OFPPS } from "../../openflow/index";
import type { InventoryState } from "../../src/inventory/types";
import { applyChanges, EMPTY_MODEL, type ModelChange } from "../../src/model";
import type { HostStatus } from "../../src/realise/host";
import { allTunnels, liveHostStatuses, liveSwitches } from "../../src/server/live-topology";
import { checkControllerTarget, chooseControllerTarget, parseListen } from "../../src/server/where";
import { planDemo, pingPair } from "../../src/demo/plan";
import type { HostPlan } from "../../src/lab/plan";
import { testPort } from "../support/port-desc";

describe("parseListen", () => {
  it("reads ADDR:PORT, [v6]:PORT, :PORT and PORT", () => {
    expect(parseListen("198.51.100.1:6653")).toEqual({ host: "198.51.100.1", port: 6653 });
    expect(parseListen("[::1]:6653")).toEqual({ host: "::1", port: 6653 });
    expect(parseListen(":6633")).toEqual({ host: "0.0.0.0", port: 6633 });
    expect(parseListen("0")).toEqual({ host: "0.0.0.0", port: 0 });
  });
  it("refuses what is not an address and a port, saying what it got", () => {
    expect(() => parseListen("nonsense")).toThrow(/ADDR:PORT \(got "nonsense"\)/);
    expect(() => parseListen("198.51.100.1:70000")).toThrow(/0-65535 \(got "70000"/);
    expect(() => parseListen("example.org:6653")).toThrow(/must be an IP address \(got "example.org"/);
  });
});

describe("chooseControllerTarget", () => {
  const ifs = {
    lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }],
    eth0: [{ address: "203.0.113.7", family: "IPv4", internal: false }],
  } as unknown as Parameters<typeof chooseControllerTarget>[2];
  it("a specific listen address is the target; a wildcard one takes this machine's first external IPv4", () => {
    expect(chooseControllerTarget("198.51.100.1", 6653, ifs)).toBe("tcp:198.51.100.1:6653");
    expect(chooseControllerTarget("0.0.0.0", 6653, ifs)).toBe("tcp:203.0.113.7:6653");
    expect(chooseControllerTarget("::1", 6653, ifs)).toBe("tcp:[::1]:6653");
    expect(chooseControllerTarget("0.0.0.0", 1234, { lo: ifs!.lo! })).toBe("tcp:127.0.0.1:1234");
  });
});

function state(): InventoryState {
  const changes: ModelChange[] = [
    { op: "add_tenant", tenant: { id: "t-red", name: "red" } },
    { op: "add_tenant", tenant: { id: "t-blue", name: "blue" } },
    { op: "add_host", host: { id: "h-1", name: "hv1", managementAddress: "198.51.100.2", ovsdbTarget: "tcp:198.51.100.2:6640", backend: "ovs", tunnelIp: "192.0.2.1" } },
    { op: "add_host", host: { id: "h-2", name: "hv2", managementAddress: "198.51.100.3", ovsdbTarget: "tcp:198.51.100.3:6640", backend: "bridge", tunnelIp: "192.0.2.2" } },
    { op: "add_network", network: { id: "n-red", tenantId: "t-red", name: "red-net", kind: "overlay", segmentationId: 10, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] } },
    { op: "add_network", network: { id: "n-blue", tenantId: "t-blue", name: "blue-net", kind: "overlay", segmentationId: 11, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] } },
    { op: "add_port", port: { id: "p-r1", networkId: "n-red", hostId: "h-1", mac: "02:00:00:00:00:01", ip: "203.0.113.10" } },
    { op: "add_port", port: { id: "p-b1", networkId: "n-blue", hostId: "h-1", mac: "02:00:00:00:00:02", ip: "203.0.113.10" } },
  ];
  const built = applyChanges(EMPTY_MODEL, changes);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  const model = { ...built.value, ports: built.value.ports.map((p) => ({ ...p, vmId: p.id === "p-r1" ? "vm-r1" : "vm-b1" })) };
  return {
    model,
    vms: [
      { id: "vm-r1", name: "r1", tenantId: "t-red", hostId: "h-1", driver: "netns", state: "running" },
      { id: "vm-b1", name: "b1", tenantId: "t-blue", hostId: "h-1", driver: "netns", state: "running" },
    ],
  };
}

const status = (over: Partial<HostStatus> = {}): HostStatus => ({
  hostId: "h-1",
  dpid: "00000000000000aa",
  connected: true,
  ovsdbReady: true,
  flowRestoreWait: false,
  inSync: true,
  wiring: { vmPorts: { "p-r1": 3, "p-b1": 4 }, tunnels: { "h-2": 1 }, uplink: 2 },
  ifaceOf: {},
  unbound: [],
  lastReport: null,
  ...over,
});

const port = (portNo: number, name: string, down = false): PortDesc =>
  testPort(portNo, { name, hwAddr: "02:00:00:00:99:99", state: down ? OFPPS.LINK_DOWN : 0 });

describe("checkControllerTarget", () => {
  it("accepts what OVS accepts for a bridge's controller and names what it refused", () => {
    for (const ok of ["tcp:198.51.100.1:6653", "ssl:[2001:db8::1]:6653", "unix:/run/vnet/of.sock"]) expect(() => checkControllerTarget(ok)).not.toThrow();
    for (const bad of ["garbage", "tcp:198.51.100.1", "http://198.51.100.1:6653", "tcp::6653"]) expect(() => checkControllerTarget(bad)).toThrow(`(got "${bad}")`);
  });
});

describe("the live topology from realiser statuses", () => {
  const ports = [port(1, "vx-h2"), port(2, "uplink"), port(3, "vnp-r1"), port(4, "vnp-b1", true), port(0xfffffffe, "br-int")];

  it("labels each switch port with its VM and tenant, or its tunnel; the bridge's LOCAL port is left out", () => {
    const [sw] = liveSwitches(state(), { statuses: [status()], portsOf: () => ports });
    expect(sw).toMatchObject({ dpid: "00000000000000aa", host: "hv1", name: "br-int", connected: true });
    expect(sw!.ports).toEqual([
      { portNo: 1, name: "vx-h2", hwAddr: "02:00:00:00:99:99", up: true, tunnel: "hv1->hv2" },
      { portNo: 2, name: "uplink", hwAddr: "02:00:00:00:99:99", up: true },
      { portNo: 3, name: "vnp-r1", hwAddr: "02:00:00:00:99:99", up: true, vm: "r1", tenant: "red" },
      { portNo: 4, name: "vnp-b1", hwAddr: "02:00:00:00:99:99", up: false, vm: "b1", tenant: "blue" },
    ]);
  });

  it("a switch that is not connected shows with no ports", () => {
    const [sw] = liveSwitches(state(), { statuses: [status({ connected: false })], portsOf: () => ports });
    expect(sw).toMatchObject({ connected: false, ports: [] });
  });

  it("host statuses: OVS hosts from their realiser, bridge hosts from their agent's last pass", () => {
    expect(liveHostStatuses(state(), [status()], () => false)).toEqual([
      { name: "hv1", status: { ovsdbConnected: true, openflowConnected: true, dpid: "00000000000000aa" } },
      { name: "hv2", status: { ovsdbConnected: false, openflowConnected: false } },
    ]);
    expect(liveHostStatuses(state(), [], (id) => id === "h-2")[1]).toEqual({ name: "hv2", status: { ovsdbConnected: false, openflowConnected: true } });
  });

  it("tunnels both ways: the OVS side from its wiring, the bridge side from its agent", () => {
    const t = allTunnels(state(), [status()], () => true);
    expect(t.map((x) => `${x.id}:${x.kind}:${x.up}`)).toEqual(["hv1->hv2:vxlan:true", "hv2->hv1:vxlan:true"]);
  });
});

describe("the demo's plan", () => {
  const hosts = [1, 2].map(
    (i) => ({ name: `h${i}`, mgmtAddress: `198.51.100.${i + 1}`, ovsdbTarget: `tcp:198.51.100.${i + 1}:6640`, underlayAddress: `192.0.2.${i}`, uplinkIface: "uplink" }) as HostPlan,
  );

  it("mixed puts OVS on the first host and the kernel bridge on the other; two tenants share one CIDR", () => {
    const p = planDemo(hosts, "mixed", "netns");
    expect(p.hosts.map((h) => `${h.name}:${h.backend}`)).toEqual(["h1:ovs", "h2:bridge"]);
    expect(new Set(p.tenants.map((t) => t.subnet)).size).toBe(1);
    expect(p.vms).toHaveLength(8);
    expect(new Set(p.vms.map((v) => v.name)).size).toBe(8);
    for (const t of p.tenants) for (const h of p.hosts) expect(p.vms.filter((v) => v.tenant === t.name && v.host === h.name)).toHaveLength(2);
  });

  it("the suggested ping crosses hosts within one tenant", () => {
    const pair = pingPair(planDemo(hosts, "ovs", "netns").vms)!;
    expect(pair[0].tenant).toBe(pair[1].tenant);
    expect(pair[0].host).not.toBe(pair[1].host);
  });
});
