// `vnet serve` as one process (controller, realisers, VM drivers, API, live feed) against a real
// 2-host lab, driven only through its REST API: hosts, two tenants on one CIDR, netns VMs that
// lease from vnet's DHCP and ping across hosts, flow counters that grow in the switches API; then
// SIGKILL and a restart over the same data directory, with a ping running all along that must
// lose nothing.
//
// The server runs as `node --import tsx src/cli/main.ts serve` so that SIGKILL reaches the real
// process (a tsx launcher would pass it on to nobody).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, newSecret } from "../../src/inventory/secrets";
import { openInventory } from "../../src/inventory/sqlite";
import { run, tryRun } from "../../src/lab/exec";
import { startLab, type Lab } from "../support/lab";

const root = resolve(__dirname, "../..");
const main = join(root, "src/cli/main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "dm-serve-"));
const adminToken = newSecret();
// A port of our own: other tests may hold the conventional 6653 on their own lab addresses.
// Below the ephemeral range (32768+), fixed for the file: the restart must find the same port.
const controllerPort = 20_000 + (process.pid % 12_000);

let lab: Lab;
let server: { child: ChildProcess; url: string; stderr: () => string } | null = null;
const children: ChildProcess[] = [];

function startServe(): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const args = ["--import", "tsx", main, "serve", "--data-dir", dataDir, "--port", "0", "--no-dashboard", "--controller-listen", `${lab.controllerAddress}:${controllerPort}`];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, VNET_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`vnet serve did not start: ${out} ${err}`)), 30_000);
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ child, url: m[1]!, stderr: () => err });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`vnet serve exited with ${code}: ${err}`));
    });
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", () => done());
    child.kill("SIGKILL");
  });
}

