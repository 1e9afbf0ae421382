// A mixed site: host h1 runs Open vSwitch (userspace datapath, VXLAN port with the network's VNI
// as key), host h2 runs the kernel-bridge backend through its agent. VMs of one network on the two
// hosts must reach each other across the tunnel, ICMP and TCP: the two backends speak the same
// VXLAN on the wire.
//
// h1's OVS here is wired by hand as a NORMAL (learning) switch, which is all this test needs from
// it: it checks the kernel side's encapsulation against a real OVS, not the OVS pipeline.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tryRun } from "../../src/lab/exec";
import { ovsEnv, ovsPaths, startOvsdbServer, startVswitchd, stopOvs } from "../../src/lab/ovs";
import { KernelAgentClient } from "../../src/kernel/agent/client";
import { compile } from "../../src/kernel/compile";
import { portIfName } from "../../src/kernel/linkset";
import { applyChanges, EMPTY_MODEL, type ModelChange } from "../../src/model";

const tag = randomBytes(3).toString("hex");
const N = { ul: `kbu${tag}`, h1: `kbo${tag}`, h2: `kbk${tag}`, v1: `kbv1${tag}`, v2: `kbv2${tag}` };
const created: string[] = [];
let ovsDir = "";
let agent: KernelAgentClient | null = null;

const sh = (ns: string, ...argv: string[]) => run(["ip", "netns", "exec", ns, ...argv]);
const vsctl = (...args: string[]) => run(["ovs-vsctl", `--db=unix:${ovsPaths(ovsDir).sock}`, ...args], { env: ovsEnv(ovsDir) });

const changes: ModelChange[] = [
  { op: "add_tenant", tenant: { id: "t", name: "t" } },
  { op: "add_host", host: { id: "h1", name: "h1", managementAddress: "192.0.2.1", ovsdbTarget: "unix:/x", backend: "ovs", tunnelIp: "198.51.100.1" } },
  { op: "add_host", host: { id: "h2", name: "h2", managementAddress: "192.0.2.2", ovsdbTarget: "unix:/x", backend: "bridge", tunnelIp: "198.51.100.2" } },
  { op: "add_network", network: { id: "n", tenantId: "t", name: "n", kind: "overlay", segmentationId: 5001, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] } },
  { op: "add_port", port: { id: "p1", networkId: "n", hostId: "h1", mac: "02:00:00:00:50:01", ip: "203.0.113.21" } },
  { op: "add_port", port: { id: "p2", networkId: "n", hostId: "h2", mac: "02:00:00:00:50:02", ip: "203.0.113.22" } },
];

async function addNs(name: string): Promise<void> {
  await run(["ip", "netns", "add", name]);
  created.push(name);
  await sh(name, "ip", "link", "set", "lo", "up");
}

