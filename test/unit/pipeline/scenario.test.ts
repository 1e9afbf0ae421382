// A hand-written lab: two tenants using the same CIDR on overlay networks across three hosts, and
// a VLAN provider network. Every check goes through compile → diff → codec → simulated switches.
import { describe, expect, it } from "vitest";
import { EMPTY_MODEL, applyChanges, type ModelChange, type NetworkModel } from "../../../src/model";
import { ARP_OP, arpFrame, encodeFrame, icmpEchoFrame, parseFrame, udpFrame } from "../../../src/packet";
import { decodeCookie, diff, isInSync, traceBetween, type SwitchView } from "../../../src/pipeline";
import { SimNetwork } from "../../support/sim-network";

const host = (id: string, n: number, uplink = true): ModelChange => ({
  op: "add_host",
  host: { id, name: `kvm${n}`, managementAddress: `203.0.113.${n}`, ovsdbTarget: `tcp:203.0.113.${n}:6640`, backend: "ovs", tunnelIp: `203.0.113.${n}`, uplink: uplink ? "eth1" : null },
});
const net = (id: string, tenantId: string, vni: number): ModelChange => ({
  op: "add_network",
  network: { id, tenantId, name: id, kind: "overlay", segmentationId: vni, subnet: "192.0.2.0/24", gateway: "192.0.2.1", dhcpRange: { start: "192.0.2.10", end: "192.0.2.99" }, dns: [] },
});
const port = (id: string, networkId: string, hostId: string, mac: string, ip?: string): ModelChange => ({
  op: "add_port",
  port: { id, networkId, hostId, mac, ...(ip ? { ip } : {}) },
});

