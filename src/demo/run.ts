// `vnet demo`: a lab of two hosts, vnet on top of it, two tenants whose networks share a CIDR and
// two VMs per tenant per host, every VM leased; then the dashboard URL, tokens and a ping command.
//
// Everything made is recorded as it is made, so `stop()` (Ctrl-C, SIGTERM, or an error half way)
// removes exactly that, in reverse: VMs, vnet, the lab, the data directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VmSpec } from "../api/vm-driver";
import { newId, newSecret } from "../inventory/secrets";
import type { InventoryState, VmDriverKind } from "../inventory/types";
import { tryRun } from "../lab/exec";
import { Lab, labDown, labUp } from "../lab/lab";
import { isAlive } from "../lab/ovs";
import { readState } from "../lab/state";
import { startVnet, type Vnet } from "../server/index";
import { planDemo, pingPair, type DemoBackend } from "./plan";

export interface DemoOptions {
  backend: DemoBackend;
  vm: VmDriverKind;
  /** The dashboard's listen address and port (0: any free port). */
  listen: string;
  port: number;
  /** Lab name (default "demo"). */
  lab: string;
  /** The OpenFlow port the controller listens on, at the lab's controller address. */
  controllerPort: number;
  /** How long VMs may take to lease their addresses (ms). */
  leaseTimeoutMs?: number;
  /** One progress line at a time. */
  print: (line: string) => void;
  /** Aborting it (Ctrl-C while building) stops at the next step and removes what was made. */
  signal?: AbortSignal;
}

export interface RunningDemo {
  url: string;
  adminToken: string;
  tenantTokens: Record<string, string>;
  pingCommand: string;
  vnet: Vnet;
  lab: Lab;
  stop(): Promise<void>;
}

export class DemoError extends Error {
  override name = "DemoError";
}

/** Debian packages that provide what each VM kind needs, for the error that says what is missing. */
const LIBVIRT_PACKAGES = "libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86";
const BASE_TOOLS: Record<string, string> = {
  "ovsdb-server": "openvswitch-switch",
  "ovs-vswitchd": "openvswitch-switch",
  "ovs-vsctl": "openvswitch-switch",
  ip: "iproute2",
  ethtool: "ethtool",
  busybox: "busybox-static",
  dnsmasq: "dnsmasq-base",
};

async function missingTools(tools: readonly string[]): Promise<string[]> {
  const found = await Promise.all(tools.map(async (t) => (await tryRun(["sh", "-c", `command -v ${t}`])).code === 0));
  return tools.filter((_, i) => !found[i]);
}

/** Refuses to start, with the reason, when this machine cannot run the demo. */
export async function checkPrerequisites(vm: VmDriverKind): Promise<void> {
  if (process.getuid?.() !== 0) throw new DemoError("vnet demo needs root (it makes network namespaces and runs Open vSwitch): run it as root");
  const missing = await missingTools(Object.keys(BASE_TOOLS));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => BASE_TOOLS[t]!))].join(" ");
    throw new DemoError(`missing ${missing.join(", ")}: run "npm run demo" (it runs scripts/setup.sh) or apt-get install ${pkgs}`);
  }
  if (vm === "libvirt") {
    const lv = await missingTools(["virsh", "libvirtd", "qemu-system-x86_64"]);
    if (lv.length) throw new DemoError(`--vm libvirt needs libvirt and QEMU (${lv.join(", ")} not found): apt-get install ${LIBVIRT_PACKAGES}`);
  }
}

