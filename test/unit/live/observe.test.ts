import { describe, expect, it } from "vitest";
import { OFPGT, OFPP, type FlowStats } from "../../../openflow/index";
import { groupLive, observedFlow } from "../../../src/live/observe";
import { flowText } from "../../../src/live/text";
import { emptyFlowTable, updateFlowTable } from "../../../src/live/diff";

const stats: FlowStats = {
  tableId: 10,
  durationSec: 3,
  durationNsec: 0,
  priority: 200,
  idleTimeout: 0,
  hardTimeout: 0,
  flags: 0,
  cookie: 0x7601000000000001n,
  packetCount: 42n,
  byteCount: 4200n,
  match: { in_port: 1, eth_src: "02:00:00:00:00:01" },
  instructions: [{ type: "apply_actions", actions: [{ type: "output", port: 2 }] }, { type: "goto_table", tableId: 20 }],
};

describe("observedFlow", () => {
  it("prints FLOW_STATS the way ovs-ofctl dump-flows does, counters kept exact", () => {
    const o = observedFlow(stats);
    expect(o.match).toBe("in_port=1,dl_src=02:00:00:00:00:01");
    expect(o.actions).toBe("output:2,goto_table:20");
    const { diff } = updateFlowTable(emptyFlowTable(), "1", [o], 0);
    expect(flowText(diff.added[0]!)).toBe("cookie=0x7601000000000001, table=10, n_packets=42, n_bytes=4200, priority=200,in_port=1,dl_src=02:00:00:00:00:01 actions=output:2,goto_table:20");
  });

  it("prints a flow without instructions as drop", () => {
    expect(observedFlow({ ...stats, instructions: [] }).actions).toBe("drop");
  });
});

describe("groupLive", () => {
  it("lists buckets with their actions and takes counters from GROUP_STATS", () => {
    const g = groupLive(
      { groupType: OFPGT.ALL, groupId: 7, buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: 0xffffffff, actions: [{ type: "output", port: 3 }] }, { weight: 0, watchPort: OFPP.ANY, watchGroup: 0xffffffff, actions: [] }] },
      { groupId: 7, refCount: 1, packetCount: 5n, byteCount: 500n, durationSec: 1, durationNsec: 0, buckets: [] },
    );
    expect(g).toEqual({ groupId: 7, type: "all", buckets: "bucket=actions=output:3,bucket=actions=drop", packets: 5, bytes: 500 });
  });
});
