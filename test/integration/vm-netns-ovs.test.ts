// netns VMs under the whole OVS stack on a real 2-host lab: vnet's controller and realisers
// program br-int on both hosts, the netns driver plugs two VMs of one tenant overlay network (one
// per host) with their iface-ids, the controller's DHCP app leases them their model addresses, and
// they ping each other across the hosts' tunnel. Stopping a VM removes its port, and with it every
// flow that carried its MAC.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../support/lab";
import { labHost, specFromModel, waitFor } from "../support/vm-lab";
import { run } from "../../src/lab/exec";
import { ovsEnv } from "../../src/lab/ovs";
import { Controller } from "../../src/controller/controller";
import { setLogLevel } from "../../src/log";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../src/model";
import { findBridge } from "../../src/ovsdb/vswitch";
import { startRealisation, type Realisation } from "../../src/realise";
import { NetnsDriver } from "../../src/vm/netns/driver";
import type { VmSpec } from "../../src/api/vm-driver";

setLogLevel("silent");

let lab: Lab;
let controller: Controller;
let realisation: Realisation;
let model: NetworkModel;
const driver = new NetnsDriver();
const tag = `${process.pid}`;

function specOf(vmId: string): VmSpec {
  const hostId = model.ports.find((p) => p.vmId === vmId)!.hostId;
  return specFromModel(model, { id: vmId, name: `${vmId}${tag}`, tenantId: "A", hostId, driver: "netns", state: "defined" });
}

/** Polls fast: flows come and go within tens of milliseconds. */
const until = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>) => waitFor(what, probe, 20_000, 50);

/** Flows on a host's br-int that mention a MAC (as a match or a rewrite). */
async function flowsWithMac(host: string, mac: string): Promise<string[]> {
  const out = await run(["ovs-ofctl", "-O", "OpenFlow13", "dump-flows", "br-int"], { env: ovsEnv(lab.hostRunDir(host)) });
  return out.split("\n").filter((l) => l.includes(mac));
}

beforeAll(async () => {
  lab = await startLab({ hosts: 2 });
  const changes: ModelChange[] = [
    { op: "add_tenant", tenant: { id: "A", name: "alpha" } },
    ...lab.plan.hosts.map((h): ModelChange => ({ op: "add_host", host: labHost(h, "ovs", { uplink: h.uplinkIface }) })),
    { op: "add_network", network: { id: "net-a", tenantId: "A", name: "na", kind: "overlay", segmentationId: 100, subnet: "192.0.2.0/24", gateway: null, dhcpRange: null, dns: [] } },
    { op: "add_port", port: { id: `pa-${tag}`, networkId: "net-a", hostId: "h1", mac: "02:00:5e:50:00:01", ip: "192.0.2.11" } },
    { op: "add_port", port: { id: `pb-${tag}`, networkId: "net-a", hostId: "h2", mac: "02:00:5e:50:00:02", ip: "192.0.2.12" } },
  ];
  const built = applyChanges(EMPTY_MODEL, changes);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  model = { ...built.value, ports: built.value.ports.map((p) => ({ ...p, vmId: p.hostId === "h1" ? "vma" : "vmb" })) };
  controller = new Controller({ echoIntervalMs: 2000, deadAfterMs: 6000 });
  const info = await controller.listenTcp(0, lab.controllerAddress);
  realisation = startRealisation({ model, controller, controllerTarget: `tcp:${lab.controllerAddress}:${info.port}`, reconcileIntervalMs: 0 });
  // The realisers make br-int; VMs can only be plugged once it is there.
  for (const h of lab.plan.hosts) {
    const client = await lab.client(h.name);
    await until(`br-int on ${h.name}`, () => findBridge(client.replica, "br-int") !== undefined);
  }
}, 60_000);

afterAll(async () => {
  for (const id of ["vma", "vmb"]) await driver.destroy(specOf(id)).catch(() => undefined);
  driver.close();
  await realisation?.close();
  await controller?.close();
  await lab?.down();
}, 60_000);

describe("netns VMs on OVS hosts programmed by vnet", () => {
  it("boot, lease their model addresses from the controller and ping each other across hosts", async () => {
    const a = specOf("vma");
    const b = specOf("vmb");
    const t0 = performance.now();
    await Promise.all([driver.start(a), driver.start(b)]);
    const started = performance.now();
    const [la, lb] = await Promise.all([a, b].map((s) => until(`${s.vm.name}'s lease`, () => driver.leases(s)[0])));
    console.log(`vm-netns-ovs: 2 VMs started in ${(started - t0).toFixed(0)} ms, both leased from the controller ${(performance.now() - t0).toFixed(0)} ms after the start`);
    expect(la!.ip).toBe("192.0.2.11/24");
    expect(lb!.ip).toBe("192.0.2.12/24");
    await realisation.settled();
    const ping = await driver.exec(a, ["busybox", "ping", "-c", "3", "-W", "2", "192.0.2.12"]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
  }, 60_000);

  it("stopping a VM removes its flows; starting it again brings them back", async () => {
    const a = specOf("vma");
    const mac = a.nics[0]!.port.mac;
    expect((await flowsWithMac("h1", mac)).length).toBeGreaterThan(0);
    await driver.stop(a);
    await until("a's flows gone from h1", async () => (await flowsWithMac("h1", mac)).length === 0);
    await driver.start(a);
    await until("a's flows back on h1", async () => (await flowsWithMac("h1", mac)).length > 0);
  }, 60_000);
});
