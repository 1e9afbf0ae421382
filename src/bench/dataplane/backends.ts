// The backends under test, each building the scenario's endpoint pairs on a lab:
//   veth          two namespaces joined by one veth pair (no switch: the ceiling)
//   linux-bridge  a plain Linux bridge per host (kernel VXLAN across hosts, the uplink for provider)
//   vnet-kernel   vnet's kernel-bridge backend (KernelRealiser: bridges, VXLAN, nftables guards)
//   ovs-normal    an OVS bridge in standalone mode: the NORMAL action, OVS's learning switch
//   ovs-tso       the same with other_config:userspace-tso-enable=true (vswitchd restarted)
//   ovs-vnet      br-int programmed by vnet's controller and pipeline (startRealisation)

import { attachEndpoint, addLinuxBridge } from "../../lab/endpoint";
import { run, tryRun, inNetns } from "../../lab/exec";
import type { Lab } from "../../lab/lab";
import { appctl, killPidfile, ovsPaths, startVswitchd, vsctl } from "../../lab/ovs";
import { ensureBridge, ensurePort, waitForOfport } from "../../ovsdb/vswitch";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../model";
import { Controller } from "../../controller/controller";
import { integrationBridgeSpec, startRealisation, type Realisation } from "../../realise";
import { KernelRealiser } from "../../kernel/realiser";
import { portIfName } from "../../kernel/linkset";
import { countOfctlFlows } from "./parse";
import {
  OVERLAY_PREFIX,
  endpointMacs,
  overlayAddresses,
  providerAddress,
  serverHost,
  type BuildContext,
  type Pair,
  type Topology,
} from "./topology";
import type { BackendId, MetricId } from "./types";

const VNI = 10;
const LINUX_BRIDGE = "bnbr";

export class BackendError extends Error {
  override name = "BackendError";
}

/** Hosts a scenario uses. */
function hostsOf(ctx: BuildContext): string[] {
  return ctx.scenario.kind === "cross-host" ? ["h1", "h2"] : ["h1"];
}

interface PairPlan {
  index: number;
  client: { host: string; name: string; mac: string; ip: string; prefix: number };
  /** null: the server is the site LAN's gateway namespace (provider scenario). */
  server: { host: string; name: string; mac: string; ip: string; prefix: number } | null;
}

function pairPlans(ctx: BuildContext): PairPlan[] {
  const out: PairPlan[] = [];
  for (let i = 0; i < ctx.scenario.pairs; i++) {
    const mac = endpointMacs(i);
    if (ctx.scenario.kind === "provider") {
      out.push({ index: i, client: { host: "h1", name: `c${i}`, mac: mac.client, ip: providerAddress(ctx.lab), prefix: ctx.lab.plan.prefixLength }, server: null });
      continue;
    }
    const ip = overlayAddresses(i);
    out.push({
      index: i,
      client: { host: "h1", name: `c${i}`, mac: mac.client, ip: ip.client, prefix: OVERLAY_PREFIX },
      server: { host: serverHost(ctx.scenario), name: `s${i}`, mac: mac.server, ip: ip.server, prefix: OVERLAY_PREFIX },
    });
  }
  return out;
}

function pairsFrom(ctx: BuildContext, plans: PairPlan[], netnsOf: (host: string, name: string) => string): Pair[] {
  return plans.map((p) => ({
    client: { netns: netnsOf(p.client.host, p.client.name), ip: p.client.ip },
    server: p.server ? { netns: netnsOf(p.server.host, p.server.name), ip: p.server.ip } : { netns: ctx.lab.plan.lanNetns, ip: ctx.lab.plan.gateway },
  }));
}

async function flushNeigh(pairs: Pair[]): Promise<void> {
  await Promise.all(pairs.flatMap((p) => [p.client, p.server]).map((e) => tryRun(inNetns(e.netns, ["ip", "neigh", "flush", "all"]))));
}

