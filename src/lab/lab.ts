// `vnet lab`: simulated hosts on one machine. Each host is a network namespace with its own
// ovsdb-server (listening on the host's management address) and ovs-vswitchd (userspace datapath),
// a management link to the root namespace, an underlay link to a shared underlay segment, and an
// unconfigured uplink to a shared "site LAN" segment with a gateway and a dnsmasq DHCP server.
//
//   root ns:  lb-NAME (bridge, controller address) ── lb-NAME-1 ─┐   lb-NAME-2 ─┐
//   lb-NAME-h1:  mgmt (ovsdb ptcp:6640)   br-phy(underlay IP)+underlay   uplink
//   lb-NAME-ul:  br0 ── h1, h2 ...        (underlay segment)
//   lb-NAME-lan: br0 (gateway, dnsmasq) ── h1, h2 ...   (site LAN)
//
// Every step is recorded in the state file first, so `down` can remove a half-built lab.

import { mkdirSync, rmSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { run, tryRun, inNetns, type RunResult } from "./exec";
import { startOvsdbServer, startVswitchd, killPidfile, killPid, readPid, isAlive, ovsPaths } from "./ovs";
import { planLab, checkLabName, overlaps, mgmtBlock, UNDERLAY_MTU, type LabPlan, type HostPlan, type UnderlayMode } from "./plan";
import {
  readState,
  writeState,
  reserveSlot,
  releaseSlots,
  labDir,
  listLabs,
  runRoot,
  type LabState,
  type HostState,
} from "./state";
import { writePrivateResolvConf, removePrivateResolvConf, privateResolvConfs } from "./netns";
import { OvsdbClient } from "../ovsdb/client";
import { connectVswitch, ensureBridge, ensurePort, waitForOfport } from "../ovsdb/vswitch";

export interface LabUpOptions {
  name: string;
  hosts?: number;
  /** Where the underlay address lives (default "ovs": on br-phy). See UnderlayMode. */
  underlay?: UnderlayMode;
  /** Marks a lab made by a test fixture (removable once its process is gone). */
  temporary?: boolean;
  /** Progress lines (the CLI prints them). */
  log?: (line: string) => void;
}

export class LabError extends Error {
  override name = "LabError";
}

/** Runs `ip -batch` in a namespace (or the root one): one process for many link commands. */
async function ipBatch(netns: string | undefined, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  const argv = netns ? ["ip", "-n", netns, "-batch", "-"] : ["ip", "-batch", "-"];
  await run(argv, { input: lines.join("\n") + "\n" });
}

function hostState(plan: LabPlan, h: HostPlan, dir: string): HostState {
  return { name: h.name, runDir: join(dir, h.name), pids: {} };
}

/** Builds a lab; on any failure removes what it made and rethrows. */
export async function labUp(options: LabUpOptions): Promise<Lab> {
  const log = options.log ?? (() => undefined);
  checkLabName(options.name);
  const hostCount = options.hosts ?? 2;
  if (readState(options.name) || existsSync(labDir(options.name))) {
    throw new LabError(`lab "${options.name}" exists: "vnet lab down --name ${options.name}" first`);
  }
  // Routes the root namespace has that are not a lab's: a management block must not shadow them.
  const foreign = await rootRoutes();
  const slot = reserveSlot(options.name, runRoot(), (k) => !foreign.some((r) => overlaps(r, mgmtBlock(k))));
  let plan: LabPlan;
  try {
    plan = planLab(options.name, slot, hostCount, options.underlay ?? "ovs");
  } catch (err) {
    releaseSlots(options.name);
    throw err;
  }
  const dir = labDir(plan.name);
  mkdirSync(dir, { recursive: true });
  const state: LabState = {
    version: 1,
    plan,
    runDir: dir,
    createdAt: new Date().toISOString(),
    ownerPid: process.pid,
    ...(options.temporary ? { temporary: true } : {}),
    phase: "building",
    hosts: plan.hosts.map((h) => hostState(plan, h, dir)),
    lan: { runDir: join(dir, "lan"), leaseFile: join(dir, "lan", "dnsmasq.leases") },
    endpoints: [],
    linuxBridges: [],
  };
  writeState(state);
  const lab = new Lab(state);
  try {
    const t0 = Date.now();
    await buildLinks(plan);
    log(`links and namespaces: ${Date.now() - t0} ms`);
    await Promise.all([
      ...plan.hosts.map((h, i) => startHost(plan, h, state.hosts[i]!, lab)),
      startDnsmasq(plan, state),
    ]);
    state.phase = "up";
    writeState(state);
    log(`lab ${plan.name} up with ${hostCount} hosts in ${Date.now() - t0} ms`);
    return lab;
  } catch (err) {
    await labDown(plan.name).catch(() => undefined);
    throw err;
  }
}

/**
 * IPv4 prefixes routed in the root namespace, except those on lab bridges (lb-*), and "default".
 * Unreachable/blackhole/prohibit routes carry no traffic (the test suite installs some as a guard
 * so that a client still talking to a removed lab host fails here instead of leaving the machine).
 */
async function rootRoutes(): Promise<string[]> {
  const r = await tryRun(["ip", "-4", "-o", "route", "show", "table", "all"]);
  return r.stdout
    .split("\n")
    .filter((l) => l && !/ dev lb-/.test(l) && !/^(unreachable|blackhole|prohibit) /.test(l))
    .map((l) => l.split(" ")[0]!)
    .filter((dst) => dst !== "default" && dst !== "broadcast" && dst !== "local" && !dst.startsWith("127."))
    .concat(
      r.stdout
        .split("\n")
        .filter((l) => /^(local|broadcast) /.test(l) && !/ dev lb-/.test(l) && !/ dev lo /.test(l))
        .map((l) => l.split(" ")[1]!),
    );
}

/** Every namespace a lab's plan names (endpoints come and go separately). */
function planNamespaces(plan: LabPlan): string[] {
  return [plan.underlayNetns, plan.lanNetns, ...plan.hosts.map((h) => h.netns)];
}

async function buildLinks(plan: LabPlan): Promise<void> {
  const namespaces = planNamespaces(plan);
  // Before the namespaces exist: nothing run in them may ever see the root's resolv.conf.
  for (const n of namespaces) writePrivateResolvConf(n);
  await ipBatch(undefined, namespaces.map((n) => `netns add ${n}`));
  const links: string[] = [
    `link add ${plan.rootBridge} type bridge`,
    `addr add ${plan.controllerAddress}/${plan.prefixLength} dev ${plan.rootBridge}`,
    `link set ${plan.rootBridge} up`,
  ];
  for (const h of plan.hosts) {
    links.push(
      `link add ${h.mgmtRootIface} type veth peer name ${h.mgmtIface} netns ${h.netns}`,
      `link set ${h.mgmtRootIface} master ${plan.rootBridge} up`,
      `link add ${h.underlayIface} netns ${h.netns} type veth peer name ${h.segmentPortName} netns ${plan.underlayNetns}`,
      `link add ${h.uplinkIface} netns ${h.netns} type veth peer name ${h.segmentPortName} netns ${plan.lanNetns}`,
    );
  }
  await ipBatch(undefined, links);
  const segment = (withGateway: boolean, mtu?: number): string[] => [
    "link set lo up",
    `link add br0 type bridge`,
    ...(withGateway ? [`addr add ${plan.gateway}/${plan.prefixLength} dev br0`] : []),
    ...plan.hosts.map((h) => `link set ${h.segmentPortName} ${mtu ? `mtu ${mtu} ` : ""}master br0 up`),
    `link set br0 up`,
  ];
  await Promise.all([
    ipBatch(plan.underlayNetns, segment(false, UNDERLAY_MTU)),
    ipBatch(plan.lanNetns, segment(true)),
    ...plan.hosts.map((h) =>
      ipBatch(h.netns, [
        "link set lo up",
        `addr add ${h.mgmtAddress}/${plan.prefixLength} dev ${h.mgmtIface}`,
        `link set ${h.mgmtIface} up`,
        `link set ${h.underlayIface} mtu ${UNDERLAY_MTU} up`,
        `link set ${h.uplinkIface} up`,
      ]),
    ),
  ]);
  // Packets the LAN namespace's own stack sends (DHCP offers, the gateway's replies) reach a host's
  // uplink, which OVS netdev reads raw: with checksum offload on, their checksums are never filled
  // in and TCP fails silently (lab-notes). Turning tx offload off makes the kernel fill them in.
  await Promise.all(
    plan.hosts.map((h) => run(inNetns(plan.lanNetns, ["ethtool", "-K", h.segmentPortName, "tx", "off"]))),
  );
}

async function startHost(plan: LabPlan, h: HostPlan, hs: HostState, lab: Lab): Promise<void> {
  hs.pids.ovsdbServer = await startOvsdbServer({
    dir: hs.runDir,
    netns: h.netns,
    remotes: [`ptcp:6640:${h.mgmtAddress}`],
    systemId: h.systemId,
  });
  hs.pids.ovsVswitchd = await startVswitchd({ dir: hs.runDir, netns: h.netns });
  if (h.underlayDevice === "underlay") {
    await ipBatch(h.netns, [`addr add ${h.underlayAddress}/${plan.prefixLength} dev ${h.underlayIface}`]);
    return;
  }
  // Configure through the management link, the way vnet reaches real hosts.
  const client = await lab.client(h.name);
  await ensureBridge(client, {
    name: "br-phy",
    datapathType: "netdev",
    failMode: "standalone",
    otherConfig: { hwaddr: h.underlayMac },
    externalIds: { "vnet-lab": "underlay" },
  });
  await ensurePort(client, "br-phy", { name: h.underlayIface });
  await ensurePort(client, "br-phy", { name: "br-phy", mtuRequest: UNDERLAY_MTU });
  await waitForOfport(client, "br-phy");
  await ipBatch(h.netns, [
    `addr add ${h.underlayAddress}/${plan.prefixLength} dev br-phy`,
    `link set br-phy up`,
  ]);
}

async function startDnsmasq(plan: LabPlan, state: LabState): Promise<void> {
  const dir = state.lan.runDir;
  mkdirSync(dir, { recursive: true });
  const pidfile = join(dir, "dnsmasq.pid");
  await run(
    inNetns(plan.lanNetns, [
      "dnsmasq",
      "--conf-file=/dev/null",
      "--interface=br0",
      "--bind-interfaces",
      "--port=0",
      `--dhcp-range=${plan.dhcpRange[0]},${plan.dhcpRange[1]},255.255.255.224,1h`,
      `--dhcp-option=option:router,${plan.gateway}`,
      "--dhcp-authoritative",
      // Without this dnsmasq pings each address for up to 3 s before offering it.
      "--no-ping",
      `--dhcp-leasefile=${state.lan.leaseFile}`,
      `--pid-file=${pidfile}`,
      `--log-facility=${join(dir, "dnsmasq.log")}`,
      "--log-dhcp",
      // Running as root keeps the lease and pid files writable in the lab's run directory.
      "--user=root",
      "--group=root",
    ]),
  );
  for (let i = 0; i < 100 && readPid(pidfile) === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  const pid = readPid(pidfile);
  if (pid === undefined) throw new LabError("dnsmasq did not write its pid file");
  state.lan.dnsmasqPid = pid;
}

/** Namespaces and root links whose names say they belong to the lab (for cleaning after a crash). */
async function findLabResources(name: string): Promise<{ netns: string[]; links: string[] }> {
  const prefix = `lb-${name}-`;
  const ns = await tryRun(["ip", "netns", "list"]);
  const netns = ns.stdout
    .split("\n")
    .map((l) => l.split(" ")[0]!.trim())
    .filter((n) => n.startsWith(prefix));
  const lk = await tryRun(["ip", "-o", "link", "show"]);
  const links = lk.stdout
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n && (n === `lb-${name}` || n.startsWith(prefix)));
  return { netns, links };
}

/** Kills every process still inside a namespace (daemons keep a deleted namespace alive). */
async function killNetnsPids(netns: string): Promise<void> {
  const r = await tryRun(["ip", "netns", "pids", netns]);
  const pids = r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 1);
  await Promise.all(pids.map((pid) => killPid(pid, 1000)));
}

