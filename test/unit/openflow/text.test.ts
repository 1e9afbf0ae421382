// The ovs-ofctl flow syntax: lines that a real Open vSwitch printed parse and print back to the
// same characters; parsed flows survive the wire; the parser accepts add-flow's aliases and refuses
// bad text with a clear message.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decode, encode, flowModFromText, formatAction, formatFlow, formatInstructions, formatMatch, FlowSyntaxError,
  OFPFC, OFPP, OFPTT_ALL, parseAction, parseFlow, parseInstructions, parseMatch,
} from "../../../openflow";
import type { FlowMod, FlowStats } from "../../../openflow";
import { action, instruction, match } from "./arbitraries";

const fixture = (name: string) =>
  readFileSync(join(__dirname, "../../fixtures/openflow", name), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));

describe("lines printed by ovs-ofctl dump-flows (Open vSwitch 3.1)", () => {
  for (const [file, stats] of [["dump-flows-stats.txt", true], ["dump-flows-no-stats.txt", false]] as const) {
    it(`${file}: parse then format gives the same line`, () => {
      const lines = fixture(file);
      expect(lines.length).toBeGreaterThan(40);
      for (const line of lines) expect(formatFlow(parseFlow(line), { stats })).toBe(line);
    });
  }

  it("a parsed flow goes through a FLOW_MOD and a flow-stats reply and prints the same", () => {
    for (const line of fixture("dump-flows-stats.txt")) {
      const e = parseFlow(line);
      const fm = decode(encode(flowModFromText(line))) as FlowMod;
      expect(fm.match).toEqual(e.match);
      const entry: FlowStats = {
        tableId: fm.tableId, durationSec: e.durationSec!, durationNsec: e.durationNsec!, priority: fm.priority,
        idleTimeout: fm.idleTimeout, hardTimeout: fm.hardTimeout, flags: fm.flags, cookie: fm.cookie,
        packetCount: e.packetCount!, byteCount: e.byteCount!, match: fm.match, instructions: fm.instructions,
      };
      const reply = decode(encode({ type: "multipart_reply", xid: 1, flags: 0, kind: "flow", flows: [entry] }));
      expect(formatFlow((reply as { flows: FlowStats[] }).flows[0]!)).toBe(line);
    }
  });
});

