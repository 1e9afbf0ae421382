// Who may see what of the live view. An admin sees everything; a tenant sees its own VMs and
// networks, the hosts and switches those VMs sit on (with only its own ports), the tunnels between
// those hosts, the flows whose cookie names the tenant and the counters of its own ports.
// Pure functions: the socket.io bridge and the REST routes apply the same rules.
import type { FlowDiff, FlowLive, LiveSnapshot, PortDiff, PortRate, Topology } from "./types";

export type Audience = { role: "admin" } | { role: "tenant"; tenant: string };

export function audienceKey(a: Audience): string {
  return a.role === "admin" ? "admin" : `tenant:${a.tenant}`;
}

export function filterTopology(t: Topology, a: Audience): Topology {
  if (a.role === "admin") return t;
  const vms = t.vms.filter((v) => v.tenant === a.tenant);
  const hostNames = new Set(vms.map((v) => v.host));
  const switches = t.switches
    .filter((s) => hostNames.has(s.host))
    .map((s) => ({ ...s, ports: s.ports.filter((p) => p.tenant === a.tenant) }));
  // The underlay stays private: a tenant sees whether its hosts and tunnels are up, not their
  // management or tunnel addresses, nor datapath ids in host records.
  return {
    hosts: t.hosts
      .filter((h) => hostNames.has(h.name))
      .map(({ dpid: _dpid, ...h }) => ({ ...h, address: "" })),
    switches,
    tunnels: t.tunnels.filter((x) => hostNames.has(x.fromHost) && hostNames.has(x.toHost)).map((x) => ({ ...x, remoteIp: "" })),
    vms,
    networks: t.networks.filter((n) => n.tenant === a.tenant),
  };
}

/** Port numbers of one switch that the audience may see counters for (undefined: all). */
export function visiblePorts(t: Topology, dpid: string, a: Audience): Set<number> | undefined {
  if (a.role === "admin") return undefined;
  const sw = t.switches.find((s) => s.dpid === dpid);
  return new Set((sw?.ports ?? []).filter((p) => p.tenant === a.tenant).map((p) => p.portNo));
}

export function filterFlows(flows: readonly FlowLive[], a: Audience): FlowLive[] {
  return a.role === "admin" ? [...flows] : flows.filter((f) => f.tenant === a.tenant);
}

/** `tenantOfFlow` answers for ids of the switch's current *and* just-removed flows. */
export function filterFlowDiff(d: FlowDiff, a: Audience, tenantOfFlow: (id: number) => string | undefined): FlowDiff {
  if (a.role === "admin") return d;
  const mine = (id: number) => tenantOfFlow(id) === a.tenant;
  return {
    dpid: d.dpid,
    at: d.at,
    added: d.added.filter((f) => f.tenant === a.tenant),
    removed: d.removed.filter(mine),
    counters: d.counters.filter((row) => mine(row[0])),
  };
}

export function filterPorts(ports: readonly PortRate[], visible: Set<number> | undefined): PortRate[] {
  return visible ? ports.filter((p) => visible.has(p.portNo)) : [...ports];
}

export function filterPortDiff(d: PortDiff, visible: Set<number> | undefined): PortDiff {
  return visible ? { ...d, ports: d.ports.filter((p) => visible.has(p.portNo)) } : d;
}

export function filterSnapshot(s: LiveSnapshot, a: Audience): LiveSnapshot {
  if (a.role === "admin") return s;
  const topology = filterTopology(s.topology, a);
  const dpids = new Set(topology.switches.map((x) => x.dpid));
  const flows: LiveSnapshot["flows"] = {};
  const ports: LiveSnapshot["ports"] = {};
  for (const [dpid, list] of Object.entries(s.flows)) if (dpids.has(dpid)) flows[dpid] = filterFlows(list, a);
  for (const [dpid, list] of Object.entries(s.ports)) {
    if (dpids.has(dpid)) ports[dpid] = filterPorts(list, visiblePorts(s.topology, dpid, a));
  }
  return { topology, flows, ports, at: s.at };
}
