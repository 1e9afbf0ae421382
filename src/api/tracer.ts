// The "why" view: how a packet from one VM to another crosses the pipeline. The pipeline owns
// the semantics (tables, cookies, simulated switch); `vnet serve` hands the app a Tracer built on
// it. Without one, the trace route answers `trace_unavailable`.
//
// The answer's shape is the wire contract (the route's response schema, see wire-types.ts): the
// pipeline's own trace (src/pipeline/trace.ts: PathTrace) is mapped onto it in
// pipeline-tracer.ts, where the compiler checks that the two agree.
import type { TraceBodyT } from "./schemas";
import type { TraceResult } from "./wire-types";

export type { TraceResult, TraceStep } from "./wire-types";

export interface TraceRequest {
  fromVm: string;
  toVm: string;
  protocol: NonNullable<TraceBodyT["protocol"]>;
  dstPort?: number;
}

export interface Tracer {
  trace(request: TraceRequest): Promise<TraceResult>;
}
