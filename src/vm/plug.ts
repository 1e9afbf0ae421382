// The host side of a NIC, shared by both drivers: an interface in the host's namespace (a veth
// end or a tap) becomes a switch port the realisers recognise.
//   OVS host:    a port on br-int whose Interface carries external_ids iface-id (the model port's
//                ifaceId), attached-mac and vm-id, exactly as libvirt would set them.
//   bridge host: the interface is named after the port (nicHostIfName) and joins its network's
//                Linux bridge when that bridge exists; the kernel agent plugs it otherwise.

import { run, tryRun } from "../lab/exec";
import { connectVswitch, ensurePort, findBridge, removePort, waitForOfport } from "../ovsdb/vswitch";
import type { OvsdbClient } from "../ovsdb/client";
import type { VmSpec } from "../api/vm-driver";
import { VmDriverError } from "./errors";
import { KeyedQueue } from "./keyed-queue";
import { INTEGRATION_BRIDGE, networkBridgeName, nicExternalIds } from "./names";

type Nic = VmSpec["nics"][number];

/**
 * One OVSDB client per target, opened on first use and shared by every VM on that host. Port
 * changes on one host go one at a time, in call order, so that a NIC unplugged and plugged again
 * in quick succession ends plugged.
 */
export class OvsdbPool {
  private readonly clients = new Map<string, Promise<OvsdbClient>>();
  private readonly queue = new KeyedQueue();

  /** Runs `op` with the target's client, after every earlier `exclusive` op on that target. */
  exclusive<T>(target: string, op: (client: OvsdbClient) => Promise<T>): Promise<T> {
    return this.queue.run(target, () => this.get(target).then(op));
  }

  get(target: string): Promise<OvsdbClient> {
    let c = this.clients.get(target);
    if (!c) {
      c = connectVswitch(target, { backoff: { minMs: 50, maxMs: 1000 } }, 5000);
      // A failed connection is forgotten, so the next call tries again.
      c.catch(() => this.clients.delete(target));
      this.clients.set(target, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) void c.then((x) => x.close(), () => undefined);
    this.clients.clear();
  }
}

export interface HostSide {
  hostName: string;
  backend: "ovs" | "bridge";
  netns: string;
  ovsdbTarget: string;
  pool: OvsdbPool;
}

/** Names of the links in a namespace, with their state (ip -j link). */
export async function listLinks(netns: string): Promise<Array<{ name: string; up: boolean; master?: string; alias?: string; address?: string }>> {
  const r = await tryRun(["ip", "-n", netns, "-j", "link", "show"]);
  if (r.code !== 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout || "[]");
  } catch {
    throw new VmDriverError(`could not read the links of namespace ${netns}: ip printed something that is not JSON`);
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.map((l: Record<string, unknown>) => ({
    name: String(l.ifname),
    up: Array.isArray(l.flags) && l.flags.includes("UP"),
    ...(typeof l.master === "string" ? { master: l.master } : {}),
    ...(typeof l.ifalias === "string" ? { alias: l.ifalias } : {}),
    ...(typeof l.address === "string" ? { address: l.address } : {}),
  }));
}

/** Makes the host end of a NIC a bound switch port; idempotent. */
export async function plugNic(side: HostSide, ifname: string, spec: VmSpec, nic: Nic): Promise<void> {
  if (side.backend === "ovs") {
    const client = await side.pool.get(side.ovsdbTarget);
    if (!findBridge(client.replica, INTEGRATION_BRIDGE)) {
      throw new VmDriverError(
        `host ${side.hostName} has no ${INTEGRATION_BRIDGE} yet: the OVS realiser creates it when the controller takes the host over; start it first`,
      );
    }
    await run(["ip", "-n", side.netns, "link", "set", ifname, "up"]);
    await side.pool.exclusive(side.ovsdbTarget, (c) => ensurePort(c, INTEGRATION_BRIDGE, { name: ifname, interfaceExternalIds: nicExternalIds(spec, nic) }));
    await waitForOfport(client, ifname);
    return;
  }
  const bridge = networkBridgeName(nic.network);
  const links = await listLinks(side.netns);
  // The kernel agent creates the bridge when the model first needs it and plugs late-comers itself.
  const master = links.some((l) => l.name === bridge) ? ["master", bridge] : [];
  await run(["ip", "-n", side.netns, "link", "set", ifname, ...master, "up"]);
}

/** Removes a NIC's port from the switch (the interface itself is the caller's). Never throws. */
export async function unplugNic(side: HostSide, ifname: string): Promise<void> {
  if (side.backend === "ovs") {
    try {
      await side.pool.exclusive(side.ovsdbTarget, (c) => removePort(c, INTEGRATION_BRIDGE, ifname));
    } catch {
      // The switch may be gone (host removed): deleting the interface below still unplugs it.
    }
    return;
  }
  await tryRun(["ip", "-n", side.netns, "link", "set", ifname, "nomaster"]);
}
