// A tenant lab for one backend layout, built the way `vnet serve` builds a site: a 2-host lab, the
// OpenFlow controller on the lab's controller address, the orchestrator (`startRealisation`) with
// the kernel realiser behind its `bridge` seam, and netns VMs made and started through
// `createVmDrivers` (so every NIC is plugged exactly as in production: an iface-id'd port on
// br-int for OVS hosts, the network's Linux bridge for bridge hosts).
//
//   const t = await startTenantLab("mixed");   // h1 runs OVS, h2 the Linux bridge
//   ... t.vms, t.exec(vm, argv), t.reachable(vm, ips), t.spoofDrops(vm) ...
//   await t.close();                           // also after a failure; idempotent
//
// The model: two tenants whose overlay networks share 192.0.2.0/24 (and one address, .11), two
// VMs per tenant per host. Names made at run time start with "mx" (the lab: "mx" + 6 characters).
// If building fails half way, what was built is taken down before the error is rethrown.

import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startLab, type Lab } from "./lab";
import { labHost, specFromModel, waitFor } from "./vm-lab";
import { Controller } from "../../src/controller/controller";
import { KernelRealiser, type HostReport } from "../../src/kernel/realiser";
import { portIfName } from "../../src/kernel/linkset";
import { applyChanges, EMPTY_MODEL, type ModelChange, type NetworkModel } from "../../src/model";
import type { HostBackend } from "../../src/model/types";
import { makeCookie } from "../../src/pipeline";
import { startRealisation, type Realisation } from "../../src/realise";
import { kernelHostNetns } from "../../src/server/where";
import { createVmDrivers, type VmDrivers } from "../../src/vm";
import type { VmSpec } from "../../src/api/vm-driver";
import type { RunResult } from "../../src/lab/exec";
import { OFPG, OFPP } from "../../openflow/index";

export type Layout = "ovs" | "bridge" | "mixed";
export const LAYOUTS: readonly Layout[] = ["ovs", "bridge", "mixed"];
export type HostId = "h1" | "h2";
export type TenantId = "A" | "B";

/** Which backend each host runs in a layout (mixed: h1 Open vSwitch, h2 Linux bridge). */
export function backendsOf(layout: Layout): Record<HostId, HostBackend> {
  if (layout === "mixed") return { h1: "ovs", h2: "bridge" };
  return { h1: layout, h2: layout };
}

export const SUBNET = "192.0.2.0/24";
export const GATEWAY = "192.0.2.1";
export const DNS = "192.0.2.53";
export const LEASE_SECONDS = 600;
export const NETWORK: Record<TenantId, string> = { A: "net-a", B: "net-b" };
export const VNI: Record<TenantId, number> = { A: 100, B: 200 };
/** Interface MTU handed out by DHCP (option 26): tenant B's network sets one, A's none. */
export const MTU: Record<TenantId, number | null> = { A: null, B: 1450 };

export interface TenantVm {
  /** VM id and model port id (one NIC per VM). */
  id: string;
  host: HostId;
  tenant: TenantId;
  mac: string;
  ip: string;
  /** The spec the API would hand the driver. */
  spec: VmSpec;
  /** The NIC's host-side interface (both backends): `vnp` + hash of the port id. */
  hostIf: string;
}

// Both tenants use 192.0.2.0/24; a1 and b1 even share an address.
const VMS: ReadonlyArray<Omit<TenantVm, "spec" | "hostIf">> = [
  { id: "a1", host: "h1", tenant: "A", mac: "02:00:00:6d:0a:01", ip: "192.0.2.11" },
  { id: "a2", host: "h1", tenant: "A", mac: "02:00:00:6d:0a:02", ip: "192.0.2.12" },
  { id: "a3", host: "h2", tenant: "A", mac: "02:00:00:6d:0a:03", ip: "192.0.2.13" },
  { id: "a4", host: "h2", tenant: "A", mac: "02:00:00:6d:0a:04", ip: "192.0.2.14" },
  { id: "b1", host: "h1", tenant: "B", mac: "02:00:00:6d:0b:01", ip: "192.0.2.11" },
  { id: "b2", host: "h1", tenant: "B", mac: "02:00:00:6d:0b:02", ip: "192.0.2.22" },
  { id: "b3", host: "h2", tenant: "B", mac: "02:00:00:6d:0b:03", ip: "192.0.2.23" },
  { id: "b4", host: "h2", tenant: "B", mac: "02:00:00:6d:0b:04", ip: "192.0.2.24" },
];

