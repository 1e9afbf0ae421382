import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ARP_OP,
  FrameError,
  arpFrame,
  encodeFrame,
  formatIpv4,
  icmpEchoFrame,
  internetChecksum,
  parseCidr,
  parseFrame,
  parseIpv4,
  udpFrame,
} from "../../../src/packet";

describe("addresses", () => {
  it("parses dotted quads strictly", () => {
    expect(parseIpv4("192.0.2.1")).toBe(0xc0000201);
    for (const bad of ["192.0.2", "192.0.2.256", "192.0.2.01", "a.b.c.d", "192.0.2.1 "]) expect(parseIpv4(bad)).toBeNull();
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseIpv4(formatIpv4(n)) === n));
  });

  it("parses CIDR and refuses host bits with a suggestion", () => {
    expect(parseCidr("198.51.100.0/24")).toEqual({ ok: true, prefix: { base: 0xc6336400, length: 24 } });
    expect(parseCidr("198.51.100.7/24")).toEqual({ ok: false, reason: '"198.51.100.7/24" has host bits set; did you mean 198.51.100.0/24?' });
    expect(parseCidr("198.51.100.0/33").ok).toBe(false);
    expect(parseCidr("198.51.100.0").ok).toBe(false);
  });
});

describe("frames", () => {
  it("builds an ARP request byte for byte", () => {
    const bytes = encodeFrame(arpFrame({ op: ARP_OP.REQUEST, srcMac: "02:00:00:00:00:01", dstMac: "ff:ff:ff:ff:ff:ff", sha: "02:00:00:00:00:01", spa: "192.0.2.1", tha: "00:00:00:00:00:00", tpa: "192.0.2.2" }));
    expect(Buffer.from(bytes.subarray(0, 42)).toString("hex")).toBe(
      "ffffffffffff" + "020000000001" + "0806" + // Ethernet: dst, src, type
        "0001" + "0800" + "06" + "04" + "0001" + // htype, ptype, hlen, plen, op
        "020000000001" + "c0000201" + "000000000000" + "c0000202",
    );
    expect(bytes.length).toBe(60); // padded to the Ethernet minimum
  });

  it("computes IPv4 and UDP checksums that verify to zero", () => {
    const f = udpFrame({ srcMac: "02:00:00:00:00:01", dstMac: "02:00:00:00:00:02", srcIp: "192.0.2.1", dstIp: "192.0.2.2", srcPort: 68, dstPort: 67, payload: new Uint8Array([1, 2, 3]) });
    const bytes = encodeFrame(f);
    expect(internetChecksum(bytes.subarray(14, 34))).toBe(0);
    const udp = bytes.subarray(34, 34 + 11);
    const pseudo = new Uint8Array([192, 0, 2, 1, 192, 0, 2, 2, 0, 17, 0, 11]);
    expect(internetChecksum(pseudo, udp)).toBe(0);
  });

  it("round-trips tagged and untagged frames of every kind", () => {
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(":"));
    const ip = fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4);
    const vlan = fc.option(fc.record({ vid: fc.integer({ min: 0, max: 4095 }), pcp: fc.integer({ min: 0, max: 7 }) }), { nil: undefined });
    const frame = fc.oneof(
      fc.record({ op: fc.constantFrom(1, 2), srcMac: mac, dstMac: mac, sha: mac, spa: ip, tha: mac, tpa: ip, vlan }).map((o) => arpFrame(o)),
      fc.record({ srcMac: mac, dstMac: mac, srcIp: ip, dstIp: ip, srcPort: fc.nat(65535), dstPort: fc.nat(65535), payload: fc.uint8Array({ maxLength: 100 }), vlan }).map(({ vlan: v, ...o }) => ({ ...udpFrame(o), ...(v ? { vlan: v } : {}) })),
      fc.record({ srcMac: mac, dstMac: mac, srcIp: ip, dstIp: ip }).map((o) => icmpEchoFrame(o)),
    );
    fc.assert(
      fc.property(frame, (f) => {
        expect(parseFrame(encodeFrame(f))).toEqual(f);
      }),
    );
  });

  it("reports truncation with the offset, never reading past the end", () => {
    const good = encodeFrame(udpFrame({ srcMac: "02:00:00:00:00:01", dstMac: "02:00:00:00:00:02", srcIp: "192.0.2.1", dstIp: "192.0.2.2", srcPort: 1, dstPort: 2, payload: new Uint8Array(40) }));
    expect(() => parseFrame(good.subarray(0, 10))).toThrow(/truncated Ethernet header.*at byte 0/);
    expect(() => parseFrame(good.subarray(0, 30))).toThrow(FrameError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        try {
          parseFrame(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameError);
        }
      }),
    );
  });
});
