// The simulated switch is the judge of every pipeline test: here it is checked that it is strict
// where it claims to be, and that it follows the spec's add/modify/delete semantics.
import { describe, expect, it } from "vitest";
import { OFPFC, OFPFF, OFPG, OFPGC, OFPGT, OFPP, OFPTT, type FlowMod, type GroupMod, type Instruction, type Match } from "../../../openflow/index";
import { encodeFrame, icmpEchoFrame, parseFrame } from "../../../src/packet";
import { SimError, SimSwitch } from "../../support/sim-switch";

function fm(over: Partial<FlowMod> & { match: Match; instructions?: Instruction[] }): FlowMod {
  return {
    type: "flow_mod", xid: 0, cookie: 0n, cookieMask: 0n, tableId: 0, command: OFPFC.ADD, idleTimeout: 0, hardTimeout: 0,
    priority: 100, bufferId: 0xffffffff, outPort: OFPP.ANY, outGroup: OFPG.ANY, flags: 0, instructions: [], ...over,
  };
}
const out = (port: number): Instruction => ({ type: "apply_actions", actions: [{ type: "output", port }] });
function gm(over: Partial<GroupMod>): GroupMod {
  return { type: "group_mod", xid: 0, command: OFPGC.ADD, groupType: OFPGT.ALL, groupId: 1, buckets: [], ...over };
}
const bucket = (port: number) => ({ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output" as const, port }] });
const ping = encodeFrame(icmpEchoFrame({ srcMac: "02:00:00:00:00:01", dstMac: "02:00:00:00:00:02", srcIp: "192.0.2.1", dstIp: "192.0.2.2" }));

describe("simulated switch: strictness", () => {
  it("refuses overlapping flows of equal priority, accepts disjoint ones and identical replacements", () => {
    const sw = new SimSwitch("s");
    sw.send(fm({ match: { in_port: 1 }, instructions: [out(2)] }));
    sw.send(fm({ match: { in_port: 2 }, instructions: [out(1)] }));
    sw.send(fm({ match: { in_port: 1 }, instructions: [out(3)] })); // identical match: replaces
    expect(sw.flowCount()).toBe(2);
    expect(() => sw.send(fm({ match: { eth_type: 0x0800 } }))).toThrow(SimError);
    expect(() => sw.send(fm({ match: { eth_type: 0x0800 } }))).toThrow(/overlaps/);
    sw.send(fm({ priority: 50, match: { eth_type: 0x0800 } })); // another priority is fine
  });

  it("refuses gotos that do not move forward, missing groups, missing prerequisites, looping groups", () => {
    const sw = new SimSwitch("s");
    expect(() => sw.send(fm({ tableId: 10, match: {}, instructions: [{ type: "goto_table", tableId: 10 }] }))).toThrow(/not after its own/);
    expect(() => sw.send(fm({ match: {}, instructions: [{ type: "apply_actions", actions: [{ type: "group", groupId: 9 }] }] }))).toThrow(/does not exist/);
    expect(() => sw.send(fm({ match: { ipv4_src: "192.0.2.1" } }))).toThrow(/requires eth_type/);
    sw.send(gm({ groupId: 1, buckets: [bucket(1)] }));
    sw.send(gm({ groupId: 2, buckets: [{ ...bucket(1), actions: [{ type: "group", groupId: 1 }] }] }));
    expect(() => sw.send(gm({ command: OFPGC.MODIFY, groupId: 1, buckets: [{ ...bucket(1), actions: [{ type: "group", groupId: 2 }] }] }))).toThrow(/loop/);
    expect(() => sw.send(gm({ groupId: 1 }))).toThrow(/already exists/);
    expect(() => sw.send(gm({ command: OFPGC.DELETE, groupId: 1 }))).toThrow(/still used by group 2/);
    expect(() => sw.send(fm({ match: {}, instructions: [out(OFPP.NORMAL)] }))).toThrow(/reserved port/);
  });
});

describe("simulated switch: semantics", () => {
  it("MODIFY_STRICT keeps counters, ADD over a flow resets them, DELETE_STRICT needs the exact match", () => {
    const sw = new SimSwitch("s");
    sw.send(fm({ match: { in_port: 1 }, instructions: [out(2)], cookie: 5n }));
    sw.process(1, ping);
    sw.send(fm({ command: OFPFC.MODIFY_STRICT, match: { in_port: 1 }, instructions: [out(3)] }));
    expect(sw.packetCount(() => true)).toBe(1n);
    expect(sw.process(1, ping).outputs.map((o) => o.port)).toEqual([3]);
    expect(sw.flowStats()[0]!.cookie).toBe(5n); // modify does not touch the cookie
    sw.send(fm({ command: OFPFC.MODIFY_STRICT, flags: OFPFF.RESET_COUNTS, match: { in_port: 1 }, instructions: [out(3)] }));
    expect(sw.packetCount(() => true)).toBe(0n);
    sw.send(fm({ command: OFPFC.DELETE_STRICT, match: { in_port: 1, eth_type: 0x0800 } }));
    expect(sw.flowCount()).toBe(1);
    sw.send(fm({ command: OFPFC.DELETE_STRICT, priority: 99, match: { in_port: 1 } }));
    expect(sw.flowCount()).toBe(1);
    sw.send(fm({ command: OFPFC.DELETE_STRICT, match: { in_port: 1 } }));
    expect(sw.flowCount()).toBe(0);
  });

  it("non-strict DELETE removes every flow the match covers, filtered by cookie and table", () => {
    const sw = new SimSwitch("s");
    sw.send(fm({ match: { in_port: 1, eth_type: 0x0800 }, cookie: 1n }));
    sw.send(fm({ match: { in_port: 1, eth_type: 0x0806 }, cookie: 2n }));
    sw.send(fm({ match: { in_port: 2 }, cookie: 1n }));
    sw.send(fm({ tableId: 5, match: { in_port: 1 }, cookie: 1n }));
    sw.send(fm({ command: OFPFC.DELETE, tableId: OFPTT.ALL, match: { in_port: 1 }, cookie: 1n, cookieMask: 0xffn }));
    expect(sw.flowStats().map((f) => [f.tableId, f.cookie])).toEqual([[0, 2n], [0, 1n]]);
  });

  it("deleting a group deletes the flows that use it; output to the ingress port needs IN_PORT", () => {
    const sw = new SimSwitch("s");
    sw.send(gm({ groupId: 7, buckets: [bucket(1), bucket(2), bucket(3)] }));
    sw.send(fm({ match: { in_port: 1 }, instructions: [{ type: "apply_actions", actions: [{ type: "group", groupId: 7 }] }] }));
    expect(sw.process(1, ping).outputs.map((o) => o.port)).toEqual([2, 3]);
    sw.send(fm({ match: { in_port: 2 }, instructions: [out(OFPP.IN_PORT)] }));
    expect(sw.process(2, ping).outputs.map((o) => o.port)).toEqual([2]);
    sw.send(gm({ command: OFPGC.DELETE, groupId: 7 }));
    expect(sw.flowCount()).toBe(1);
  });

  it("follows metadata, registers, VLAN push/pop and set_field, and reports to the controller", () => {
    const sw = new SimSwitch("s");
    sw.send(fm({ match: { in_port: 1 }, instructions: [{ type: "apply_actions", actions: [{ type: "set_field", field: "reg3", value: 42 }] }, { type: "write_metadata", metadata: 0x10n, mask: 0xf0n }, { type: "goto_table", tableId: 1 }] }));
    sw.send(fm({ tableId: 1, match: { metadata: { value: 0x10n, mask: 0xf0n }, reg3: 42 }, instructions: [{ type: "apply_actions", actions: [
      { type: "push_vlan", ethertype: 0x8100 }, { type: "set_field", field: "vlan_vid", value: 0x1000 | 7 }, { type: "set_field", field: "eth_dst", value: "02:00:00:00:00:99" }, { type: "output", port: 5 },
      { type: "pop_vlan" }, { type: "output", port: OFPP.CONTROLLER, maxLen: 0xffff },
    ] }] }));
    const r = sw.process(1, ping);
    const tagged = parseFrame(r.outputs[0]!.frame);
    expect(tagged.vlan).toEqual({ vid: 7, pcp: 0 });
    expect(tagged.dst).toBe("02:00:00:00:00:99");
    expect(r.packetIns).toHaveLength(1);
    expect(parseFrame(r.packetIns[0]!.frame).vlan).toBeUndefined();
    expect(sw.process(2, ping).outputs).toEqual([]); // table miss: dropped
  });
});
