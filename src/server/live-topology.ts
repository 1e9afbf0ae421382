// What the realisers and the controller observe, in the live view's terms: one SwitchLive per OVS
// host (its br-int's ports labelled with the VM, tenant or tunnel behind each), each host's
// connection status, and the tunnels. Pure: `startLiveFeed` (live-feed.ts) calls it with the
// current inventory, realiser statuses and the port tables of the connected switches.
import type { PortDesc } from "../../openflow/index";
import { isLinkUp } from "../controller/ports";
import type { InventoryState } from "../inventory/types";
import type { HostStatus as LiveHostStatus, SwitchLive, SwitchPortLive, TunnelLive } from "../live/types";
import type { HostStatus as RealiserStatus } from "../realise/host";
import { liveTunnels } from "../realise/live";
import { INTEGRATION_BRIDGE } from "../realise/wiring";

export interface ObservedHosts {
  /** The status of every OVS host's realiser. */
  statuses: readonly RealiserStatus[];
  /** The port table of each connected switch, by its 16-hex-digit datapath id. */
  portsOf: (dpidHex: string) => Iterable<PortDesc> | undefined;
}

/** Tunnel ids as liveTunnels writes them, "from->to" with host names. */
const tunnelId = (from: string, to: string) => `${from}->${to}`;

function labelledPorts(state: InventoryState, status: RealiserStatus, ports: Iterable<PortDesc>): SwitchPortLive[] {
  const m = state.model;
  const hostName = (id: string) => m.hosts.find((h) => h.id === id)?.name ?? id;
  const me = hostName(status.hostId);
  const byOfport = new Map<number, Partial<SwitchPortLive>>();
  for (const [portId, ofport] of Object.entries(status.wiring?.vmPorts ?? {})) {
    const port = m.ports.find((p) => p.id === portId);
    if (!port) continue;
    const net = m.networks.find((n) => n.id === port.networkId);
    const tenant = net ? m.tenants.find((t) => t.id === net.tenantId)?.name : undefined;
    const vm = port.vmId ? state.vms.find((v) => v.id === port.vmId)?.name : undefined;
    byOfport.set(ofport, { ...(vm ? { vm } : {}), ...(tenant ? { tenant } : {}) });
  }
  for (const [remoteId, ofport] of Object.entries(status.wiring?.tunnels ?? {})) {
    byOfport.set(ofport, { tunnel: tunnelId(me, hostName(remoteId)) });
  }
  const out: SwitchPortLive[] = [];
  for (const p of ports) {
    // The LOCAL port (the bridge's own internal interface) carries no tenant traffic.
    if (p.portNo > 0xffffff00) continue;
    out.push({ portNo: p.portNo, name: p.name, hwAddr: p.hwAddr, up: isLinkUp(p), ...byOfport.get(p.portNo) });
  }
  return out.sort((a, b) => a.portNo - b.portNo);
}

/** One switch per OVS host with a realiser; a switch not connected shows with no ports. */
export function liveSwitches(state: InventoryState, observed: ObservedHosts): SwitchLive[] {
  const out: SwitchLive[] = [];
  for (const s of observed.statuses) {
    const host = state.model.hosts.find((h) => h.id === s.hostId);
    if (!host) continue;
    const ports = s.connected ? observed.portsOf(s.dpid) : undefined;
    out.push({
      dpid: s.dpid,
      host: host.name,
      name: INTEGRATION_BRIDGE,
      connected: s.connected,
      ports: ports ? labelledPorts(state, s, ports) : [],
    });
  }
  return out.sort((a, b) => a.host.localeCompare(b.host));
}

/** Every host's connectivity by host name. `bridgeUp` answers for kernel-bridge hosts. */
export function liveHostStatuses(
  state: InventoryState,
  statuses: readonly RealiserStatus[],
  bridgeUp: (hostId: string) => boolean,
): Array<{ name: string; status: Partial<LiveHostStatus> }> {
  const byId = new Map(statuses.map((s) => [s.hostId, s]));
  return state.model.hosts.map((h) => {
    const s = byId.get(h.id);
    if (h.backend === "bridge") {
      // A bridge host has no OVSDB and no switch: its agent answering is its "connection".
      const up = bridgeUp(h.id);
      return { name: h.name, status: { ovsdbConnected: false, openflowConnected: up } };
    }
    return {
      name: h.name,
      status: s ? { ovsdbConnected: s.ovsdbReady, openflowConnected: s.connected, ...(s.connected ? { dpid: s.dpid } : {}) } : { ovsdbConnected: false, openflowConnected: false },
    };
  });
}

/**
 * Tunnels as the OVS hosts report them, plus those of kernel-bridge hosts (whose VXLAN devices
 * are per network, so the tunnel is "up" when the host's last pass succeeded).
 */
export function allTunnels(state: InventoryState, statuses: readonly RealiserStatus[], bridgeUp: (hostId: string) => boolean): TunnelLive[] {
  const m = state.model;
  const ovs = liveTunnels(m, statuses);
  const nameOf = (id: string) => m.hosts.find((h) => h.id === id)?.name ?? id;
  const bridge: TunnelLive[] = [];
  for (const h of m.hosts) {
    if (h.backend !== "bridge" || h.tunnelIp === null) continue;
    for (const r of m.hosts) {
      if (r.id === h.id || r.tunnelIp === null) continue;
      bridge.push({ id: tunnelId(h.name, nameOf(r.id)), fromHost: h.name, toHost: nameOf(r.id), kind: "vxlan", remoteIp: r.tunnelIp, up: bridgeUp(h.id) });
    }
  }
  return [...ovs, ...bridge].sort((a, b) => a.id.localeCompare(b.id));
}
