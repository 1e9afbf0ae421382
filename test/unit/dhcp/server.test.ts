import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BOOTREQUEST,
  DHCP_TYPE,
  FLAG_BROADCAST,
  OPT,
  decodeDhcp,
  encodeDhcp,
  handle,
  expireLeases,
  ipOption,
  messageType,
  opt,
  u32Option,
  type DhcpMessage,
  type LeaseDb,
} from "../../../src/apps/dhcp";
import type { Network, Port } from "../../../src/model";
import { BROADCAST_MAC, encodeFrame, parseFrame, udpFrame } from "../../../src/packet";

const network: Network = {
  id: "n1",
  tenantId: "t1",
  name: "red",
  kind: "overlay",
  segmentationId: 0x0a0b0c,
  subnet: "192.0.2.0/24",
  gateway: "192.0.2.1",
  dhcpRange: null,
  dns: ["198.51.100.53", "198.51.100.54"],
  leaseSeconds: 600,
};
const port: Port = { id: "p1", networkId: "n1", hostId: "h1", mac: "02:00:00:00:00:01", ip: "192.0.2.10", ipAssignment: "allocated", ifaceId: "p1" };
const ctx = { port, network };
const NOW = 1_700_000_000_000;

function request(type: number, over: Partial<DhcpMessage> = {}, extra: Array<[number, Uint8Array]> = []): DhcpMessage {
  const options = new Map<number, Uint8Array>([[OPT.MESSAGE_TYPE, opt.u8(type)], ...extra]);
  return { op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: 0x1234abcd, secs: 0, flags: 0, ciaddr: "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: "0.0.0.0", chaddr: port.mac, options, ...over };
}

function frameOf(m: DhcpMessage, src = "0.0.0.0", dst = "255.255.255.255", mac = port.mac): Uint8Array {
  return encodeFrame(udpFrame({ srcMac: mac, dstMac: BROADCAST_MAC, srcIp: src, dstIp: dst, srcPort: 68, dstPort: 67, payload: encodeDhcp(m) }));
}

function replyOf(bytes: Uint8Array | null) {
  expect(bytes).not.toBeNull();
  const eth = parseFrame(bytes!);
  if (eth.payload.kind !== "ipv4" || eth.payload.body.kind !== "udp") throw new Error("not UDP");
  return { eth, ip: eth.payload, udp: eth.payload.body, dhcp: decodeDhcp(eth.payload.body.payload) };
}

describe("DHCP message codec", () => {
  it("round-trips a message and pads to 300 bytes", () => {
    const m = request(DHCP_TYPE.DISCOVER, {}, [[OPT.PARAM_REQUEST, new Uint8Array([1, 3, 6])]]);
    const bytes = encodeDhcp(m);
    expect(bytes.length).toBe(300);
    expect(decodeDhcp(bytes)).toEqual(m);
  });

  it("rejects truncated input, a missing cookie, and an option running past the end", () => {
    expect(() => decodeDhcp(new Uint8Array(100))).toThrow(/at least 240 bytes/);
    const bytes = encodeDhcp(request(DHCP_TYPE.DISCOVER));
    const noCookie = bytes.slice();
    noCookie[236] = 0;
    expect(() => decodeDhcp(noCookie)).toThrow(/magic cookie/);
    const bad = bytes.slice(0, 244);
    bad[240] = 12; // hostname
    bad[241] = 50; // claims 50 bytes
    expect(() => decodeDhcp(bad)).toThrow(/option 12 claims 50 bytes/);
  });

  it("splits long options (RFC 3396) and joins them again", () => {
    const long = new Uint8Array(300).map((_, i) => i & 0xff);
    const m = request(DHCP_TYPE.INFORM, {}, [[OPT.HOSTNAME, long]]);
    expect(decodeDhcp(encodeDhcp(m)).options.get(OPT.HOSTNAME)).toEqual(long);
  });
});

describe("DHCP server", () => {
  it("DISCOVER → OFFER with the port's address and options 1, 3, 6, 51, 54, 58, 59", () => {
    const r = handle(new Map(), frameOf(request(DHCP_TYPE.DISCOVER)), ctx, NOW);
    const { eth, ip, udp, dhcp } = replyOf(r.reply);
    expect(messageType(dhcp)).toBe(DHCP_TYPE.OFFER);
    expect(dhcp.xid).toBe(0x1234abcd);
    expect(dhcp.yiaddr).toBe("192.0.2.10");
    expect(dhcp.chaddr).toBe(port.mac);
    expect(ipOption(dhcp, OPT.SUBNET_MASK)).toBe("255.255.255.0");
    expect(ipOption(dhcp, OPT.ROUTER)).toBe("192.0.2.1");
    expect(ipOption(dhcp, OPT.SERVER_ID)).toBe("192.0.2.1");
    expect([...dhcp.options.get(OPT.DNS)!]).toEqual([198, 51, 100, 53, 198, 51, 100, 54]);
    expect(u32Option(dhcp, OPT.LEASE_TIME)).toBe(600);
    expect(u32Option(dhcp, OPT.RENEWAL_T1)).toBe(300);
    expect(u32Option(dhcp, OPT.REBINDING_T2)).toBe(525);
    // Unicast to the client's MAC and offered address, from the service MAC of VNI 0x0a0b0c.
    expect(eth.dst).toBe(port.mac);
    expect(eth.src).toBe("02:76:6e:0a:0b:0c");
    expect(ip.dst).toBe("192.0.2.10");
    expect([udp.srcPort, udp.dstPort]).toEqual([67, 68]);
    expect(r.leases.get("p1")).toMatchObject({ state: "offered", ip: "192.0.2.10" });
  });

  it("hands out the interface MTU (option 26) when the network sets one", () => {
    const r = handle(new Map(), frameOf(request(DHCP_TYPE.DISCOVER)), { port, network: { ...network, mtu: 1450 } }, NOW);
    expect([...replyOf(r.reply).dhcp.options.get(OPT.INTERFACE_MTU)!]).toEqual([0x05, 0xaa]);
    expect(replyOf(handle(new Map(), frameOf(request(DHCP_TYPE.DISCOVER)), ctx, NOW).reply).dhcp.options.has(OPT.INTERFACE_MTU)).toBe(false);
  });

  it("honours the broadcast flag", () => {
    const r = handle(new Map(), frameOf(request(DHCP_TYPE.DISCOVER, { flags: FLAG_BROADCAST })), ctx, NOW);
    const { eth, ip, dhcp } = replyOf(r.reply);
    expect(eth.dst).toBe(BROADCAST_MAC);
    expect(ip.dst).toBe("255.255.255.255");
    expect(dhcp.flags).toBe(FLAG_BROADCAST);
  });

  it("SELECTING: ACK for our offer, silence when the client chose another server, NAK for a wrong address", () => {
    const ours = handle(new Map(), frameOf(request(DHCP_TYPE.REQUEST, {}, [[OPT.SERVER_ID, opt.ips(["192.0.2.1"])], [OPT.REQUESTED_IP, opt.ips(["192.0.2.10"])]])), ctx, NOW);
    expect(messageType(replyOf(ours.reply).dhcp)).toBe(DHCP_TYPE.ACK);
    expect(ours.leases.get("p1")).toEqual({ portId: "p1", mac: port.mac, ip: "192.0.2.10", state: "bound", expiresAt: NOW + 600_000 });

    const other = handle(ours.leases, frameOf(request(DHCP_TYPE.REQUEST, {}, [[OPT.SERVER_ID, opt.ips(["192.0.2.254"])], [OPT.REQUESTED_IP, opt.ips(["192.0.2.10"])]])), ctx, NOW);
    expect(other.reply).toBeNull();
    expect(other.leases.has("p1")).toBe(false);

    const wrong = handle(new Map(), frameOf(request(DHCP_TYPE.REQUEST, {}, [[OPT.SERVER_ID, opt.ips(["192.0.2.1"])], [OPT.REQUESTED_IP, opt.ips(["192.0.2.11"])]])), ctx, NOW);
    const nak = replyOf(wrong.reply);
    expect(messageType(nak.dhcp)).toBe(DHCP_TYPE.NAK);
    expect(nak.dhcp.yiaddr).toBe("0.0.0.0");
    expect(nak.eth.dst).toBe(BROADCAST_MAC);
    expect(nak.dhcp.options.has(OPT.LEASE_TIME)).toBe(false);
  });

  it("INIT-REBOOT: ACK for the right address, NAK for another (e.g. after moving networks)", () => {
    const ok = handle(new Map(), frameOf(request(DHCP_TYPE.REQUEST, {}, [[OPT.REQUESTED_IP, opt.ips(["192.0.2.10"])]])), ctx, NOW);
    expect(messageType(replyOf(ok.reply).dhcp)).toBe(DHCP_TYPE.ACK);
    const nak = handle(new Map(), frameOf(request(DHCP_TYPE.REQUEST, {}, [[OPT.REQUESTED_IP, opt.ips(["198.51.100.7"])]])), ctx, NOW);
    expect(messageType(replyOf(nak.reply).dhcp)).toBe(DHCP_TYPE.NAK);
  });

  it("RENEWING and REBINDING: ACK unicast to ciaddr, extending the lease; NAK for a foreign ciaddr", () => {
    const leases: LeaseDb = new Map([["p1", { portId: "p1", mac: port.mac, ip: "192.0.2.10", state: "bound", expiresAt: NOW + 1000 }]]);
    const later = NOW + 300_000;
    const renew = handle(leases, frameOf(request(DHCP_TYPE.REQUEST, { ciaddr: "192.0.2.10" }), "192.0.2.10", "192.0.2.1"), ctx, later);
    const ack = replyOf(renew.reply);
    expect(messageType(ack.dhcp)).toBe(DHCP_TYPE.ACK);
    expect(ack.ip.dst).toBe("192.0.2.10");
    expect(ack.dhcp.ciaddr).toBe("192.0.2.10");
    expect(renew.leases.get("p1")!.expiresAt).toBe(later + 600_000);
    const foreign = handle(leases, frameOf(request(DHCP_TYPE.REQUEST, { ciaddr: "192.0.2.99" }), "192.0.2.99"), ctx, later);
    expect(messageType(replyOf(foreign.reply).dhcp)).toBe(DHCP_TYPE.NAK);
  });

  it("RELEASE and DECLINE drop the lease without a reply; INFORM gets configuration without a lease", () => {
    const leases: LeaseDb = new Map([["p1", { portId: "p1", mac: port.mac, ip: "192.0.2.10", state: "bound", expiresAt: NOW + 1000 }]]);
    const rel = handle(leases, frameOf(request(DHCP_TYPE.RELEASE, { ciaddr: "192.0.2.10" })), ctx, NOW);
    expect(rel.reply).toBeNull();
    expect(rel.leases.size).toBe(0);
    expect(leases.size).toBe(1); // the input is never modified
    const dec = handle(leases, frameOf(request(DHCP_TYPE.DECLINE, {}, [[OPT.REQUESTED_IP, opt.ips(["192.0.2.10"])]])), ctx, NOW);
    expect(dec.reply).toBeNull();
    expect(dec.outcome).toMatch(/in use/);
    const inf = handle(new Map(), frameOf(request(DHCP_TYPE.INFORM, { ciaddr: "192.0.2.10" }), "192.0.2.10"), ctx, NOW);
    const ack = replyOf(inf.reply).dhcp;
    expect(messageType(ack)).toBe(DHCP_TYPE.ACK);
    expect(ack.options.has(OPT.LEASE_TIME)).toBe(false);
    expect(ipOption(ack, OPT.ROUTER)).toBe("192.0.2.1");
  });

  it("ignores what is not a request for this port: wrong chaddr, server messages, junk, provider networks", () => {
    const leases: LeaseDb = new Map();
    expect(handle(leases, frameOf(request(DHCP_TYPE.DISCOVER, { chaddr: "02:00:00:00:00:99" })), ctx, NOW).reply).toBeNull();
    expect(handle(leases, frameOf(request(DHCP_TYPE.OFFER)), ctx, NOW).reply).toBeNull();
    expect(handle(leases, new Uint8Array(10), ctx, NOW).outcome).toMatch(/malformed: truncated Ethernet/);
    expect(handle(leases, new Uint8Array(20), ctx, NOW).outcome).toMatch(/not a UDP/);
    const truncated = frameOf(request(DHCP_TYPE.DISCOVER)).slice(0, 100);
    expect(handle(leases, truncated, ctx, NOW).reply).toBeNull();
    expect(handle(leases, frameOf(request(DHCP_TYPE.DISCOVER)), { port, network: { ...network, kind: "provider", segmentationId: 5 } }, NOW).outcome).toMatch(/provider/);
    expect(handle(leases, frameOf(request(DHCP_TYPE.REQUEST)), ctx, NOW).outcome).toMatch(/names no address/);
  });

  it("without a gateway, serves from the last address of the subnet and hands out no router", () => {
    const r = handle(new Map(), frameOf(request(DHCP_TYPE.DISCOVER)), { port, network: { ...network, gateway: null } }, NOW);
    const { dhcp, ip } = replyOf(r.reply);
    expect(ipOption(dhcp, OPT.SERVER_ID)).toBe("192.0.2.254");
    expect(ip.src).toBe("192.0.2.254");
    expect(dhcp.options.has(OPT.ROUTER)).toBe(false);
  });

  it("expires leases by the time passed in", () => {
    const leases: LeaseDb = new Map([
      ["a", { portId: "a", mac: "02:00:00:00:00:0a", ip: "192.0.2.20", state: "bound", expiresAt: NOW }],
      ["b", { portId: "b", mac: "02:00:00:00:00:0b", ip: "192.0.2.21", state: "bound", expiresAt: NOW + 1 }],
    ]);
    expect([...expireLeases(leases, NOW).keys()]).toEqual(["b"]);
    expect(expireLeases(leases, NOW - 1)).toBe(leases);
  });

  it("never throws on hostile input: random frames and random corruptions of a valid request", () => {
    const valid = frameOf(request(DHCP_TYPE.REQUEST, {}, [[OPT.REQUESTED_IP, opt.ips(["192.0.2.10"])]]));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        expect(handle(new Map(), bytes, ctx, NOW).reply).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(valid.length), (edits, cut) => {
        const bytes = valid.slice(0, Math.max(cut, 1));
        for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
        const r = handle(new Map(), bytes, ctx, NOW);
        expect(typeof r.outcome).toBe("string");
      }),
    );
  });
});
