import { describe, expect, it } from "vitest";
import { OFPFC, OFPGC, OFPGT, type FlowMod, type GroupMod } from "../../../openflow/index";
import {
  COOKIE_MARK,
  TABLES,
  asActual,
  bucket,
  canonicalMatch,
  isInSync,
  decodeCookie,
  diff,
  flow,
  goto,
  idHash,
  makeCookie,
  output,
  ownerOf,
  PipelineError,
  apply,
  groupAction,
  writeMetadata,
  type DesiredState,
} from "../../../src/pipeline";

describe("table declaration and flow checks", () => {
  it("refuses a match field the table does not declare", () => {
    expect(() => flow("classify", "port", { eth_dst: "02:00:00:00:00:01" }, [], 0n)).toThrow(PipelineError);
    expect(() => flow("classify", "port", { eth_dst: "02:00:00:00:00:01" }, [], 0n)).toThrow(/classify may not match on eth_dst/);
  });

  it("refuses a goto the table does not declare, including backwards", () => {
    expect(() => flow("l2_lookup", "flood", { metadata: 1n }, [goto("port_security")], 0n)).toThrow(/l2_lookup may not go to table port_security/);
    expect(() => flow("classify", "port", { in_port: 1 }, [goto("egress")], 0n)).toThrow(/may not go to/);
  });

  it("refuses a match without its prerequisites", () => {
    expect(() => flow("port_security", "allow", { in_port: 1, ipv4_src: "192.0.2.1" }, [], 0n)).toThrow(/ipv4_src requires eth_type/);
  });

  it("puts instructions in the order Open vSwitch requires and refuses duplicates", () => {
    const f = flow("classify", "port", { in_port: 1 }, [goto("port_security"), writeMetadata(5n, 0xffn), apply(output(2))], 0n);
    expect(f.instructions.map((i) => i.type)).toEqual(["apply_actions", "write_metadata", "goto_table"]);
    expect(() => flow("classify", "port", { in_port: 1 }, [goto("port_security"), goto("l2_lookup")], 0n)).toThrow(/two goto_table/);
  });

  it("names priorities by band, with 0 for the table miss", () => {
    expect(flow("port_security", "spoof_drop", { in_port: 3 }, [], 0n).priority).toBe(TABLES.port_security.bands.spoof_drop);
    expect(flow("egress", "miss", {}, [], 0n).priority).toBe(0);
  });
});

