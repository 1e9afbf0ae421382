// The "why" view: how a packet from one VM to another crosses the pipeline. The pipeline owns
// the semantics (tables, cookies, simulated switch); `vnet serve` hands the app a Tracer built on
// it. Without one, the trace route answers `trace_unavailable`.
export interface TraceRequest {
  fromVm: string;
  toVm: string;
  protocol: "icmp" | "tcp" | "udp" | "arp";
  dstPort?: number;
}

export interface TraceStep {
  host: string;
  table: string;
  tableId: number;
  priority: number;
  match: string;
  actions: string;
  /** Why this flow exists, decoded from its cookie (port, network, host wiring). */
  owner?: string;
}

export interface TraceResult {
  steps: TraceStep[];
  /** e.g. "delivered to web2 on hv2 port 3", "dropped in port_security". */
  verdict: string;
  delivered: boolean;
}

export interface Tracer {
  trace(request: TraceRequest): Promise<TraceResult>;
}
