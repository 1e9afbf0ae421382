// The live view: the single place where observed events arrive (LiveEvents) and from which
// listeners (the socket.io bridge, /metrics, the REST routes) read state and diffs. It holds state
// and delegates every decision to the pure functions of diff.ts.
import {
  diffTopology,
  emptyFlowTable,
  emptyPortTable,
  emptyTopology,
  isEmptyFlowDiff,
  isEmptyTopologyDiff,
  sortedFlows,
  updateFlowTable,
  updatePortTable,
  type FlowTable,
  type PortTable,
} from "./diff";
import type {
  Dpid,
  FlowDiff,
  FlowLive,
  FlowOwner,
  GroupLive,
  HostLive,
  HostStatus,
  LiveEvents,
  LiveSnapshot,
  ObservedFlow,
  ObservedPortStats,
  PortDiff,
  PortRate,
  Topology,
  TopologyDiff,
} from "./types";

export type LiveMessage =
  | { kind: "topology"; before: Topology; after: Topology; diff: TopologyDiff }
  | { kind: "flows"; diff: FlowDiff; tenantOfFlow: (id: number) => string | undefined }
  | { kind: "ports"; diff: PortDiff };

export type LiveListener = (message: LiveMessage) => void;

export interface LiveViewOptions {
  /** Decodes a flow cookie into its owner (the pipeline's cookie scheme); default: unknown. */
  flowOwner?: (cookie: bigint) => FlowOwner;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

const NO_STATUS: HostStatus = { ovsdbConnected: false, openflowConnected: false, libvirtReachable: false };

export class LiveView implements LiveEvents {
  private topology: Topology = emptyTopology();
  private readonly hostStatuses = new Map<string, HostStatus>();
  private readonly flowTables = new Map<Dpid, FlowTable>();
  private readonly portTables = new Map<Dpid, PortTable>();
  private readonly groupTables = new Map<Dpid, GroupLive[]>();
  private readonly listeners = new Set<LiveListener>();
  private readonly packetInTotals = new Map<Dpid, number>();
  private leases = 0;
  private readonly flowOwner: (cookie: bigint) => FlowOwner;
  private readonly now: () => number;

  constructor(options: LiveViewOptions = {}) {
    this.flowOwner = options.flowOwner ?? (() => ({}));
    this.now = options.now ?? Date.now;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- events in ----

  topologyChanged(change: Partial<Topology>): void {
    const next: Topology = { ...this.topology, ...change };
    if (change.hosts) next.hosts = change.hosts.map((h) => withStatus(h, this.statusOf(h.name)));
    this.replaceTopology(next);
  }

  hostStatus(name: string, status: Partial<HostStatus>): void {
    const merged = { ...this.statusOf(name), ...status };
    if (merged.dpid === undefined) delete merged.dpid;
    this.hostStatuses.set(name, merged);
    const hosts = this.topology.hosts.map((h) => (h.name === name ? withStatus(h, merged) : h));
    this.replaceTopology({ ...this.topology, hosts });
  }

  flowsChanged(dpid: Dpid, flows: ObservedFlow[], now = this.now()): void {
    const prev = this.flowTables.get(dpid) ?? emptyFlowTable();
    const { table, diff } = updateFlowTable(prev, dpid, flows, now, this.flowOwner);
    this.flowTables.set(dpid, table);
    if (isEmptyFlowDiff(diff)) return;
    // Removed ids are looked up in the previous table, current ones in the new table.
    let owners: Map<number, string | undefined> | undefined;
    const tenantOfFlow = (id: number) => {
      owners ??= tenantsById(prev, table);
      return owners.get(id);
    };
    this.emit({ kind: "flows", diff, tenantOfFlow });
  }

  groupsChanged(dpid: Dpid, groups: GroupLive[]): void {
    this.groupTables.set(dpid, [...groups].sort((a, b) => a.groupId - b.groupId));
  }

  portStats(dpid: Dpid, stats: ObservedPortStats[], now = this.now()): void {
    const { table, diff } = updatePortTable(this.portTables.get(dpid) ?? emptyPortTable(), dpid, stats, now);
    this.portTables.set(dpid, table);
    this.emit({ kind: "ports", diff });
  }

  switchGone(dpid: Dpid): void {
    const table = this.flowTables.get(dpid);
    if (table && table.byKey.size > 0) this.flowsChanged(dpid, []);
    this.flowTables.delete(dpid);
    this.portTables.delete(dpid);
    this.groupTables.delete(dpid);
    const switches = this.topology.switches.map((s) => (s.dpid === dpid ? { ...s, connected: false } : s));
    this.replaceTopology({ ...this.topology, switches });
  }

  packetIns(dpid: Dpid, count: number): void {
    if (!Number.isFinite(count) || count < 0) return;
    this.packetInTotals.set(dpid, (this.packetInTotals.get(dpid) ?? 0) + count);
  }

  dhcpLeases(count: number): void {
    if (Number.isFinite(count) && count >= 0) this.leases = count;
  }

  // ---- state out ----

  snapshot(): LiveSnapshot {
    const flows: LiveSnapshot["flows"] = {};
    const ports: LiveSnapshot["ports"] = {};
    for (const [dpid, t] of this.flowTables) flows[dpid] = sortedFlows(t);
    for (const [dpid, t] of this.portTables) ports[dpid] = [...t.byPort.values()];
    return { topology: this.topology, flows, ports, at: this.now() };
  }

  currentTopology(): Topology {
    return this.topology;
  }

  flows(dpid: Dpid): FlowLive[] | undefined {
    const t = this.flowTables.get(dpid);
    return t ? sortedFlows(t) : undefined;
  }

  groups(dpid: Dpid): GroupLive[] | undefined {
    return this.groupTables.get(dpid);
  }

  ports(dpid: Dpid): PortRate[] | undefined {
    const t = this.portTables.get(dpid);
    return t ? [...t.byPort.values()] : undefined;
  }

  /** Numbers for /metrics. */
  metrics(): { switchesConnected: number; flowsPerSwitch: Map<Dpid, number>; packetIns: Map<Dpid, number>; dhcpLeases: number } {
    const flowsPerSwitch = new Map<Dpid, number>();
    for (const [dpid, t] of this.flowTables) flowsPerSwitch.set(dpid, t.byKey.size);
    return {
      switchesConnected: this.topology.switches.filter((s) => s.connected).length,
      flowsPerSwitch,
      packetIns: new Map(this.packetInTotals),
      dhcpLeases: this.leases,
    };
  }

  private statusOf(name: string): HostStatus {
    return this.hostStatuses.get(name) ?? NO_STATUS;
  }

  private replaceTopology(next: Topology): void {
    const before = this.topology;
    const diff = diffTopology(before, next);
    this.topology = next;
    if (!isEmptyTopologyDiff(diff)) this.emit({ kind: "topology", before, after: this.topology, diff });
  }

  private emit(message: LiveMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch {
        // A failing listener (a closed socket, a bug in one consumer) must not stop the others
        // or the producer that called us.
      }
    }
  }
}

function withStatus(host: HostLive, status: HostStatus): HostLive {
  const { dpid: _stale, ...rest } = host;
  return { ...rest, ...status };
}

/** Built once per diff, and only when a tenant audience asks (admins need no lookup). */
function tenantsById(...tables: FlowTable[]): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  for (const t of tables) for (const f of t.byKey.values()) out.set(f.id, f.tenant);
  return out;
}