function labModel(): NetworkModel {
  const r = applyChanges(EMPTY_MODEL, [
    { op: "add_tenant", tenant: { id: "acme", name: "acme" } },
    { op: "add_tenant", tenant: { id: "globex", name: "globex" } },
    host("h1", 1),
    host("h2", 2),
    host("h3", 3),
    net("red", "acme", 1001),
    net("blue", "globex", 1002),
    {
      op: "add_network",
      network: { id: "site", tenantId: "acme", name: "site", kind: "provider", segmentationId: 42, subnet: "198.51.100.0/24", gateway: "198.51.100.1", dhcpRange: { start: "198.51.100.100", end: "198.51.100.200" }, dns: [] },
    },
    port("r1", "red", "h1", "02:00:00:00:01:01"),
    port("r2", "red", "h2", "02:00:00:00:01:02"),
    port("r3", "red", "h2", "02:00:00:00:01:03"),
    // Same addresses, other tenant: blue's b1 gets 192.0.2.10 like red's r1.
    port("b1", "blue", "h1", "02:00:00:00:02:01"),
    port("b2", "blue", "h3", "02:00:00:00:02:02"),
    port("s1", "site", "h1", "02:00:00:00:03:01"),
    port("s2", "site", "h3", "02:00:00:00:03:02", "198.51.100.20"),
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function lab() {
  const model = labModel();
  const sim = new SimNetwork(model);
  sim.reconcileAll();
  const p = (id: string) => model.ports.find((x) => x.id === id)!;
  return { model, sim, p };
}

describe("pipeline on a simulated three-host lab", () => {
  it("gives two tenants the same addresses", () => {
    const { p } = lab();
    expect(p("r1").ip).toBe("192.0.2.10");
    expect(p("b1").ip).toBe("192.0.2.10");
  });

  it("answers ARP for a VM on another host from the local switch, without flooding", () => {
    const { sim, p } = lab();
    const a = p("r1");
    const b = p("r2");
    const req = arpFrame({ op: ARP_OP.REQUEST, srcMac: a.mac, dstMac: "ff:ff:ff:ff:ff:ff", sha: a.mac, spa: a.ip!, tha: "00:00:00:00:00:00", tpa: b.ip! });
    const r = sim.send("r1", encodeFrame(req));
    expect(r.delivered.map((d) => d.portId)).toEqual(["r1"]);
    const reply = parseFrame(r.delivered[0]!.frame);
    expect(reply.dst).toBe(a.mac);
    expect(reply.src).toBe(b.mac);
    expect(reply.payload).toMatchObject({ kind: "arp", op: ARP_OP.REPLY, sha: b.mac, spa: b.ip, tha: a.mac, tpa: a.ip });
    expect(r.packetIns).toEqual([]);
  });

  it("carries unicast across a tunnel with tunnel_id = VNI, to that VM only", () => {
    const { sim, p } = lab();
    const a = p("r1");
    const b = p("r3");
    const r = sim.send("r1", encodeFrame(icmpEchoFrame({ srcMac: a.mac, dstMac: b.mac, srcIp: a.ip!, dstIp: b.ip! })));
    expect(r.delivered.map((d) => d.portId)).toEqual(["r3"]);
    const tunnelOut = sim.switchOf("h1").portLog.get(sim.wiring.get("h1")!.tunnels["h2"]!);
    expect(tunnelOut?.at(-1)?.tunnelId).toBe(1001n);
  });

  it("floods a broadcast to exactly the network's other ports, on every host, once each", () => {
    const { sim, p } = lab();
    const a = p("r2");
    const frame = udpFrame({ srcMac: a.mac, dstMac: "ff:ff:ff:ff:ff:ff", srcIp: a.ip!, dstIp: "192.0.2.255", srcPort: 9, dstPort: 9, payload: new Uint8Array(4) });
    const r = sim.send("r2", encodeFrame(frame));
    expect(r.delivered.map((d) => d.portId).sort()).toEqual(["r1", "r3"]);
    // h3 has no red port: nothing is tunnelled there.
    expect(sim.switchOf("h2").portLog.get(sim.wiring.get("h2")!.tunnels["h3"]!)).toBeUndefined();
  });

  it("isolates tenants that share a CIDR: a frame to the other tenant's MAC never arrives", () => {
    const { sim, p } = lab();
    const a = p("r1");
    const b = p("b2");
    const r = sim.send("r1", encodeFrame(icmpEchoFrame({ srcMac: a.mac, dstMac: b.mac, srcIp: a.ip!, dstIp: b.ip! })));
    expect(r.delivered.filter((d) => !d.portId.startsWith("r"))).toEqual([]);
  });

  it("drops and counts spoofed MAC, IP and ARP", () => {
    const { sim, p } = lab();
    const a = p("r1");
    const b = p("r2");
    const spoofs = [
      icmpEchoFrame({ srcMac: "02:00:00:00:09:09", dstMac: b.mac, srcIp: a.ip!, dstIp: b.ip! }),
      icmpEchoFrame({ srcMac: a.mac, dstMac: b.mac, srcIp: "192.0.2.77", dstIp: b.ip! }),
      arpFrame({ op: ARP_OP.REPLY, srcMac: a.mac, dstMac: b.mac, sha: a.mac, spa: b.ip!, tha: b.mac, tpa: b.ip! }),
    ];
    for (const f of spoofs) expect(sim.send("r1", encodeFrame(f)).delivered).toEqual([]);
    const h1 = sim.switchOf("h1");
    const spoofCount = h1.packetCount((c) => decodeCookie(c)?.role === "spoof_drop");
    expect(spoofCount).toBe(3n);
  });

  it("sends overlay DHCP to the controller with a DHCP cookie, and provider DHCP to the site", () => {
    const { sim, p } = lab();
    const a = p("r1");
    const discover = udpFrame({ srcMac: a.mac, dstMac: "ff:ff:ff:ff:ff:ff", srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload: new Uint8Array(300) });
    const r = sim.send("r1", encodeFrame(discover));
    expect(r.delivered).toEqual([]);
    expect(r.packetIns).toHaveLength(1);
    expect(decodeCookie(r.packetIns[0]!.cookie)?.role).toBe("dhcp_to_controller");

    const s = p("s1");
    const site = sim.send("s1", encodeFrame({ ...discover, src: s.mac }));
    expect(site.packetIns).toEqual([]);
    expect(site.site.map((x) => x.vlan)).toEqual([42]);
    expect(site.delivered.map((d) => d.portId)).toEqual(["s2"]);
  });

  it("bridges a provider VLAN: tagged from the site in, untagged to the VM", () => {
    const { sim, p } = lab();
    const s2 = p("s2");
    const frame = icmpEchoFrame({ srcMac: "02:00:00:00:aa:aa", dstMac: s2.mac, srcIp: "198.51.100.1", dstIp: s2.ip! });
    const tagged = encodeFrame({ ...frame, vlan: { vid: 42, pcp: 0 } });
    const r = sim.sendFromSite(tagged, 42);
    expect(r.delivered.map((d) => d.portId)).toEqual(["s2"]);
    expect(parseFrame(r.delivered[0]!.frame).vlan).toBeUndefined();
    const other = sim.sendFromSite(encodeFrame({ ...frame, vlan: { vid: 43, pcp: 0 } }), 43);
    expect(other.delivered).toEqual([]);
  });

  it("is in sync after loading: a second diff is only the barrier, and replaying changes nothing", () => {
    const { sim } = lab();
    for (const [hostId, sw] of sim.switches) {
      const before = sw.snapshot();
      const again = diff(sim.desired.get(hostId)!, sw.actual());
      expect(isInSync(again)).toBe(true);
      expect(again).toHaveLength(1);
      expect(sw.snapshot()).toBe(before);
    }
  });

  it("explains a path for the why view, from the compiled flows", () => {
    const { model, sim } = lab();
    const views = new Map<string, SwitchView>([...sim.switches.keys()].map((h) => [h, { desired: sim.desired.get(h)!, wiring: sim.wiring.get(h)! }]));
    const ok = traceBetween(model, views, "r1", "r3", "icmp");
    expect(ok.delivered).toBe(true);
    expect(ok.verdict).toBe("delivered to r3 on kvm2 port " + sim.wiring.get("h2")!.vmPorts["r3"]);
    expect(ok.steps.map((s) => `${s.host}:${s.table}`)).toEqual([
      "kvm1:classify", "kvm1:port_security", "kvm1:l2_lookup", "kvm1:egress",
      "kvm2:classify", "kvm2:l2_lookup", "kvm2:egress",
    ]);
    expect(ok.steps[3]!.actions).toBe("set_field:0x3e9->tunnel_id,output:" + sim.wiring.get("h1")!.tunnels["h2"]);
    expect(ok.steps[0]!.owner).toBe("port r1 (forward)");

    const arp = traceBetween(model, views, "r1", "r2", "arp");
    expect(arp.delivered).toBe(true);
    expect(arp.verdict).toMatch(/answered by the switch on kvm1 \(ARP responder\): 192.0.2.11 is at 02:00:00:00:01:02/);

    const isolated = traceBetween(model, views, "r1", "b2", "tcp", 22);
    expect(isolated.delivered).toBe(false);
    // Unknown unicast floods within red (to kvm2) and dies there; blue on kvm3 is never reached.
    expect(isolated.verdict).toBe("dropped in l2_lookup on kvm2 (table miss (guard))");

    const site = traceBetween(model, views, "s1", "s2", "udp", 53);
    expect(site.delivered).toBe(true);
    expect(site.steps.map((s) => s.host)).toContain("kvm3");

    expect(traceBetween(model, views, "r1", "nope", "icmp").verdict).toBe("unknown port nope");
  });
});