async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(server!.url + path, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface VmView {
  id: string;
  name: string;
  netns: string;
  state: string;
  nics: Array<{ ip: string; mac: string }>;
}

const vmByName = new Map<string, VmView>();
const ns = (name: string) => vmByName.get(name)!.netns;
const ipOf = (name: string) => vmByName.get(name)!.nics[0]!.ip;
const leasedAddress = async (vm: string) => (await tryRun(["ip", "-n", ns(vm), "-4", "-o", "addr", "show", "dev", "eth0"])).stdout;

/** Packets counted by the live flow table of `vm`'s flows on its host's switch. */
async function vmFlowPackets(dpid: string, vm: string): Promise<number> {
  const flows = await api<Array<{ packets: number }>>("GET", `/api/switches/${dpid}/flows?vm=${vm}`);
  return flows.reduce((s, f) => s + f.packets, 0);
}

beforeAll(async () => {
  lab = await startLab({ hosts: 2, name: `dm${randomBytes(3).toString("hex").slice(0, 5)}` });
  const store = openInventory(dataDir);
  store.addToken({ id: newId("tok"), name: "test-admin", role: "admin", tenantId: null, createdAt: new Date().toISOString() }, adminToken);
  store.close();
  server = await startServe();
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map(killHard));
  await lab?.down();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("vnet serve on a 2-host lab", () => {
  let h1Dpid = "";

  it("realises hosts, tenants and netns VMs registered through the API: leases, pings across hosts, isolation", async () => {
    for (const h of lab.plan.hosts) {
      await api("POST", "/api/hosts", { name: h.name, managementAddress: h.mgmtAddress, ovsdbTarget: h.ovsdbTarget, backend: "ovs", tunnelIp: h.underlayAddress, uplink: h.uplinkIface });
    }
    const hosts = await waitFor("both switches connected", async () => {
      const hs = await api<Array<{ name: string; status: { openflowConnected: boolean; dpid?: string } }>>("GET", "/api/hosts");
      return hs.every((h) => h.status.openflowConnected) && hs;
    });
    h1Dpid = hosts.find((h) => h.name === "h1")!.status.dpid!;
    expect(h1Dpid).toMatch(/^[0-9a-f]{16}$/);

    for (const t of ["red", "blue"]) {
      await api("POST", "/api/tenants", { name: t });
      await api("POST", "/api/networks", { name: `${t}-net`, tenant: t, subnet: "192.0.2.0/24" });
    }
    const placement = [
      ["ra", "red", "h1"],
      ["rb", "red", "h2"],
      ["ba", "blue", "h1"],
      ["bb", "blue", "h2"],
    ] as const;
    for (const [name, tenant, host] of placement) {
      const vm = await api<VmView>("POST", "/api/vms", { name, tenant, host, driver: "netns", nics: [{ network: `${tenant}-net` }] });
      await api("POST", `/api/vms/${vm.id}/start`);
    }
    for (const vm of await api<VmView[]>("GET", "/api/vms")) vmByName.set(vm.name, vm);
    expect([...vmByName.values()].map((v) => v.state)).toEqual(["running", "running", "running", "running"]);
    // Both tenants got the same addresses from their own networks' IPAM.
    expect(ipOf("ra")).toBe(ipOf("ba"));
    expect(ipOf("rb")).toBe(ipOf("bb"));

    for (const vm of vmByName.keys()) await waitFor(`${vm}'s DHCP lease`, async () => (await leasedAddress(vm)).includes(`${ipOf(vm)}/24`));

    const ping = await run(["ip", "netns", "exec", ns("ra"), "busybox", "ping", "-c", "3", "-W", "2", ipOf("rb")]).catch((e: Error) => e);
    expect(ping instanceof Error ? ping.message : "", "red across hosts").toBe("");
    // rb's twin address in blue answers blue, never red: ra's ARP for it must reach rb only.
    await tryRun(["ip", "-n", ns("ra"), "neigh", "flush", "all"]);
    await run(["ip", "netns", "exec", ns("ra"), "busybox", "ping", "-c", "1", "-W", "2", ipOf("rb")]);
    const neigh = await run(["ip", "-n", ns("ra"), "neigh", "show", ipOf("rb")]);
    expect(neigh).toContain(vmByName.get("rb")!.nics[0]!.mac);
    expect(neigh).not.toContain(vmByName.get("bb")!.nics[0]!.mac);
  }, 90_000);

  it("the switches API shows ra's flows with counters that grow after a ping", async () => {
    const before = await waitFor("ra's flows in the live view", async () => {
      const n = await vmFlowPackets(h1Dpid, "ra");
      return n > 0 && n;
    });
    await run(["ip", "netns", "exec", ns("ra"), "busybox", "ping", "-c", "5", "-i", "0.2", ipOf("rb")]);
    const after = await waitFor("the counters to move", async () => {
      const n = await vmFlowPackets(h1Dpid, "ra");
      return n >= before + 5 && n;
    });
    expect(after).toBeGreaterThanOrEqual(before + 5);
    const ports = await api<{ ports: Array<{ vm?: string; tenant?: string; tunnel?: string }> }>("GET", `/api/switches/${h1Dpid}`);
    expect(ports.ports.filter((p) => p.vm).map((p) => `${p.vm}:${p.tenant}`).sort()).toEqual(["ba:blue", "ra:red"]);
    expect(ports.ports.some((p) => p.tunnel === "h1->h2")).toBe(true);
    // The "why" trace runs on what the realisers loaded: red reaches red across the tunnel, and
    // blue's twin address is out of red's reach.
    const trace = (from: string, to: string) => api<{ delivered: boolean; verdict: string }>("POST", "/api/trace", { from: vmByName.get(from)!.id, to: vmByName.get(to)!.id });
    expect(await trace("ra", "rb")).toMatchObject({ delivered: true });
    expect((await trace("ra", "bb")).delivered).toBe(false);
  }, 30_000);

  it("after SIGKILL and a restart the same inventory comes back, and a ping running throughout loses nothing", async () => {
    const list = async () => ({
      hosts: (await api<Array<{ id: string; name: string }>>("GET", "/api/hosts")).map((h) => `${h.id}:${h.name}`).sort(),
      networks: (await api<Array<{ id: string; name: string }>>("GET", "/api/networks")).map((n) => `${n.id}:${n.name}`).sort(),
      vms: (await api<VmView[]>("GET", "/api/vms")).map((v) => `${v.id}:${v.name}:${v.state}:${v.nics[0]?.ip}`).sort(),
    });
    const inventoryBefore = await list();
    const countersBefore = await vmFlowPackets(h1Dpid, "ra");

    // 100 pings, 0.2 s apart: 20 s that span the kill, the restart and the switches reconnecting.
    const pinger = spawn("ip", ["netns", "exec", ns("ra"), "busybox", "ping", "-c", "100", "-i", "0.2", "-W", "2", ipOf("rb")], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(pinger);
    let pingOut = "";
    pinger.stdout!.on("data", (b: Buffer) => (pingOut += b.toString()));
    const pingDone = new Promise<number | null>((r) => pinger.once("exit", (code) => r(code)));

    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    await killHard(server!.child);
    server = await startServe();
    await waitFor("both switches back", async () => {
      const hs = await api<Array<{ status: { openflowConnected: boolean } }>>("GET", "/api/hosts");
      return hs.length === 2 && hs.every((h) => h.status.openflowConnected);
    });
    console.log(`serve restart: API up and both switches reconnected ${Date.now() - t0} ms after SIGKILL`);
    // The ping must span the whole outage, or it proves nothing about it.
    expect(pinger.exitCode, "the ping ended before the switches were back").toBeNull();
    expect(await list()).toEqual(inventoryBefore);

    expect(await pingDone).toBe(0);
    const m = /(\d+) packets transmitted, (\d+) packets received/.exec(pingOut);
    expect(m, pingOut).not.toBeNull();
    console.log(`ping through the restart: ${m![0]}`);
    expect(Number(m![2])).toBe(Number(m![1]));
    expect(Number(m![1])).toBe(100);

    // The flows were kept, not re-added: their counters carried on from where they were.
    const countersAfter = await waitFor("the live counters after the restart", async () => {
      const n = await vmFlowPackets(h1Dpid, "ra");
      return n >= countersBefore + 100 && n;
    });
    expect(countersAfter).toBeGreaterThanOrEqual(countersBefore + 100);
    expect(server!.stderr()).not.toMatch(/"level":(50|60)/);
  }, 90_000);

  it("SIGTERM shuts it down cleanly and releases the data directory", async () => {
    const child = server!.child;
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // A clean exit removes its lock (a SIGKILLed server leaves it to be taken over).
    expect(existsSync(join(dataDir, "serve.pid"))).toBe(false);
    const store = openInventory(dataDir);
    expect(store.state().vms).toHaveLength(4);
    store.close();
    // VMs outlive vnet: the network keeps working while it is down (flows stay on the switches).
    const ping = await tryRun(["ip", "netns", "exec", ns("ra"), "busybox", "ping", "-c", "2", "-W", "2", ipOf("rb")]);
    expect(ping.code, ping.stdout).toBe(0);
  }, 30_000);
});