describe("cookies", () => {
  it("encode owner kind, role and id hash, and decode back", () => {
    const c = makeCookie("port", "spoof_drop", "vm-42");
    expect(c >> 56n).toBe(COOKIE_MARK);
    expect(decodeCookie(c)).toEqual({ kind: "port", role: "spoof_drop", idHash: idHash("vm-42") });
    expect(ownerOf(decodeCookie(c)!, [{ id: "vm-41" }, { id: "vm-42" }])).toEqual({ id: "vm-42" });
    expect(decodeCookie(makeCookie("table_miss", "guard", null))).toEqual({ kind: "table_miss", role: "guard", idHash: 0n });
  });

  it("keep every role's wire code (flows already on switches), the rogue-DHCP guard with its own", () => {
    // Bits 47..40 of cookies installed by earlier versions must still decode to the same role.
    const code = (role: Parameters<typeof makeCookie>[1]) => Number((makeCookie("port", role, "p") >> 40n) & 0xffn);
    expect(["forward", "spoof_drop", "ignore", "dhcp_to_controller", "arp_responder", "flood", "tunnel", "uplink", "guard"].map((r) => code(r as never))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(code("dhcp_server_guard")).toBe(9);
    expect(decodeCookie(makeCookie("port", "dhcp_server_guard", "vm-42"))).toEqual({ kind: "port", role: "dhcp_server_guard", idHash: idHash("vm-42") });
  });

  it("reject cookies that are not vnet's", () => {
    expect(decodeCookie(0n)).toBeNull();
    expect(decodeCookie(0x1234n)).toBeNull();
    expect(decodeCookie((COOKIE_MARK << 56n) | (99n << 48n))).toBeNull();
  });

  it("hash ids to 40 stable bits", () => {
    expect(idHash("a")).toBe(idHash("a"));
    expect(idHash("a")).not.toBe(idHash("b"));
    expect(idHash("some-long-port-identifier") < 1n << 40n).toBe(true);
  });
});

describe("diff", () => {
  const cookie = makeCookie("network", "flood", "n");
  const state = (flows: DesiredState["flows"], groups: DesiredState["groups"]): DesiredState => ({ flows, groups, problems: [] });
  const g1 = { groupId: 11, groupType: OFPGT.ALL, buckets: [bucket(output(1))], uses: [] };
  const g0 = { groupId: 10, groupType: OFPGT.ALL, buckets: [bucket(groupAction(11)), bucket(output(9))], uses: [11] };
  const floodFlow = flow("l2_lookup", "flood", { metadata: { value: 7n, mask: 0xffn } }, [apply(groupAction(10))], cookie);

  it("adds chained groups leaves first, then flows, then a barrier", () => {
    const msgs = diff(state([floodFlow], [g0, g1]), { flows: [], groups: [] });
    expect(msgs.map((m) => m.type)).toEqual(["group_mod", "group_mod", "flow_mod", "barrier_request"]);
    expect((msgs[0] as GroupMod).groupId).toBe(11);
    expect((msgs[1] as GroupMod).groupId).toBe(10);
    expect((msgs[2] as FlowMod).command).toBe(OFPFC.ADD);
  });

  it("deletes flows first (strict), and groups last, chaining groups before the groups they use", () => {
    const msgs = diff(state([], []), asActual(state([floodFlow], [g0, g1])));
    expect(msgs.map((m) => (m.type === "flow_mod" ? `flow:${m.command}` : m.type === "group_mod" ? `group:${m.command}:${m.groupId}` : m.type))).toEqual([
      `flow:${OFPFC.DELETE_STRICT}`,
      `group:${OFPGC.DELETE}:10`,
      `group:${OFPGC.DELETE}:11`,
      "barrier_request",
    ]);
    const del = msgs[0] as FlowMod;
    expect(del.priority).toBe(floodFlow.priority);
    expect(del.match).toEqual(floodFlow.match);
  });

  it("modifies in place when only instructions change (keeping counters), and replaces on a new cookie", () => {
    const changed = { ...floodFlow, instructions: [apply(groupAction(11))] };
    const mod = diff(state([changed], [g0, g1]), asActual(state([floodFlow], [g0, g1])));
    expect(mod.map((m) => (m.type === "flow_mod" ? m.command : m.type))).toEqual([OFPFC.MODIFY_STRICT, "barrier_request"]);
    const recookied = { ...floodFlow, cookie: makeCookie("network", "flood", "other") };
    const add = diff(state([recookied], [g0, g1]), asActual(state([floodFlow], [g0, g1])));
    expect(add.map((m) => (m.type === "flow_mod" ? m.command : m.type))).toEqual([OFPFC.ADD, "barrier_request"]);
  });

  it("sees no difference when the switch reorders fields or spells a full mask out", () => {
    const desired = flow("port_security", "allow", { in_port: 1, eth_src: "02:00:00:00:00:01", eth_type: 0x0800, ipv4_src: "192.0.2.5" }, [goto("l2_lookup")], cookie);
    const reported = { ...asActual(state([desired], [])).flows[0]!, match: { ipv4_src: { value: "192.0.2.5", mask: "255.255.255.255" }, eth_type: 0x0800, eth_src: "02:00:00:00:00:01", in_port: 1 } };
    expect(canonicalMatch(reported.match)).toBe(canonicalMatch(desired.match));
    expect(diff(state([desired], []), { flows: [reported], groups: [] })).toEqual([{ type: "barrier_request", xid: 0 }]);
  });

  it("keys each desired flow once and re-uses it, still comparing every fresh read of the switch in full", () => {
    const multi = flow("classify", "port", { in_port: 1 }, [apply(output(2)), writeMetadata(5n, 0xffn), goto("port_security")], cookie);
    const desired = state([multi], [g0, g1]);
    const read = () => structuredClone(asActual(desired));
    expect(isInSync(diff(desired, read()))).toBe(true);
    // The same DesiredState again (the realiser re-uses it while model and wiring hold), against
    // a read where the switch listed the instructions out of execution order: still in sync.
    const reordered = read();
    const f0 = reordered.flows[0]!;
    reordered.flows = [{ ...f0, instructions: [...f0.instructions].reverse() }];
    expect(isInSync(diff(desired, reordered))).toBe(true);
    // A read whose instructions really differ is modified, and one missing the flow gets it back.
    const drifted = read();
    drifted.flows = [{ ...drifted.flows[0]!, instructions: [apply(groupAction(11))] }];
    expect(diff(desired, drifted).map((m) => (m.type === "flow_mod" ? m.command : m.type))).toEqual([OFPFC.MODIFY_STRICT, "barrier_request"]);
    expect(diff(desired, { flows: [], groups: read().groups }).map((m) => (m.type === "flow_mod" ? m.command : m.type))).toEqual([OFPFC.ADD, "barrier_request"]);
  });

  it("modifies a group whose buckets changed", () => {
    const more = { ...g1, buckets: [bucket(output(1)), bucket(output(2))] };
    const msgs = diff(state([floodFlow], [g0, more]), asActual(state([floodFlow], [g0, g1])));
    expect(msgs.map((m) => (m.type === "group_mod" ? `${m.command}:${m.groupId}` : m.type))).toEqual([`${OFPGC.MODIFY}:11`, "barrier_request"]);
  });
});

describe("diff against what Open vSwitch reports", () => {
  it("reads OVS's NXAST_REG_MOVE with legacy NXM headers as the same move", () => {
    const desired = flow(
      "arp",
      "respond",
      { metadata: { value: 1n, mask: 0xffffffffn }, eth_type: 0x0806, arp_op: 1, arp_tpa: "192.0.2.10" },
      [apply({ type: "nx_reg_move", nBits: 48, srcOfs: 0, dstOfs: 0, src: "eth_src", dst: "eth_dst" }, { type: "nx_reg_move", nBits: 48, srcOfs: 0, dstOfs: 0, src: "arp_sha", dst: "arp_tha" }, { type: "nx_reg_move", nBits: 32, srcOfs: 0, dstOfs: 0, src: "arp_spa", dst: "arp_tpa" })],
      makeCookie("port", "arp_responder", "p"),
    );
    // Bytes as ovs-vswitchd 3.1 returned them in a flow stats reply (subtype 6, n_bits, ofs, headers).
    const ovs = (bytes: number[]) => ({ type: "experimenter" as const, experimenter: 0x2320, data: new Uint8Array(bytes) });
    const reported = {
      ...asActual({ flows: [desired], groups: [], problems: [] }).flows[0]!,
      instructions: [
        apply(
          ovs([0, 6, 0, 48, 0, 0, 0, 0, 0, 0, 4, 6, 0, 0, 2, 6]),
          ovs([0, 6, 0, 48, 0, 0, 0, 0, 0, 1, 34, 6, 0, 1, 36, 6]),
          ovs([0, 6, 0, 32, 0, 0, 0, 0, 0, 0, 32, 4, 0, 0, 34, 4]),
        ),
      ],
    };
    expect(diff({ flows: [desired], groups: [], problems: [] }, { flows: [reported], groups: [] })).toHaveLength(1);
    const wrong = { ...reported, instructions: [apply(ovs([0, 6, 0, 48, 0, 0, 0, 0, 0, 0, 2, 6, 0, 0, 4, 6]))] };
    expect(diff({ flows: [desired], groups: [], problems: [] }, { flows: [wrong], groups: [] })).toHaveLength(2);
  });
});
