// Tenant networks realised on a real 2-host lab: OVSDB wiring, OpenFlow programming, DHCP by the
// controller to a real client (busybox udhcpc, renewal included), the ping matrix of two tenants
// sharing a CIDR, spoofing, verdicts of the simulated switch checked against `ovs-appctl
// ofproto/trace`, `kill -9` of the controller under a running ping, a NIC coming and going, drift
// repair, an ovs-vswitchd restart, and flow-restore-wait.
//
// One lab for the file; the tests run in order and build on each other (the restart tests need the
// programmed network of the first). Numbers are printed, never asserted against a clock.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startLab, attachEndpoint, plugHypervisors, tearDownRealiserTest, type Endpoint, type Lab } from "../support/lab";
import { Controller } from "../../src/controller/controller";
import { setLogLevel } from "../../src/log";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../src/model";
import { bridgePorts, findBridge } from "../../src/ovsdb/vswitch";
import { compile, decodeCookie, idHash, isDhcpCookie, makeCookie } from "../../src/pipeline";
import { diff } from "../../src/pipeline/diff";
import { DEFAULT_CONTROLLER_BURST_LIMIT, DEFAULT_CONTROLLER_RATE_LIMIT, startRealisation, type PassReport, type Realisation } from "../../src/realise";
import { killPidfile, ovsPaths, startVswitchd } from "../../src/lab/ovs";
import { run, tryRun } from "../../src/lab/exec";
import { encodeFrame, udpFrame, arpFrame, ARP_OP, BROADCAST_MAC } from "../../src/packet";
import { SimSwitch } from "../support/sim-switch";
import { OFPG, OFPP } from "../../openflow/index";

setLogLevel("silent");

const SUBNET = "192.0.2.0/24";
interface VmSpec {
  id: string;
  host: "h1" | "h2";
  tenant: "A" | "B";
  mac: string;
  ip: string;
}
// Both tenants use 192.0.2.0/24, and a1 and b1 even share an address.
const VMS: VmSpec[] = [
  { id: "a1", host: "h1", tenant: "A", mac: "02:00:00:00:0a:01", ip: "192.0.2.11" },
  { id: "a2", host: "h1", tenant: "A", mac: "02:00:00:00:0a:02", ip: "192.0.2.12" },
  { id: "a3", host: "h2", tenant: "A", mac: "02:00:00:00:0a:03", ip: "192.0.2.13" },
  { id: "a4", host: "h2", tenant: "A", mac: "02:00:00:00:0a:04", ip: "192.0.2.14" },
  { id: "b1", host: "h1", tenant: "B", mac: "02:00:00:00:0b:01", ip: "192.0.2.11" },
  { id: "b2", host: "h1", tenant: "B", mac: "02:00:00:00:0b:02", ip: "192.0.2.22" },
  { id: "b3", host: "h2", tenant: "B", mac: "02:00:00:00:0b:03", ip: "192.0.2.23" },
  { id: "b4", host: "h2", tenant: "B", mac: "02:00:00:00:0b:04", ip: "192.0.2.24" },
];
const NET = { A: "net-a", B: "net-b" } as const;
const VNI = { A: 100, B: 200 } as const;

let lab: Lab;
let controller: Controller | null = null;
let realisation: Realisation | null = null;
let controllerPort = 0;
let model: NetworkModel;
let workDir: string;
const eps = new Map<string, Endpoint>();
const reports: PassReport[] = [];
const numbers: string[] = [];

function must<T>(r: { ok: true; value: T } | { ok: false; errors: unknown }): T {
  if (!r.ok) throw new Error(`model refused: ${JSON.stringify(r.errors)}`);
  return r.value;
}

function buildModel(lab: Lab): NetworkModel {
  const changes: ModelChange[] = [
    { op: "add_tenant", tenant: { id: "A", name: "alpha" } },
    { op: "add_tenant", tenant: { id: "B", name: "beta" } },
    ...lab.plan.hosts.map((h): ModelChange => ({
      op: "add_host",
      host: { id: h.name, name: h.name, managementAddress: h.mgmtAddress, ovsdbTarget: h.ovsdbTarget, backend: "ovs", tunnelIp: h.underlayAddress, uplink: h.uplinkIface },
    })),
    ...(["A", "B"] as const).map((t): ModelChange => ({
      op: "add_network",
      network: { id: NET[t], tenantId: t, name: `n${t}`, kind: "overlay", segmentationId: VNI[t], subnet: SUBNET, gateway: "192.0.2.1", dhcpRange: null, dns: ["192.0.2.53"], leaseSeconds: 600 },
    })),
    ...VMS.map((v): ModelChange => ({ op: "add_port", port: { id: v.id, networkId: NET[v.tenant], hostId: v.host, mac: v.mac, ip: v.ip } })),
  ];
  return must(applyChanges(EMPTY_MODEL, changes));
}