/**
 * Removes everything a lab made: processes (by pidfile, then whatever is left in its namespaces),
 * namespaces, root links, run directory and slot. Works from the state file, and from names alone
 * when the state file is missing. Returns what it removed.
 */
export async function labDown(name: string): Promise<{ netns: string[]; links: string[] }> {
  checkLabName(name);
  const state = readState(name);
  if (state) {
    await Promise.all([
      ...state.hosts.map(async (h) => {
        const p = ovsPaths(h.runDir);
        await killPidfile(p.vswitchdPidfile, "ovs-vswitchd", 1000);
        await killPidfile(p.dbPidfile, "ovsdb-server", 1000);
      }),
      killPidfile(join(state.lan.runDir, "dnsmasq.pid"), "dnsmasq", 1000),
    ]);
  }
  const found = await findLabResources(name);
  const netns = new Set(found.netns);
  if (state) {
    for (const n of planNamespaces(state.plan)) netns.add(n);
    for (const e of state.endpoints) netns.add(e.netns);
  }
  const existing = new Set(found.netns);
  const removedNs: string[] = [];
  await Promise.all(
    [...netns].filter((n) => existing.has(n)).map(async (n) => {
      await killNetnsPids(n);
      const r = await tryRun(["ip", "netns", "del", n]);
      if (r.code === 0) removedNs.push(n);
    }),
  );
  // Deleting a namespace destroys its veth ends and so their root peers; the bridge stays.
  const after = await findLabResources(name);
  // Private resolv.confs of this lab's namespaces that are gone, including stale ones left by a
  // crash between writing the file and making the namespace (found by name, like the namespaces).
  const alive = new Set(after.netns);
  for (const n of new Set([...netns, ...privateResolvConfs(`lb-${name}-`)])) {
    if (!alive.has(n)) removePrivateResolvConf(n);
  }
  const removedLinks: string[] = [];
  for (const link of after.links) {
    const r = await tryRun(["ip", "link", "del", link]);
    if (r.code === 0) removedLinks.push(link);
  }
  rmSync(labDir(name), { recursive: true, force: true });
  releaseSlots(name);
  return { netns: removedNs.sort(), links: [...new Set([...found.links, ...removedLinks])].sort() };
}