/** Pings until the path answers (switches learn, controllers program, agents plug). */
export async function waitForPath(pair: Pair, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await tryRun(inNetns(pair.client.netns, ["busybox", "ping", "-c", "1", "-W", "1", pair.server.ip]));
    if (r.code === 0) return;
    if (Date.now() > end) throw new BackendError(`no path from ${pair.client.netns} to ${pair.server.ip} after ${timeoutMs / 1000} s`);
  }
}

/** A namespace with eth0, whose veth peer is `peerName` in `peerNetns`. Named under the lab, so `lab down` removes it. */
async function vethEndpoint(netns: string, peerNetns: string, peerName: string, mac: string, cidr: string): Promise<void> {
  await run(["ip", "netns", "add", netns]);
  await run(["ip", "link", "add", "eth0", "netns", netns, "address", mac, "type", "veth", "peer", "name", peerName, "netns", peerNetns]);
  await run(["ip", "-n", netns, "-batch", "-"], { input: `link set lo up\naddr add ${cidr} dev eth0\nlink set eth0 up\n` });
}

// ---------------------------------------------------------------------------------------------
// veth: the two endpoints share one veth pair.

async function buildVeth(ctx: BuildContext): Promise<Topology> {
  const plans = pairPlans(ctx);
  const nsOf = (_host: string, name: string) => `lb-${ctx.lab.name}-v${name}`;
  for (const p of plans) {
    const s = p.server!;
    await run(["ip", "netns", "add", nsOf("", s.name)]);
    await vethEndpoint(nsOf("", p.client.name), nsOf("", s.name), "eth0", p.client.mac, `${p.client.ip}/${p.client.prefix}`);
    await run(["ip", "-n", nsOf("", s.name), "-batch", "-"], {
      input: `link set lo up\nlink set eth0 address ${s.mac}\naddr add ${s.ip}/${s.prefix} dev eth0\nlink set eth0 up\n`,
    });
  }
  const pairs = pairsFrom(ctx, plans, nsOf);
  return { pairs, coldReset: () => flushNeigh(pairs), tables: async () => ({}), close: async () => undefined };
}

// ---------------------------------------------------------------------------------------------
// linux-bridge: one bridge per host; kernel VXLAN between hosts; the uplink on it for provider.

async function buildLinuxBridge(ctx: BuildContext): Promise<Topology> {
  const { lab } = ctx;
  const hosts = hostsOf(ctx);
  for (const h of hosts) {
    await addLinuxBridge(lab, h, LINUX_BRIDGE);
    const hp = lab.host(h);
    const lines: string[] = [];
    if (ctx.scenario.kind === "cross-host") {
      lines.push(`link add vx${VNI} type vxlan id ${VNI} local ${hp.underlayAddress} dstport 4789 dev ${hp.underlayDevice}`, `link set vx${VNI} master ${LINUX_BRIDGE} up`);
    }
    if (ctx.scenario.kind === "provider") lines.push(`link set ${hp.uplinkIface} master ${LINUX_BRIDGE} up`);
    if (lines.length) await run(["ip", "-n", hp.netns, "-batch", "-"], { input: lines.join("\n") + "\n" });
    if (ctx.scenario.kind === "cross-host") {
      for (const peer of hosts.filter((x) => x !== h)) {
        await run(inNetns(hp.netns, ["bridge", "fdb", "append", "00:00:00:00:00:00", "dev", `vx${VNI}`, "dst", lab.host(peer).underlayAddress]));
      }
    }
  }
  const plans = pairPlans(ctx);
  const eps = plans.flatMap((p) => [p.client, ...(p.server ? [p.server] : [])]);
  const handles = new Map<string, string>();
  for (const e of eps) {
    const ep = await attachEndpoint(lab, e.host, { name: e.name, mac: e.mac, ip: `${e.ip}/${e.prefix}`, bridge: LINUX_BRIDGE, bridgeKind: "linux" });
    handles.set(`${e.host}/${e.name}`, ep.netns);
  }
  const pairs = pairsFrom(ctx, plans, (h, n) => handles.get(`${h}/${n}`)!);
  return {
    pairs,
    coldReset: async () => {
      await Promise.all(hosts.map((h) => tryRun(["ip", "-n", lab.host(h).netns, "link", "set", LINUX_BRIDGE, "type", "bridge", "fdb_flush"])));
      await flushNeigh(pairs);
    },
    tables: async () => ({ fdb_entries: await fdbEntries(lab, hosts, LINUX_BRIDGE) }),
    close: async () => undefined,
  };
}