beforeAll(async () => {
  const built = applyChanges(EMPTY_MODEL, changes);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  const model = built.value;
  for (const n of [N.ul, N.h1, N.h2, N.v1, N.v2]) await addNs(n);
  await sh(N.ul, "ip", "link", "add", "ul", "type", "bridge");
  await sh(N.ul, "ip", "link", "set", "ul", "up");
  for (const h of ["h1", "h2"] as const) {
    await sh(N.ul, "ip", "link", "add", `p${h}`, "type", "veth", "peer", "name", "underlay", "netns", N[h]);
    await sh(N.ul, "ip", "link", "set", `p${h}`, "master", "ul", "up");
    await sh(N[h], "ip", "link", "set", "underlay", "up");
  }

  // h1: a private OVS in its namespace; the underlay IP on br-phy's internal port (lab notes).
  ovsDir = mkdtempSync(join(tmpdir(), "kbovs-"));
  await startOvsdbServer({ dir: ovsDir, netns: N.h1 });
  await startVswitchd({ dir: ovsDir, netns: N.h1 });
  await vsctl("add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev", "other_config:hwaddr=02:00:00:00:99:01");
  await vsctl("add-port", "br-phy", "underlay");
  await sh(N.h1, "ip", "addr", "add", "198.51.100.1/24", "dev", "br-phy");
  await sh(N.h1, "ip", "link", "set", "br-phy", "up");
  await vsctl("add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev");
  await vsctl("add-port", "br-int", "vxh2", "--", "set", "interface", "vxh2", "type=vxlan", "options:remote_ip=198.51.100.2", "options:key=5001");
  await sh(N.h1, "ip", "link", "add", "vm1", "type", "veth", "peer", "name", "eth0", "netns", N.v1);
  await sh(N.h1, "ip", "link", "set", "vm1", "up");
  await vsctl("add-port", "br-int", "vm1");

  // h2: the kernel backend. Its underlay is a veth whose far side feeds OVS's userspace datapath,
  // which drops tunnel packets whose checksum a veth left to "hardware" (lab notes): on a real NIC
  // the hardware fills it in; here the kernel must.
  await sh(N.h2, "ip", "addr", "add", "198.51.100.2/24", "dev", "underlay");
  await sh(N.h2, "ethtool", "-K", "underlay", "tx", "off");
  await sh(N.h2, "ip", "link", "add", portIfName("p2"), "type", "veth", "peer", "name", "eth0", "netns", N.v2);
  agent = KernelAgentClient.start({ netns: N.h2 });
  const caps = await agent.call("caps", {});
  const report = await agent.call("apply", { linkSet: compile(model, "h2", caps) });
  expect(report.errors).toEqual([]);
  expect(report.problems).toEqual([]);

  for (const [vm, mac, ip] of [
    [N.v1, "02:00:00:00:50:01", "203.0.113.21/24"],
    [N.v2, "02:00:00:00:50:02", "203.0.113.22/24"],
  ] as const) {
    await sh(vm, "ip", "link", "set", "eth0", "address", mac);
    await sh(vm, "ip", "addr", "add", ip, "dev", "eth0");
    await sh(vm, "ip", "link", "set", "eth0", "up");
  }
  // TCP through OVS netdev needs checksum offload off on the VM side (lab notes).
  await sh(N.v1, "ethtool", "-K", "eth0", "tx", "off");
}, 60_000);

afterAll(async () => {
  if (process.env.KB_KEEP) return; // debugging: leave everything for inspection
  await agent?.close();
  if (ovsDir) {
    await tryRun(["ovs-vsctl", `--db=unix:${ovsPaths(ovsDir).sock}`, "--if-exists", "del-br", "br-int", "--", "--if-exists", "del-br", "br-phy"], { env: ovsEnv(ovsDir) });
    await stopOvs(ovsDir);
    rmSync(ovsDir, { recursive: true, force: true });
  }
  for (const n of created.reverse()) {
    for (const pid of (await tryRun(["ip", "netns", "pids", n])).stdout.split("\n").filter(Boolean)) await tryRun(["kill", "-9", pid]);
    await tryRun(["ip", "netns", "del", n]);
  }
});

async function pings(from: string, ip: string): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    if ((await tryRun(["ip", "netns", "exec", from, "busybox", "ping", "-c", "1", "-W", "1", ip])).code === 0) return true;
  }
  return false;
}

describe("mixed site: OVS host and kernel-bridge host", () => {
  it("VMs of one network ping each other across the VXLAN tunnel, both ways", async () => {
    expect(await pings(N.v2, "203.0.113.21")).toBe(true);
    expect(await pings(N.v1, "203.0.113.22")).toBe(true);
  });

  it("carries TCP both ways", async () => {
    for (const [server, client, ip] of [
      [N.v2, N.v1, "203.0.113.22"],
      [N.v1, N.v2, "203.0.113.21"],
    ] as const) {
      const listener = run(["ip", "netns", "exec", server, "timeout", "5", "busybox", "nc", "-l", "-p", "5001"], { timeoutMs: 8000 });
      await new Promise((r) => setTimeout(r, 200));
      const payload = `hello-${randomBytes(4).toString("hex")}`;
      await run(["ip", "netns", "exec", client, "timeout", "5", "busybox", "nc", "-w", "2", ip, "5001"], { input: `${payload}\n`, timeoutMs: 8000 });
      expect(await listener).toContain(payload);
    }
  });
});
