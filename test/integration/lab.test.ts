// `vnet lab` end to end: real namespaces, real OVS per host, real packets, real DHCP.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLab, attachEndpoint, addLinuxBridge, uniqueLabName, type Lab } from "../support/lab";
import { labDown } from "../../src/lab/lab";
import { readState, statePath, slotOwner } from "../../src/lab/state";
import { overlaps } from "../../src/lab/plan";
import { isAlive } from "../../src/lab/ovs";
import { privateResolvConfs, resolvConfPath, writePrivateResolvConf } from "../../src/lab/netns";
import { run, tryRun } from "../../src/lab/exec";
import { ensureBridge, ensurePort, ensureTunnelPort, findBridge, waitForOfport } from "../../src/ovsdb/vswitch";

const VNET = fileURLToPath(new URL("../../bin/vnet", import.meta.url));
let lab: Lab;
let upMs = 0;
let routesBefore: string[] = [];

const rootRoutes = async () => (await run(["ip", "-4", "route", "show"])).split("\n").map((l) => l.trim()).filter(Boolean);

/** Everything on the machine whose name says it belongs to a lab. */
async function leftovers(name: string): Promise<string[]> {
  const ns = (await run(["ip", "netns", "list"])).split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(`lb-${name}-`));
  const links = (await run(["ip", "-o", "link", "show"])).split("\n").map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? "")
    .filter((n) => n === `lb-${name}` || n.startsWith(`lb-${name}-`));
  const procs = (await tryRun(["pgrep", "-f", `/run/vnet-lab/${name}/`])).stdout.split("\n").filter(Boolean)
    .filter((pid) => isAlive(Number(pid)));
  return [...ns.map((n) => `netns ${n}`), ...links.map((l) => `link ${l}`), ...procs.map((p) => `pid ${p}`),
    ...(existsSync(`/run/vnet-lab/${name}`) ? [`dir /run/vnet-lab/${name}`] : []),
    ...privateResolvConfs(`lb-${name}-`).map((n) => `resolv.conf of ${n}`)];
}

function vnet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(VNET, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  routesBefore = await rootRoutes();
  const t0 = performance.now();
  lab = await startLab({ hosts: 2 });
  upMs = performance.now() - t0;
  console.log(`lab ${lab.name}: up with 2 hosts in ${upMs.toFixed(0)} ms`);
});

afterAll(async () => {
  if (!lab) return;
  const name = lab.name;
  await lab.down();
  expect(await leftovers(name)).toEqual([]);
});