/** Learned (dynamic) and static unicast FDB entries of the given bridges, summed over hosts. */
async function fdbEntries(lab: Lab, hosts: string[], bridge: string | null): Promise<number> {
  let n = 0;
  for (const h of hosts) {
    const argv = ["bridge", "-n", lab.host(h).netns, "fdb", "show", ...(bridge ? ["br", bridge] : [])];
    const out = await tryRun(argv);
    // Skip the bridge's own and permanent local entries; count what forwarding uses.
    n += out.stdout.split("\n").filter((l) => l.trim() && !/\bpermanent\b/.test(l) && !/^(33:33|01:00)/.test(l)).length;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// ovs-normal / ovs-tso: a standalone OVS bridge (NORMAL), VXLAN ports across hosts.

async function enableUserspaceTso(lab: Lab, host: string): Promise<void> {
  const dir = lab.hostRunDir(host);
  await vsctl(dir, ["set", "Open_vSwitch", ".", "other_config:userspace-tso-enable=true"]);
  // The setting is read when ovs-vswitchd starts (lab-notes): restart it.
  await killPidfile(ovsPaths(dir).vswitchdPidfile, "ovs-vswitchd", 2000);
  await startVswitchd({ dir, netns: lab.host(host).netns });
}

async function ovsTables(lab: Lab, hosts: string[], bridge: string): Promise<Partial<Record<MetricId, number>>> {
  let of = 0;
  let dp = 0;
  for (const h of hosts) {
    const dir = lab.hostRunDir(h);
    of += countOfctlFlows((await tryRun(["ovs-ofctl", "-O", "OpenFlow13", "dump-flows", `unix:${dir}/${bridge}.mgmt`])).stdout);
    dp += countOfctlFlows(await appctl(dir, "ovs-vswitchd", ["dpctl/dump-flows"]).catch(() => ""));
  }
  return { of_flows: of, dp_flows: dp };
}

async function ovsColdReset(lab: Lab, hosts: string[], bridge: string, pairs: Pair[], normal: boolean): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      const dir = lab.hostRunDir(h);
      if (normal) await appctl(dir, "ovs-vswitchd", ["fdb/flush", bridge]).catch(() => "");
      await appctl(dir, "ovs-vswitchd", ["dpctl/del-flows"]).catch(() => "");
    }),
  );
  await flushNeigh(pairs);
}

