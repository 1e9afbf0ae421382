// Endpoints: namespaces that stand for VMs on a lab host. Each gets a veth pair whose inner end is
// "eth0" in the endpoint namespace and whose outer end, named after the endpoint, sits in the host
// namespace on an OVS bridge (as a port with external_ids iface-id/attached-mac, as libvirt sets
// them) or on a Linux bridge (for the kernel-bridge backend).

import { run, tryRun, inNetns, type RunResult } from "./exec";
import { checkEndpointAddress, checkEndpointName, checkMac, endpointNetns } from "./plan";
import { killPid } from "./ovs";
import { writePrivateResolvConf, removePrivateResolvConf, netnsExists } from "./netns";
import { ensurePort, removePort, waitForOfport } from "../ovsdb/vswitch";
import type { Lab } from "./lab";
import type { EndpointState } from "./state";

export interface EndpointOptions {
  name: string;
  mac: string;
  /** "A.B.C.D/LEN" inside the documentation ranges; omit to configure later (e.g. by DHCP). */
  ip?: string;
  /** Bridge in the host namespace to attach to. */
  bridge: string;
  /** Default "ovs". */
  bridgeKind?: "ovs" | "linux";
  /** external_ids:iface-id of the OVS Interface (default: the endpoint name). */
  ifaceId?: string;
  vmId?: string;
  mtu?: number;
  /**
   * Keep tx checksum offload (and so TSO) on eth0. Default: off for OVS endpoints (OVS netdev reads
   * veths raw and TCP would silently fail), on for Linux-bridge ones (the kernel handles it, and
   * turning it off would slow the kernel path down in comparisons).
   */
  txOffload?: boolean;
}

export interface Endpoint extends EndpointState {
  ifname: "eth0";
  /** OpenFlow port number on an OVS bridge. */
  ofport?: number;
  /** Runs a command inside the endpoint namespace; never rejects (see the exit code). */
  exec(argv: readonly string[]): Promise<RunResult>;
  /** argv prefix for running something in the endpoint (ip netns exec NS). */
  argv(cmd: readonly string[]): string[];
  remove(): Promise<void>;
}

function handle(lab: Lab, e: EndpointState, ofport?: number): Endpoint {
  const out: Endpoint = {
    ...e,
    ifname: "eth0",
    exec: (argv) => tryRun(inNetns(e.netns, argv)),
    argv: (cmd) => inNetns(e.netns, cmd),
    remove: () => detachEndpoint(lab, e.host, e.name),
  };
  if (ofport !== undefined) out.ofport = ofport;
  return out;
}