describe("parseFlow", () => {
  it("reads an add-flow line with add-flow's defaults", () => {
    const e = parseFlow("ip,nw_dst=192.0.2.1,actions=output:2");
    expect(e).toMatchObject({ tableId: 0, priority: 32768, cookie: 0n, idleTimeout: 0, hardTimeout: 0, flags: 0 });
    expect(e.match).toEqual({ eth_type: 0x0800, ipv4_dst: "192.0.2.1" });
    expect(e.instructions).toEqual([{ type: "apply_actions", actions: [{ type: "output", port: 2 }] }]);
  });

  it("accepts vnet's, ovs-ofctl's match and meta-flow names alike", () => {
    const a = parseMatch("dl_type=0x0800,nw_src=192.0.2.1,dl_dst=52:54:00:00:00:01,tun_id=0x5");
    const b = parseMatch("eth_type=0x800,ip_src=192.0.2.1,eth_dst=52:54:00:00:00:01,tunnel_id=5");
    const c = parseMatch("eth_type=2048,ipv4_src=192.0.2.1,eth_dst=52:54:00:00:00:01,tunnel_id=0x5");
    expect(a).toEqual(b);
    expect(a).toEqual(c);
  });

  it("orders fields so prerequisites come first, whatever the text's order", () => {
    expect(Object.keys(parseMatch("tp_dst=80,nw_dst=192.0.2.1,tcp,in_port=1"))).toEqual(["in_port", "eth_type", "ip_proto", "ipv4_dst", "tcp_dst"]);
  });

  it("resolves tp_src, icmp_type by the protocol in the match", () => {
    expect(parseMatch("udp,tp_src=53")).toEqual({ eth_type: 0x0800, ip_proto: 17, udp_src: 53 });
    expect(parseMatch("sctp6,tp_dst=9")).toEqual({ eth_type: 0x86dd, ip_proto: 132, sctp_dst: 9 });
    expect(parseMatch("icmp6,icmp_type=135")).toEqual({ eth_type: 0x86dd, ip_proto: 58, icmpv6_type: 135 });
    expect(parseMatch("icmp,icmp_type=8,icmp_code=0")).toEqual({ eth_type: 0x0800, ip_proto: 1, icmpv4_type: 8, icmpv4_code: 0 });
  });

  it("reads VLAN matches the way Open vSwitch writes them", () => {
    expect(parseMatch("dl_vlan=10")).toEqual({ vlan_vid: 0x100a });
    expect(parseMatch("dl_vlan=0xffff")).toEqual({ vlan_vid: 0 });
    expect(parseMatch("vlan_tci=0x0000/0x1fff")).toEqual({ vlan_vid: 0 });
    expect(parseMatch("vlan_tci=0x1000/0x1000")).toEqual({ vlan_vid: { value: 0x1000, mask: 0x1000 } });
    expect(parseMatch("dl_vlan=5,dl_vlan_pcp=3")).toEqual({ vlan_vid: 0x1005, vlan_pcp: 3 });
  });

  it("reads masks, CIDR prefixes and ct_state flags", () => {
    expect(parseMatch("ip,nw_src=192.0.2.77/24")).toEqual({ eth_type: 0x800, ipv4_src: { value: "192.0.2.0", mask: "255.255.255.0" } });
    expect(parseMatch("ipv6,ipv6_dst=2001:db8::1/32")).toEqual({ eth_type: 0x86dd, ipv6_dst: { value: "2001:db8::", mask: "ffff:ffff::" } });
    expect(parseMatch("reg3=0x10/0xf0")).toEqual({ reg3: { value: 0x10, mask: 0xf0 } });
    expect(parseMatch("ct_state=+trk-new")).toEqual({ ct_state: { value: 0x20, mask: 0x21 } });
    expect(parseMatch("ct_state=est|trk")).toEqual({ ct_state: { value: 0x22, mask: 0xff } });
  });

  it("reads add-flow action aliases", () => {
    const acts = parseInstructions("mod_dl_dst:52:54:00:00:00:02,strip_vlan,mod_vlan_vid:7,dec_ttl,normal,resubmit:3,load:5->NXM_NX_REG0[0..7]", parseMatch("tcp"));
    expect(acts).toEqual([{
      type: "apply_actions",
      actions: [
        { type: "set_field", field: "eth_dst", value: "52:54:00:00:00:02" },
        { type: "pop_vlan" },
        { type: "set_field", field: "vlan_vid", value: 0x1007 },
        { type: "dec_nw_ttl" },
        { type: "output", port: OFPP.NORMAL },
        { type: "nx_resubmit_table", inPort: 3, tableId: 255 },
        { type: "nx_reg_load", ofs: 0, nBits: 8, dst: "reg0", value: 5n },
      ],
    }]);
  });

  it("puts instructions in execution order whatever the text's order", () => {
    const ins = parseInstructions("goto_table:3,write_metadata:0x1/0xff,output:1,meter:2");
    expect(ins.map((i) => i.type)).toEqual(["meter", "apply_actions", "write_metadata", "goto_table"]);
    expect(parseInstructions("drop")).toEqual([]);
  });

  it("makes delete FLOW_MODs for every table unless one is named, without actions", () => {
    const del = flowModFromText("cookie=0x5/0xff,in_port=1", { command: OFPFC.DELETE, xid: 9 });
    expect(del).toMatchObject({ tableId: OFPTT_ALL, command: OFPFC.DELETE, cookie: 5n, cookieMask: 0xffn, xid: 9, instructions: [] });
    expect(flowModFromText("table=3", { command: OFPFC.DELETE }).tableId).toBe(3);
  });

  const bad: [string, () => unknown, string][] = [
    ["no actions", () => parseFlow("in_port=1"), 'a flow needs "actions=" (use "actions=drop" for none)'],
    ["unknown field", () => parseMatch("in_prot=1"), 'unknown match field "in_prot"'],
    ["unknown field in a flow", () => parseFlow("in_prot=1,actions=drop"), 'unknown field "in_prot"'],
    ["bad MAC", () => parseMatch("dl_dst=52:54:00:00:00"), 'eth_dst: "52:54:00:00:00" is not a MAC address'],
    ["bad IPv4", () => parseMatch("ip,nw_src=192.0.2.256"), 'ip_src: "192.0.2.256" is not an IPv4 address'],
    ["prefix too long", () => parseMatch("ip,nw_src=192.0.2.0/33"), "ip_src: prefix length 33 is over 32"],
    ["mask on an exact-only field", () => parseMatch("tcp,tp_dst=80/0xff"), 'tcp_dst: a mask is not allowed here ("80/0xff")'],
    ["number too big", () => parseMatch("in_port=4294967296"), "in_port: 4294967296 does not fit in 32 bits"],
    ["tp_dst without a protocol", () => parseMatch("tp_dst=80"), "tp_dst needs tcp, udp or sctp (ip_proto 6, 17 or 132) in the match"],
    ["field twice", () => parseMatch("in_port=1,in_port=2"), "field in_port set twice (in_port)"],
    ["unknown action", () => parseAction("flood_all"), 'unknown action "flood_all"'],
    ["set_field without arrow", () => parseAction("set_field:5"), 'set_field needs "value->field"'],
    ["move of unequal widths", () => parseAction("move:NXM_NX_REG0[0..3]->NXM_NX_REG1[0..4]"), "move: 4 source bits but 5 destination bits"],
    ["load too big", () => parseAction("load:0x100->NXM_NX_REG0[0..7]"), "load: 0x100 does not fit in 8 bits"],
    ["drop among actions", () => parseInstructions("output:1,drop"), '"drop" must be the only action'],
    ["goto twice", () => parseInstructions("goto_table:1,goto_table:2"), "instruction goto_table given twice"],
  ];
  for (const [name, fn, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(fn).toThrow(FlowSyntaxError);
      expect(fn).toThrow(message);
    });
  }
});

