// The OXM field table, the prerequisite checker and the address helpers it relies on.
import { describe, expect, it } from "vitest";
import {
  OXM_FIELDS, OXM_BY_NAME, oxmField, oxmHeader, fieldOfHeader, matchPrerequisiteProblems, formatIpv6, normalizeIpv6,
  parseIpv4, isMac, OFPXMC, encode, OfpEncodeError,
} from "../../../openflow";
import type { Match, OfpMessage } from "../../../openflow";

describe("the OXM field table", () => {
  it("has every OpenFlow basic field, IN_PORT (0) through IPV6_EXTHDR (39), once", () => {
    const basic = OXM_FIELDS.filter((f) => f.oxmClass === OFPXMC.OPENFLOW_BASIC).map((f) => f.code);
    expect(basic).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("gives the spec's widths, meaningful bits and maskability", () => {
    const w = (n: string) => [OXM_BY_NAME[n]!.bytes, OXM_BY_NAME[n]!.bits, OXM_BY_NAME[n]!.maskable];
    expect(w("in_port")).toEqual([4, 32, false]);
    expect(w("metadata")).toEqual([8, 64, true]);
    expect(w("eth_dst")).toEqual([6, 48, true]);
    expect(w("vlan_vid")).toEqual([2, 13, true]);
    expect(w("vlan_pcp")).toEqual([1, 3, false]);
    expect(w("ip_dscp")).toEqual([1, 6, false]);
    expect(w("ipv4_src")).toEqual([4, 32, true]);
    expect(w("tcp_dst")).toEqual([2, 16, false]);
    expect(w("ipv6_flabel")).toEqual([4, 20, true]);
    expect(w("mpls_label")).toEqual([4, 20, false]);
    expect(w("pbb_isid")).toEqual([3, 24, true]);
    expect(w("tunnel_id")).toEqual([8, 64, true]);
    expect(w("ipv6_exthdr")).toEqual([2, 9, true]);
    expect(w("reg7")).toEqual([4, 32, true]);
  });

  it("computes OXM headers as the spec and Open vSwitch write them", () => {
    expect(oxmHeader(oxmField("in_port")!)).toBe(0x80000004);
    expect(oxmHeader(oxmField("eth_dst")!, true)).toBe(0x8000070c);
    expect(oxmHeader(oxmField("reg0")!)).toBe(0x00010004);
    expect(oxmField("eth_src")!.nxHeader).toBe(0x00000406); // NXM_OF_ETH_SRC, as OVS writes in move
    expect(fieldOfHeader(0x80000c02)?.name).toBe("vlan_vid");
    expect(oxmField("toString")).toBeUndefined();
  });
});

describe("matchPrerequisiteProblems", () => {
  it("accepts a consistent match", () => {
    expect(matchPrerequisiteProblems({ in_port: 1, eth_type: 0x0800, ip_proto: 6, ipv4_dst: "192.0.2.1", tcp_dst: 80 })).toEqual([]);
    expect(matchPrerequisiteProblems({ vlan_vid: 0x1005, vlan_pcp: 3 })).toEqual([]);
    expect(matchPrerequisiteProblems({ eth_type: 0x86dd, ip_proto: 58, icmpv6_type: 135, ipv6_nd_target: "2001:db8::1" })).toEqual([]);
  });

  it("names each missing, wrong or misplaced prerequisite", () => {
    expect(matchPrerequisiteProblems({ tcp_dst: 80 })).toEqual(["tcp_dst requires ip_proto=6"]);
    expect(matchPrerequisiteProblems({ eth_type: 0x0806, ipv4_src: "192.0.2.1" })).toEqual([
      "ipv4_src requires eth_type=0x0800, but eth_type is 0x0806",
    ]);
    expect(matchPrerequisiteProblems({ ip_proto: 17, eth_type: 0x0800 })).toEqual(["ip_proto must come after its prerequisite eth_type"]);
    expect(matchPrerequisiteProblems({ vlan_pcp: 3 })).toEqual(["vlan_pcp requires vlan_vid with OFPVID_PRESENT (a tagged frame)"]);
    expect(matchPrerequisiteProblems({ vlan_vid: 0, vlan_pcp: 3 })).toEqual(["vlan_pcp requires vlan_vid with OFPVID_PRESENT (a tagged frame)"]);
    expect(matchPrerequisiteProblems({ in_phy_port: 1 })).toEqual(["in_phy_port requires in_port"]);
    expect(matchPrerequisiteProblems({ eth_type: 0x86dd, ip_proto: 58, icmpv6_type: 135, ipv6_nd_tll: "52:54:00:00:00:01" })).toEqual([
      "ipv6_nd_tll requires icmpv6_type=136, but icmpv6_type is 135",
    ]);
  });
});

describe("encode with checkPrerequisites", () => {
  const fm = (match: Match): OfpMessage => ({
    type: "flow_mod", xid: 1, cookie: 0n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0, priority: 1,
    bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match, instructions: [],
  });
  it("refuses a FLOW_MOD whose match breaks a prerequisite, and only when asked", () => {
    expect(() => encode(fm({ tcp_dst: 80 }), { checkPrerequisites: true })).toThrow(
      new OfpEncodeError("flow_mod match breaks OpenFlow prerequisites: tcp_dst requires ip_proto=6"),
    );
    expect(encode(fm({ tcp_dst: 80 })).length).toBeGreaterThan(0);
    expect(encode(fm({ eth_type: 0x800, ip_proto: 6, tcp_dst: 80 }), { checkPrerequisites: true }).length).toBe(72);
  });
});

describe("addresses", () => {
  it("formats IPv6 as RFC 5952 says", () => {
    const f = (hex: string) => formatIpv6(Buffer.from(hex, "hex"), 0);
    expect(f("20010db8000000000000000000000001")).toBe("2001:db8::1");
    expect(f("00000000000000000000000000000000")).toBe("::");
    expect(f("20010db8000000010000000000000001")).toBe("2001:db8:0:1::1"); // longest zero run
    expect(f("20010db8000000000001000000000001")).toBe("2001:db8::1:0:0:1"); // first of equal runs
    expect(f("20010db8000100000001000100010001")).toBe("2001:db8:1:0:1:1:1:1"); // one zero group stays
    expect(f("00000000000000000000ffffc0000201")).toBe("::ffff:192.0.2.1");
    expect(normalizeIpv6("2001:DB8:0:0::1")).toBe("2001:db8::1");
    expect(normalizeIpv6("::ffff:192.0.2.1")).toBe("::ffff:192.0.2.1");
    expect(normalizeIpv6("1::2::3")).toBeNull();
    expect(normalizeIpv6("1:2:3:4:5:6:7:8:9")).toBeNull();
  });

  it("parses IPv4 strictly", () => {
    expect(parseIpv4("192.0.2.1")).toBe(0xc0000201);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    for (const bad of ["192.0.2", "192.0.2.1.5", "192.0.2.256", "192.0.2.01", "a.b.c.d", "", "1..2.3"]) expect(parseIpv4(bad), bad).toBe(-1);
  });

  it("knows a MAC address", () => {
    expect(isMac("52:54:00:AB:cd:01")).toBe(true);
    expect(isMac("52-54-00-ab-cd-01")).toBe(true);
    expect(isMac("52:54:00:ab:cd")).toBe(false);
  });
});
