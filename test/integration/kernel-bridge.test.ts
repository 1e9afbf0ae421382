// The kernel-bridge backend end to end on real namespaces: two hosts on an underlay segment, VMs
// as namespaces plugged into the host by veth, each host driven by its own agent inside the
// host's namespace. Real pings over kernel VXLAN, isolation of two tenants sharing a CIDR, DHCP by
// busybox udhcpc, spoof drops counted by nftables, drift made by hand reported and repaired.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, tryRun } from "../../src/lab/exec";
import { KernelAgentClient } from "../../src/kernel/agent/client";
import type { AgentEvent } from "../../src/kernel/agent/protocol";
import { compile } from "../../src/kernel/compile";
import { portIfName, type KernelCaps, type LinkSet } from "../../src/kernel/linkset";
import { KernelRealiser } from "../../src/kernel/realiser";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../src/model";

const tag = randomBytes(3).toString("hex");
const ns = (n: string): string => `kb${n}${tag}`;
const UNDERLAY = ns("u");
const LAN = ns("l");
const HOSTS = { h1: ns("h1"), h2: ns("h2") } as const;
const created: string[] = [];
let workDir = "";
const events: { hostId: string; e: AgentEvent }[] = [];
const realiser = new KernelRealiser({
  netnsOf: (hostId) => HOSTS[hostId as keyof typeof HOSTS] ?? null,
  onEvent: (hostId, e) => events.push({ hostId, e }),
});

async function sh(netns: string, ...argv: string[]): Promise<string> {
  return run(["ip", "netns", "exec", netns, ...argv]);
}

async function addNs(name: string): Promise<void> {
  await run(["ip", "netns", "add", name]);
  created.push(name);
  await sh(name, "ip", "link", "set", "lo", "up");
}

/** A VM: a namespace whose eth0 is a veth whose host end carries the port's interface name. */
interface Vm {
  netns: string;
  hostNs: string;
  ifname: string;
}
const vms: Record<string, Vm> = {};

async function addVm(key: string, hostNs: string, portId: string, mac: string, cidr: string | null): Promise<Vm> {
  const netns = ns(key);
  await addNs(netns);
  const ifname = portIfName(portId);
  await sh(hostNs, "ip", "link", "add", ifname, "type", "veth", "peer", "name", "eth0", "netns", netns);
  await sh(netns, "ip", "link", "set", "eth0", "address", mac);
  await sh(netns, "ip", "link", "set", "eth0", "up");
  if (cidr) await sh(netns, "ip", "addr", "add", cidr, "dev", "eth0");
  const vm = { netns, hostNs, ifname };
  vms[key] = vm;
  return vm;
}

async function pings(from: string, ip: string, tries = 3): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if ((await tryRun(["ip", "netns", "exec", from, "busybox", "ping", "-c", "1", "-W", "1", ip])).code === 0) return true;
  }
  return false;
}

