// The whole DHCP exchange through the pipeline: the VM's broadcast reaches the controller as a
// PACKET_IN (not other VMs), the pure server answers, the answer goes back as a PACKET_OUT, and a
// renewal reaches the server by unicast thanks to the ARP answer for the server address.
import { describe, expect, it } from "vitest";
import { OFPP, OFP_NO_BUFFER } from "../../../openflow/index";
import { BOOTREQUEST, DHCP_TYPE, OPT, handle, decodeDhcp, encodeDhcp, ipOption, messageType, opt, type DhcpMessage, type LeaseDb } from "../../../src/apps/dhcp";
import { EMPTY_MODEL, applyChanges } from "../../../src/model";
import { ARP_OP, BROADCAST_MAC, arpFrame, encodeFrame, parseFrame, udpFrame } from "../../../src/packet";
import { decodeCookie, idHash, isDhcpCookie } from "../../../src/pipeline";
import { SimNetwork, type SendResult } from "../../support/sim-network";

function setup() {
  const r = applyChanges(EMPTY_MODEL, [
    { op: "add_tenant", tenant: { id: "t", name: "t" } },
    { op: "add_host", host: { id: "h1", name: "kvm1", managementAddress: "203.0.113.1", ovsdbTarget: "tcp:203.0.113.1:6640", backend: "ovs", tunnelIp: "203.0.113.1" } },
    { op: "add_host", host: { id: "h2", name: "kvm2", managementAddress: "203.0.113.2", ovsdbTarget: "tcp:203.0.113.2:6640", backend: "ovs", tunnelIp: "203.0.113.2" } },
    { op: "add_network", network: { id: "n", tenantId: "t", name: "red", kind: "overlay", segmentationId: 77, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: null, dns: ["198.51.100.53"] } },
    { op: "add_port", port: { id: "vm1", networkId: "n", hostId: "h1", mac: "02:00:00:00:00:01" } },
    { op: "add_port", port: { id: "vm2", networkId: "n", hostId: "h2", mac: "02:00:00:00:00:02" } },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const model = r.value;
  const sim = new SimNetwork(model);
  sim.reconcileAll();
  let leases: LeaseDb = new Map();
  /** The controller side: PACKET_IN → which port (by in_port) → pure server → PACKET_OUT to that port. */
  const controller = (sent: SendResult): SendResult[] =>
    sent.packetIns.filter((p) => isDhcpCookie(p.cookie)).map((pin) => {
      const portId = Object.entries(sim.wiring.get(pin.hostId)!.vmPorts).find(([, n]) => n === pin.inPort)![0];
      const port = model.ports.find((p) => p.id === portId)!;
      const network = model.networks.find((n) => n.id === port.networkId)!;
      const res = handle(leases, pin.frame, { port, network }, 1_000_000);
      leases = res.leases;
      if (!res.reply) return { delivered: [], packetIns: [], site: [], trace: [res.outcome] };
      return sim.packetOut(pin.hostId, { type: "packet_out", xid: 0, bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER, actions: [{ type: "output", port: pin.inPort }], data: res.reply });
    });
  return { model, sim, controller, leases: () => leases };
}

const vm1Mac = "02:00:00:00:00:01";

function clientMessage(type: number, extra: Array<[number, Uint8Array]>, ciaddr = "0.0.0.0"): DhcpMessage {
  return { op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: 42, secs: 0, flags: 0, ciaddr, yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: "0.0.0.0", chaddr: vm1Mac, options: new Map([[OPT.MESSAGE_TYPE, opt.u8(type)], ...extra]) };
}

function dhcpOf(frame: Uint8Array) {
  const eth = parseFrame(frame);
  if (eth.payload.kind !== "ipv4" || eth.payload.body.kind !== "udp") throw new Error("not DHCP");
  return decodeDhcp(eth.payload.body.payload);
}

describe("DHCP through the simulated pipeline", () => {
  it("DISCOVER/OFFER/REQUEST/ACK, then a unicast renewal", () => {
    const { sim, controller, leases } = setup();
    const discover = sim.send("vm1", encodeFrame(udpFrame({ srcMac: vm1Mac, dstMac: BROADCAST_MAC, srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload: encodeDhcp(clientMessage(DHCP_TYPE.DISCOVER, [])) })));
    expect(discover.delivered).toEqual([]); // vm2 never sees it
    const [offerOut] = controller(discover);
    expect(offerOut!.delivered.map((d) => d.portId)).toEqual(["vm1"]);
    const offer = dhcpOf(offerOut!.delivered[0]!.frame);
    expect(messageType(offer)).toBe(DHCP_TYPE.OFFER);
    expect(offer.yiaddr).toBe("192.0.2.2");

    const request = sim.send("vm1", encodeFrame(udpFrame({ srcMac: vm1Mac, dstMac: BROADCAST_MAC, srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload: encodeDhcp(clientMessage(DHCP_TYPE.REQUEST, [[OPT.SERVER_ID, opt.ips([ipOption(offer, OPT.SERVER_ID)!])], [OPT.REQUESTED_IP, opt.ips([offer.yiaddr])]])) })));
    const [ackOut] = controller(request);
    expect(messageType(dhcpOf(ackOut!.delivered[0]!.frame))).toBe(DHCP_TYPE.ACK);
    expect(leases().get("vm1")?.state).toBe("bound");

    // RENEWING: the client ARPs for the server identifier, then unicasts its REQUEST there.
    const arp = sim.send("vm1", encodeFrame(arpFrame({ op: ARP_OP.REQUEST, srcMac: vm1Mac, dstMac: BROADCAST_MAC, sha: vm1Mac, spa: "192.0.2.2", tha: "00:00:00:00:00:00", tpa: "192.0.2.1" })));
    const arpReply = parseFrame(arp.delivered[0]!.frame);
    expect(arp.delivered.map((d) => d.portId)).toEqual(["vm1"]);
    const serverMac = arpReply.payload.kind === "arp" ? arpReply.payload.sha : "";
    expect(serverMac).toBe("02:76:6e:00:00:4d");
    const renew = sim.send("vm1", encodeFrame(udpFrame({ srcMac: vm1Mac, dstMac: serverMac, srcIp: "192.0.2.2", dstIp: "192.0.2.1", srcPort: 68, dstPort: 67, payload: encodeDhcp(clientMessage(DHCP_TYPE.REQUEST, [], "192.0.2.2")) })));
    expect(renew.delivered).toEqual([]);
    const [renewAck] = controller(renew);
    const ack = parseFrame(renewAck!.delivered[0]!.frame);
    expect(ack.dst).toBe(vm1Mac);
    expect(messageType(dhcpOf(renewAck!.delivered[0]!.frame))).toBe(DHCP_TYPE.ACK);
  });

  it("a VM cannot act as a DHCP server, not even from its own address; attempts are counted apart from spoofing", () => {
    const { sim, model } = setup();
    const vm2 = model.ports.find((p) => p.id === "vm2")!;
    for (const srcIp of ["192.0.2.1", vm2.ip!]) {
      const rogue = sim.send("vm2", encodeFrame(udpFrame({ srcMac: vm2.mac, dstMac: BROADCAST_MAC, srcIp, dstIp: "255.255.255.255", srcPort: 67, dstPort: 68, payload: new Uint8Array(300) })));
      expect(rogue.delivered).toEqual([]);
    }
    const sw = sim.switchOf("h2");
    const ofVm2 = (role: string) => (c: bigint) => decodeCookie(c)?.role === role && decodeCookie(c)?.idHash === idHash("vm2");
    expect(sw.packetCount(ofVm2("dhcp_server_guard"))).toBe(2n);
    expect(sw.packetCount(ofVm2("spoof_drop"))).toBe(0n);
  });
});
