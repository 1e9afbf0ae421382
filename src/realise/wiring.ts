// Host wiring, as pure functions of the model and of what OVSDB reports:
//   - what br-int should carry besides VM NICs (one tunnel port per remote host, the uplink), and
//     which OVSDB changes bring the bridge there;
//   - the `SwitchWiring` the pipeline compiles against (ofports of bound VM NICs by model port id,
//     tunnel ofports by remote host id, the uplink ofport), read from the bridge's ports.
// Ports vnet makes are marked in the Interface's external_ids, so they are found again by what
// they are for, never by parsing their names.

import type { PortView, TunnelSpec } from "../ovsdb/vswitch";
import type { SwitchWiring } from "../pipeline/compile";
import { idHash } from "../pipeline/cookie";
import type { Host, NetworkModel, TunnelType } from "../model/types";

export const INTEGRATION_BRIDGE = "br-int";
/** external_ids key on a tunnel Interface: the model id of the host at its far end. */
export const REMOTE_HOST_KEY = "vnet-remote-host";
/** external_ids key on vnet's other Interfaces: what the port is for ("uplink"). */
export const ROLE_KEY = "vnet-role";

/** A tunnel port vnet wants on br-int, with the marks that find it again. */
export interface TunnelPortSpec extends TunnelSpec {
  remoteHostId: string;
}

/**
 * Port name of the tunnel to a remote host: interface names have 15 characters at most, so the
 * name carries a hash of the host id (stable across runs); the external id carries the id itself.
 */
export function tunnelPortName(kind: TunnelType, remoteHostId: string): string {
  return `${kind === "vxlan" ? "vx" : "gn"}${idHash(remoteHostId).toString(16).padStart(10, "0")}`;
}

/**
 * The tunnel ports a host's br-int should have: one per other host that has a tunnel endpoint.
 * Kernel-bridge hosts speak plain VXLAN (their kernel may lack Geneve), so tunnels to them are
 * VXLAN whatever the model's setting.
 */
