// Host wiring, pure: which tunnel ports a host's bridge needs (one per remote host with a tunnel
// endpoint) and, from what OVSDB reports about the bridge's ports, the SwitchWiring that compile()
// takes (ofport numbers of bound VM NICs by model port id, of tunnels by remote host, of the
// uplink). The OVSDB client applies the plan; nothing here does I/O.

import type { Host, NetworkModel, TunnelType } from "../model/types";
import { idHash } from "./cookie";
import type { SwitchWiring } from "./compile";

export interface TunnelPlan {
  /** Interface name: "vx" or "gn" + 8 hex digits of the remote host id's hash (fits IFNAMSIZ). */
  name: string;
  kind: TunnelType;
  remoteHostId: string;
  remoteIp: string;
  localIp: string;
  /** The VNI is set per packet by the flows (set_field tunnel_id). */
  key: "flow";
}

export interface HostWiringPlan {
  tunnels: TunnelPlan[];
  /** Name of the uplink interface to add to the bridge, or null. */
  uplink: string | null;
  problems: string[];
}

export function tunnelPortName(kind: TunnelType, remoteHostId: string): string {
  return (kind === "geneve" ? "gn" : "vx") + (idHash(remoteHostId) & 0xffffffffn).toString(16).padStart(8, "0");
}

/**
 * The tunnel kind between two hosts: the model's setting, except that a kernel-bridge host speaks
 * VXLAN only (its kernel may lack geneve), so links to it are VXLAN whatever the setting.
 */
export function tunnelKind(model: NetworkModel, a: Host, b: Host): TunnelType {
  if (a.backend === "bridge" || b.backend === "bridge") return "vxlan";
  return model.settings.tunnelType;
}

export function planHostWiring(model: NetworkModel, hostId: string): HostWiringPlan {
  const host = model.hosts.find((h) => h.id === hostId);
  if (!host) return { tunnels: [], uplink: null, problems: [`host "${hostId}" is not in the model`] };
  const problems: string[] = [];
  const tunnels: TunnelPlan[] = [];
  if (host.tunnelIp) {
    for (const remote of [...model.hosts].sort((a, b) => a.id.localeCompare(b.id))) {
      if (remote.id === host.id || !remote.tunnelIp) continue;
      const kind = tunnelKind(model, host, remote);
      if (kind !== model.settings.tunnelType) problems.push(`host "${remote.name}" uses the kernel-bridge backend: the tunnel to it is VXLAN`);
      tunnels.push({ name: tunnelPortName(kind, remote.id), kind, remoteHostId: remote.id, remoteIp: remote.tunnelIp, localIp: host.tunnelIp, key: "flow" });
    }
  } else if (model.hosts.some((h) => h.id !== host.id && h.tunnelIp)) {
    problems.push(`host "${host.name}" has no tunnel endpoint: its overlay networks stay local`);
  }
  return { tunnels, uplink: host.uplink ?? null, problems };
}

/** What the OVSDB client reports about one interface of the bridge (shape of src/ovsdb PortView). */
export interface ObservedInterface {
  name: string;
  ofport?: number;
  externalIds: Record<string, string>;
}

/**
 * Binds what OVSDB sees on the bridge to the model: a VM NIC is bound when an interface of this
 * host carries its iface-id and has an ofport; tunnels and the uplink are found by name.
 */
export function bindWiring(model: NetworkModel, hostId: string, plan: HostWiringPlan, observed: readonly ObservedInterface[]): SwitchWiring {
  const byIfaceId = new Map(model.ports.filter((p) => p.hostId === hostId).map((p) => [p.ifaceId, p.id]));
  const byName = new Map(observed.map((i) => [i.name, i]));
  const vmPorts: Record<string, number> = {};
  for (const iface of observed) {
    const portId = byIfaceId.get(iface.externalIds["iface-id"] ?? "");
    if (portId !== undefined && iface.ofport !== undefined && iface.ofport > 0) vmPorts[portId] = iface.ofport;
  }
  const tunnels: Record<string, number> = {};
  for (const t of plan.tunnels) {
    const ofport = byName.get(t.name)?.ofport;
    if (ofport !== undefined && ofport > 0) tunnels[t.remoteHostId] = ofport;
  }
  const uplinkPort = plan.uplink ? byName.get(plan.uplink)?.ofport : undefined;
  return { vmPorts, tunnels, uplink: uplinkPort !== undefined && uplinkPort > 0 ? uplinkPort : null };
}