export interface HostStatus {
  name: string;
  netns: string;
  mgmtAddress: string;
  underlayAddress: string;
  underlayDevice: string;
  uplink: string;
  ovsdbTarget: string;
  pids: { ovsdbServer?: number; ovsVswitchd?: number };
  alive: { ovsdbServer: boolean; ovsVswitchd: boolean };
}

export interface LabStatus {
  name: string;
  phase: LabState["phase"];
  runDir: string;
  controllerAddress: string;
  controllerTarget: string;
  mgmtCidr: string;
  underlayCidr: string;
  underlay: UnderlayMode;
  lan: { netns: string; cidr: string; gateway: string; dhcpRange: [string, string]; dnsmasqPid?: number; dnsmasqAlive: boolean };
  underlayNetns: string;
  hosts: HostStatus[];
  endpoints: LabState["endpoints"];
}

export function labStatus(state: LabState): LabStatus {
  const p = state.plan;
  return {
    name: p.name,
    phase: state.phase,
    runDir: state.runDir,
    controllerAddress: p.controllerAddress,
    controllerTarget: p.controllerTarget,
    mgmtCidr: p.mgmtCidr,
    underlayCidr: p.underlayCidr,
    underlay: p.underlay,
    lan: {
      netns: p.lanNetns,
      cidr: p.lanCidr,
      gateway: p.gateway,
      dhcpRange: p.dhcpRange,
      ...(state.lan.dnsmasqPid !== undefined ? { dnsmasqPid: state.lan.dnsmasqPid } : {}),
      dnsmasqAlive: state.lan.dnsmasqPid !== undefined && isAlive(state.lan.dnsmasqPid),
    },
    underlayNetns: p.underlayNetns,
    hosts: p.hosts.map((h, i) => {
      const pids = state.hosts[i]?.pids ?? {};
      return {
        name: h.name,
        netns: h.netns,
        mgmtAddress: h.mgmtAddress,
        underlayAddress: h.underlayAddress,
        underlayDevice: h.underlayDevice,
        uplink: h.uplinkIface,
        ovsdbTarget: h.ovsdbTarget,
        pids,
        alive: {
          ovsdbServer: pids.ovsdbServer !== undefined && isAlive(pids.ovsdbServer),
          ovsVswitchd: pids.ovsVswitchd !== undefined && isAlive(pids.ovsVswitchd),
        },
      };
    }),
    endpoints: state.endpoints,
  };
}