export interface TenantLab {
  layout: Layout;
  lab: Lab;
  model: NetworkModel;
  controller: Controller;
  realisation: Realisation;
  kernel: KernelRealiser;
  drivers: VmDrivers;
  vms: TenantVm[];
  backendOf(host: HostId): HostBackend;
  vm(id: string): TenantVm;
  /** Milliseconds from the controller's start to every host programmed, and to the VMs started. */
  timings: { hostsReady: number; vmsStarted: number };
  /** Runs a command inside a VM (never rejects: see the exit code). */
  exec(vm: TenantVm, argv: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** Pings every target from a VM at once (3 echoes each); replies per target, and the VM's ARP table afterwards. */
  reachable(vm: TenantVm, targets: readonly string[]): Promise<{ replies: Map<string, number>; neigh: Map<string, string> }>;
  /**
   * Frames the VM's port dropped for lying about its addresses, as its host's backend counts
   * them: OVS, the packet counts of the port's spoof_drop flows (read over OpenFlow); Linux
   * bridge, the port's nftables drop counter (read through the host's kernel agent).
   */
  spoofDrops(vm: TenantVm): Promise<number>;
  close(): Promise<void>;
}

function buildModel(lab: Lab, backends: Record<HostId, HostBackend>): NetworkModel {
  const changes: ModelChange[] = [
    { op: "add_tenant", tenant: { id: "A", name: "alpha" } },
    { op: "add_tenant", tenant: { id: "B", name: "beta" } },
    ...lab.plan.hosts.map((h): ModelChange => ({ op: "add_host", host: labHost(h, backends[h.name as HostId]) })),
    ...(["A", "B"] as const).map((t): ModelChange => ({
      op: "add_network",
      network: { id: NETWORK[t], tenantId: t, name: `n${t}`, kind: "overlay", segmentationId: VNI[t], subnet: SUBNET, gateway: GATEWAY, dhcpRange: null, dns: [DNS], leaseSeconds: LEASE_SECONDS, mtu: MTU[t] },
    })),
    ...VMS.map((v): ModelChange => ({ op: "add_port", port: { id: v.id, networkId: NETWORK[v.tenant], hostId: v.host, mac: v.mac, ip: v.ip, vmId: v.id } })),
  ];
  const built = applyChanges(EMPTY_MODEL, changes);
  if (!built.ok) throw new Error(`tenant lab model refused: ${JSON.stringify(built.errors)}`);
  return built.value;
}

/** A bridge host's pass that went wrong, in words (null when clean). */
function kernelTrouble(r: HostReport): string | null {
  if (r.failure) return `${r.hostId}: ${r.failure}`;
  if (r.errors.length) return `${r.hostId}: ${JSON.stringify(r.errors)}`;
  if (r.problems.length) return `${r.hostId}: ${r.problems.join("; ")}`;
  return null;
}

export async function startTenantLab(layout: Layout): Promise<TenantLab> {
  const backends = backendsOf(layout);
  const undo: Array<{ what: string; run: () => unknown }> = [];
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const failures: string[] = [];
      for (const step of undo.splice(0).reverse()) {
        try {
          await step.run();
        } catch (err) {
          failures.push(`${step.what}: ${(err as Error).message}`);
        }
      }
      if (failures.length) throw new Error(`tenant lab teardown: ${failures.join("; ")}`);
    })());

  try {
    // Kernel VXLAN between two bridge hosts runs at kernel speed with the address on the underlay
    // veth; an OVS host needs br-phy (userspace tunnels), and a bridge host next to it uses it too.
    const lab = await startLab({ hosts: 2, name: `mx${randomBytes(3).toString("hex")}`, underlay: layout === "bridge" ? "kernel" : "ovs" });
    undo.push({ what: "lab", run: () => lab.down() });
    const model = buildModel(lab, backends);

    const controller = new Controller({ echoIntervalMs: 2000, deadAfterMs: 6000 });
    undo.push({ what: "controller", run: () => controller.close() });
    const listening = await controller.listenTcp(0, lab.controllerAddress);

    // As `vnet serve` does: the agent of a bridge host runs in the namespace the lab says.
    const kernel = new KernelRealiser({ netnsOf: (hostId) => kernelHostNetns(model, hostId) });
    undo.push({ what: "kernel realiser", run: () => kernel.close() });
    const t0 = performance.now();
    const realisation = startRealisation({ model, controller, controllerTarget: `tcp:${lab.controllerAddress}:${listening.port}`, bridge: kernel, reconcileIntervalMs: 0 });
    // Closing the orchestrator closes the kernel realiser too (a second close is harmless).
    undo.push({ what: "realisation", run: () => realisation.close() });

    // Inside the lab's run directory: a test process killed mid-run leaves nothing that the next
    // startLab's clean-up of orphan labs does not remove.
    const dataDir = join(lab.state.runDir, "mx-vm-data");
    mkdirSync(dataDir, { recursive: true });
    undo.push({ what: "VM data directory", run: () => rmSync(dataDir, { recursive: true, force: true }) });
    const drivers = createVmDrivers({ dataDir });
    undo.push({ what: "VM drivers", run: () => drivers.close() });

    // Every host ready for VMs: OVS hosts connected and programmed (br-int exists, so NICs can be
    // plugged), bridge hosts applied cleanly by their agent.
    const ovsHosts = (Object.keys(backends) as HostId[]).filter((h) => backends[h] === "ovs");
    await waitFor(
      `OVS hosts ${ovsHosts.join(", ")} connected and programmed`,
      () => ovsHosts.every((h) => realisation.status().some((s) => s.hostId === h && s.connected && s.ovsdbReady && s.lastReport?.programmed)),
      30_000,
      50,
    );
    const kernelReports = await kernel.apply(model);
    const trouble = kernelReports.map(kernelTrouble).filter((x): x is string => x !== null);
    if (trouble.length) throw new Error(`kernel-bridge hosts not realised: ${trouble.join(" | ")}`);
    const hostsReady = performance.now() - t0;

    const vms: TenantVm[] = VMS.map((v) => ({
      ...v,
      hostIf: portIfName(v.id),
      spec: specFromModel(model, { id: v.id, name: `mx${v.id}`, tenantId: v.tenant, hostId: v.host, driver: "netns", state: "defined" }),
    }));
    const driverOf = (vm: TenantVm) => {
      const d = drivers.resolve(vm.spec.host, vm.spec.vm.driver);
      if (!d) throw new Error(`no driver for ${vm.spec.vm.driver}`);
      return d;
    };
    // Destroying also covers VMs whose create or start failed half way.
    undo.push({ what: "VMs", run: () => Promise.all(vms.map((vm) => driverOf(vm).destroy(vm.spec))) });
    await Promise.all(vms.map((vm) => driverOf(vm).create(vm.spec)));
    const t1 = performance.now();
    await Promise.all(vms.map((vm) => driverOf(vm).start(vm.spec)));
    const vmsStarted = performance.now() - t1;

    const exec = (vm: TenantVm, argv: readonly string[], timeoutMs?: number) => drivers.netns.exec(vm.spec, argv, timeoutMs);

    return {
      layout,
      lab,
      model,
      controller,
      realisation,
      kernel,
      drivers,
      vms,
      timings: { hostsReady, vmsStarted },
      backendOf: (h) => backends[h],
      vm: (id) => {
        const v = vms.find((x) => x.id === id);
        if (!v) throw new Error(`no VM ${id} in the tenant lab`);
        return v;
      },
      exec,
      async reachable(vm, targets) {
        // busybox ping exits 1 when any echo is lost, and the first packet into an OVS userspace
        // tunnel is (OVS drops it while it resolves the underlay neighbour): count replies instead.
        const script =
          targets.map((t) => `(n=$(busybox ping -c 3 -i 0.3 -W 1 -w 3 ${t} 2>/dev/null | grep -c "bytes from"); echo "rx ${t} $n") &`).join("\n") + "\nwait\nip -4 neigh show dev eth0\n";
        const r = await exec(vm, ["sh", "-c", script], 20_000);
        const replies = new Map<string, number>();
        const neigh = new Map<string, string>();
        for (const line of r.stdout.split("\n")) {
          const m = /^rx (\S+) (\d+)$/.exec(line);
          if (m) replies.set(m[1]!, Number(m[2]));
          const n = /^(\S+) lladdr (\S+)/.exec(line);
          if (n) neigh.set(n[1]!, n[2]!);
        }
        const missing = targets.filter((t) => !replies.has(t));
        if (missing.length) throw new Error(`${vm.id}: no ping result for ${missing.join(", ")} (${r.stdout}${r.stderr})`);
        return { replies, neigh };
      },
      async spoofDrops(vm) {
        if (backends[vm.host] === "bridge") {
          const counters = await kernel.call(vm.host, "counters", {});
          return counters[vm.hostIf]?.packets ?? 0;
        }
        const realiser = realisation.realiser(vm.host);
        const sw = realiser && controller.switchByDpid(realiser.dpid);
        if (!sw) throw new Error(`${vm.host}'s switch is not connected`);
        const cookie = makeCookie("port", "spoof_drop", vm.id);
        const reply = await sw.multipart({ kind: "flow", tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie, cookieMask: 0xffffffffffffffffn, match: {} });
        if (reply.flows.length === 0) throw new Error(`${vm.host} holds no spoof_drop flow for port ${vm.id}`);
        return Number(reply.flows.reduce((a, f) => a + f.packetCount, 0n));
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