describe("vnet lab", () => {
  it("builds two hosts in under 10 s, each with its own OVS inside its namespace, reachable over management", async () => {
    expect(upMs).toBeLessThan(10_000);
    for (const h of lab.plan.hosts) {
      const hs = lab.state.hosts.find((x) => x.name === h.name)!;
      for (const pid of [hs.pids.ovsdbServer!, hs.pids.ovsVswitchd!]) {
        expect(isAlive(pid)).toBe(true);
        // The daemon runs in the host's namespace, not the root one.
        expect((await run(["ip", "netns", "identify", String(pid)])).trim()).toBe(h.netns);
      }
      const client = await lab.client(h.name);
      expect(client.target).toEqual({ kind: "tcp", host: h.mgmtAddress, port: 6640 });
      const root = client.replica.rows("Open_vSwitch")[0]!;
      expect((root.external_ids as Map<string, string>).get("system-id")).toBe(h.systemId);
      expect(findBridge(client.replica, "br-phy")!.datapath_type).toBe("netdev");
      // The uplink is in the host namespace, up, with no address.
      const uplink = (await lab.exec(h.name, ["ip", "-o", "-4", "addr", "show", "dev", "uplink"]));
      expect(uplink.code).toBe(0);
      expect(uplink.stdout).toBe("");
    }
  });

  it("adds no route to the root namespace beyond the management link", async () => {
    // Labs of other test files running alongside add their own management routes: not ours.
    const otherLab = (r: string) => /dev lb-[a-z0-9]+ /.test(r) && !r.includes(` dev ${lab.plan.rootBridge} `);
    const added = (await rootRoutes()).filter((r) => !routesBefore.includes(r) && !otherLab(r));
    expect(added).toEqual([`${lab.plan.mgmtCidr} dev ${lab.plan.rootBridge} proto kernel scope link src ${lab.controllerAddress}`]);
  });

  it("hosts reach each other over the underlay segment", async () => {
    const r = await lab.exec("h1", ["busybox", "ping", "-c", "1", "-W", "2", lab.host("h2").underlayAddress]);
    expect(r.stdout).toMatch(/1 packets received/);
  });

  it("a host's OVS connects to a controller listening on the root-side management address", async () => {
    const server: Server = createServer();
    const hello = new Promise<Buffer>((resolve) => {
      server.on("connection", (s: Socket) => s.once("data", (d: Buffer) => { resolve(d); s.destroy(); }));
    });
    await new Promise<void>((r) => server.listen(0, lab.controllerAddress, () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const c = await lab.client("h2");
      await ensureBridge(c, { name: "br-int", datapathType: "netdev", controllers: [{ target: `tcp:${lab.controllerAddress}:${port}`, maxBackoffMs: 1000 }] });
      const bytes = await hello;
      // OpenFlow 1.3 HELLO: version 0x04, type 0.
      expect([bytes[0], bytes[1]]).toEqual([0x04, 0x00]);
    } finally {
      server.close();
    }
  });

  it("OVS endpoints on two hosts talk over a VXLAN tunnel: ping and TCP (checksum offload is handled)", async () => {
    for (const h of ["h1", "h2"]) {
      const c = await lab.client(h);
      await ensureBridge(c, { name: "br-ep", datapathType: "netdev", failMode: "standalone" });
      const peer = lab.host(h === "h1" ? "h2" : "h1");
      await ensureTunnelPort(c, "br-ep", { name: "vx0", kind: "vxlan", remoteIp: peer.underlayAddress, key: 5 });
    }
    const [a, b] = await Promise.all([
      attachEndpoint(lab, "h1", { name: "epa", mac: "02:00:00:00:0a:01", ip: "203.0.113.201/27", bridge: "br-ep", vmId: "vm-a" }),
      attachEndpoint(lab, "h2", { name: "epb", mac: "02:00:00:00:0a:02", ip: "203.0.113.202/27", bridge: "br-ep" }),
    ]);
    expect(a.ofport).toBeGreaterThan(0);
    const iface = (await lab.client("h1")).replica.find("Interface", "name", "epa")!;
    expect(Object.fromEntries(iface.external_ids as Map<string, string>)).toMatchObject({ "iface-id": "epa", "attached-mac": "02:00:00:00:0a:01", "vm-id": "vm-a" });
    expect((await a.exec(["busybox", "ping", "-c", "2", "-W", "2", "203.0.113.202"])).stdout).toMatch(/2 packets received/);
    // TCP for one second through iperf3: with checksum offload left on, not one segment would arrive.
    const server = spawn("ip", ["netns", "exec", b.netns, "iperf3", "-s", "-1", "-p", "5201"], { stdio: "ignore" });
    try {
      let result: { end?: { sum_received?: { bytes: number } }; error?: string } = {};
      // The server starts through `ip netns exec`: on a loaded machine that can take a few seconds.
      for (let attempt = 0; attempt < 40 && !result.end; attempt++) {
        await new Promise((r) => setTimeout(r, 100));
        const r = await a.exec(["iperf3", "-c", "203.0.113.202", "-p", "5201", "-t", "1", "--connect-timeout", "1000", "-J"]);
        try {
          result = JSON.parse(r.stdout);
        } catch {
          result = {};
        }
        if (result.error && !/connect/.test(result.error)) break;
      }
      expect(result.error).toBeUndefined();
      const bytes = result.end?.sum_received?.bytes ?? 0;
      console.log(`TCP through OVS userspace VXLAN: ${((bytes * 8) / 1e6).toFixed(0)} Mbit in 1 s`);
      expect(bytes).toBeGreaterThan(1_000_000);
    } finally {
      server.kill();
    }
    await a.remove();
    expect((await lab.client("h1")).replica.find("Interface", "name", "epa")).toBeUndefined();
    expect((await run(["ip", "netns", "list"]))).not.toMatch(new RegExp(a.netns));
  });

  it("endpoints on a Linux bridge inside a host namespace", async () => {
    await addLinuxBridge(lab, "h2", "lbr0");
    const [x, y] = await Promise.all([
      attachEndpoint(lab, "h2", { name: "lx", mac: "02:00:00:00:0b:01", ip: "192.0.2.201/27", bridge: "lbr0", bridgeKind: "linux" }),
      attachEndpoint(lab, "h2", { name: "ly", mac: "02:00:00:00:0b:02", ip: "192.0.2.202/27", bridge: "lbr0", bridgeKind: "linux" }),
    ]);
    expect(x.ofport).toBeUndefined();
    const members = (await lab.exec("h2", ["ip", "-o", "link", "show", "master", "lbr0"])).stdout;
    expect(members).toMatch(/ lx@/);
    expect(members).toMatch(/ ly@/);
    expect((await y.exec(["busybox", "ping", "-c", "1", "-W", "2", "192.0.2.201"])).stdout).toMatch(/1 packets received/);
  });

  it("site LAN: an endpoint bridged to a host's uplink gets a DHCP lease from the lab's dnsmasq", async () => {
    const c = await lab.client("h1");
    await ensureBridge(c, { name: "br-ex", datapathType: "netdev", failMode: "standalone" });
    await ensurePort(c, "br-ex", { name: "uplink" });
    await waitForOfport(c, "uplink");
    const ep = await attachEndpoint(lab, "h1", { name: "dhcp", mac: "02:00:00:00:0c:01", bridge: "br-ex" });
    // A minimal script of our own: this test is about the lease; what udhcpc's default script
    // does to resolv.conf is the next test's subject.
    const dir = mkdtempSync(join(tmpdir(), "lb-udhcpc-"));
    const script = join(dir, "udhcpc.sh");
    writeFileSync(script, '#!/bin/sh\n[ "$1" = bound ] && busybox ifconfig "$interface" "$ip" netmask "$subnet"\nexit 0\n', { mode: 0o755 });
    let r;
    try {
      r = await ep.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "1", "-s", script]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(r.code, r.stderr).toBe(0);
    const lease = lab.leases().find((l) => l.mac === "02:00:00:00:0c:01");
    expect(lease).toBeDefined();
    expect(overlaps(`${lease!.ip}/32`, lab.plan.lanCidr)).toBe(true);
    expect((await ep.exec(["ip", "-o", "-4", "addr", "show", "eth0"])).stdout).toContain(`${lease!.ip}/27`);
    expect((await ep.exec(["busybox", "ping", "-c", "1", "-W", "2", lab.plan.gateway])).stdout).toMatch(/1 packets received/);
  });

  it("every lab namespace has its own resolv.conf: udhcpc's DEFAULT script leaves the root's /etc/resolv.conf untouched", async () => {
    for (const n of [lab.plan.underlayNetns, lab.plan.lanNetns, ...lab.plan.hosts.map((h) => h.netns)]) {
      expect(readFileSync(resolvConfPath(n), "utf8"), n).toMatch(/^# vnet lab/);
    }
    const c = await lab.client("h1");
    await ensureBridge(c, { name: "br-ex", datapathType: "netdev", failMode: "standalone" });
    await ensurePort(c, "br-ex", { name: "uplink" });
    const ep = await attachEndpoint(lab, "h1", { name: "dns", mac: "02:00:00:00:0c:02", bridge: "br-ex" });
    const own = resolvConfPath(ep.netns);
    expect(readFileSync(own, "utf8")).toMatch(/^# vnet lab/);
    const rootBefore = { bytes: readFileSync("/etc/resolv.conf"), stat: statSync("/etc/resolv.conf") };
    // No -s: busybox runs /etc/udhcpc/default.script, which writes the lease's DNS settings
    // (here: none) to /etc/resolv.conf.
    const r = await ep.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect((await ep.exec(["ip", "-o", "-4", "addr", "show", "eth0"])).stdout).toMatch(/inet 203\.0\.113\./);
    // The script did write a resolv.conf: the namespace's own one.
    expect(readFileSync(own, "utf8")).not.toMatch(/^# vnet lab/);
    const rootAfter = statSync("/etc/resolv.conf");
    expect(readFileSync("/etc/resolv.conf").equals(rootBefore.bytes)).toBe(true);
    expect([rootAfter.ino, rootAfter.mtimeMs, rootAfter.size]).toEqual([rootBefore.stat.ino, rootBefore.stat.mtimeMs, rootBefore.stat.size]);
    await ep.remove();
    expect(existsSync(own)).toBe(false);
    expect(existsSync(dirname(own))).toBe(false);
  });

  it("vnet lab status --json shows namespaces, addresses, OVSDB targets and live process ids", async () => {
    const r = await vnet(["lab", "status", "--name", lab.name, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const [status] = JSON.parse(r.stdout);
    expect(status).toMatchObject({ name: lab.name, phase: "up", controllerAddress: lab.controllerAddress, lan: { gateway: lab.plan.gateway, dnsmasqAlive: true } });
    expect(status.hosts).toHaveLength(2);
    expect(status.hosts[0]).toMatchObject({
      name: "h1", netns: lab.host("h1").netns, mgmtAddress: lab.host("h1").mgmtAddress, underlayAddress: lab.host("h1").underlayAddress,
      uplink: "uplink", ovsdbTarget: lab.host("h1").ovsdbTarget, alive: { ovsdbServer: true, ovsVswitchd: true },
    });
    expect(status.endpoints.map((e: { name: string }) => e.name).sort()).toEqual(["dhcp", "epb", "lx", "ly"]);
  });

  it("a second lab (kernel underlay) runs side by side on disjoint names and addresses, and down removes all of it", async () => {
    const other = await startLab({ hosts: 2, underlay: "kernel" });
    const name = other.name;
    let sleeper = 0;
    try {
      expect(other.plan.slot).not.toBe(lab.plan.slot);
      for (const k of ["mgmtCidr", "underlayCidr", "lanCidr"] as const) expect(overlaps(other.plan[k], lab.plan[k])).toBe(false);
      const c = await other.client("h1");
      expect(findBridge(c.replica, "br-phy")).toBeUndefined();
      // Kernel VXLAN between Linux bridges over the underlay veths (the kernel backend's setup).
      const eps = [];
      for (const [i, h] of other.plan.hosts.entries()) {
        const peer = other.plan.hosts[1 - i]!;
        expect(h.underlayDevice).toBe("underlay");
        await addLinuxBridge(other, h.name, "brn10");
        await run(["ip", "-n", h.netns, "link", "add", "vx10", "type", "vxlan", "id", "10", "local", h.underlayAddress, "dstport", "4789", "dev", h.underlayDevice]);
        await run(["ip", "-n", h.netns, "link", "set", "vx10", "master", "brn10", "up"]);
        await run(["bridge", "-n", h.netns, "fdb", "append", "00:00:00:00:00:00", "dev", "vx10", "dst", peer.underlayAddress]);
        eps.push(await attachEndpoint(other, h.name, { name: `k${i}`, mac: `02:00:00:00:0d:0${i + 1}`, ip: `203.0.113.${210 + i}/27`, bridge: "brn10", bridgeKind: "linux" }));
      }
      expect((await eps[0]!.exec(["busybox", "ping", "-c", "1", "-W", "2", "203.0.113.211"])).stdout).toMatch(/1 packets received/);
      const ep = eps[0]!;
      // A daemon inside an endpoint must not keep the namespace alive after down.
      const daemon = spawn("ip", ["netns", "exec", ep.netns, "busybox", "sleep", "600"], { stdio: "ignore", detached: true });
      daemon.unref();
      sleeper = daemon.pid!;
      await new Promise((r) => setTimeout(r, 100));
      expect((await run(["ip", "netns", "pids", ep.netns])).split("\n")).toContain(String(sleeper));
    } finally {
      await other.down();
    }
    expect(await leftovers(name)).toEqual([]);
    expect(isAlive(sleeper)).toBe(false);
    expect(slotOwner(other.plan.slot)).toBeUndefined();
  });

  it("vnet lab down cleans up after a crash that lost the state file", async () => {
    const name = uniqueLabName();
    const up = await vnet(["lab", "up", "--name", name, "--hosts", "1"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`lab ${name} (up)`);
    expect(readState(name)!.phase).toBe("up");
    rmSync(statePath(name));
    // A crash between writing a namespace's resolv.conf and making the namespace leaves a stale one.
    writePrivateResolvConf(`lb-${name}-h1-gone`);
    const before = await leftovers(name);
    expect(before).toEqual(expect.arrayContaining([`resolv.conf of lb-${name}-h1`, `resolv.conf of lb-${name}-h1-gone`]));
    expect(before.filter((x) => x.startsWith("pid")).length).toBeGreaterThanOrEqual(3);
    const down = await vnet(["lab", "down", "--name", name]);
    expect(down.code, down.stderr).toBe(0);
    expect(await leftovers(name)).toEqual([]);
    // And down again is harmless.
    expect((await labDown(name)).netns).toEqual([]);
  });

  it("refuses bad input without touching anything", async () => {
    await expect(attachEndpoint(lab, "h9", { name: "x", mac: "02:00:00:00:00:01", bridge: "br-ep" })).rejects.toThrow(/no host "h9"/);
    await expect(attachEndpoint(lab, "h1", { name: "mgmt", mac: "02:00:00:00:00:01", bridge: "br-ep" })).rejects.toThrow(/bad endpoint name/);
    await expect(attachEndpoint(lab, "h1", { name: "z", mac: "03:00:00:00:00:01", bridge: "br-ep" })).rejects.toThrow(/multicast/);
    await expect(attachEndpoint(lab, "h1", { name: "z", mac: "02:00:00:00:00:01", ip: "10.0.0.1/24", bridge: "br-ep" })).rejects.toThrow(/outside/);
    const bad = await vnet(["lab", "up", "--name", "Bad_Name"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad lab name "Bad_Name"/);
    const dup = await vnet(["lab", "up", "--name", lab.name]);
    expect(dup.stderr).toMatch(/exists/);
    expect(readState(lab.name)!.phase).toBe("up");
  });
});