export function allLabStatus(): LabStatus[] {
  return listLabs()
    .map((n) => readState(n))
    .filter((s): s is LabState => s !== undefined)
    .map(labStatus);
}

/** A handle on a running lab: its state, OVSDB clients per host, and command helpers. */
export class Lab {
  private readonly clients = new Map<string, Promise<OvsdbClient>>();
  private saving: Promise<void> = Promise.resolve();

  constructor(readonly state: LabState) {}

  /** Opens a lab that is up (possibly made by another process). */
  static open(name: string): Lab {
    checkLabName(name);
    const state = readState(name);
    if (!state) throw new LabError(`no lab "${name}" (run dir ${labDir(name)})`);
    return new Lab(state);
  }

  get name(): string {
    return this.state.plan.name;
  }

  get plan(): LabPlan {
    return this.state.plan;
  }

  /** Where a controller for this lab's hosts listens (root namespace). */
  get controllerAddress(): string {
    return this.state.plan.controllerAddress;
  }

  host(name: string): HostPlan {
    const h = this.state.plan.hosts.find((x) => x.name === name);
    if (!h) throw new LabError(`lab ${this.name} has no host "${name}" (hosts: ${this.state.plan.hosts.map((x) => x.name).join(", ")})`);
    return h;
  }

  /** A connected OVSDB client for a host (over its management address), shared per Lab handle. */
  client(host: string): Promise<OvsdbClient> {
    const h = this.host(host);
    let c = this.clients.get(h.name);
    if (!c) {
      c = connectVswitch(h.ovsdbTarget, { backoff: { minMs: 50, maxMs: 1000 } });
      c.catch(() => this.clients.delete(h.name));
      this.clients.set(h.name, c);
    }
    return c;
  }

