// Pure functions that turn one state of the live view into the next and say what changed.
// The view (view.ts) holds the state and calls these; the socket.io bridge only forwards results.
import type {
  CollectionDiff,
  Dpid,
  FlowDiff,
  FlowLive,
  FlowOwner,
  ObservedFlow,
  ObservedPortStats,
  PortDiff,
  PortRate,
  Topology,
  TopologyDiff,
  TopologyKind,
} from "./types";

export const TOPOLOGY_KINDS: readonly TopologyKind[] = ["hosts", "switches", "tunnels", "vms", "networks"];

/** The field that identifies an item of each topology collection. */
export function topologyKey(kind: TopologyKind, item: Topology[TopologyKind][number]): string {
  switch (kind) {
    case "hosts":
      return (item as Topology["hosts"][number]).name;
    case "switches":
      return (item as Topology["switches"][number]).dpid;
    default:
      return (item as { id: string }).id;
  }
}

export function emptyTopology(): Topology {
  return { hosts: [], switches: [], tunnels: [], vms: [], networks: [] };
}

/** Upserts for new or changed items (compared by value), removals for keys that disappeared. */
export function diffCollection<T>(prev: readonly T[], next: readonly T[], key: (item: T) => string): CollectionDiff<T> {
  const before = new Map(prev.map((item) => [key(item), JSON.stringify(item)]));
  const upsert: T[] = [];
  const seen = new Set<string>();
  for (const item of next) {
    const k = key(item);
    seen.add(k);
    if (before.get(k) !== JSON.stringify(item)) upsert.push(item);
  }
  const remove = [...before.keys()].filter((k) => !seen.has(k));
  return { upsert, remove };
}

export function diffTopology(prev: Topology, next: Topology): TopologyDiff {
  const out: TopologyDiff = {};
  for (const kind of TOPOLOGY_KINDS) {
    const d = diffCollection<Topology[typeof kind][number]>(prev[kind], next[kind], (i) => topologyKey(kind, i));
    if (d.upsert.length || d.remove.length) (out as Record<string, unknown>)[kind] = d;
  }
  return out;
}

export function isEmptyTopologyDiff(diff: TopologyDiff): boolean {
  return Object.keys(diff).length === 0;
}

/** Applies a diff (what a client does); used by tests to prove snapshot + diffs = state. */
export function applyTopologyDiff(topology: Topology, diff: TopologyDiff): Topology {
  const out = { ...topology };
  for (const kind of TOPOLOGY_KINDS) {
    const d = diff[kind] as CollectionDiff<Topology[typeof kind][number]> | undefined;
    if (!d) continue;
    const byKey = new Map(topology[kind].map((i) => [topologyKey(kind, i), i] as const));
    for (const k of d.remove) byKey.delete(k);
    for (const item of d.upsert) byKey.set(topologyKey(kind, item), item);
    (out as Record<string, unknown>)[kind] = [...byKey.values()];
  }
  return out;
}

/** The live flow table of one switch: flows by identity, and the next id to hand out. */
export interface FlowTable {
  byKey: Map<string, FlowLive>;
  /** The raw cookies, so that an unchanged flow costs no bigint-to-string conversion. */
  cookies: Map<string, bigint>;
  at: number;
  nextId: number;
}

export function emptyFlowTable(): FlowTable {
  return { byKey: new Map(), cookies: new Map(), at: 0, nextId: 1 };
}

// OpenFlow identifies a flow by table, priority and match; a changed action or cookie under the
// same identity is reported as remove + add so that clients never patch text in place.
function flowKey(f: { tableId: number; priority: number; match: string }): string {
  return `${f.tableId}|${f.priority}|${f.match}`;
}

/** Rate per second between two counter readings; a counter that went backwards restarted: 0. */
export function ratePerSecond(prev: number, next: number, dtMs: number): number {
  if (dtMs <= 0 || next < prev) return 0;
  return Math.round(((next - prev) * 1000) / dtMs);
}

/**
 * Folds a switch's full flow dump into its table. Returns the new table (the old one is not
 * modified) and the diff a client needs: new flows in full, ids of gone flows, and counter rows
 * for flows whose counters moved.
 */
