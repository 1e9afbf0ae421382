// The netns VM driver on a real 2-host lab (each host a namespace with its own ovsdb-server and
// ovs-vswitchd): namespaces, veth pairs, OVS ports with the external_ids the realiser binds on,
// DHCP clients, and their removal. No controller runs here, so br-int is made standalone (NORMAL
// forwarding) with each host's uplink on it: the lab's site LAN, with its dnsmasq, stands in for a
// flat provider network, and the VMs' leases and pings are real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { startLab, type Lab } from "../support/lab";
import { labHost, standaloneBrInt, waitFor } from "../support/vm-lab";
import { run, tryRun } from "../../src/lab/exec";
import { findInterface } from "../../src/ovsdb/vswitch";
import { mapToRecord, optionalAtom } from "../../src/ovsdb/datum";
import { NetnsDriver } from "../../src/vm/netns/driver";
import { nicHostIfName } from "../../src/vm/names";
import type { VmSpec } from "../../src/api/vm-driver";
import type { Host, Network, Port } from "../../src/model/types";

let lab: Lab;
const driver = new NetnsDriver();
const tag = `${process.pid}`;
const hosts: Record<string, Host> = {};
const lan: Network = {
  id: "net-lan", tenantId: "t1", name: "lan", kind: "provider", segmentationId: null,
  subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [],
};

function port(id: string, host: string, mac: string, vmId: string): Port {
  return { id: `${id}-${tag}`, networkId: lan.id, hostId: host, mac, ip: null, ipAssignment: "external", ifaceId: `iface-${id}-${tag}`, vmId };
}

function spec(name: string, host: string, ports: Port[]): VmSpec {
  return {
    vm: { id: `vm-id-${name}`, name: `${name}${tag}`, tenantId: "t1", hostId: host, driver: "netns", state: "defined" },
    host: hosts[host]!,
    nics: ports.map((p) => ({ port: p, network: lan })),
  };
}

let a: VmSpec;
let b: VmSpec;

async function ifaceRow(host: string, name: string) {
  const client = await lab.client(host);
  return findInterface(client.replica, name);
}

beforeAll(async () => {
  lab = await startLab({ hosts: 2 });
  for (const h of lab.plan.hosts) hosts[h.name] = labHost(h, "ovs");
  await standaloneBrInt(lab);
  a = spec("a", "h1", [port("pa", "h1", "02:00:5e:00:01:01", "vm-id-a")]);
  b = spec("b", "h2", [port("pb", "h2", "02:00:5e:00:01:02", "vm-id-b")]);
}, 30_000);

afterAll(async () => {
  driver.close();
  if (!lab) return;
  const name = lab.name;
  await lab.down();
  const ns = (await run(["ip", "netns", "list"])).split("\n").filter((l) => l.startsWith(`lb-${name}-`));
  expect(ns).toEqual([]);
});