const changes: ModelChange[] = [
  { op: "add_tenant", tenant: { id: "ta", name: "alpha" } },
  { op: "add_tenant", tenant: { id: "tb", name: "beta" } },
  ...(["h1", "h2"] as const).map((h, i): ModelChange => ({
    op: "add_host",
    host: { id: h, name: h, managementAddress: `192.0.2.${i + 1}`, ovsdbTarget: "unix:/nonexistent", backend: "bridge", tunnelIp: `198.51.100.${i + 1}`, uplink: h === "h1" ? "uplink" : null },
  })),
  ...(
    [
      ["na", "ta", 100],
      ["nb", "tb", 200],
    ] as const
  ).map(([id, tenantId, vni]): ModelChange => ({
    op: "add_network",
    network: { id, tenantId, name: id, kind: "overlay", segmentationId: vni, subnet: "203.0.113.0/24", gateway: null, dhcpRange: null, dns: [] },
  })),
  // Provider networks on the site LAN: flat (the uplink itself on the bridge) and VLAN 300, which
  // needs 8021q.
  { op: "add_network", network: { id: "pf", tenantId: "ta", name: "site-flat", kind: "provider", segmentationId: null, subnet: "192.0.2.0/25", gateway: "192.0.2.1", dhcpRange: null, dns: [] } },
  { op: "add_network", network: { id: "pv", tenantId: "ta", name: "site-vlan300", kind: "provider", segmentationId: 300, subnet: "192.0.2.128/25", gateway: null, dhcpRange: null, dns: [] } },
  { op: "add_port", port: { id: "f1", networkId: "pf", hostId: "h1", mac: "02:00:00:00:0f:01", ip: "192.0.2.50" } },
  { op: "add_port", port: { id: "v1", networkId: "pv", hostId: "h1", mac: "02:00:00:00:0f:02", ip: "192.0.2.150" } },
  { op: "add_port", port: { id: "a1", networkId: "na", hostId: "h1", mac: "02:00:00:00:0a:01", ip: "203.0.113.10" } },
  { op: "add_port", port: { id: "a2", networkId: "na", hostId: "h2", mac: "02:00:00:00:0a:02", ip: "203.0.113.11" } },
  { op: "add_port", port: { id: "a3", networkId: "na", hostId: "h2", mac: "02:00:00:00:0a:03", ip: "203.0.113.40" } },
  { op: "add_port", port: { id: "b1", networkId: "nb", hostId: "h1", mac: "02:00:00:00:0b:01", ip: "203.0.113.10" } },
  { op: "add_port", port: { id: "b2", networkId: "nb", hostId: "h2", mac: "02:00:00:00:0b:02", ip: "203.0.113.12" } },
];

let model: NetworkModel;
let firstReports: import("../../src/kernel/realiser").HostReport[] = [];
let caps: KernelCaps;
/** A second, direct agent client on h1 for the protocol-level checks. */
let raw: KernelAgentClient | null = null;

beforeAll(async () => {
  const built = applyChanges(EMPTY_MODEL, changes);
  if (!built.ok) throw new Error(`test model invalid: ${JSON.stringify(built.errors)}`);
  model = built.value;
  workDir = mkdtempSync(join(tmpdir(), "kb-"));

  // Underlay: a bridge in its own namespace, one veth per host.
  await addNs(UNDERLAY);
  await sh(UNDERLAY, "ip", "link", "add", "ul", "type", "bridge");
  await sh(UNDERLAY, "ip", "link", "set", "ul", "up");
  for (const [i, [h, hostNs]] of Object.entries(HOSTS).entries()) {
    await addNs(hostNs);
    await sh(UNDERLAY, "ip", "link", "add", `p${h}`, "type", "veth", "peer", "name", "underlay", "netns", hostNs);
    await sh(UNDERLAY, "ip", "link", "set", `p${h}`, "master", "ul", "up");
    await sh(hostNs, "ip", "addr", "add", `198.51.100.${i + 1}/24`, "dev", "underlay");
    await sh(hostNs, "ip", "link", "set", "underlay", "up");
  }
  // Site LAN: a bridge in its own namespace holding the gateway address, and h1's uplink.
  await addNs(LAN);
  await sh(LAN, "ip", "link", "add", "lan", "type", "bridge");
  await sh(LAN, "ip", "addr", "add", "192.0.2.1/25", "dev", "lan");
  await sh(LAN, "ip", "link", "set", "lan", "up");
  await sh(LAN, "ip", "link", "add", "ph1", "type", "veth", "peer", "name", "uplink", "netns", HOSTS.h1);
  await sh(LAN, "ip", "link", "set", "ph1", "master", "lan", "up");
  await sh(HOSTS.h1, "ip", "link", "set", "uplink", "up");

  const reports = await realiser.apply(model);
  firstReports = reports;
  expect(reports.map((r) => [r.hostId, r.failure, r.errors])).toEqual([
    ["h1", undefined, []],
    ["h2", undefined, []],
  ]);
  caps = await realiser.call("h1", "caps", {});
  // VMs appear after the apply, as they do when a VM boots on a prepared host: the agent sees
  // the new interface and plugs it without being asked.
  await addVm("a1", HOSTS.h1, "a1", "02:00:00:00:0a:01", "203.0.113.10/24");
  await addVm("a2", HOSTS.h2, "a2", "02:00:00:00:0a:02", "203.0.113.11/24");
  await addVm("a3", HOSTS.h2, "a3", "02:00:00:00:0a:03", null);
  await addVm("b1", HOSTS.h1, "b1", "02:00:00:00:0b:01", "203.0.113.10/24");
  await addVm("b2", HOSTS.h2, "b2", "02:00:00:00:0b:02", "203.0.113.12/24");
  await addVm("f1", HOSTS.h1, "f1", "02:00:00:00:0f:01", "192.0.2.50/25");
});