export function updateFlowTable(
  prev: FlowTable,
  dpid: Dpid,
  observed: readonly ObservedFlow[],
  now: number,
  ownerOf: (cookie: bigint) => FlowOwner = () => ({}),
): { table: FlowTable; diff: FlowDiff } {
  const byKey = new Map<string, FlowLive>();
  const cookies = new Map<string, bigint>();
  const diff: FlowDiff = { dpid, at: now, added: [], removed: [], counters: [] };
  let nextId = prev.nextId;
  const dt = now - prev.at;
  for (const o of observed) {
    const key = flowKey(o);
    if (byKey.has(key)) continue; // a switch never reports one identity twice; ignore if it does
    const packets = Number(o.packetCount);
    const bytes = Number(o.byteCount);
    const old = prev.byKey.get(key);
    cookies.set(key, o.cookie);
    if (old && old.actions === o.actions && prev.cookies.get(key) === o.cookie) {
      const moved = old.packets !== packets || old.bytes !== bytes;
      const pps = moved ? ratePerSecond(old.packets, packets, dt) : 0;
      const bps = moved ? ratePerSecond(old.bytes, bytes, dt) : 0;
      const flow = moved || old.pps !== pps || old.bps !== bps ? { ...old, packets, bytes, pps, bps } : old;
      if (flow !== old) diff.counters.push([flow.id, packets, bytes, pps, bps]);
      byKey.set(key, flow);
    } else {
      const flow: FlowLive = {
        id: nextId++,
        tableId: o.tableId,
        priority: o.priority,
        cookie: `0x${o.cookie.toString(16)}`,
        match: o.match,
        actions: o.actions,
        ...definedOnly(ownerOf(o.cookie)),
        packets,
        bytes,
        pps: 0,
        bps: 0,
      };
      diff.added.push(flow);
      byKey.set(key, flow);
    }
  }
  for (const [key, old] of prev.byKey) {
    const now_ = byKey.get(key);
    if (!now_ || now_.id !== old.id) diff.removed.push(old.id);
  }
  return { table: { byKey, cookies, at: now, nextId }, diff };
}

export function isEmptyFlowDiff(d: FlowDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.counters.length === 0;
}

/** Flows ordered as ovs-ofctl prints them: by table, then priority high to low. */
export function sortedFlows(table: FlowTable): FlowLive[] {
  return [...table.byKey.values()].sort((a, b) => a.tableId - b.tableId || b.priority - a.priority || a.id - b.id);
}

/** Applies a flow diff to a client's list (what the dashboard does). */
export function applyFlowDiff(flows: readonly FlowLive[], diff: FlowDiff): FlowLive[] {
  const byId = new Map(flows.map((f) => [f.id, f]));
  for (const id of diff.removed) byId.delete(id);
  for (const f of diff.added) byId.set(f.id, f);
  for (const [id, packets, bytes, pps, bps] of diff.counters) {
    const f = byId.get(id);
    if (f) byId.set(id, { ...f, packets, bytes, pps, bps });
  }
  return [...byId.values()];
}

export interface PortTable {
  byPort: Map<number, PortRate>;
  at: number;
}

export function emptyPortTable(): PortTable {
  return { byPort: new Map(), at: 0 };
}

export function updatePortTable(
  prev: PortTable,
  dpid: Dpid,
  stats: readonly ObservedPortStats[],
  now: number,
): { table: PortTable; diff: PortDiff } {
  const byPort = new Map<number, PortRate>();
  const dt = now - prev.at;
  for (const s of stats) {
    const old = prev.byPort.get(s.portNo);
    const rxBytes = Number(s.rxBytes);
    const txBytes = Number(s.txBytes);
    byPort.set(s.portNo, {
      portNo: s.portNo,
      rxPackets: Number(s.rxPackets),
      txPackets: Number(s.txPackets),
      rxBytes,
      txBytes,
      rxBps: old ? ratePerSecond(old.rxBytes, rxBytes, dt) : 0,
      txBps: old ? ratePerSecond(old.txBytes, txBytes, dt) : 0,
    });
  }
  return { table: { byPort, at: now }, diff: { dpid, at: now, ports: [...byPort.values()] } };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