/** Creates an endpoint namespace attached to a bridge on a host; waits for its ofport on OVS. */
export async function attachEndpoint(lab: Lab, hostName: string, o: EndpointOptions): Promise<Endpoint> {
  const host = lab.host(hostName);
  checkEndpointName(o.name);
  checkMac(o.mac);
  if (o.ip !== undefined) checkEndpointAddress(o.ip);
  if (o.mtu !== undefined && (!Number.isInteger(o.mtu) || o.mtu < 576 || o.mtu > 9000)) throw new Error(`bad MTU ${o.mtu}`);
  if (lab.state.endpoints.some((e) => e.host === host.name && e.name === o.name)) {
    throw new Error(`endpoint ${o.name} already exists on ${host.name}`);
  }
  const kind = o.bridgeKind ?? "ovs";
  const state: EndpointState = {
    host: host.name,
    name: o.name,
    netns: endpointNetns(lab.name, host.name, o.name),
    hostIface: o.name,
    bridge: o.bridge,
    bridgeKind: kind,
    mac: o.mac,
    ...(o.ip !== undefined ? { ip: o.ip } : {}),
  };
  // Record first: a crash from here on is cleaned by `lab down`.
  await lab.save((s) => s.endpoints.push(state));
  try {
    // Before the namespace exists: a DHCP client run in it must not rewrite the root's DNS.
    writePrivateResolvConf(state.netns);
    await run(["ip", "netns", "add", state.netns]);
    await run(["ip", "link", "add", o.name, "netns", host.netns, "type", "veth", "peer", "name", "eth0", "netns", state.netns]);
    const mtu = o.mtu !== undefined ? [`link set eth0 mtu ${o.mtu}`] : [];
    await run(["ip", "-n", state.netns, "-batch", "-"], {
      input:
        [
          "link set lo up",
          `link set eth0 address ${o.mac}`,
          ...mtu,
          "link set eth0 up",
          ...(o.ip !== undefined ? [`addr add ${o.ip} dev eth0`] : []),
        ].join("\n") + "\n",
    });
    // TCP through OVS netdev fails silently unless the sending side computes its checksums.
    if (!(o.txOffload ?? kind === "linux")) await run(inNetns(state.netns, ["ethtool", "-K", "eth0", "tx", "off"]));
    const hostLines = [...(o.mtu !== undefined ? [`link set ${o.name} mtu ${o.mtu}`] : [])];
    if (kind === "linux") hostLines.push(`link set ${o.name} master ${o.bridge}`);
    hostLines.push(`link set ${o.name} up`);
    await run(["ip", "-n", host.netns, "-batch", "-"], { input: hostLines.join("\n") + "\n" });
    let ofport: number | undefined;
    if (kind === "ovs") {
      const client = await lab.client(host.name);
      const externalIds: Record<string, string> = { "iface-id": o.ifaceId ?? o.name, "attached-mac": o.mac, "iface-status": "active" };
      if (o.vmId) externalIds["vm-id"] = o.vmId;
      await ensurePort(client, o.bridge, { name: o.name, interfaceExternalIds: externalIds });
      ofport = await waitForOfport(client, o.name);
    }
    return handle(lab, state, ofport);
  } catch (err) {
    await detachEndpoint(lab, host.name, o.name).catch(() => undefined);
    throw err;
  }
}

/** Removes an endpoint: its OVS port, its processes, its namespace (and so its veth pair). */
export async function detachEndpoint(lab: Lab, hostName: string, name: string): Promise<void> {
  const host = lab.host(hostName);
  const e = lab.state.endpoints.find((x) => x.host === host.name && x.name === name);
  if (!e) return;
  if (e.bridgeKind === "ovs") {
    try {
      const client = await lab.client(host.name);
      await removePort(client, e.bridge, e.hostIface);
    } catch {
      // The bridge may be gone already; the namespace removal below still frees the veth.
    }
  }
  const pids = await tryRun(["ip", "netns", "pids", e.netns]);
  await Promise.all(
    pids.stdout.split(/\s+/).filter(Boolean).map(Number).filter((n) => n > 1).map((pid) => killPid(pid, 1000)),
  );
  await tryRun(["ip", "netns", "del", e.netns]);
  // Kept while the namespace lives on (its deletion failed): `lab down` retries both.
  if (!netnsExists(e.netns)) removePrivateResolvConf(e.netns);
  await tryRun(["ip", "-n", host.netns, "link", "del", e.hostIface]);
  await lab.save((s) => {
    s.endpoints = s.endpoints.filter((x) => !(x.host === host.name && x.name === name));
  });
}

/** Makes a Linux bridge inside a host namespace (for the kernel-bridge backend). */
export async function addLinuxBridge(lab: Lab, hostName: string, name: string): Promise<void> {
  const host = lab.host(hostName);
  if (!/^[a-z][a-z0-9-]{0,14}$/.test(name)) throw new Error(`bad bridge name "${name}"`);
  await run(["ip", "-n", host.netns, "-batch", "-"], { input: `link add ${name} type bridge\nlink set ${name} up\n` });
  await lab.save((s) => s.linuxBridges.push({ host: host.name, name }));
}

export async function removeLinuxBridge(lab: Lab, hostName: string, name: string): Promise<void> {
  const host = lab.host(hostName);
  await tryRun(["ip", "-n", host.netns, "link", "del", name]);
  await lab.save((s) => {
    s.linuxBridges = s.linuxBridges.filter((b) => !(b.host === host.name && b.name === name));
  });
}