function specOf(state: InventoryState, vmId: string): VmSpec {
  const vm = state.vms.find((v) => v.id === vmId);
  if (!vm) throw new DemoError(`VM ${vmId} left the inventory`);
  const host = state.model.hosts.find((h) => h.id === vm.hostId)!;
  const nics = state.model.ports
    .filter((p) => p.vmId === vm.id)
    .map((port) => ({ port, network: state.model.networks.find((n) => n.id === port.networkId)! }));
  return { vm, host, nics };
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function waitUntil(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, signal?: AbortSignal): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (signal?.aborted) throw new DemoError(`interrupted while waiting for ${what}; what was made is removed`);
    if (Date.now() > end) throw new DemoError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const undo: Array<{ what: string; run: () => Promise<unknown> | unknown }> = [];
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      for (const step of undo.splice(0).reverse()) {
        try {
          await step.run();
        } catch (err) {
          o.print(`vnet demo: cleaning up ${step.what} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return stopping;
  };
  const total = 7;
  let n = 0;
  const interrupted = () => {
    if (o.signal?.aborted) throw new DemoError("interrupted; what was made is removed");
  };
  const step = (line: string) => {
    o.print(`vnet demo: [${++n}/${total}] ${line}`);
    interrupted();
  };

  try {
    await checkPrerequisites(o.vm);

    // 1. The lab. One left by a demo that was killed is removed first; one in use is not touched.
    let t = Date.now();
    const stale = readState(o.lab);
    if (stale) {
      if (stale.ownerPid !== process.pid && isAlive(stale.ownerPid)) {
        throw new DemoError(`lab "${o.lab}" belongs to running process ${stale.ownerPid} (another vnet demo?): stop it, or pick another --lab`);
      }
      await labDown(o.lab);
      o.print(`vnet demo: removed lab "${o.lab}" left by an earlier run`);
    }
    const lab = await labUp({ name: o.lab, hosts: 2, underlay: "ovs" });
    undo.push({ what: `lab ${o.lab}`, run: () => labDown(o.lab) });
    step(`lab "${o.lab}": ${lab.plan.hosts.map((h) => `${h.name} (${h.netns})`).join(", ")} (${seconds(t)})`);

    // 2. vnet itself: the controller where the lab's hosts reach it.
    t = Date.now();
    const dataDir = mkdtempSync(join(tmpdir(), "vnet-demo-"));
    undo.push({ what: "data directory", run: () => rmSync(dataDir, { recursive: true, force: true }) });
    const vnet = await startVnet({
      dataDir,
      api: { host: o.listen, port: o.port },
      controller: { host: lab.controllerAddress, port: o.controllerPort },
    });
    undo.push({ what: "vnet", run: () => vnet.close() });
    step(`vnet: API ${vnet.url}, controller ${vnet.controllerTarget} (${seconds(t)})`);

    const adminToken = newSecret();
    vnet.store.addToken({ id: newId("tok"), name: "demo-admin", role: "admin", tenantId: null, createdAt: new Date().toISOString() }, adminToken);
    const api = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(vnet.url + path, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (res.status >= 300) throw new DemoError(`${method} ${path} answered ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    };

    // 3. Hosts, registered through the API as an operator would.
    t = Date.now();
    const plan = planDemo(lab.plan.hosts, o.backend, o.vm);
    for (const h of plan.hosts) await api("POST", "/api/hosts", h);
    const ovsHostIds = vnet.store.state().model.hosts.filter((h) => h.backend === "ovs").map((h) => h.id);
    await waitUntil("the OVS hosts' switches to connect", 30_000, () =>
      ovsHostIds.every((id) => vnet.realisation.status().some((s) => s.hostId === id && s.connected && s.ovsdbReady)),
      o.signal,
    );
    await vnet.settled();
    step(`hosts: ${plan.hosts.map((h) => `${h.name} ${h.backend}`).join(", ")} (${seconds(t)})`);

    // 4. Tenants and their networks, on the same CIDR.
    t = Date.now();
    const tenantTokens: Record<string, string> = {};
    for (const tenant of plan.tenants) {
      const created = await api<{ id: string }>("POST", "/api/tenants", { name: tenant.name });
      await api("POST", "/api/networks", { name: tenant.network, tenant: tenant.name, subnet: tenant.subnet });
      const secret = newSecret();
      vnet.store.addToken({ id: newId("tok"), name: `demo-${tenant.name}`, role: "tenant", tenantId: created.id, createdAt: new Date().toISOString() }, secret);
      tenantTokens[tenant.name] = secret;
    }
    step(`tenants: ${plan.tenants.map((x) => `${x.name} (${x.network} ${x.subnet})`).join(", ")} (${seconds(t)})`);

    // 5. VMs: created one by one (the IPAM picks addresses in order), started together.
    t = Date.now();
    const vmIds: string[] = [];
    undo.push({
      what: "VMs",
      run: async () => {
        const state = vnet.store.state();
        await Promise.all(
          vmIds.map(async (id) => {
            const spec = specOf(state, id);
            await vnet.drivers.resolve(spec.host, spec.vm.driver)?.destroy(spec);
          }),
        );
      },
    });
    for (const vm of plan.vms) {
      const created = await api<{ id: string }>("POST", "/api/vms", { name: vm.name, tenant: vm.tenant, host: vm.host, driver: vm.driver, nics: [{ network: vm.network }] });
      vmIds.push(created.id);
    }
    await Promise.all(vmIds.map((id) => api("POST", `/api/vms/${id}/start`)));
    step(`VMs: ${plan.vms.length} ${o.vm} VMs started (${seconds(t)})`);

    // 6. Every VM leased its address from vnet's DHCP.
    t = Date.now();
    const leased = (id: string) => {
      const spec = specOf(vnet.store.state(), id);
      return spec.vm.driver === "netns" ? vnet.drivers.netns.leases(spec).length > 0 : Object.keys(vnet.drivers.libvirt.leases(spec)).length > 0;
    };
    await waitUntil("every VM's DHCP lease", o.leaseTimeoutMs ?? 90_000, () => vmIds.every(leased), o.signal);
    step(`DHCP: ${vmIds.length}/${vmIds.length} VMs leased (${seconds(t)})`);

    // 7. What a person needs to look around.
    await vnet.settled();
    await vnet.refreshLive();
    const state = vnet.store.state();
    const shown = plan.vms.map((v) => {
      const rec = state.vms.find((x) => x.name === v.name)!;
      const ip = state.model.ports.find((p) => p.vmId === rec.id)?.ip ?? "?";
      return { ...v, netns: rec.netns ?? "", ip };
    });
    const pair = pingPair(shown);
    const pingCommand = pair ? `ip netns exec ${pair[0].netns} busybox ping -c 5 ${pair[1].ip}` : "";
    step("ready");
    o.print("");
    o.print(`  dashboard:     ${vnet.url}/`);
    o.print(`  admin token:   ${adminToken}`);
    for (const [name, tok] of Object.entries(tenantTokens)) o.print(`  ${`${name} token:`.padEnd(14)} ${tok}`);
    o.print("");
    // The `vnet` client commands read these two variables (docs/demo.md).
    o.print("  command line (then: bin/vnet vm list, bin/vnet net list, ...):");
    o.print(`    export VNET_SERVER=${vnet.url} VNET_TOKEN=${adminToken}`);
    o.print("");
    for (const v of shown) o.print(`  ${v.name.padEnd(6)} ${v.tenant.padEnd(5)} ${v.host}  ${v.ip.padEnd(12)} ${v.netns}`);
    o.print("");
    if (pair) {
      o.print(`  make traffic (${pair[0].name} -> ${pair[1].name}, watch it in the flows view):`);
      o.print(`    ${pingCommand}`);
      // The other tenant has the same addresses: the same command from its VM reaches its own.
      const other = shown.find((v) => v.tenant !== pair[0].tenant && v.host === pair[0].host);
      const twin = other && shown.find((v) => v.tenant === other.tenant && v.ip === pair[1].ip);
      if (other && twin) o.print(`  same address, other tenant (reaches ${twin.name}, never ${pair[1].name}):\n    ip netns exec ${other.netns} busybox ping -c 5 ${pair[1].ip}`);
    }
    o.print("");
    o.print("vnet demo: ready (Ctrl-C removes everything)");
    return { url: vnet.url, adminToken, tenantTokens, pingCommand, vnet, lab, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
