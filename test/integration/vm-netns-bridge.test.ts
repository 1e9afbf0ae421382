// netns VMs on kernel-bridge hosts of a real 2-host lab, with vnet's kernel realiser (one agent per
// host namespace: bridges, VXLAN between the hosts' underlay addresses, DHCP for the overlay
// network). Two VMs of one tenant network on different hosts boot, lease their model addresses
// from vnet's DHCP and ping each other; a stopped VM's interface leaves the bridge.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../support/lab";
import { labHost, specFromModel, waitFor } from "../support/vm-lab";
import { tryRun } from "../../src/lab/exec";
import { KernelRealiser } from "../../src/kernel/realiser";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../src/model";
import { NetnsDriver } from "../../src/vm/netns/driver";
import { nicHostIfName } from "../../src/vm/names";
import type { VmSpec } from "../../src/api/vm-driver";

let lab: Lab;
let model: NetworkModel;
let realiser: KernelRealiser;
const driver = new NetnsDriver();
const tag = `${process.pid}`;

function specOf(vmName: string, hostId: string): VmSpec {
  return specFromModel(model, { id: `vm-${vmName}`, name: `${vmName}${tag}`, tenantId: "t1", hostId, driver: "netns", state: "defined" });
}

async function masterOf(netns: string, ifname: string): Promise<string | null> {
  const r = await tryRun(["ip", "-n", netns, "-j", "link", "show", ifname]);
  return r.code === 0 ? ((JSON.parse(r.stdout) as { master?: string }[])[0]?.master ?? null) : null;
}

beforeAll(async () => {
  lab = await startLab({ hosts: 2 });
  const changes: ModelChange[] = [
    { op: "add_tenant", tenant: { id: "t1", name: "t1" } },
    ...lab.plan.hosts.map((h): ModelChange => ({ op: "add_host", host: labHost(h, "bridge") })),
    {
      op: "add_network",
      network: { id: "blue", tenantId: "t1", name: "blue", kind: "overlay", segmentationId: 4100 + (process.pid % 1000), subnet: "192.0.2.0/24", gateway: null, dhcpRange: null, dns: [] },
    },
    { op: "add_port", port: { id: `pa-${tag}`, networkId: "blue", hostId: "h1", mac: "02:00:5e:10:00:01", ip: "192.0.2.11", vmId: null } },
    { op: "add_port", port: { id: `pb-${tag}`, networkId: "blue", hostId: "h2", mac: "02:00:5e:10:00:02", ip: "192.0.2.12", vmId: null } },
  ];
  const built = applyChanges(EMPTY_MODEL, changes);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  // The VM ids on the ports (the inventory would set them; the model alone does not know VMs).
  model = { ...built.value, ports: built.value.ports.map((p) => ({ ...p, vmId: p.hostId === "h1" ? "vm-a" : "vm-b" })) };
  const byHost = new Map(lab.plan.hosts.map((h) => [h.name, h.netns]));
  realiser = new KernelRealiser({ netnsOf: (id) => byHost.get(id) ?? null });
  const reports = await realiser.sync(model);
  expect(reports.map((r) => [r.hostId, r.failure, r.errors])).toEqual([
    ["h1", undefined, []],
    ["h2", undefined, []],
  ]);
}, 60_000);

afterAll(async () => {
  driver.close();
  await realiser?.close();
  await lab?.down();
});

describe("netns VMs on kernel-bridge hosts", () => {
  it("two VMs on different hosts join the network's bridge, lease their addresses from vnet and ping each other", async () => {
    const a = specOf("a", "h1");
    const b = specOf("b", "h2");
    await Promise.all([driver.start(a), driver.start(b)]);
    const bridge = `vnbr${model.networks[0]!.segmentationId}`;
    await waitFor("a's NIC on the bridge", async () => (await masterOf(lab.plan.hosts[0]!.netns, nicHostIfName(a.nics[0]!.port.id))) === bridge);
    const [la, lb] = await Promise.all([a, b].map((s) => waitFor(`${s.vm.name}'s lease`, () => driver.leases(s)[0], 20_000)));
    expect(la!.ip).toBe("192.0.2.11/24");
    expect(lb!.ip).toBe("192.0.2.12/24");
    // Offload stays on for Linux bridges (only OVS netdev needs it off).
    expect((await driver.exec(a, ["ethtool", "-k", "eth0"])).stdout).toMatch(/tx-checksumming: on/);
    const ping = await driver.exec(a, ["busybox", "ping", "-c", "2", "-W", "2", "192.0.2.12"]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
  }, 60_000);

  it("stop takes the VM off the bridge; destroy leaves nothing on the host", async () => {
    const a = specOf("a", "h1");
    const b = specOf("b", "h2");
    await driver.stop(a);
    expect(await masterOf(lab.plan.hosts[0]!.netns, nicHostIfName(a.nics[0]!.port.id))).toBeNull();
    expect((await driver.exec(b, ["busybox", "ping", "-c", "1", "-W", "1", "192.0.2.11"])).code).not.toBe(0);
    await Promise.all([driver.destroy(a), driver.destroy(b)]);
    expect(await driver.state(a)).toBe("absent");
    const hostLinks = (await tryRun(["ip", "-n", lab.plan.hosts[1]!.netns, "-o", "link", "show"])).stdout;
    expect(hostLinks).not.toContain(nicHostIfName(b.nics[0]!.port.id));
  }, 30_000);
});
