// The controller's DHCP app over the simulated pipeline: a VM's DHCP frame becomes a PACKET_IN
// (through the codec), the app's pure decision answers with a PACKET_OUT, and the simulated switch
// delivers that answer to the asking VM only.
import { describe, expect, it } from "vitest";
import { OFPR, OFP_NO_BUFFER, decode, encode, type PacketIn, type PacketOut } from "../../../openflow/index";
import { dhcpDecision, TenantDhcpApp, type PortLookup } from "../../../src/apps/tenant/dhcp";
import { BOOTREQUEST, DHCP_TYPE, OPT, decodeDhcp, encodeDhcp, messageType, opt, type DhcpMessage, type LeaseDb } from "../../../src/apps/dhcp";
import { applyChanges, EMPTY_MODEL } from "../../../src/model";
import { BROADCAST_MAC, encodeFrame, parseFrame, udpFrame } from "../../../src/packet";
import { makeCookie } from "../../../src/pipeline";
import { hostDatapathId } from "../../../src/realise/host";
import { portAtOfport } from "../../../src/realise/wiring";
import { SimNetwork, type HostPacketIn } from "../../support/sim-network";
import type { Switch } from "../../../src/controller/api";

const MAC1 = "02:00:00:00:00:01";

function setup() {
  const r = applyChanges(EMPTY_MODEL, [
    { op: "add_tenant", tenant: { id: "t", name: "t" } },
    { op: "add_host", host: { id: "h1", name: "h1", managementAddress: "198.51.100.2", ovsdbTarget: "tcp:198.51.100.2:6640", backend: "ovs", tunnelIp: "192.0.2.1" } },
    { op: "add_host", host: { id: "h2", name: "h2", managementAddress: "198.51.100.3", ovsdbTarget: "tcp:198.51.100.3:6640", backend: "ovs", tunnelIp: "192.0.2.2" } },
    { op: "add_network", network: { id: "n", tenantId: "t", name: "red", kind: "overlay", segmentationId: 42, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: null, dns: ["192.0.2.53"], leaseSeconds: 120 } },
    { op: "add_port", port: { id: "vm1", networkId: "n", hostId: "h1", mac: MAC1, ip: "192.0.2.10" } },
    { op: "add_port", port: { id: "vm2", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:02" } },
    { op: "add_port", port: { id: "vm3", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:03" } },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const model = r.value;
  const sim = new SimNetwork(model);
  sim.reconcileAll();
  const hostOfDpid = new Map(model.hosts.map((h) => [BigInt(`0x${hostDatapathId(h.id)}`), h.id]));
  // What the orchestrator does: dpid → host's realiser → its wiring → the model port.
  const lookup: PortLookup = (dpid, ofport) => {
    const hostId = hostOfDpid.get(dpid);
    const portId = hostId === undefined ? undefined : portAtOfport(sim.wiring.get(hostId)!, ofport);
    const port = model.ports.find((p) => p.id === portId);
    const network = port && model.networks.find((n) => n.id === port.networkId);
    return port && network ? { port, network } : undefined;
  };
  return { model, sim, lookup, dpid: (hostId: string) => BigInt(`0x${hostDatapathId(hostId)}`) };
}

function request(type: number, extra: Array<[number, Uint8Array]> = []): Uint8Array {
  const msg: DhcpMessage = {
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: 7, secs: 0, flags: 0,
    ciaddr: "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: "0.0.0.0", chaddr: MAC1,
    options: new Map([[OPT.MESSAGE_TYPE, opt.u8(type)], ...extra]),
  };
  return encodeFrame(udpFrame({ srcMac: MAC1, dstMac: BROADCAST_MAC, srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload: encodeDhcp(msg) }));
}

/** The PACKET_IN a switch would send for a record of the simulator, through the codec. */
function packetIn(p: HostPacketIn): PacketIn {
  const msg: PacketIn = { type: "packet_in", xid: 0, bufferId: OFP_NO_BUFFER, totalLen: p.frame.length, reason: OFPR.ACTION, tableId: p.tableId, cookie: p.cookie, match: { in_port: p.inPort }, data: p.frame };
  return decode(encode(msg)) as PacketIn;
}

function dhcpOf(frame: Uint8Array) {
  const eth = parseFrame(frame);
  if (eth.payload.kind !== "ipv4" || eth.payload.body.kind !== "udp") throw new Error("not UDP");
  return decodeDhcp(eth.payload.body.payload);
}

describe("dhcpDecision", () => {
  it("DISCOVER → OFFER and REQUEST → ACK reach only the asking VM", () => {
    const { sim, lookup, dpid } = setup();
    let leases: LeaseDb = new Map();
    const discover = sim.send("vm1", request(DHCP_TYPE.DISCOVER));
    expect(discover.delivered).toEqual([]);
    expect(discover.packetIns).toHaveLength(1);
    const d1 = dhcpDecision(leases, packetIn(discover.packetIns[0]!), dpid("h1"), lookup, 1000);
    leases = d1.leases;
    expect(d1.messages).toHaveLength(1);
    const out = sim.packetOut("h1", { ...(d1.messages[0] as PacketOut), xid: 0 });
    expect(out.delivered.map((x) => x.portId)).toEqual(["vm1"]);
    const offer = dhcpOf(out.delivered[0]!.frame);
    expect(messageType(offer)).toBe(DHCP_TYPE.OFFER);
    expect(offer.yiaddr).toBe("192.0.2.10");

    const req = sim.send("vm1", request(DHCP_TYPE.REQUEST, [[OPT.SERVER_ID, opt.ips(["192.0.2.1"])], [OPT.REQUESTED_IP, opt.ips(["192.0.2.10"])]]));
    const d2 = dhcpDecision(leases, packetIn(req.packetIns[0]!), dpid("h1"), lookup, 2000);
    const ack = sim.packetOut("h1", { ...(d2.messages[0] as PacketOut), xid: 0 });
    expect(messageType(dhcpOf(ack.delivered[0]!.frame))).toBe(DHCP_TYPE.ACK);
    expect(d2.leases.get("vm1")).toMatchObject({ state: "bound", ip: "192.0.2.10", expiresAt: 2000 + 120_000 });
  });

  it("a REQUEST for another address gets a NAK", () => {
    const { sim, lookup, dpid } = setup();
    const req = sim.send("vm1", request(DHCP_TYPE.REQUEST, [[OPT.REQUESTED_IP, opt.ips(["192.0.2.99"])]]));
    const d = dhcpDecision(new Map(), packetIn(req.packetIns[0]!), dpid("h1"), lookup, 0);
    const nak = sim.packetOut("h1", { ...(d.messages[0] as PacketOut), xid: 0 });
    expect(nak.delivered.map((x) => x.portId)).toEqual(["vm1"]);
    expect(messageType(dhcpOf(nak.delivered[0]!.frame))).toBe(DHCP_TYPE.NAK);
  });

  it("ignores what is not its own, cut frames, and unbound ports, without changing leases", () => {
    const { sim, lookup, dpid } = setup();
    const leases: LeaseDb = new Map();
    const pin = packetIn(sim.send("vm1", request(DHCP_TYPE.DISCOVER)).packetIns[0]!);
    expect(dhcpDecision(leases, { ...pin, cookie: makeCookie("port", "forward", "vm1") }, dpid("h1"), lookup, 0)).toEqual({ messages: [], leases, outcome: null });
    const cut = dhcpDecision(leases, { ...pin, data: pin.data.subarray(0, 60) }, dpid("h1"), lookup, 0);
    expect(cut.messages).toEqual([]);
    expect(cut.outcome).toMatch(/cut/);
    const stranger = dhcpDecision(leases, { ...pin, match: { in_port: 4242 } }, dpid("h1"), lookup, 0);
    expect(stranger.outcome).toMatch(/no bound port/);
    const otherSwitch = dhcpDecision(leases, pin, 0x1234n, lookup, 0);
    expect(otherSwitch.messages).toEqual([]);
    const noInPort = dhcpDecision(leases, { ...pin, match: {} }, dpid("h1"), lookup, 0);
    expect(noInPort.outcome).toMatch(/without in_port/);
    expect(leases.size).toBe(0);
  });
});

describe("TenantDhcpApp", () => {
  it("sends the answer on the switch it came from and keeps the lease", () => {
    const { sim, lookup, dpid } = setup();
    const sent: unknown[] = [];
    const sw = { dpid: dpid("h1"), dpidHex: hostDatapathId("h1"), send: (m: unknown) => (sent.push(m), [1]) } as unknown as Switch;
    const outcomes: string[] = [];
    const app = new TenantDhcpApp({ lookup, now: () => 5000, onOutcome: (_d, o) => outcomes.push(o) });
    app.onPacketIn(sw, packetIn(sim.send("vm1", request(DHCP_TYPE.DISCOVER)).packetIns[0]!));
    expect(sent).toHaveLength(1);
    expect(app.answered).toBe(1);
    expect(app.leases.get("vm1")?.state).toBe("offered");
    expect(outcomes[0]).toMatch(/OFFER 192.0.2.10/);
  });
});
