// The rtnetlink wire layer without a kernel: attribute framing (lengths, padding, nesting, bounds),
// the exact bytes of the requests vnet sends, decoding of dump messages, and error wording.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attrMap, decodeAttrs, encodeAttrs, nest, NetlinkDecodeError, str, u16, u32, u8 } from "../../../src/kernel/netlink/attrs";
import { KernelError } from "../../../src/kernel/netlink/errors";
import { decodeLink, newLinkRequest, setBrPortRequest, setLinkRequest } from "../../../src/kernel/netlink/link";
import { addFdbRequest, decodeFdb, delFdbRequest, isStaticFdb } from "../../../src/kernel/netlink/neigh";
import { errnoOf } from "../../../src/kernel/netlink/socket";
import { AF_BRIDGE, NLM_F, RTM } from "../../../src/kernel/netlink/constants";

const hex = (b: Buffer): string => b.toString("hex");

describe("netlink attributes", () => {
  it("pads payloads to 4 bytes without counting the padding in the length", () => {
    // u8 attr: len 5 (4 header + 1), type 7, payload 01, 3 bytes padding.
    expect(hex(encodeAttrs([u8(7, 1)]))).toBe("0500" + "0700" + "01" + "000000");
    // string "ab\0": len 7, padded to 8.
    expect(hex(encodeAttrs([str(3, "ab")]))).toBe("0700" + "0300" + "616200" + "00");
  });

  it("sets NLA_F_NESTED on nests and computes their length from the children", () => {
    const b = encodeAttrs([nest(18, [u32(1, 10), u16(2, 3)])]);
    // outer: len 4 + 8 + 8 = 20 (u16 child is 6 bytes, padded to 8), type 18 | 0x8000
    expect(hex(b.subarray(0, 4))).toBe("1400" + "1280");
    const outer = attrMap(b).get(18)!;
    const inner = attrMap(outer.payload, outer.offset);
    expect(inner.get(1)!.payload.readUInt32LE(0)).toBe(10);
    expect(inner.get(2)!.payload.readUInt16LE(0)).toBe(3);
  });

  it("rejects an attribute whose length runs past its container, naming the byte offset", () => {
    const b = encodeAttrs([u32(1, 5), u32(2, 6)]);
    b.writeUInt16LE(40, 8); // second attribute claims 40 bytes
    expect(() => decodeAttrs(b, 16)).toThrow(NetlinkDecodeError);
    expect(() => decodeAttrs(b, 16)).toThrow("netlink decode at byte 24: attribute 2 declares length 40, only 8 bytes left");
  });

  it("rejects lengths below the header size and truncated headers", () => {
    expect(() => decodeAttrs(Buffer.from("02000100", "hex"))).toThrow(/declares length 2 < 4/);
    expect(() => decodeAttrs(Buffer.from("0800010000000000ff", "hex"))).toThrow(/truncated attribute header/);
  });

  it("never throws anything but NetlinkDecodeError on random bytes (fuzz)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeLink(Buffer.concat([Buffer.alloc(16), Buffer.from(bytes)]));
        } catch (e) {
          expect(e).toBeInstanceOf(NetlinkDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips any list of attributes", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.integer({ min: 1, max: 0x3fff }), payload: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 12 }), (list) => {
        const attrs = list.map((a) => ({ type: a.type, payload: Buffer.from(a.payload) }));
        const back = decodeAttrs(encodeAttrs(attrs));
        expect(back.map((a) => [a.type, hex(a.payload)])).toEqual(attrs.map((a) => [a.type, hex(a.payload)]));
      }),
    );
  });
});

