// The live view's data: what the dashboard and the API show as *observed* state (switches, ports,
// flows with counters, tunnels, host connectivity), next to the inventory's desired state.
//
// Everything here is plain JSON (numbers, strings, arrays) because it goes over socket.io as is.
// 64-bit OpenFlow counters arrive as bigint and are converted once, at the edge (see view.ts):
// a double holds 2^53 packets exactly, which at 10 Mpps is 28 years.

/** Datapath ids travel as 16 lower-case hex digits, the form ovs-ofctl prints. */
export type Dpid = string;

/** What the controller and the OVSDB client observe about a host's connections. */
export interface HostStatus {
  ovsdbConnected: boolean;
  openflowConnected: boolean;
  /** Present once the host's switch completed the OpenFlow handshake. */
  dpid?: Dpid;
  libvirtReachable: boolean;
}

/** A registered host (from the inventory) merged with its observed status. */
export interface HostLive extends HostStatus {
  name: string;
  backend: string;
  address: string;
}

export interface SwitchPortLive {
  portNo: number;
  name: string;
  hwAddr: string;
  up: boolean;
  /** Which VM NIC or tunnel this port belongs to, when the realiser knows. */
  vm?: string;
  tenant?: string;
  tunnel?: string;
}

export interface SwitchLive {
  dpid: Dpid;
  host: string;
  name: string;
  connected: boolean;
  ports: SwitchPortLive[];
}

export interface TunnelLive {
  /** Stable id, e.g. "hostA->hostB". */
  id: string;
  fromHost: string;
  toHost: string;
  kind: "vxlan" | "geneve";
  remoteIp: string;
  up: boolean;
}

export interface VmNicLive {
  network: string;
  mac: string;
  ip?: string;
  /** For netns VMs, the namespace holding the NIC. */
  netns?: string;
  portNo?: number;
}

export interface VmLive {
  id: string;
  name: string;
  tenant: string;
  host: string;
  state: string;
  nics: VmNicLive[];
}

export interface NetworkLive {
  id: string;
  name: string;
  tenant: string;
  subnet: string;
}

/** The topology: every collection keyed by its id field (`name`, `dpid` or `id`). */
export interface Topology {
  hosts: HostLive[];
  switches: SwitchLive[];
  tunnels: TunnelLive[];
  vms: VmLive[];
  networks: NetworkLive[];
}
export type TopologyKind = keyof Topology;

/** A flow as the live view keeps it: its identity, its text form, its counters and rates. */
export interface FlowLive {
  /** Small integer, unique within one switch for the life of the process; diffs refer to it. */
  id: number;
  tableId: number;
  priority: number;
  cookie: string;
  /** Match and actions in ovs-ofctl syntax (without counters). */
  match: string;
  actions: string;
  /** Owner decoded from the cookie, when known; flows without a tenant are visible to admins only. */
  tenant?: string;
  vm?: string;
  network?: string;
  packets: number;
  bytes: number;
  /** Rates over the last interval, per second. */
  pps: number;
  bps: number;
}

export interface PortRate {
  portNo: number;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  /** Bytes per second over the last interval. */
  rxBps: number;
  txBps: number;
}

/** What a client receives first: the full state it may see. */
export interface LiveSnapshot {
  topology: Topology;
  flows: Record<Dpid, FlowLive[]>;
  ports: Record<Dpid, PortRate[]>;
  at: number;
}

/** Upserts and removals of one topology collection. */
export interface CollectionDiff<T> {
  upsert: T[];
  remove: string[];
}
export type TopologyDiff = { [K in TopologyKind]?: CollectionDiff<Topology[K][number]> };

/**
 * A flow-table diff for one switch. `counters` rows are [id, packets, bytes, pps, bps]: the
 * common case (10,000 flows whose counters move every second) costs five numbers per flow.
 */
export interface FlowDiff {
  dpid: Dpid;
  at: number;
  added: FlowLive[];
  removed: number[];
  counters: Array<[number, number, number, number, number]>;
}

/** What the socket sends for counters: flow counter rows and port rates, several switches at once. */
export interface CountersBatch {
  flows: Array<{ dpid: Dpid; at: number; rows: Array<[number, number, number, number, number]> }>;
  ports: PortDiff[];
}

export interface PortDiff {
  dpid: Dpid;
  at: number;
  ports: PortRate[];
}

/** A group as the switch reports it (GROUP_DESC + GROUP_STATS), buckets in ovs-ofctl text. */
export interface GroupLive {
  groupId: number;
  type: string;
  buckets: string;
  packets: number;
  bytes: number;
}

/** A switch's observed flow as the controller reports it (FLOW_STATS), before text formatting. */
export interface ObservedFlow {
  tableId: number;
  priority: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  /** ovs-ofctl text of the match and of the instructions, already formatted by the caller. */
  match: string;
  actions: string;
}

export interface ObservedPortStats {
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
}

/** Who a flow belongs to, decoded from its cookie by the pipeline's cookie scheme. */
export interface FlowOwner {
  tenant?: string;
  vm?: string;
  network?: string;
}

/**
 * The one place where observed domain events arrive. The controller, the OVSDB replica, the
 * realisers and the inventory call these; the socket.io bridge and the API read the view.
 */
export interface LiveEvents {
  /** Replace whole collections of the topology (omitted collections stay as they are). */
  topologyChanged(change: Partial<Topology>): void;
  /** The full current flow table of one switch, with counters, as of `now` (ms). */
  flowsChanged(dpid: Dpid, flows: ObservedFlow[], now?: number): void;
  /** The full group table of one switch. */
  groupsChanged(dpid: Dpid, groups: GroupLive[]): void;
  /** Port counters of one switch as of `now` (ms). */
  portStats(dpid: Dpid, stats: ObservedPortStats[], now?: number): void;
  /** A host's connectivity changed (merged into the inventory's host record). */
  hostStatus(name: string, status: Partial<HostStatus>): void;
  /** A switch went away: its flows and port counters are dropped. */
  switchGone(dpid: Dpid): void;
  /** Counters for /metrics. */
  packetIns(dpid: Dpid, count: number): void;
  dhcpLeases(count: number): void;
}
