// What the realisers observe, in the live view's terms (src/live/types.ts): each OVS host's
// connection status and the tunnels between hosts. Pure; whoever owns the LiveView calls
//   live.hostStatus(name, s)  and  live.topologyChanged({ tunnels })
// with these after each pass report.

import type { HostStatus as LiveHostStatus, TunnelLive } from "../live/types";
import type { NetworkModel } from "../model/types";
import type { HostStatus } from "./host";
import { desiredTunnels } from "./wiring";

/** The live view's status of one host, by host name, from its realiser's status. */
export function liveHostStatus(model: NetworkModel, status: HostStatus): { name: string; status: Partial<LiveHostStatus> } | null {
  const host = model.hosts.find((h) => h.id === status.hostId);
  if (!host) return null;
  return {
    name: host.name,
    status: {
      ovsdbConnected: status.ovsdbReady,
      openflowConnected: status.connected,
      ...(status.connected ? { dpid: status.dpid } : {}),
    },
  };
}

/**
 * Every tunnel the model asks for from the OVS hosts given, "up" when its port on the bridge has
 * an OpenFlow port number (ovs-vswitchd opened it).
 */
export function liveTunnels(model: NetworkModel, statuses: readonly HostStatus[]): TunnelLive[] {
  const out: TunnelLive[] = [];
  const nameOf = (id: string) => model.hosts.find((h) => h.id === id)?.name ?? id;
  for (const s of statuses) {
    for (const t of desiredTunnels(model, s.hostId)) {
      out.push({
        id: `${nameOf(s.hostId)}->${nameOf(t.remoteHostId)}`,
        fromHost: nameOf(s.hostId),
        toHost: nameOf(t.remoteHostId),
        kind: t.kind,
        remoteIp: t.remoteIp,
        up: s.wiring?.tunnels[t.remoteHostId] !== undefined,
      });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