describe("netns VM driver on OVS hosts", () => {
  it("create makes a stopped VM: its namespace, nothing on the switch yet", async () => {
    expect(await driver.state(a)).toBe("absent");
    const made = await driver.create(a);
    expect(made.netns).toBe(`${lab.plan.hosts[0]!.netns}-vm-${a.vm.name}`);
    expect(existsSync(`/run/netns/${made.netns}`)).toBe(true);
    expect(await driver.state(a)).toBe("stopped");
    expect(await ifaceRow("h1", nicHostIfName(a.nics[0]!.port.id))).toBeUndefined();
    // Idempotent: the same namespace again.
    expect(await driver.create(a)).toEqual(made);
  });

  it("start plugs each NIC into br-int with iface-id, attached-mac and vm-id, and the VMs lease and ping", async () => {
    await driver.create(b);
    await Promise.all([driver.start(a), driver.start(b)]);
    expect(await driver.state(a)).toBe("running");
    for (const [s, host] of [[a, "h1"], [b, "h2"]] as const) {
      const nic = s.nics[0]!;
      const row = await ifaceRow(host, nicHostIfName(nic.port.id));
      expect(row, `${s.vm.name}'s port on ${host}`).toBeDefined();
      expect(mapToRecord(row!.external_ids)).toMatchObject({ "iface-id": nic.port.ifaceId, "attached-mac": nic.port.mac, "vm-id": s.vm.id });
      expect(optionalAtom(row!.ofport)).toBeGreaterThan(0);
      // The VM side: eth0 with the port's MAC, transmit checksum offload off (OVS netdev needs it).
      const link = JSON.parse((await driver.exec(s, ["ip", "-j", "link", "show", "eth0"])).stdout)[0];
      expect(link.address).toBe(nic.port.mac);
      expect((await driver.exec(s, ["ethtool", "-k", "eth0"])).stdout).toMatch(/tx-checksumming: off/);
    }
    const [la, lb] = await Promise.all(
      [a, b].map((s) => waitFor(`${s.vm.name}'s lease`, () => driver.leases(s)[0])),
    );
    const [lo, hi] = lab.plan.dhcpRange.map((ip) => Number(ip.split(".")[3]));
    for (const l of [la!, lb!]) {
      expect(l.ifname).toBe("eth0");
      expect(l.ip).toMatch(/^203\.0\.113\.\d+\/27$/);
      const last = Number(l.ip.split("/")[0]!.split(".")[3]);
      expect(last).toBeGreaterThanOrEqual(lo!);
      expect(last).toBeLessThanOrEqual(hi!);
      expect(l.router).toBe(lab.plan.gateway);
    }
    expect(la!.ip).not.toBe(lb!.ip);
    // The address is on the interface, and the two VMs on different hosts reach each other.
    expect((await driver.exec(a, ["ip", "-4", "-o", "addr", "show", "eth0"])).stdout).toContain(la!.ip);
    const ping = await driver.exec(a, ["busybox", "ping", "-c", "2", "-W", "2", lb!.ip.split("/")[0]!]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
  }, 40_000);

  it("a NIC added to a running VM appears, and goes when removed from the spec", async () => {
    const extra = port("pa2", "h1", "02:00:5e:00:01:03", a.vm.id);
    const grown: VmSpec = { ...a, nics: [...a.nics, { port: extra, network: lan }] };
    await driver.syncNics(grown);
    expect(await driver.guestIfNames(grown)).toEqual({ [a.nics[0]!.port.id]: "eth0", [extra.id]: "eth1" });
    expect(mapToRecord((await ifaceRow("h1", nicHostIfName(extra.id)))?.external_ids)["iface-id"]).toBe(extra.ifaceId);
    await driver.syncNics(a);
    expect(await driver.guestIfNames(grown)).toEqual({ [a.nics[0]!.port.id]: "eth0" });
    expect(await ifaceRow("h1", nicHostIfName(extra.id))).toBeUndefined();
    expect((await lab.exec("h1", ["ip", "link", "show", nicHostIfName(extra.id)])).code).not.toBe(0);
  });

  it("stop removes the ports from the switch, the veths and the DHCP client; start brings them back", async () => {
    const hostIf = nicHostIfName(a.nics[0]!.port.id);
    await driver.stop(a);
    expect(await driver.state(a)).toBe("stopped");
    expect(await ifaceRow("h1", hostIf)).toBeUndefined();
    expect((await lab.exec("h1", ["ip", "link", "show", hostIf])).code).not.toBe(0);
    expect((await driver.exec(a, ["ip", "link", "show", "eth0"])).code).not.toBe(0);
    const pids = (await run(["ip", "netns", "pids", (await driver.create(a)).netns!])).trim();
    expect(pids).toBe("");
    expect(driver.leases(a)).toEqual([]);
    await driver.stop(a); // stopping a stopped VM is fine
    await driver.reboot(a);
    expect(await driver.state(a)).toBe("running");
    expect(await ifaceRow("h1", hostIf)).toBeDefined();
  });

  it("destroy removes the namespace, its processes and its ports; destroying again succeeds", async () => {
    const netns = (await driver.create(a)).netns!;
    await driver.destroy(a);
    await driver.destroy(b);
    expect(await driver.state(a)).toBe("absent");
    expect(existsSync(`/run/netns/${netns}`)).toBe(false);
    expect(await ifaceRow("h1", nicHostIfName(a.nics[0]!.port.id))).toBeUndefined();
    expect(await ifaceRow("h2", nicHostIfName(b.nics[0]!.port.id))).toBeUndefined();
    expect((await tryRun(["pgrep", "-f", `vm-${a.vm.name}/udhcpc`])).stdout).toBe("");
    await driver.destroy(a);
  });

  it("refuses a host that is not a lab host here, and a bad spec, without creating anything", async () => {
    const stranger: Host = { ...hosts.h1!, id: "hx", name: "hx", managementAddress: "198.51.100.250", ovsdbTarget: "tcp:198.51.100.250:6640" };
    const s: VmSpec = { ...spec("c", "hx", []), host: stranger };
    await expect(driver.create(s)).rejects.toThrow(/host hx is not a lab host on this machine: netns VMs need/);
    await expect(driver.start(s)).rejects.toThrow(/not a lab host/);
    // Nothing of a netns VM can exist there: it is absent, and destroying it succeeds.
    expect(await driver.state(s)).toBe("absent");
    await driver.destroy(s);
    const bad = spec("d", "h1", [port("pd", "h1", "03:00:00:00:00:01", "vm-id-d")]);
    await expect(driver.create(bad)).rejects.toThrow(/bad MAC/);
    expect(await driver.state({ ...bad, nics: [] })).toBe("absent");
  });
});