async function buildOvsNormal(ctx: BuildContext, tso: boolean): Promise<Topology> {
  const { lab } = ctx;
  const hosts = hostsOf(ctx);
  const bridge = ctx.scenario.kind === "provider" ? "br-ex" : "br-int";
  for (const h of hosts) {
    if (tso) await enableUserspaceTso(lab, h);
    const client = await lab.client(h);
    await ensureBridge(client, { name: bridge, datapathType: "netdev", failMode: "standalone" });
    if (ctx.scenario.kind === "cross-host") {
      const peer = hosts.find((x) => x !== h)!;
      await ensurePort(client, bridge, { name: `vx${VNI}`, type: "vxlan", options: { remote_ip: lab.host(peer).underlayAddress, key: String(VNI) } });
    }
    if (ctx.scenario.kind === "provider") {
      await ensurePort(client, bridge, { name: lab.host(h).uplinkIface });
      await waitForOfport(client, lab.host(h).uplinkIface);
    }
  }
  const plans = pairPlans(ctx);
  const handles = new Map<string, string>();
  for (const e of plans.flatMap((p) => [p.client, ...(p.server ? [p.server] : [])])) {
    // With userspace TSO, OVS accepts the endpoints' offloaded (unchecksummed, oversized) frames.
    const ep = await attachEndpoint(lab, e.host, { name: e.name, mac: e.mac, ip: `${e.ip}/${e.prefix}`, bridge, ...(tso ? { txOffload: true } : {}) });
    handles.set(`${e.host}/${e.name}`, ep.netns);
  }
  const pairs = pairsFrom(ctx, plans, (h, n) => handles.get(`${h}/${n}`)!);
  return {
    pairs,
    coldReset: () => ovsColdReset(lab, hosts, bridge, pairs, true),
    tables: () => ovsTables(lab, hosts, bridge),
    close: async () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// The vnet backends: one tenant network (overlay, or the flat provider network) in vnet's model.

function vnetModel(ctx: BuildContext, backend: "ovs" | "bridge"): { model: NetworkModel; ports: PairPlan[] } {
  const { lab } = ctx;
  const provider = ctx.scenario.kind === "provider";
  const plans = pairPlans(ctx);
  const changes: ModelChange[] = [
    { op: "add_tenant", tenant: { id: "bench", name: "bench" } },
    ...hostsOf(ctx).map((h): ModelChange => {
      const hp = lab.host(h);
      return { op: "add_host", host: { id: h, name: h, managementAddress: hp.mgmtAddress, ovsdbTarget: hp.ovsdbTarget, backend, tunnelIp: hp.underlayAddress, uplink: hp.uplinkIface } };
    }),
    provider
      ? { op: "add_network", network: { id: "net", tenantId: "bench", name: "site", kind: "provider", segmentationId: null, subnet: lab.plan.lanCidr, gateway: lab.plan.gateway, dhcpRange: null, dns: [] } }
      : { op: "add_network", network: { id: "net", tenantId: "bench", name: "bench", kind: "overlay", segmentationId: VNI, subnet: `203.0.113.128/${OVERLAY_PREFIX}`, gateway: null, dhcpRange: null, dns: [] } },
    ...plans.flatMap((p) => [p.client, ...(p.server ? [p.server] : [])]).map((e): ModelChange => ({ op: "add_port", port: { id: `${e.host}-${e.name}`, networkId: "net", hostId: e.host, mac: e.mac, ip: e.ip } })),
  ];
  const r = applyChanges(EMPTY_MODEL, changes);
  if (!r.ok) throw new BackendError(`benchmark model refused: ${JSON.stringify(r.errors)}`);
  return { model: r.value, ports: plans };
}

async function buildOvsVnet(ctx: BuildContext): Promise<Topology> {
  const { lab } = ctx;
  const hosts = hostsOf(ctx);
  const { model, ports: plans } = vnetModel(ctx, "ovs");
  const controller = new Controller({ echoIntervalMs: 5000, deadAfterMs: 15000 });
  let realisation: Realisation | null = null;
  try {
    const info = await controller.listenTcp(0, lab.controllerAddress);
    const target = `tcp:${lab.controllerAddress}:${info.port}`;
    for (const h of hosts) await ensureBridge(await lab.client(h), integrationBridgeSpec(h, target));
    const handles = new Map<string, string>();
    for (const e of plans.flatMap((p) => [p.client, ...(p.server ? [p.server] : [])])) {
      const ep = await attachEndpoint(lab, e.host, { name: e.name, mac: e.mac, ip: `${e.ip}/${e.prefix}`, bridge: "br-int", ifaceId: `${e.host}-${e.name}` });
      handles.set(`${e.host}/${e.name}`, ep.netns);
    }
    const r = startRealisation({ model, controller, controllerTarget: target, reconcileIntervalMs: 0, dhcp: false });
    realisation = r;
    const end = Date.now() + 20_000;
    while (!hosts.every((h) => r.realiser(h)?.status().lastReport?.programmed && r.realiser(h)?.status().inSync)) {
      if (Date.now() > end) throw new BackendError(`vnet did not program ${hosts.join(", ")} in 20 s: ${JSON.stringify(r.status().map((s) => s.lastReport?.error ?? null))}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    await r.settled();
    const pairs = pairsFrom(ctx, plans, (h, n) => handles.get(`${h}/${n}`)!);
    return {
      pairs,
      // vnet's flows are proactive: only the datapath cache (megaflows) and ARP caches are cold.
      coldReset: () => ovsColdReset(lab, hosts, "br-int", pairs, false),
      tables: () => ovsTables(lab, hosts, "br-int"),
      close: async () => {
        await r.close();
        await controller.close();
      },
    };
  } catch (err) {
    await realisation?.close().catch(() => undefined);
    await controller.close().catch(() => undefined);
    throw err;
  }
}

async function buildVnetKernel(ctx: BuildContext): Promise<Topology> {
  const { lab } = ctx;
  const hosts = hostsOf(ctx);
  const { model, ports: plans } = vnetModel(ctx, "bridge");
  const realiser = new KernelRealiser({ netnsOf: (h) => lab.host(h).netns });
  try {
    const reports = await realiser.apply(model);
    const bad = reports.filter((r) => r.failure || r.errors.length);
    if (bad.length) throw new BackendError(`vnet kernel backend failed: ${bad.map((r) => `${r.hostId}: ${r.failure ?? r.errors.join("; ")}`).join(" | ")}`);
    // VMs appear after the apply, as on a prepared host: the agent plugs each interface named
    // after its port into its network's bridge and guards it with nftables.
    const nsOf = (h: string, n: string) => `lb-${lab.name}-k${h}${n}`;
    for (const e of plans.flatMap((p) => [p.client, ...(p.server ? [p.server] : [])])) {
      await vethEndpoint(nsOf(e.host, e.name), lab.host(e.host).netns, portIfName(`${e.host}-${e.name}`), e.mac, `${e.ip}/${e.prefix}`);
      await run(["ip", "-n", lab.host(e.host).netns, "link", "set", portIfName(`${e.host}-${e.name}`), "up"]);
    }
    const pairs = pairsFrom(ctx, plans, nsOf);
    return {
      pairs,
      coldReset: async () => {
        await Promise.all(
          hosts.map(async (h) => {
            const links = await tryRun(["ip", "-n", lab.host(h).netns, "-o", "link", "show", "type", "bridge"]);
            for (const m of links.stdout.matchAll(/^\d+:\s+(vnbr[^:@\s]*)/gm)) await tryRun(["ip", "-n", lab.host(h).netns, "link", "set", m[1]!, "type", "bridge", "fdb_flush"]);
          }),
        );
        await flushNeigh(pairs);
      },
      tables: async () => ({ fdb_entries: await fdbEntries(lab, hosts, null), nft_rules: await nftRules(lab, hosts) }),
      close: () => realiser.close(),
    };
  } catch (err) {
    await realiser.close().catch(() => undefined);
    throw err;
  }
}

async function nftRules(lab: Lab, hosts: string[]): Promise<number> {
  let n = 0;
  for (const h of hosts) {
    const out = await tryRun(["ip", "netns", "exec", lab.host(h).netns, "nft", "-a", "list", "ruleset"]);
    n += out.stdout.split("\n").filter((l) => /# handle \d+$/.test(l.trim()) && !/^\s*(table|chain|set|map)\b/.test(l)).length;
  }
  return n;
}

export async function buildTopology(backend: BackendId, ctx: BuildContext): Promise<Topology> {
  let topo: Topology;
  switch (backend) {
    case "veth":
      topo = await buildVeth(ctx);
      break;
    case "linux-bridge":
      topo = await buildLinuxBridge(ctx);
      break;
    case "vnet-kernel":
      topo = await buildVnetKernel(ctx);
      break;
    case "ovs-normal":
      topo = await buildOvsNormal(ctx, false);
      break;
    case "ovs-tso":
      topo = await buildOvsNormal(ctx, true);
      break;
    case "ovs-vnet":
      topo = await buildOvsVnet(ctx);
      break;
  }
  try {
    await Promise.all(topo.pairs.map((p) => waitForPath(p)));
  } catch (err) {
    await topo.close().catch(() => undefined);
    throw err;
  }
  return topo;
}

