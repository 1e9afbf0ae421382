// What the controller's multipart replies become in the live view: FLOW_STATS, PORT_STATS and
// GROUP_DESC/GROUP_STATS bodies (openflow/types) turned into the view's observed records, with
// matches and actions in ovs-ofctl text (the codec's own formatter). Pure.
import {
  OFPGT,
  formatAction,
  formatInstructions,
  formatMatch,
  type FlowStats,
  type GroupDesc,
  type GroupStats,
  type PortStats,
} from "../../openflow/index";
import type { GroupLive, ObservedFlow, ObservedPortStats } from "./types";

export function observedFlow(f: FlowStats): ObservedFlow {
  return {
    tableId: f.tableId,
    priority: f.priority,
    cookie: f.cookie,
    packetCount: f.packetCount,
    byteCount: f.byteCount,
    match: formatMatch(f.match),
    actions: formatInstructions(f.instructions),
  };
}

export function observedPortStats(p: PortStats): ObservedPortStats {
  return { portNo: p.portNo, rxPackets: p.rxPackets, txPackets: p.txPackets, rxBytes: p.rxBytes, txBytes: p.txBytes };
}

const GROUP_TYPE_NAMES: Record<number, string> = {
  [OFPGT.ALL]: "all",
  [OFPGT.SELECT]: "select",
  [OFPGT.INDIRECT]: "indirect",
  [OFPGT.FF]: "fast_failover",
};

/** A group as `ovs-ofctl dump-groups` lists its buckets, with the counters of GROUP_STATS. */
export function groupLive(desc: GroupDesc, stats?: GroupStats): GroupLive {
  const buckets = desc.buckets.map((b) => `bucket=actions=${b.actions.map(formatAction).join(",") || "drop"}`).join(",");
  return {
    groupId: desc.groupId,
    type: GROUP_TYPE_NAMES[desc.groupType] ?? String(desc.groupType),
    buckets,
    packets: Number(stats?.packetCount ?? 0n),
    bytes: Number(stats?.byteCount ?? 0n),
  };
}