describe("text properties", () => {
  it("formatMatch output is stable under parse then format", () => {
    fc.assert(
      fc.property(match, (m) => {
        const text = formatMatch(m);
        expect(formatMatch(parseMatch(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("every action survives format then parse", () => {
    fc.assert(
      fc.property(action, (a) => {
        expect(parseAction(formatAction(a))).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it("instructions text is stable under parse then format", () => {
    fc.assert(
      fc.property(fc.uniqueArray(instruction, { selector: (i) => i.type, maxLength: 5 }), (ins) => {
        const text = formatInstructions(ins);
        expect(formatInstructions(parseInstructions(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("bad text raises only FlowSyntaxError", () => {
    const tokens = [
      "in_port=", "dl_vlan=", "vlan_tci=", "nw_src=", "ip", "tcp", "tp_dst=", "actions=", "output:", "move:", "load:", "set_field:",
      "->", "[", "]", "..", "/", ",", " ", "0x", "1", "255", "ff", ":", "(", ")", "resubmit", "ct_state=", "+trk", "-new",
      "write_actions(", "goto_table:", "experimenter(", "set_field_raw(", "NXM_NX_REG0", "icmp_type=", "controller", "cookie=",
      "duration=", "1.5s", "mod_tp_dst:", "icmp6", "meter:", "ipv6_dst=", "::1", "reg0", "drop", "experimenter_oxm=",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 25 }), fc.string({ maxLength: 5 }), (parts, junk) => {
        try {
          parseFlow(parts.join("") + junk);
        } catch (e) {
          expect(e).toBeInstanceOf(FlowSyntaxError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