afterAll(async () => {
  if (process.env.KB_KEEP) return; // debugging: leave the namespaces for inspection
  await realiser.close();
  await raw?.close();
  for (const n of created.reverse()) {
    // Processes left in a namespace (udhcpc) would keep it alive after `ip netns del`.
    const pids = (await tryRun(["ip", "netns", "pids", n])).stdout.split("\n").filter(Boolean);
    for (const pid of pids) await tryRun(["kill", "-9", pid]);
    await tryRun(["ip", "netns", "del", n]);
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function masterOf(hostNs: string, ifname: string): Promise<string | null> {
  const out = await tryRun(["ip", "-n", hostNs, "-j", "link", "show", ifname]);
  if (out.code !== 0) return null;
  return (JSON.parse(out.stdout) as { master?: string }[])[0]?.master ?? null;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("kernel-bridge backend on two hosts", () => {
  it("reports what this kernel can do", () => {
    // This machine's kernel has no 8021q; a guest kernel with it would say true (QEMU stage).
    expect(typeof caps.vlan).toBe("boolean");
    expect(caps.nftBridge).toBe(true);
  });

  it("bridges a flat provider network to the site LAN through the uplink", async () => {
    await waitFor("f1 plugged", async () => (await masterOf(HOSTS.h1, vms.f1!.ifname)) === "vnbrflat");
    expect(await masterOf(HOSTS.h1, "uplink")).toBe("vnbrflat");
    expect(await pings(vms.f1!.netns, "192.0.2.1")).toBe(true);
  });

  it("says clearly what the host's kernel cannot do, and builds the rest", () => {
    const h1 = firstReports.find((r) => r.hostId === "h1")!;
    const vlanProblem =
      "provider network site-vlan300 (VLAN 300) needs VLAN sub-interfaces (8021q), which host h1's kernel lacks: its VMs there reach only each other";
    if (caps.vlan) expect(h1.problems).toEqual([]);
    else expect(h1.problems.map((p) => p.message)).toEqual([vlanProblem]);
    expect(h1.done.join("\n")).toContain("vnbrv300 is missing"); // the bridge for its local VMs exists anyway
  });

  it("plugs VM interfaces into their network's bridge as soon as they appear", async () => {
    await waitFor("a1 plugged", async () => (await masterOf(HOSTS.h1, vms.a1!.ifname)) === "vnbr100");
    await waitFor("b2 plugged", async () => (await masterOf(HOSTS.h2, vms.b2!.ifname)) === "vnbr200");
    await waitFor("a3 plugged", async () => (await masterOf(HOSTS.h2, vms.a3!.ifname)) === "vnbr100");
    // The agent said so, and did not call it drift: a VM starting is expected, not a hand edit.
    const plugged = events.filter((x) => x.e.event === "reconciled").map((x) => x.e.data as { done: string[]; drift: string[] });
    expect(plugged.flatMap((d) => d.done).join("\n")).toContain(`${vms.a1!.ifname} is plugged into nothing, want vnbr100`);
    expect(plugged.flatMap((d) => d.drift)).toEqual([]);
  });

  it("plugs a VM interface again when the VM restarts (its interface is deleted and recreated)", async () => {
    const a3 = vms.a3!;
    await sh(HOSTS.h2, "ip", "link", "del", a3.ifname);
    await sh(HOSTS.h2, "ip", "link", "add", a3.ifname, "type", "veth", "peer", "name", "eth0", "netns", a3.netns);
    await sh(a3.netns, "ip", "link", "set", "eth0", "address", "02:00:00:00:0a:03");
    await sh(a3.netns, "ip", "link", "set", "eth0", "up");
    await waitFor("a3 plugged again", async () => (await masterOf(HOSTS.h2, a3.ifname)) === "vnbr100");
  });

  it("carries one network between hosts over VXLAN", async () => {
    expect(await pings(vms.a1!.netns, "203.0.113.11")).toBe(true);
    expect(await pings(vms.b1!.netns, "203.0.113.12")).toBe(true);
  });

  it("carries TCP between hosts, full-sized segments included", async () => {
    const listener = run(["ip", "netns", "exec", vms.a2!.netns, "timeout", "5", "busybox", "nc", "-l", "-p", "5001"], { timeoutMs: 8000 });
    await new Promise((r) => setTimeout(r, 200));
    // 256 KiB: well past one MTU, so segments of the VM's full 1500-byte MTU cross the tunnel.
    const payload = randomBytes(128 * 1024).toString("hex");
    await run(["ip", "netns", "exec", vms.a1!.netns, "timeout", "5", "busybox", "nc", "-w", "2", "203.0.113.11", "5001"], { input: `${payload}\n`, timeoutMs: 8000 });
    expect((await listener).trim()).toBe(payload);
  });

  it("isolates two tenants that use the same subnet", async () => {
    // a1 and b1 both hold 203.0.113.10; b2 (.12) is in tenant beta: alpha cannot reach it.
    expect(await pings(vms.a1!.netns, "203.0.113.12", 1)).toBe(false);
    expect(await pings(vms.b1!.netns, "203.0.113.11", 1)).toBe(false);
    const neigh = await sh(vms.a1!.netns, "ip", "neigh", "show", "203.0.113.11");
    expect(neigh).toContain("02:00:00:00:0a:02");
  });

  it("installs l2population entries: remote MACs and one head-end entry per peer", async () => {
    const fdb = await sh(HOSTS.h1, "bridge", "fdb", "show", "dev", "vnvx100");
    expect(fdb).toMatch(/00:00:00:00:00:00 dst 198\.51\.100\.2 self permanent/);
    expect(fdb).toMatch(/02:00:00:00:0a:02 dst 198\.51\.100\.2 self permanent/);
    expect(fdb).toMatch(/02:00:00:00:0a:02 master vnbr100 static/);
    expect(fdb).not.toContain("02:00:00:00:0b:02"); // the other tenant's VM is not in this VNI
    const link = await sh(HOSTS.h1, "ip", "-d", "link", "show", "vnvx100");
    expect(link).toMatch(/vxlan id 100 local 198\.51\.100\.1 .*dstport 4789 nolearning/);
  });

  it("answers DHCP on the bridge with the model's address, from the shared DHCP server", async () => {
    const script = join(workDir, "udhcpc.sh");
    // What a client does with the lease: put the address on the interface.
    writeFileSync(script, '#!/bin/sh\n[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"\nexit 0\n');
    chmodSync(script, 0o755);
    const r = await tryRun(["ip", "netns", "exec", vms.a3!.netns, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "4", "-T", "1", "-s", script, "-f"], { timeoutMs: 15_000 });
    expect(r.stdout + r.stderr).toMatch(/lease of 203\.0\.113\.40 obtained from 203\.0\.113\.254/);
    expect(await sh(vms.a3!.netns, "ip", "-4", "addr", "show", "eth0")).toContain("inet 203.0.113.40/24");
    const stats = await realiser.call("h2", "dhcpStats", {});
    expect(stats.na).toBeGreaterThanOrEqual(2); // OFFER and ACK
    // The server's address answers ARP with the service MAC (for unicast renewals), as on OVS.
    const arp = await tryRun(["ip", "netns", "exec", vms.a3!.netns, "busybox", "arping", "-c", "1", "-w", "2", "-I", "eth0", "203.0.113.254"]);
    expect(arp.stdout + arp.stderr).toMatch(/reply from 203\.0\.113\.254 \[02:76:6e:00:00:64\]/i);
  });

  it("restarts a host's agent that died, and it serves DHCP again", async () => {
    // Kill everything running in h2's namespace: the agent and its packet helper.
    for (const pid of (await tryRun(["ip", "netns", "pids", HOSTS.h2])).stdout.split("\n").filter(Boolean)) await tryRun(["kill", "-9", pid]);
    await waitFor("h2 agent gone", async () => (await tryRun(["ip", "netns", "pids", HOSTS.h2])).stdout.trim() === "");
    const reports = await realiser.reconcile();
    const h2 = reports.find((r) => r.hostId === "h2")!;
    expect(h2.failure).toBeUndefined();
    expect(h2.errors).toEqual([]);
    const r = await tryRun(["ip", "netns", "exec", vms.a3!.netns, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "4", "-T", "1", "-s", "/bin/true", "-f"], { timeoutMs: 15_000 });
    expect(r.stdout + r.stderr).toMatch(/lease of 203\.0\.113\.40 obtained/);
  });

  it("drops frames with a spoofed source MAC or IP and counts them per port", async () => {
    const a1 = vms.a1!;
    const before = (await realiser.call("h1", "counters", {}))[a1.ifname]?.packets ?? 0;
    // Spoofed IP: a second address on the VM's NIC.
    await sh(a1.netns, "ip", "addr", "add", "203.0.113.99/24", "dev", "eth0");
    const spoofedIp = await tryRun(["ip", "netns", "exec", a1.netns, "busybox", "ping", "-c", "2", "-i", "0.2", "-W", "1", "-I", "203.0.113.99", "203.0.113.11"]);
    await sh(a1.netns, "ip", "addr", "del", "203.0.113.99/24", "dev", "eth0");
    expect(spoofedIp.code).not.toBe(0);
    // Spoofed MAC: the VM changes its NIC's address.
    await sh(a1.netns, "ip", "link", "set", "eth0", "address", "02:00:00:00:0a:99");
    const spoofedMac = await tryRun(["ip", "netns", "exec", a1.netns, "busybox", "ping", "-c", "2", "-i", "0.2", "-W", "1", "203.0.113.11"]);
    await sh(a1.netns, "ip", "link", "set", "eth0", "address", "02:00:00:00:0a:01");
    expect(spoofedMac.code).not.toBe(0);
    const after = (await realiser.call("h1", "counters", {}))[a1.ifname]?.packets ?? 0;
    expect(after - before).toBeGreaterThanOrEqual(4);
    // The honest VM still gets through.
    expect(await pings(a1.netns, "203.0.113.11")).toBe(true);
  });

  it("reports drift made by hand and repairs it", async () => {
    await sh(HOSTS.h1, "ip", "link", "del", "vnvx100");
    await sh(HOSTS.h1, "bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vnvx200", "dst", "198.51.100.77");
    await sh(HOSTS.h1, "ip", "link", "set", vms.b1!.ifname, "nomaster");
    await run(["ip", "netns", "exec", HOSTS.h1, "nft", "delete", "table", "bridge", "vnet_guard"]);

    const [check] = (await realiser.reconcile(false)).filter((r) => r.hostId === "h1");
    const text = check!.drift.join("\n");
    expect(text).toContain("vnvx100 is missing");
    expect(text).toContain("FDB 02:00:00:00:0a:02 dev vnvx100 dst 198.51.100.2 is missing");
    expect(text).toContain("FDB 00:00:00:00:00:00 dev vnvx200 dst 198.51.100.77 is not in the model");
    expect(text).toContain(`${vms.b1!.ifname} is plugged into nothing, want vnbr200`);
    expect(text).toContain("nft table bridge vnet_guard is missing");
    expect(check!.done).toEqual([]); // a dry run changes nothing
    expect(await masterOf(HOSTS.h1, vms.b1!.ifname)).toBe(null);

    const repaired = await realiser.reconcile();
    expect(repaired.flatMap((r) => r.errors)).toEqual([]);
    expect(repaired.find((r) => r.hostId === "h2")!.drift).toEqual([]); // h2 was not touched
    expect((await realiser.reconcile(false)).flatMap((r) => r.drift)).toEqual([]);
    expect(await pings(vms.a1!.netns, "203.0.113.11")).toBe(true);
    expect(await pings(vms.b1!.netns, "203.0.113.12")).toBe(true);
    expect(await sh(HOSTS.h1, "bridge", "fdb", "show", "dev", "vnvx200")).not.toContain("198.51.100.77");
  });

  it("reports a port-security chain flushed by hand, although its table is still there", async () => {
    const a1 = vms.a1!.ifname;
    await run(["ip", "netns", "exec", HOSTS.h1, "nft", "flush", "chain", "bridge", "vnet_guard", `port_${a1}`]);
    const flushed = (await realiser.reconcile(false)).find((r) => r.hostId === "h1")!;
    expect(flushed.drift).toEqual([`nft table bridge vnet_guard was changed: port security was off for ${a1}`]);
    await realiser.reconcile();
    expect(await sh(HOSTS.h1, "nft", "list", "chain", "bridge", "vnet_guard", `port_${a1}`)).toContain(`counter name "drop_${a1}" drop`);
  });

  it("refuses a malformed LinkSet and changes nothing", async () => {
    // A second agent on h1, talked to directly: the protocol is the subject here.
    raw = KernelAgentClient.start({ netns: HOSTS.h1 });
    const good = compile(model, "h1", caps);
    expect((await raw.call("apply", { linkSet: good })).errors).toEqual([]);
    const before = await sh(HOSTS.h1, "ip", "-br", "link");
    const bad = { ...good, links: [{ kind: "vxlan", name: "vnvx1", networkId: "x", bridge: "vnbr1", vni: 99_999_999, local: "198.51.100.1", port: 4789 }] };
    await expect(raw.call("apply", { linkSet: bad as unknown as LinkSet })).rejects.toThrow(/linkSet\.links\[0\]\.vni: expected an integer in 1\.\.16777215/);
    await expect(raw.call("nosuch" as "caps", {})).rejects.toThrow(/unknown method "nosuch"/);
    raw.sendRaw("{not json");
    expect(await sh(HOSTS.h1, "ip", "-br", "link")).toBe(before);
    // The agent is still alive and still knows the last good LinkSet.
    expect((await raw.call("reconcile", { repair: false })).drift).toEqual([]);
    await raw.close();
    raw = null;
  });

  it("removes a network's bridge and tunnel when its last local port leaves, and unplugs the VM", async () => {
    const smaller = applyChanges(model, [{ op: "remove_port", id: "b1" }]);
    if (!smaller.ok) throw new Error("remove_port refused");
    // Two model changes in a burst: one pass may serve both, and the last model wins.
    const [first, reports] = await Promise.all([realiser.apply(model), realiser.apply(smaller.value)]);
    expect(first).toBe(reports);
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    expect(realiser.status().map((r) => r.hostId).sort()).toEqual(["h1", "h2"]);
    const links = await sh(HOSTS.h1, "ip", "-br", "link");
    expect(links).not.toContain("vnbr200");
    expect(links).not.toContain("vnvx200");
    expect(await masterOf(HOSTS.h1, vms.b1!.ifname)).toBe(null);
    expect(await pings(vms.a1!.netns, "203.0.113.11")).toBe(true);
  });
});