async function startController(port: number): Promise<{ controller: Controller; port: number }> {
  const c = new Controller({ echoIntervalMs: 2000, deadAfterMs: 6000 });
  const info = await c.listenTcp(port, lab.controllerAddress);
  return { controller: c, port: info.port };
}

function target(): string {
  return `tcp:${lab.controllerAddress}:${controllerPort}`;
}

function startRealiser(): Realisation {
  return startRealisation({
    model,
    controller: controller!,
    controllerTarget: target(),
    reconcileIntervalMs: 0,
    onReport: (r) => reports.push(r),
  });
}

/** Polls until `check` holds; fails with `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every OVS host connected, its last pass clean and programmed, and all its VMs bound. */
function programmed(r: Realisation, hosts = ["h1", "h2"]): boolean {
  return hosts.every((h) => {
    const s = r.realiser(h)?.status();
    if (!s || !s.inSync || !s.lastReport?.programmed || r.realiser(h)!.busy) return false;
    const want = model.ports.filter((p) => p.hostId === h && eps.has(p.id)).length;
    return Object.keys(s.wiring?.vmPorts ?? {}).length === want && Object.keys(s.wiring?.tunnels ?? {}).length === 1;
  });
}

/** Runs busybox udhcpc once in an endpoint; the script records what the server handed out. */
async function dhcpClient(ep: Endpoint): Promise<Record<string, string>> {
  const out = join(workDir, `${ep.name}.lease`);
  const r = await tryRun(ep.argv(["env", `RZ_OUT=${out}`, "udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "1", "-s", join(workDir, "udhcpc.sh")]), { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`udhcpc in ${ep.name} failed: ${r.stdout}${r.stderr}`);
  return Object.fromEntries(readFileSync(out, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

// A udhcpc script that configures the interface and writes the lease to $RZ_OUT, and touches no
// file outside the test's directory (the stock script rewrites /etc/resolv.conf).
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    busybox ifconfig "$interface" "$ip" netmask "$subnet"
    [ -n "$router" ] && ip -4 route replace default via "\${router%% *}" dev "$interface"
    printf 'event=%s\\nip=%s\\nsubnet=%s\\nrouter=%s\\ndns=%s\\nlease=%s\\nserverid=%s\\n' "$1" "$ip" "$subnet" "$router" "$dns" "$lease" "$serverid" > "$RZ_OUT" ;;
esac
exit 0
`;

/** Pings every target from one endpoint at once; returns which answered, and the ARP table. */
async function pingAll(ep: Endpoint, targets: string[]): Promise<{ ok: Set<string>; neigh: Map<string, string> }> {
  const script = targets.map((t) => `(busybox ping -c 3 -i 0.3 -W 1 ${t} >/dev/null 2>&1 && echo "ok ${t}" || echo "no ${t}") &`).join("\n") + "\nwait\nip -4 neigh show dev eth0\n";
  const r = await tryRun(ep.argv(["sh", "-c", script]), { timeoutMs: 20_000 });
  const ok = new Set<string>();
  const neigh = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^ok (\S+)$/.exec(line);
    if (m) ok.add(m[1]!);
    const n = /^(\S+) lladdr (\S+)/.exec(line);
    if (n) neigh.set(n[1]!, n[2]!);
  }
  return { ok, neigh };
}

/**
 * Pings every 20 ms until the first reply; resolves with the time of that reply (performance.now()).
 * Much finer than retrying single pings, whose timeouts are whole seconds in busybox.
 */
function firstReply(ep: Endpoint, ip: string, timeoutS = 15): Promise<number> {
  return new Promise((resolve, reject) => {
    const argv = ep.argv(["busybox", "ping", "-i", "0.02", "-w", String(timeoutS), ip]);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "ignore"] });
    let done = false;
    child.stdout.on("data", (d: Buffer) => {
      if (!done && d.toString().includes("bytes from")) {
        done = true;
        resolve(performance.now());
        child.kill();
      }
    });
    child.on("close", () => {
      if (!done) reject(new Error(`${ep.name}: no reply from ${ip} in ${timeoutS} s`));
    });
  });
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));


/** `vnet realise` as a child process; `passes` waits for the first stdout pass line of each host. */
function spawnRealise(modelFile: string) {
  // node itself (not bin/vnet, whose tsx wrapper forks): the pid killed is the controller's.
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "realise", "--model", modelFile, "--listen", `${lab.controllerAddress}:${controllerPort}`, "--reconcile", "0", "--log-level", "warn"], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: ROOT,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
  const passes = async (hosts: string[]): Promise<string[]> => {
    const lineOf = (h: string) => stdout.split("\n").find((l) => l.startsWith(`vnet: ${h}: full pass`));
    await until(`vnet realise to report ${hosts.join(", ")} (stdout: ${stdout.slice(-300)} stderr: ${stderr.slice(-300)})`, () => hosts.every((h) => lineOf(h) !== undefined), 25_000, 50);
    return hosts.map((h) => lineOf(h)!);
  };
  return { child, exited, passes };
}

/** Splits ovs datapath actions at the commas that are not inside parentheses. */
function topLevelActions(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text.trim()) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

async function spoofDrops(host: string, portId: string): Promise<bigint> {
  const sw = controller!.switchByDpid(realisation!.realiser(host)!.dpid)!;
  const cookie = makeCookie("port", "spoof_drop", portId);
  const reply = await sw.multipart({ kind: "flow", tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie, cookieMask: 0xffffffffffffffffn, match: {} });
  return reply.flows.reduce((a, f) => a + f.packetCount, 0n);
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "rz-"));
  writeFileSync(join(workDir, "udhcpc.sh"), UDHCPC_SCRIPT);
  chmodSync(join(workDir, "udhcpc.sh"), 0o755);
  lab = await startLab({ hosts: 2, name: `rz${randomBytes(3).toString("hex")}` });
  model = buildModel(lab);
  // A first controller only to pick a free port; the realiser's controller starts later on it.
  const first = await startController(0);
  controllerPort = first.port;
  await first.controller.close();
  // The hosts as a hypervisor finds them: br-int exists (pointing at the controller), the VMs are
  // plugged in, nothing is programmed. Then the controller starts.
  // No address on eth0: the VMs get theirs by DHCP from the controller.
  for (const [id, ep] of await plugHypervisors(lab, target(), VMS.map(({ id, host, mac }) => ({ id, host, mac })))) eps.set(id, ep);
}, 90_000);

afterAll(async () => {
  await tearDownRealiserTest({ realisation, controller, lab, workDir });
  console.log(`realise-lab numbers:\n  ${numbers.join("\n  ")}`);
}, 60_000);

describe("tenant networks on a 2-host OVS lab", () => {
  it("programs both hosts from a cold controller start, then sends nothing more", async () => {
    const t0 = performance.now();
    ({ controller } = await startController(controllerPort));
    const upAt = new Map<string, number>();
    controller.on("switch_up", (sw) => void upAt.set(sw.dpidHex, Date.now()));
    realisation = startRealiser();
    await until("both hosts programmed", () => programmed(realisation!), 20_000);
    const ms = performance.now() - t0;
    for (const h of lab.plan.hosts) {
      const r = realisation.realiser(h.name)!;
      const first = reports.find((x) => x.hostId === h.name && x.programmed)!;
      numbers.push(`${h.name}: switch connected → ${first.flowMods} flow-mods + ${first.summary.groupMods} group-mods confirmed by barrier: ${first.at - upAt.get(r.dpidHex)!} ms`);
    }
    const perHost = lab.plan.hosts.map((h) => `${h.name}=${realisation!.realiser(h.name)!.status().lastReport!.desiredFlows} flows/${realisation!.realiser(h.name)!.status().lastReport!.desiredGroups} groups`);
    numbers.push(`controller start → both hosts fully programmed: ${ms.toFixed(0)} ms (includes OVS reconnect back-off)`);
    numbers.push(`flows per host (2 tenants × 2 VMs per host): ${perHost.join(", ")}`);
    // The tunnel ports came from OVSDB: one per remote host, VXLAN with key=flow.
    const h1 = await lab.client("h1");
    const tunnels = bridgePorts(h1.replica, "br-int").filter((p) => p.type === "vxlan");
    expect(tunnels).toHaveLength(1);
    expect(tunnels[0]!.options).toMatchObject({ remote_ip: lab.host("h2").underlayAddress, key: "flow" });
    // br-int's controller limits PACKET_INs, so a VM flooding DHCP cannot flood the controller.
    const ctrl = h1.replica.get("Controller", String((findBridge(h1.replica, "br-int")!.controller as string[])[0]))!;
    expect([ctrl.controller_rate_limit, ctrl.controller_burst_limit]).toEqual([[DEFAULT_CONTROLLER_RATE_LIMIT], [DEFAULT_CONTROLLER_BURST_LIMIT]]);
    // A full reconcile now finds nothing to change.
    const again = await realisation!.reconcile();
    for (const r of again) expect(r).toMatchObject({ kind: "full", flowMods: 0, summary: { groupMods: 0 } });
  });

  it("every VM gets its address, gateway, DNS and lease time by DHCP from the controller", async () => {
    const leases = await Promise.all(VMS.map(async (v) => [v, await dhcpClient(eps.get(v.id)!)] as const));
    for (const [v, lease] of leases) {
      expect(lease).toMatchObject({ ip: v.ip, subnet: "255.255.255.0", router: "192.0.2.1", dns: "192.0.2.53", lease: "600", serverid: "192.0.2.1" });
    }
    expect(realisation!.dhcp!.leases.size).toBe(VMS.length);
    expect([...realisation!.dhcp!.leases.values()].every((l) => l.state === "bound")).toBe(true);
  });

  it("a lease is renewed by unicast to the server address, answered by the controller", async () => {
    // udhcpc in the foreground; SIGUSR1 makes it renew at once (RENEWING: unicast REQUEST to the
    // server identifier, whose ARP the switch answers with the service MAC).
    const a2 = eps.get("a2")!;
    const out = join(workDir, "a2-renew.lease");
    const argv = a2.argv(["env", `RZ_OUT=${out}`, "udhcpc", "-f", "-i", "eth0", "-t", "5", "-T", "1", "-s", join(workDir, "udhcpc.sh")]);
    const client = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" });
    const read = () => {
      try {
        return readFileSync(out, "utf8");
      } catch {
        return "";
      }
    };
    try {
      await until("bound", () => read().includes("event=bound"), 10_000);
      rmSync(out);
      const before = realisation!.dhcp!.leases.get("a2")!.expiresAt;
      await new Promise((r) => setTimeout(r, 20));
      process.kill(client.pid!, "SIGUSR1");
      await until("renewed", () => read().includes("event=renew"), 10_000);
      expect(read()).toContain("ip=192.0.2.12");
      // The controller extended the lease: the renewal reached it.
      expect(realisation!.dhcp!.leases.get("a2")).toMatchObject({ state: "bound" });
      expect(realisation!.dhcp!.leases.get("a2")!.expiresAt).toBeGreaterThan(before);
    } finally {
      // SIGKILL: udhcpc must not deconfigure the address the next tests use.
      client.kill("SIGKILL");
    }
  });

  // On this machine OVS userspace delivers only about 300 PACKET_INs a second even without a limit,
  // so the bound below is not what stops this flood here; the limit itself is checked in OVSDB by
  // the first test. What this one proves everywhere: a flood neither disconnects the switch nor
  // breaks the VM, and the controller never sees more than rate × time + burst (+ OVS's queue).
  it("a VM flooding DHCP discovers: the switch stays connected, the VM keeps working, the controller sees a bounded rate", async () => {
    const b2 = eps.get("b2")!;
    const vm = (id: string) => VMS.find((v) => v.id === id)!;
    const sw = controller!.switchByDpid(realisation!.realiser("h1")!.dpid)!;
    const discover = encodeFrame(udpFrame({ srcMac: vm("b2").mac, dstMac: BROADCAST_MAC, srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload: new Uint8Array(300) }));
    const FLOOD = 8000;
    const WINDOW_MS = 1000;
    let counted = 0;
    let start = 0;
    const onPacketIn = (s: { dpid: bigint }, msg: { cookie: bigint }) => {
      if (s.dpid === sw.dpid && isDhcpCookie(msg.cookie) && start > 0 && performance.now() - start <= WINDOW_MS) counted++;
    };
    const off = controller!.on("packet_in", onPacketIn);
    try {
      start = performance.now();
      // Raw frames from the VM's own MAC: they pass port security and match the DHCP interception.
      const script = "import socket,sys\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind(('eth0',0))\nf=bytes.fromhex(sys.argv[1])\nfor _ in range(int(sys.argv[2])): s.send(f)\n";
      const r = await tryRun(b2.argv(["python3", "-c", script, Buffer.from(discover).toString("hex"), String(FLOOD)]));
      expect(r.code, r.stderr).toBe(0);
      const sentMs = performance.now() - start;
      await new Promise((res) => setTimeout(res, Math.max(0, WINDOW_MS - (performance.now() - start)) + 100));
      numbers.push(`DHCP flood: ${FLOOD} discovers sent in ${sentMs.toFixed(0)} ms, ${counted} PACKET_INs reached the controller in the first ${WINDOW_MS} ms (limit ${DEFAULT_CONTROLLER_RATE_LIMIT}/s, burst ${DEFAULT_CONTROLLER_BURST_LIMIT})`);
    } finally {
      off();
    }
    expect(counted).toBeGreaterThan(0);
    // rate × window + burst, plus the packets OVS had queued: far below the flood.
    expect(counted).toBeLessThanOrEqual(DEFAULT_CONTROLLER_RATE_LIMIT * (WINDOW_MS / 1000) + DEFAULT_CONTROLLER_BURST_LIMIT + 200);
    // The switch stays connected and the VM keeps working.
    expect(sw.connected).toBe(true);
    // (The first echo may wait behind the flood still queued in OVS: one reply of three is enough.)
    expect((await tryRun(b2.argv(["busybox", "ping", "-c", "3", "-W", "2", vm("b3").ip]))).code).toBe(0);
  });

  it("ping matrix: same tenant reaches across hosts, the other tenant never, even on a shared address", async () => {
    const results = await Promise.all(
      VMS.map(async (src) => {
        const targets = [...new Set(VMS.filter((d) => d.id !== src.id && d.ip !== src.ip).map((d) => d.ip))];
        return [src, targets, await pingAll(eps.get(src.id)!, targets)] as const;
      }),
    );
    const wrong: string[] = [];
    for (const [src, targets, { ok, neigh }] of results) {
      for (const t of targets) {
        const sameTenant = VMS.find((d) => d.ip === t && d.tenant === src.tenant && d.id !== src.id);
        if (Boolean(sameTenant) !== ok.has(t)) wrong.push(`${src.id} → ${t}: expected ${sameTenant ? "reply" : "silence"}`);
        // The shared address answers with the MAC of the source's own tenant's VM.
        if (sameTenant && neigh.get(t) !== sameTenant.mac) wrong.push(`${src.id} resolved ${t} to ${neigh.get(t)}, not ${sameTenant.mac}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("a spoofing VM's frames are dropped and counted", async () => {
    const a2 = eps.get("a2")!;
    const before = await spoofDrops("h1", "a2");
    await run(a2.argv(["ip", "addr", "add", "192.0.2.99/24", "dev", "eth0"]));
    try {
      const r = await tryRun(a2.argv(["busybox", "ping", "-c", "3", "-i", "0.2", "-W", "1", "-w", "2", "-I", "192.0.2.99", "192.0.2.13"]));
      expect(r.code).not.toBe(0);
    } finally {
      await run(a2.argv(["ip", "addr", "del", "192.0.2.99/24", "dev", "eth0"]));
    }
    const afterIp = await spoofDrops("h1", "a2");
    expect(afterIp - before).toBeGreaterThanOrEqual(3n);
    // A forged MAC (and so a forged ARP sender) is dropped as well.
    await run(a2.argv(["ip", "link", "set", "eth0", "address", "02:00:00:00:0a:99"]));
    try {
      const r = await tryRun(a2.argv(["busybox", "ping", "-c", "3", "-i", "0.2", "-W", "1", "-w", "2", "192.0.2.11"]));
      expect(r.code).not.toBe(0);
    } finally {
      await run(a2.argv(["ip", "link", "set", "eth0", "address", "02:00:00:00:0a:02"]));
    }
    expect((await spoofDrops("h1", "a2")) - afterIp).toBeGreaterThanOrEqual(1n);
    // The honest address still works.
    expect((await tryRun(a2.argv(["busybox", "ping", "-c", "1", "-W", "1", "192.0.2.13"]))).code).toBe(0);
  });

  it("the simulated switch agrees with ofproto/trace on sample packets", async () => {
    const status = realisation!.realiser("h1")!.status();
    const wiring = status.wiring!;
    const sim = new SimSwitch("h1");
    sim.sendAll(diff(compile(model, "h1", wiring), { flows: [], groups: [] }));
    const runDir = lab.hostRunDir("h1");
    const ctl = join(runDir, "ovs-vswitchd.ctl");
    // dp port number → interface name, to read trace's "Datapath actions".
    const dpif = await run(["ovs-appctl", "-t", ctl, "dpif/show"]);
    // Only br-int's ports: after tnl_push the trace follows the packet through br-phy too.
    const dpName = new Map<number, string>();
    let bridge = "";
    for (const line of dpif.split("\n")) {
      const b = /^ {2}(\S+):$/.exec(line);
      if (b) bridge = b[1]!;
      const p = /^ {4}(\S+) (\d+)\/(\d+)/.exec(line);
      if (p && bridge === "br-int") dpName.set(Number(p[3]), p[1]!);
    }
    const ofName = new Map<number, string>(Object.entries(status.ifaceOf).map(([id, iface]) => [wiring.vmPorts[id]!, iface]));
    for (const [, n] of Object.entries(wiring.tunnels)) ofName.set(n, "tunnel");
    const vm = (id: string) => VMS.find((v) => v.id === id)!;
    const ipv4 = (from: string, dstMac: string, srcIp: string, dstIp: string) =>
      encodeFrame(udpFrame({ srcMac: vm(from).mac, dstMac, srcIp, dstIp, srcPort: 4000, dstPort: 5000, payload: new Uint8Array(8) }));
    const cases = [
      { name: "a1→a2 same host", inPort: "a1", frame: ipv4("a1", vm("a2").mac, vm("a1").ip, vm("a2").ip), trace: `dl_type=0x0800,nw_proto=17,dl_src=${vm("a1").mac},dl_dst=${vm("a2").mac},nw_src=${vm("a1").ip},nw_dst=${vm("a2").ip},udp_src=4000,udp_dst=5000` },
      { name: "a1→a3 other host", inPort: "a1", frame: ipv4("a1", vm("a3").mac, vm("a1").ip, vm("a3").ip), trace: `dl_type=0x0800,nw_proto=17,dl_src=${vm("a1").mac},dl_dst=${vm("a3").mac},nw_src=${vm("a1").ip},nw_dst=${vm("a3").ip},udp_src=4000,udp_dst=5000` },
      { name: "a1→b2's MAC (other tenant)", inPort: "a1", frame: ipv4("a1", vm("b2").mac, vm("a1").ip, vm("b2").ip), trace: `dl_type=0x0800,nw_proto=17,dl_src=${vm("a1").mac},dl_dst=${vm("b2").mac},nw_src=${vm("a1").ip},nw_dst=${vm("b2").ip},udp_src=4000,udp_dst=5000` },
      { name: "a1 spoofing its IP", inPort: "a1", frame: ipv4("a1", vm("a2").mac, "192.0.2.99", vm("a2").ip), trace: `dl_type=0x0800,nw_proto=17,dl_src=${vm("a1").mac},dl_dst=${vm("a2").mac},nw_src=192.0.2.99,nw_dst=${vm("a2").ip},udp_src=4000,udp_dst=5000` },
      { name: "b2 broadcast", inPort: "b2", frame: ipv4("b2", BROADCAST_MAC, vm("b2").ip, "192.0.2.255"), trace: `dl_type=0x0800,nw_proto=17,dl_src=${vm("b2").mac},dl_dst=${BROADCAST_MAC},nw_src=${vm("b2").ip},nw_dst=192.0.2.255,udp_src=4000,udp_dst=5000` },
      {
        name: "a1 ARP for a2 (answered by the switch)",
        inPort: "a1",
        frame: encodeFrame(arpFrame({ op: ARP_OP.REQUEST, srcMac: vm("a1").mac, dstMac: BROADCAST_MAC, sha: vm("a1").mac, spa: vm("a1").ip, tha: "00:00:00:00:00:00", tpa: vm("a2").ip })),
        trace: `arp,dl_src=${vm("a1").mac},dl_dst=${BROADCAST_MAC},arp_op=1,arp_sha=${vm("a1").mac},arp_spa=${vm("a1").ip},arp_tpa=${vm("a2").ip}`,
      },
    ];
    const disagreements: string[] = [];
    for (const c of cases) {
      const inOf = wiring.vmPorts[c.inPort]!;
      const simOut = new Set(sim.process(inOf, c.frame).outputs.map((o) => ofName.get(o.port) ?? `of${o.port}`));
      const t = await run(["ovs-appctl", "-t", ctl, "ofproto/trace", "br-int", `in_port=${inOf},${c.trace}`]);
      const actions = /Datapath actions: (.*)/.exec(t)?.[1] ?? "";
      const ovsOut = new Set<string>();
      for (const action of topLevelActions(actions)) {
        if (action.startsWith("tnl_push(")) ovsOut.add("tunnel");
        else if (/^\d+$/.test(action) && dpName.has(Number(action))) ovsOut.add(dpName.get(Number(action))!);
      }
      const a = [...simOut].sort().join(" ");
      const b = [...ovsOut].sort().join(" ");
      if (a !== b) disagreements.push(`${c.name}: sim [${a}] vs ovs [${b}] (${actions})`);
    }
    expect(disagreements).toEqual([]);
  });

  it("kill -9 of the controller interrupts no traffic, and its restart sends no flow-mod", async () => {
    // The controller as an operator runs it: `vnet realise` in its own process, on the same port.
    await realisation!.close();
    await controller!.close();
    realisation = null;
    controller = null;
    const modelFile = join(workDir, "model.json");
    writeFileSync(modelFile, JSON.stringify(model));
    const child = spawnRealise(modelFile);
    let pingDone = false;
    let ping: Promise<{ stdout: string }> | null = null;
    try {
      // Taking over from the in-process controller: both hosts are right already.
      for (const line of await child.passes(["h1", "h2"])) expect(line).toMatch(/sent 0 flow-mods .* 0 group-mods/);
      // 12 s of pings across hosts (a1 on h1 → a3 on h2) while the controller dies and comes back:
      // longer than OVS's reconnect back-off, which doubles after the short-lived connections of
      // this test to 4 s and sometimes 8 s whatever max_backoff says.
      ping = tryRun(eps.get("a1")!.argv(["busybox", "ping", "-c", "240", "-i", "0.05", "-W", "1", "192.0.2.13"]), { timeoutMs: 30_000 });
      void ping.then(() => (pingDone = true));
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      child.child.kill("SIGKILL");
      await child.exited;
    }
    // Restarted (in this process, which starts faster than a new one).
    const t0 = performance.now();
    reports.length = 0;
    ({ controller } = await startController(controllerPort));
    const ups: number[] = [];
    controller.on("switch_up", () => void ups.push(performance.now()));
    realisation = startRealiser();
    await until("both hosts reconciled", () => programmed(realisation!), 20_000);
    numbers.push(
      `kill -9 of \`vnet realise\`, controller restarted → switches reconnected after ${ups.map((u) => (u - t0).toFixed(0)).join("/")} ms (OVS back-off), ` +
        `both hosts reconciled ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(pingDone).toBe(false);
    const programmedReports = reports.filter((r) => r.programmed);
    expect(programmedReports.length).toBeGreaterThanOrEqual(2);
    for (const r of programmedReports) expect(r).toMatchObject({ flowMods: 0, summary: { groupMods: 0 }, ovsdbChanges: 0 });
    const out = (await ping!).stdout;
    const m = /(\d+) packets transmitted, (\d+) packets received/.exec(out);
    expect(m, out).not.toBeNull();
    numbers.push(`ping through kill -9 and restart of the controller: ${m![1]} sent, ${m![2]} received`);
    expect(m![2]).toBe(m![1]);
  });

  it("a new port sends only its own flows, and its first ping is timed from binding", async () => {
    const newVm: VmSpec = { id: "a5", host: "h1", tenant: "A", mac: "02:00:00:00:0a:05", ip: "192.0.2.15" };
    model = must(applyChanges(model, [{ op: "add_port", port: { id: newVm.id, networkId: NET.A, hostId: newVm.host, mac: newVm.mac, ip: newVm.ip } }]));
    realisation!.update(model);
    await realisation!.settled();
    reports.length = 0;
    const t0 = performance.now();
    const ep = await attachEndpoint(lab, newVm.host, { name: newVm.id, mac: newVm.mac, ip: `${newVm.ip}/24`, bridge: "br-int", ifaceId: newVm.id });
    const tBound = performance.now();
    const boundAt = Date.now();
    eps.set(newVm.id, ep);
    VMS.push(newVm);
    // The VM may ARP before its flows are in (then that ARP is dropped): retry ARP every 20 ms
    // instead of the kernel's 1 s, so the number measures the network, not the retry timer.
    await run(ep.argv(["sysctl", "-qw", "net.ipv4.neigh.eth0.retrans_time_ms=20", "net.ipv4.neigh.eth0.mcast_solicit=50"]));
    const tPing = await firstReply(ep, "192.0.2.13");
    const a5Cookie = (c: bigint) => decodeCookie(c)?.idHash === idHash("a5");
    const installed = reports.find((r) => r.hostId === "h1" && r.flowModCookies.some(a5Cookie));
    numbers.push(
      `new port on h1: endpoint made and bound in OVSDB (ofport assigned) ${(tBound - t0).toFixed(0)} ms; ` +
        `bound → its flows confirmed by barrier ${installed ? `${installed.at - boundAt} ms` : "(before ofport was reported)"}; ` +
        `bound → first ping to h2 answered ${(tPing - tBound).toFixed(0)} ms`,
    );
    await realisation!.settled();
    const touched = reports.filter((r) => r.flowMods > 0);
    expect(touched.length).toBeGreaterThan(0);
    const a5 = idHash("a5");
    for (const r of touched) {
      expect(r.summary.flowDeletes).toBe(0);
      for (const cookie of r.flowModCookies) {
        const info = decodeCookie(cookie);
        expect(info?.kind === "port" && info.idHash === a5, `cookie ${cookie.toString(16)} on ${r.hostId}`).toBe(true);
      }
    }
    numbers.push(`after the new port: ${touched.map((r) => `${r.hostId} ${r.desiredFlows} flows (+${r.summary.flowAdds} adds, ${r.summary.groupMods} group-mods)`).join(", ")}`);
    // Only network A's flood groups changed (a new local bucket on h1).
    expect(touched.reduce((a, r) => a + r.summary.groupMods, 0)).toBeLessThanOrEqual(2);
  });

  it("a NIC that disappears takes its flows with it; the model port stays", async () => {
    reports.length = 0;
    await eps.get("a5")!.remove();
    eps.delete("a5");
    await until("a5 unbound", () => realisation!.realiser("h1")!.status().wiring?.vmPorts.a5 === undefined);
    await realisation!.settled();
    const h1 = reports.filter((r) => r.hostId === "h1" && r.flowMods > 0);
    expect(h1.length).toBeGreaterThan(0);
    for (const r of h1) {
      expect(r.summary.flowAdds).toBe(0);
      for (const cookie of r.flowModCookies) expect(decodeCookie(cookie)?.idHash).toBe(idHash("a5"));
    }
    // Its address stays known to the network (the model still has the port): only h1's local
    // flows went, and h2 was not touched.
    expect(reports.filter((r) => r.hostId === "h2" && (r.flowMods > 0 || r.summary.groupMods > 0))).toEqual([]);
    expect(model.ports.some((p) => p.id === "a5")).toBe(true);
  });

  it("drift is repaired: flows deleted by hand and a foreign flow are fixed, and nothing else moves", async () => {
    const mgmt = `unix:${join(lab.hostRunDir("h1"), "br-int.mgmt")}`;
    const spoofCookie = makeCookie("port", "spoof_drop", "b2");
    const sw = controller!.switchByDpid(realisation!.realiser("h1")!.dpid)!;
    const owned = await sw.multipart({ kind: "flow", tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: spoofCookie, cookieMask: 0xffffffffffffffffn, match: {} });
    // Only the catch-all drop carries the spoof cookie; the rogue-DHCP guard has a role of its own.
    expect(owned.flows).toHaveLength(1);
    await run(["ovs-ofctl", "-O", "OpenFlow13", "del-flows", mgmt, `cookie=0x${spoofCookie.toString(16)}/-1`]);
    await run(["ovs-ofctl", "-O", "OpenFlow13", "add-flow", mgmt, "table=40,priority=7,cookie=0x1234,actions=drop"]);
    const report = await realisation!.realiser("h1")!.reconcile();
    expect(report).toMatchObject({ kind: "full", summary: { flowAdds: owned.flows.length, flowDeletes: 1, flowModifies: 0, groupMods: 0 } });
    expect(new Set(report!.flowModCookies)).toEqual(new Set([0x1234n, spoofCookie]));
    const again = await realisation!.realiser("h1")!.reconcile();
    expect(again).toMatchObject({ flowMods: 0 });
  });

  it("after ovs-vswitchd restarts, the controller restores every flow; time to the first passing ping", async () => {
    const dir = lab.hostRunDir("h2");
    const netns = lab.host("h2").netns;
    const r2 = realisation!.realiser("h2")!;
    await killPidfile(ovsPaths(dir).vswitchdPidfile, "ovs-vswitchd", 1000);
    await until("h2 disconnected", () => !r2.status().connected, 10_000);
    reports.length = 0;
    const t0 = performance.now();
    await startVswitchd({ dir, netns });
    let tUp = 0;
    await until("h2 reconnected", () => {
      if (r2.status().connected && tUp === 0) tUp = performance.now();
      return tUp > 0;
    }, 15_000, 5);
    const tPing = await firstReply(eps.get("a3")!, "192.0.2.11", 20);
    numbers.push(`ovs-vswitchd restart: process start → controller connected ${(tUp - t0).toFixed(0)} ms; connected → first passing ping ${(tPing - tUp).toFixed(0)} ms`);
    const restore = reports.find((r) => r.hostId === "h2" && r.programmed && r.kind === "full");
    expect(restore).toBeDefined();
    expect(restore!.summary.flowAdds).toBe(restore!.desiredFlows);
    expect(restore!.summary.flowDeletes).toBe(0);
    await until("h2 in sync", () => programmed(realisation!), 10_000);
    const [check] = await Promise.all([r2.reconcile()]);
    expect(check).toMatchObject({ flowMods: 0 });
  });

  it("flow-restore-wait: no controller while the flag is set, flows back right after it clears", async () => {
    // The restart procedure of ovs-ctl (ovs-save), by hand: save br-int's groups and flows through
    // its management socket, set flow-restore-wait, restart, restore, clear the flag.
    const dir = lab.hostRunDir("h1");
    const mgmt = `unix:${join(dir, "br-int.mgmt")}`;
    const vsctl = (...args: string[]) => run(["ovs-vsctl", `--db=unix:${ovsPaths(dir).sock}`, ...args]);
    const ofctl = (...args: string[]) => run(["ovs-ofctl", "-O", "OpenFlow13", ...args]);
    const flowLines = async () => (await ofctl("--no-names", "--no-stats", "dump-flows", mgmt)).split("\n").filter((l) => l.includes("actions="));
    const groups = (await ofctl("dump-groups", mgmt)).split("\n").filter((l) => l.includes("group_id=")).map((l) => l.trim());
    const flows = (await flowLines()).map((l) => l.trim());
    writeFileSync(join(workDir, "groups.txt"), groups.join("\n") + "\n");
    writeFileSync(join(workDir, "flows.txt"), flows.join("\n") + "\n");
    const r1 = realisation!.realiser("h1")!;
    await vsctl("set", "Open_vSwitch", ".", "other_config:flow-restore-wait=true");
    await killPidfile(ovsPaths(dir).vswitchdPidfile, "ovs-vswitchd", 1000);
    await until("h1 disconnected", () => !r1.status().connected, 10_000);
    await startVswitchd({ dir, netns: lab.host("h1").netns });
    await until("the realiser sees flow-restore-wait", () => r1.status().flowRestoreWait, 5000);
    // While the flag is set, ovs-vswitchd does not connect to controllers...
    await new Promise((r) => setTimeout(r, 1500));
    expect(r1.status().connected).toBe(false);
    // ...but takes the saved tables through its management socket.
    await ofctl("add-groups", mgmt, join(workDir, "groups.txt"));
    await ofctl("add-flows", mgmt, join(workDir, "flows.txt"));
    expect(await flowLines()).toHaveLength(flows.length);
    reports.length = 0;
    const cleared = Date.now();
    await vsctl("set", "Open_vSwitch", ".", "other_config:flow-restore-wait=false");
    await until("h1 reconnected and reprogrammed", () => r1.status().connected && reports.some((r) => r.hostId === "h1" && r.programmed), 15_000);
    const first = reports.find((r) => r.hostId === "h1" && r.programmed)!;
    // Gaining a controller makes ovs-vswitchd flush its tables (bridge.c, had_primary): the
    // realiser's full pass on connect is what puts them back, right away.
    expect(first).toMatchObject({ kind: "full", summary: { flowDeletes: 0 } });
    expect(first.summary.flowAdds).toBe(first.desiredFlows);
    numbers.push(`flow-restore-wait cleared → controller connected and every flow back (barrier): ${first.at - cleared} ms`);
    expect(await firstReply(eps.get("a1")!, "192.0.2.13", 10)).toBeGreaterThan(0);
  });
});