export function desiredTunnels(model: NetworkModel, hostId: string): TunnelPortSpec[] {
  const host = model.hosts.find((h) => h.id === hostId);
  if (!host || host.tunnelIp === null) return [];
  return model.hosts
    .filter((remote): remote is Host & { tunnelIp: string } => remote.id !== hostId && remote.tunnelIp !== null)
    .map((remote) => {
      const kind: TunnelType = remote.backend === "bridge" ? "vxlan" : model.settings.tunnelType;
      return {
        name: tunnelPortName(kind, remote.id),
        kind,
        remoteIp: remote.tunnelIp,
        localIp: host.tunnelIp!,
        key: "flow" as const,
        remoteHostId: remote.id,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What the realiser must do in OVSDB so that br-int carries exactly the wanted tunnels and uplink. */
export interface WiringPlan {
  /** Tunnel ports to create or correct. */
  tunnels: TunnelPortSpec[];
  /** The uplink interface to add to br-int, or null when it is there already (or none is wanted). */
  uplink: string | null;
  /** Ports vnet made that are no longer wanted (tunnels to hosts that left, an old uplink). */
  remove: string[];
}

function tunnelUpToDate(have: PortView, want: TunnelPortSpec): boolean {
  return (
    have.type === want.kind &&
    have.options.remote_ip === want.remoteIp &&
    have.options.local_ip === want.localIp &&
    have.options.key === String(want.key) &&
    have.externalIds[REMOTE_HOST_KEY] === want.remoteHostId
  );
}

export function planWiring(model: NetworkModel, hostId: string, ports: readonly PortView[]): WiringPlan {
  const host = model.hosts.find((h) => h.id === hostId);
  const wantTunnels = desiredTunnels(model, hostId);
  const byName = new Map(ports.map((p) => [p.name, p]));
  const tunnels = wantTunnels.filter((t) => {
    const have = byName.get(t.name);
    return !have || !tunnelUpToDate(have, t);
  });
  const wantedNames = new Set(wantTunnels.map((t) => t.name));
  const uplinkName = host?.uplink ?? null;
  const remove: string[] = [];
  for (const p of ports) {
    const isOurTunnel = p.externalIds[REMOTE_HOST_KEY] !== undefined;
    const isOurUplink = p.externalIds[ROLE_KEY] === "uplink";
    if (isOurTunnel && !wantedNames.has(p.name)) remove.push(p.name);
    if (isOurUplink && p.name !== uplinkName) remove.push(p.name);
  }
  const uplinkPort = uplinkName === null ? undefined : byName.get(uplinkName);
  const uplink = uplinkName !== null && (!uplinkPort || uplinkPort.externalIds[ROLE_KEY] !== "uplink") ? uplinkName : null;
  return { tunnels, uplink, remove: remove.sort() };
}

export function isWiringPlanEmpty(plan: WiringPlan): boolean {
  return plan.tunnels.length === 0 && plan.uplink === null && plan.remove.length === 0;
}

/** A VM NIC on the bridge whose iface-id names no port of this host in the model. */
export interface UnboundInterface {
  iface: string;
  ifaceId: string;
  /** Why it is not bound: unknown iface-id, or a port the model places on another host. */
  reason: string;
}

export interface ObservedWiring {
  wiring: SwitchWiring;
  /** Interface name of each bound model port (for the live view and logs). */
  ifaceOf: Record<string, string>;
  unbound: UnboundInterface[];
}

/**
 * Reads the wiring from the bridge's ports. Only ports with an ofport count (an interface
 * ovs-vswitchd could not open has none, and flows for it would be dead weight).
 */
export function observeWiring(model: NetworkModel, hostId: string, ports: readonly PortView[]): ObservedWiring {
  const portsByIfaceId = new Map(model.ports.map((p) => [p.ifaceId, p]));
  const host = model.hosts.find((h) => h.id === hostId);
  const vmPorts: Record<string, number> = {};
  const tunnels: Record<string, number> = {};
  const ifaceOf: Record<string, string> = {};
  const unbound: UnboundInterface[] = [];
  let uplink: number | null = null;
  for (const p of ports) {
    if (p.ofport === undefined) continue;
    const remote = p.externalIds[REMOTE_HOST_KEY];
    if (remote !== undefined) {
      // A tunnel to a host that left the model is removed by the plan; until then, ignore it.
      if (model.hosts.some((h) => h.id === remote)) tunnels[remote] = p.ofport;
      continue;
    }
    if (p.externalIds[ROLE_KEY] === "uplink") {
      if (host?.uplink === p.name) uplink = p.ofport;
      continue;
    }
    const ifaceId = p.externalIds["iface-id"];
    if (ifaceId === undefined) continue;
    const port = portsByIfaceId.get(ifaceId);
    if (!port) {
      unbound.push({ iface: p.name, ifaceId, reason: "no port in the model has this iface-id" });
    } else if (port.hostId !== hostId) {
      unbound.push({ iface: p.name, ifaceId, reason: `the model places port ${port.id} on host ${port.hostId}` });
    } else if (vmPorts[port.id] !== undefined) {
      unbound.push({ iface: p.name, ifaceId, reason: `port ${port.id} is bound to ${ifaceOf[port.id]} already` });
    } else {
      vmPorts[port.id] = p.ofport;
      ifaceOf[port.id] = p.name;
    }
  }
  return { wiring: { vmPorts, tunnels, uplink }, ifaceOf, unbound };
}

/** Which model port sits behind an OpenFlow port number, for PACKET_INs. */
export function portAtOfport(wiring: SwitchWiring, ofport: number): string | undefined {
  for (const [portId, n] of Object.entries(wiring.vmPorts)) if (n === ofport) return portId;
  return undefined;
}

export function sameWiring(a: SwitchWiring, b: SwitchWiring): boolean {
  const eq = (x: Readonly<Record<string, number>>, y: Readonly<Record<string, number>>) => {
    const kx = Object.keys(x);
    return kx.length === Object.keys(y).length && kx.every((k) => x[k] === y[k]);
  };
  return a.uplink === b.uplink && eq(a.vmPorts, b.vmPorts) && eq(a.tunnels, b.tunnels);
}
