// The libvirt driver with a real QEMU guest (TCG) on a lab host: the project's guest image boots,
// its tap moves into the host's namespace onto br-int with the port's external_ids, and its DHCP
// DISCOVER crosses OVS to the lab's site LAN, whose dnsmasq leases it an address that the guest
// prints on its serial console. A slower stage (a TCG boot takes ~5-10 s); skipped, saying why,
// on a machine without virsh and qemu-system-x86_64 (apt-get install libvirt-daemon-system
// libvirt-clients qemu-system-x86).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLab, type Lab } from "../support/lab";
import { labHost, standaloneBrInt, waitFor } from "../support/vm-lab";
import { tryRun } from "../../src/lab/exec";
import { killPid } from "../../src/lab/ovs";
import { findInterface } from "../../src/ovsdb/vswitch";
import { mapToRecord } from "../../src/ovsdb/datum";
import { LibvirtDriver } from "../../src/vm/libvirt/driver";
import { ensureLibvirtd } from "../../src/vm/libvirt/virsh";
import { nicHostIfName } from "../../src/vm/names";
import type { VmSpec } from "../../src/api/vm-driver";
import type { Network } from "../../src/model/types";

const missing: string[] = [];
let lab: Lab | undefined;
let driver: LibvirtDriver | undefined;
let started: string[] = [];
let s: VmSpec;
const dataDir = mkdtempSync(join(tmpdir(), "vm-libvirt-"));
const tag = `${process.pid}`;
const flat: Network = { id: "lan", tenantId: "t1", name: "lan", kind: "provider", segmentationId: null, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] };

beforeAll(async () => {
  for (const tool of ["virsh", "libvirtd", "qemu-system-x86_64"]) if ((await tryRun(["which", tool])).code !== 0) missing.push(tool);
  if (missing.length) return;
  started = await ensureLibvirtd();
  lab = await startLab({ hosts: 1 });
  const h = lab.plan.hosts[0]!;
  // No controller here: br-int forwards NORMAL and carries the uplink to the site LAN's dnsmasq.
  await standaloneBrInt(lab);
  driver = new LibvirtDriver({ dataDir, log: (l) => console.log(l) });
  s = {
    vm: { id: `vm-id-${tag}`, name: `g${tag}`, tenantId: "t1", hostId: "h1", driver: "libvirt", state: "defined" },
    host: labHost(h, "ovs", { tunnelIp: null }),
    nics: [{ port: { id: `p-${tag}`, networkId: flat.id, hostId: "h1", mac: "02:00:5e:20:00:01", ip: null, ipAssignment: "external", ifaceId: `iface-${tag}`, vmId: `vm-id-${tag}` }, network: flat }],
  };
}, 600_000);

afterAll(async () => {
  if (driver) {
    await driver.destroy(s).catch(() => undefined);
    driver.close();
  }
  await lab?.down();
  // Stop only the daemons this test started.
  for (const d of started) {
    const pids = (await tryRun(["pgrep", "-x", d])).stdout.split("\n").filter(Boolean).map(Number);
    for (const pid of pids) await killPid(pid, 2000);
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("libvirt VM driver (slow stage: a real QEMU guest)", () => {
  it("boots a guest whose tap is a bound br-int port and whose DHCP lease comes back over OVS", async (ctx) => {
    if (missing.length) {
      console.warn(`vm-libvirt: skipped, not installed here: ${missing.join(", ")}`);
      ctx.skip();
    }
    await driver!.create(s);
    expect(await driver!.state(s)).toBe("stopped");
    const t0 = performance.now();
    await driver!.start(s);
    expect(await driver!.state(s)).toBe("running");
    const client = await lab!.client("h1");
    const tap = nicHostIfName(s.nics[0]!.port.id);
    expect(mapToRecord(findInterface(client.replica, tap)?.external_ids)).toMatchObject({ "iface-id": s.nics[0]!.port.ifaceId, "attached-mac": "02:00:5e:20:00:01", "vm-id": s.vm.id });
    const lease = await waitFor("the guest's lease on its console", () => driver!.leases(s).eth0, 90_000, 200);
    console.log(`vm-libvirt: ${s.vm.name} leased ${lease} ${(performance.now() - t0).toFixed(0)} ms after start`);
    expect(lease).toMatch(/^203\.0\.113\.\d+\/27$/);
    expect(lab!.leases().map((l) => l.mac)).toContain("02:00:5e:20:00:01");
  }, 120_000);

  it("stop removes the port; destroy forgets the domain", async (ctx) => {
    if (missing.length || !driver) ctx.skip();
    const client = await lab!.client("h1");
    await driver!.stop(s);
    expect(await driver!.state(s)).toBe("stopped");
    await client.waitFor((r) => findInterface(r, nicHostIfName(s.nics[0]!.port.id)) === undefined, 3000);
    await driver!.destroy(s);
    expect(await driver!.state(s)).toBe("absent");
    await driver!.destroy(s);
  }, 60_000);
});
