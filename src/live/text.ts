// A live flow in the form `ovs-ofctl -O OpenFlow13 dump-flows` prints (minus duration), so that
// operators can paste it next to the switch's own output. Shared by the API and the dashboard.
import type { FlowLive } from "./types";

export function flowText(f: Pick<FlowLive, "cookie" | "tableId" | "packets" | "bytes" | "priority" | "match" | "actions">): string {
  const match = f.match ? `,${f.match}` : "";
  return `cookie=${f.cookie}, table=${f.tableId}, n_packets=${f.packets}, n_bytes=${f.bytes}, priority=${f.priority}${match} actions=${f.actions || "drop"}`;
}