  /** The run directory of a host's OVS (ovs-vsctl --db=unix:DIR/db.sock, ovs-appctl targets). */
  hostRunDir(host: string): string {
    return join(this.state.runDir, this.host(host).name);
  }

  exec(host: string, argv: readonly string[]): Promise<RunResult> {
    return tryRun(inNetns(this.host(host).netns, argv));
  }

  /** Records a change to the state file (serialised: endpoints may be added concurrently). */
  save(mutate: (s: LabState) => void): Promise<void> {
    this.saving = this.saving.then(() => {
      mutate(this.state);
      writeState(this.state);
    });
    return this.saving;
  }

  /** DHCP leases dnsmasq handed out on the site LAN: [mac, ip] pairs. */
  leases(): { mac: string; ip: string }[] {
    try {
      return readFileSync(this.state.lan.leaseFile, "utf8")
        .split("\n")
        .map((l) => l.split(" "))
        .filter((f) => f.length >= 3)
        .map((f) => ({ mac: f[1]!, ip: f[2]! }));
    } catch {
      return [];
    }
  }

  closeClients(): void {
    for (const c of this.clients.values()) void c.then((x) => x.close(), () => undefined);
    this.clients.clear();
  }

  async down(): Promise<void> {
    this.closeClients();
    await labDown(this.name);
  }
}

export { runRoot };
