// Where things are: the controller's listen address from a flag, the target the switches are
// given, and the namespace a kernel-bridge host's agent runs in. Small pure helpers (the one
// that reads the machine's addresses takes them as an argument in tests).
import { networkInterfaces } from "node:os";
import { isIP } from "node:net";
import type { NetworkModel } from "../model/types";
import { matchLabHost, readLabs } from "../vm/locate";

/** "ADDR:PORT", "[v6]:PORT", ":PORT" or "PORT" → host and port; a clear error otherwise. */
export function parseListen(text: string, defaultHost = "0.0.0.0"): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? (/^\d+$/.test(text) ? [text, undefined, "", text] : null);
  if (!m) throw new Error(`listen address must be ADDR:PORT (got "${text}")`);
  const host = m[1] ?? (m[2] || defaultHost);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be 0-65535 (got "${m[3]}" in "${text}")`);
  if (isIP(host) === 0) throw new Error(`listen address must be an IP address (got "${host}" in "${text}")`);
  return { host, port };
}

/** Throws a clear error unless `target` is an OpenFlow connection target OVS accepts for br-int. */
export function checkControllerTarget(target: string): void {
  if (!/^(tcp|ssl):(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):\d{1,5}$|^unix:\S+$/.test(target)) {
    throw new Error(`controller target must be tcp:ADDR:PORT, ssl:ADDR:PORT or unix:PATH (got "${target}")`);
  }
}

type Interfaces = ReturnType<typeof networkInterfaces>;

/**
 * The OpenFlow target switches connect to. A specific listen address is the target; a wildcard
 * one (0.0.0.0, ::) needs an address the hosts can reach: the first non-loopback IPv4 address of
 * this machine (pass --controller-target when that is the wrong one).
 */
export function chooseControllerTarget(listenHost: string, port: number, interfaces: Interfaces = networkInterfaces()): string {
  if (listenHost !== "0.0.0.0" && listenHost !== "::") return `tcp:${listenHost.includes(":") ? `[${listenHost}]` : listenHost}:${port}`;
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return `tcp:${a.address}:${port}`;
  }
  return `tcp:127.0.0.1:${port}`;
}

/**
 * A kernel-bridge host's agent runs in the host's namespace when the host is a lab host here, in
 * this machine's root namespace when its management address is one of this machine's; any other
 * host cannot be reached by an agent started from here, which is an error (never a guess: an
 * agent in the wrong namespace would rewire this machine's bridges).
 */
export function kernelHostNetns(model: NetworkModel, hostId: string, interfaces: Interfaces = networkInterfaces()): string | null {
  const host = model.hosts.find((h) => h.id === hostId);
  if (!host) throw new Error(`host ${hostId} is not in the inventory`);
  const lab = matchLabHost(host, readLabs());
  if (lab) return lab.netns;
  const local = Object.values(interfaces).some((list) => (list ?? []).some((a) => a.address === host.managementAddress));
  if (local) return null;
  throw new Error(`kernel-bridge host ${host.name} (${host.managementAddress}) is neither a lab host nor this machine: its agent cannot run from here`);
}
