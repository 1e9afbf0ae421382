// How fast netns VMs come up: builds a temporary 2-host lab (OVS hosts, br-int standalone with the
// uplinks on it, so the lab's site-LAN dnsmasq leases addresses), then starts N VMs spread over
// the hosts and measures create, start (NICs plugged), time to every DHCP lease, stop and destroy.
//   npx tsx src/vm/bench.ts [N=8]
// Prints one line per phase; the lab is removed at the end, even on failure.

import { randomBytes } from "node:crypto";
import { labUp } from "../lab/lab";
import { ensureBridge, ensurePort } from "../ovsdb/vswitch";
import type { VmSpec } from "../api/vm-driver";
import type { Host, Network } from "../model/types";
import { NetnsDriver } from "./netns/driver";

const n = Number(process.argv[2] ?? 8);
if (!Number.isInteger(n) || n < 1 || n > 20) {
  console.error("usage: tsx src/vm/bench.ts [N]   (1-20 VMs: the lab's DHCP pool holds 23 addresses)");
  process.exit(2);
}

const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;
const lab = await labUp({ name: "vb" + randomBytes(3).toString("hex").slice(0, 5), hosts: 2, temporary: true });
const driver = new NetnsDriver();
try {
  const hosts: Host[] = [];
  for (const h of lab.plan.hosts) {
    const client = await lab.client(h.name);
    await ensureBridge(client, { name: "br-int", datapathType: "netdev", failMode: "standalone" });
    await ensurePort(client, "br-int", { name: h.uplinkIface });
    hosts.push({ id: h.name, name: h.name, managementAddress: h.mgmtAddress, ovsdbTarget: h.ovsdbTarget, backend: "ovs", tunnelIp: h.underlayAddress });
  }
  const net: Network = { id: "lan", tenantId: "t", name: "lan", kind: "provider", segmentationId: null, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] };
  const specs: VmSpec[] = Array.from({ length: n }, (_, i) => {
    const host = hosts[i % hosts.length]!;
    const vmId = `vm${i}`;
    const mac = `02:00:5e:40:00:${(i + 1).toString(16).padStart(2, "0")}`;
    return {
      vm: { id: vmId, name: `b${i}`, tenantId: "t", hostId: host.id, driver: "netns", state: "defined" },
      host,
      nics: [{ port: { id: `p${i}`, networkId: net.id, hostId: host.id, mac, ip: null, ipAssignment: "external", ifaceId: `i${i}`, vmId }, network: net }],
    };
  });
  let t0 = performance.now();
  await Promise.all(specs.map((s) => driver.create(s)));
  console.log(`create ${n} VMs: ${ms(t0)}`);
  t0 = performance.now();
  await Promise.all(specs.map((s) => driver.start(s)));
  console.log(`start ${n} VMs (veths, OVS ports with ofports, udhcpc): ${ms(t0)}`);
  const deadline = Date.now() + 60_000;
  while (specs.some((s) => driver.leases(s).length === 0)) {
    if (Date.now() > deadline) throw new Error("not every VM leased within 60 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(`every VM leased: ${ms(t0)} after start`);
  t0 = performance.now();
  await Promise.all(specs.map((s) => driver.stop(s)));
  console.log(`stop ${n} VMs: ${ms(t0)}`);
  t0 = performance.now();
  await Promise.all(specs.map((s) => driver.destroy(s)));
  console.log(`destroy ${n} VMs: ${ms(t0)}`);
} finally {
  driver.close();
  await lab.down();
}