describe("link requests", () => {
  it("builds RTM_NEWLINK for a VXLAN device with nolearning and a big-endian port", () => {
    const r = newLinkRequest({ kind: "vxlan", name: "vnvx10", vxlan: { vni: 10, local: "198.51.100.1", port: 4789, learning: false }, master: 7, up: true });
    expect(r.type).toBe(RTM.NEWLINK);
    expect(r.flags).toBe(NLM_F.CREATE | NLM_F.EXCL);
    expect(r.subject).toBe("vnvx10");
    const body = r.body;
    // ifinfomsg: family 0, index 0, flags IFF_UP, change IFF_UP
    expect(hex(body.subarray(0, 16))).toBe("00000000" + "00000000" + "01000000" + "01000000");
    const link = decodeLink(body); // the decoder reads what the encoder wrote
    expect(link.name).toBe("vnvx10");
    expect(link.master).toBe(7);
    expect(link.kind).toBe("vxlan");
    expect(link.vxlan).toEqual({ vni: 10, local: "198.51.100.1", port: 4789, learning: false });
    // IFLA_VXLAN_PORT is the one big-endian field: 4789 = 0x12b5
    expect(hex(body)).toContain("0600" + "0f00" + "12b5");
  });

  it("builds a veth pair whose peer carries its own ifinfomsg", () => {
    const r = newLinkRequest({ kind: "veth", name: "kbv0", peer: { name: "kbv0p", netnsFd: 9 } });
    expect(hex(r.body)).toContain(Buffer.from("kbv0p\0").toString("hex"));
    expect(decodeLink(r.body).kind).toBe("veth");
  });

  it("refuses names that do not fit IFNAMSIZ and VNIs outside 24 bits before sending", () => {
    expect(() => newLinkRequest({ kind: "bridge", name: "a-very-long-name" })).toThrow(/invalid interface name/);
    expect(() => newLinkRequest({ kind: "vxlan", name: "vx", vxlan: { vni: 1 << 24, port: 4789, learning: false } })).toThrow(/VNI 16777216 outside/);
    expect(() => newLinkRequest({ kind: "vlan", name: "vl", vlanId: 4095, lower: 2 })).toThrow(/VLAN id 4095/);
  });

  it("sets master, MTU and the up flag with a change mask that leaves other flags alone", () => {
    const r = setLinkRequest(5, "vnp1", { master: 0, up: false, mtu: 1450 });
    expect(r.type).toBe(RTM.SETLINK);
    expect(r.body.readInt32LE(4)).toBe(5);
    expect(r.body.readUInt32LE(8)).toBe(0); // flags: not up
    expect(r.body.readUInt32LE(12)).toBe(1); // change: only IFF_UP
    const l = decodeLink(r.body);
    expect(l.master).toBe(0);
    expect(l.mtu).toBe(1450);
  });

  it("sets bridge-port flags through an AF_BRIDGE SETLINK carrying IFLA_PROTINFO", () => {
    const r = setBrPortRequest(3, "vnvx10", { learning: false, neighSuppress: true });
    expect(r.body[0]).toBe(AF_BRIDGE);
    // IFLA_PROTINFO (12 | NESTED) holding LEARNING (8) = 0 and NEIGH_SUPPRESS (32) = 1
    expect(hex(r.body.subarray(16))).toBe("1400" + "0c80" + "0500080000000000" + "0500200001000000");
  });
});

describe("FDB requests", () => {
  it("appends VXLAN self entries with NDA_DST and replaces static bridge entries", () => {
    const v = addFdbRequest({ ifindex: 3, dev: "vnvx10", mac: "00:00:00:00:00:00", dst: "198.51.100.2" });
    expect(v.flags).toBe(NLM_F.CREATE | NLM_F.APPEND);
    expect(v.subject).toBe("00:00:00:00:00:00 dev vnvx10 dst 198.51.100.2");
    const e = decodeFdb(v.body);
    expect(e).toMatchObject({ ifindex: 3, mac: "00:00:00:00:00:00", dst: "198.51.100.2", self: true });
    const m = addFdbRequest({ ifindex: 3, dev: "vnvx10", mac: "02:00:00:00:00:05" });
    expect(m.flags).toBe(NLM_F.CREATE | NLM_F.REPLACE);
    expect(decodeFdb(m.body)).toMatchObject({ self: false, mac: "02:00:00:00:00:05" });
    expect(isStaticFdb(decodeFdb(m.body))).toBe(true);
    expect(delFdbRequest({ ifindex: 3, dev: "vnvx10", mac: "02:00:00:00:00:05" }).type).toBe(RTM.DELNEIGH);
  });

  it("refuses a malformed MAC or IP instead of sending garbage", () => {
    expect(() => addFdbRequest({ ifindex: 3, dev: "vx", mac: "02:00:00:00:00" })).toThrow(/not a MAC address/);
    expect(() => addFdbRequest({ ifindex: 3, dev: "vx", mac: "02:00:00:00:00:01", dst: "198.51.100.300" })).toThrow(/not an IPv4 address/);
  });
});

describe("kernel errors", () => {
  it("reads the errno of NLMSG_ERROR and words it like the tools do", () => {
    const body = Buffer.alloc(20);
    body.writeInt32LE(-17, 0);
    const e = new KernelError("RTM_NEWLINK", "vx10", errnoOf(body));
    expect(e.message).toBe("RTM_NEWLINK vx10: File exists (EEXIST)");
    expect(e.code).toBe("EEXIST");
    expect(new KernelError("RTM_NEWLINK", "br0", 95).message).toBe("RTM_NEWLINK br0: Operation not supported (EOPNOTSUPP)");
  });
});
