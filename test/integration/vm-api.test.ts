// The VM routes of the REST API driving the real netns driver on a real 2-host lab: what an
// operator does (create, start, list, stop, delete) changes namespaces and OVS ports, and the
// inventory records what the driver reported. br-int is standalone with the hosts' uplinks on it
// (no controller here), so the VMs lease from the lab's site LAN: a flat provider network.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLab, type Lab } from "../support/lab";
import { specFromModel, standaloneBrInt, waitFor } from "../support/vm-lab";
import { startFixture, type Fixture } from "../e2e/fixtures";
import { findInterface } from "../../src/ovsdb/vswitch";
import { mapToRecord } from "../../src/ovsdb/datum";
import { createVmDrivers, type VmDrivers } from "../../src/vm";
import { nicHostIfName } from "../../src/vm/names";

let lab: Lab;
let f: Fixture;
let vms: VmDrivers;
const dataDir = mkdtempSync(join(tmpdir(), "vm-api-"));
const tag = `${process.pid}`;

async function must(method: string, path: string, body?: unknown) {
  const r = await f.call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

beforeAll(async () => {
  lab = await startLab({ hosts: 2 });
  await standaloneBrInt(lab);
  vms = createVmDrivers({ dataDir });
  f = await startFixture({ drivers: vms.resolve });
  await must("POST", "/api/tenants", { name: "red" });
  for (const h of lab.plan.hosts) {
    await must("POST", "/api/hosts", { name: `${h.name}-${tag}`, managementAddress: h.mgmtAddress, ovsdbTarget: h.ovsdbTarget, backend: "ovs", tunnelIp: h.underlayAddress, uplink: h.uplinkIface });
  }
  await must("POST", "/api/hosts", { name: `far-${tag}`, managementAddress: "203.0.113.250", ovsdbTarget: "tcp:203.0.113.250:6640", backend: "ovs", uplink: "uplink" });
  await must("POST", "/api/networks", { name: "site", tenant: "red", kind: "provider", segmentationId: null, subnet: "203.0.113.0/24" });
  await must("POST", "/api/networks", { name: "site7", tenant: "red", kind: "provider", segmentationId: 7, subnet: "203.0.113.0/24" });
}, 60_000);

afterAll(async () => {
  await f?.close();
  vms?.close();
  await lab?.down();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("VM API over the netns driver", () => {
  it("creates, starts, lists, stops and deletes VMs on two lab hosts", async () => {
    const a = await must("POST", "/api/vms", { name: `a${tag}`, tenant: "red", host: `h1-${tag}`, driver: "netns", nics: [{ network: "site", mac: "02:00:5e:30:00:01" }] });
    expect(a).toMatchObject({ state: "stopped", netns: `${lab.plan.hosts[0]!.netns}-vm-a${tag}` });
    expect(existsSync(`/run/netns/${a.netns}`)).toBe(true);
    const b = await must("POST", "/api/vms", { name: `b${tag}`, tenant: "red", host: `h2-${tag}`, driver: "netns", nics: [{ network: "site", mac: "02:00:5e:30:00:02" }] });

    expect(await must("POST", `/api/vms/${a.id}/start`)).toMatchObject({ state: "running" });
    expect(await must("POST", `/api/vms/${b.id}/start`)).toMatchObject({ state: "running" });
    const portA = f.store.state().model.ports.find((p) => p.vmId === a.id)!;
    const client = await lab.client("h1");
    expect(mapToRecord(findInterface(client.replica, nicHostIfName(portA.id))?.external_ids)).toMatchObject({ "iface-id": portA.ifaceId, "vm-id": a.id, "attached-mac": "02:00:5e:30:00:01" });
    const spec = specFromModel(f.store.state().model, f.store.state().vms.find((v) => v.id === a.id)!);
    const lease = await waitFor("a's lease", () => vms.netns.leases(spec)[0]);
    expect(lease.ip).toMatch(/^203\.0\.113\.\d+\/27$/);

    const list = await must("GET", "/api/vms");
    expect(list.filter((v: { name: string }) => [`a${tag}`, `b${tag}`].includes(v.name)).map((v: { state: string }) => v.state)).toEqual(["running", "running"]);

    expect(await must("POST", `/api/vms/${a.id}/stop`)).toMatchObject({ state: "stopped" });
    await client.waitFor((r) => findInterface(r, nicHostIfName(portA.id)) === undefined, 3000);

    for (const vm of [a, b]) expect((await f.call("DELETE", `/api/vms/${vm.id}`)).status).toBe(204);
    expect(existsSync(`/run/netns/${a.netns}`)).toBe(false);
    expect(existsSync(`/run/netns/${b.netns}`)).toBe(false);
  }, 60_000);

  it("hot-adds, removes and moves NICs of a running VM through the API: br-int ports, guest links and DHCP follow", async () => {
    const c = await must("POST", "/api/vms", { name: `c${tag}`, tenant: "red", host: `h1-${tag}`, driver: "netns", nics: [{ network: "site", mac: "02:00:5e:30:00:03" }] });
    try {
      await must("POST", `/api/vms/${c.id}/start`);
      const added = await f.call("POST", `/api/vms/${c.id}/nics`, { network: "site", mac: "02:00:5e:30:00:04" });
      expect(added.status).toBe(201);
      expect(added.body.state).toBe("running");
      const port = f.store.state().model.ports.find((p) => p.mac === "02:00:5e:30:00:04")!;
      const client = await lab.client("h1");
      const row = await client.waitFor((r) => findInterface(r, nicHostIfName(port.id)), 5000);
      expect(mapToRecord(row?.external_ids)).toMatchObject({ "iface-id": port.ifaceId, "vm-id": c.id, "attached-mac": "02:00:5e:30:00:04" });
      const spec = () => specFromModel(f.store.state().model, f.store.state().vms.find((v) => v.id === c.id)!);
      expect(await vms.netns.guestIfNames(spec())).toEqual({ [c.nics[0].id]: "eth0", [port.id]: "eth1" });
      const lease = await waitFor("eth1's lease", () => vms.netns.leases(spec()).find((l) => l.ifname === "eth1"), 20_000);
      expect(lease.ip).toMatch(/^203\.0\.113\.\d+\/27$/);

      const removed = await f.call("DELETE", `/api/vms/${c.id}/nics/${port.id}`);
      expect(removed.status).toBe(200);
      await client.waitFor((r) => findInterface(r, nicHostIfName(port.id)) === undefined, 5000);
      expect(await vms.netns.guestIfNames(spec())).toEqual({ [c.nics[0].id]: "eth0" });

      // Moved to another network (a VLAN of the site; br-int is standalone here, so the same
      // dnsmasq answers): same veth, but its DHCP client starts over for the new network.
      const pidfile = join(lab.state.runDir, `vm-c${tag}`, "udhcpc-eth0.pid");
      const before = readFileSync(pidfile, "utf8").trim();
      await waitFor("eth0's lease", () => vms.netns.leases(spec()).find((l) => l.ifname === "eth0"), 20_000);
      const moved = await f.call("PATCH", `/api/vms/${c.id}/nics/${c.nics[0].id}`, { network: "site7" });
      expect(moved.status).toBe(200);
      expect(moved.body.nics[0]).toMatchObject({ network: "site7", ipAssignment: "external" });
      expect(readFileSync(pidfile, "utf8").trim()).not.toBe(before);
      expect(await vms.netns.guestIfNames(spec())).toEqual({ [c.nics[0].id]: "eth0" });
      await waitFor("eth0's lease after the move", () => vms.netns.leases(spec()).find((l) => l.ifname === "eth0"), 20_000);

      expect((await must("POST", `/api/vms/${c.id}/reboot`)).state).toBe("running");
      expect(await vms.netns.state(spec())).toBe("running");
    } finally {
      await f.call("DELETE", `/api/vms/${c.id}`);
    }
    expect(existsSync(`/run/netns/${c.netns}`)).toBe(false);
  }, 60_000);

  it("a VM on a host that is not a lab host here fails with the driver's reason and leaves no record", async () => {
    const r = await f.call("POST", "/api/vms", { name: `far${tag}`, tenant: "red", host: `far-${tag}`, driver: "netns", nics: [{ network: "site" }] });
    expect(r.status).toBe(502);
    expect(r.body.error.message).toMatch(/host far-\d+ is not a lab host on this machine/);
    expect(f.store.state().vms.some((v) => v.name === `far${tag}`)).toBe(false);
  });
});
