// Random models through compile → diff → codec → simulated switches: every pair of VMs is checked
// for reachability inside a network and isolation between networks.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OFPFC, OFPGC } from "../../../openflow/index";
import { applyChange, type NetworkModel, type Port } from "../../../src/model";
import { ARP_OP, BROADCAST_MAC, arpFrame, encodeFrame, icmpEchoFrame, parseFrame, udpFrame } from "../../../src/packet";
import { changes, compile, decodeCookie, diff, idHash, isInSync, type SwitchMessage } from "../../../src/pipeline";
import { buildModel, modelShape } from "../../support/sim-models";
import { SimNetwork, wiringFor } from "../../support/sim-network";
import { SimSwitch } from "../../support/sim-switch";

const RUNS = 30;

function loaded(model: NetworkModel) {
  const sim = new SimNetwork(model);
  const sent = sim.reconcileAll();
  return { sim, sent };
}

const sameNet = (a: Port, b: Port) => a.networkId === b.networkId;

describe("pipeline properties over random models", () => {
  it("reaches every port of the same network and none of another, for every pair", () => {
    fc.assert(
      fc.property(modelShape, (shape) => {
        const model = buildModel(shape);
        const { sim } = loaded(model);
        const byId = new Map(model.ports.map((p) => [p.id, p]));
        for (const a of model.ports) {
          // Broadcast reaches exactly the other ports of a's network, each once.
          const bcast = sim.send(a.id, encodeFrame(udpFrame({ srcMac: a.mac, dstMac: BROADCAST_MAC, srcIp: a.ip ?? "0.0.0.0", dstIp: "255.255.255.255", srcPort: 9, dstPort: 9, payload: new Uint8Array(8) })));
          const expected = model.ports.filter((p) => p.id !== a.id && sameNet(p, a)).map((p) => p.id).sort();
          expect(bcast.delivered.map((d) => d.portId).sort()).toEqual(expected);
          for (const b of model.ports) {
            if (a === b) continue;
            // ARP for b's address first: answered on a's own switch when they share a network, and
            // the answer's MAC is where the unicast below goes (as a real VM would do it).
            let dstMac = b.mac;
            if (a.ip !== null && b.ip !== null) {
              const arp = sim.send(a.id, encodeFrame(arpFrame({ op: ARP_OP.REQUEST, srcMac: a.mac, dstMac: BROADCAST_MAC, sha: a.mac, spa: a.ip, tha: "00:00:00:00:00:00", tpa: b.ip })));
              const replies = arp.delivered.filter((d) => d.portId === a.id).map((d) => parseFrame(d.frame).payload);
              if (sameNet(a, b)) {
                expect(arp.delivered.map((d) => d.portId)).toEqual([a.id]);
                expect(replies).toEqual([expect.objectContaining({ op: ARP_OP.REPLY, sha: b.mac, spa: b.ip })]);
                const reply = replies[0]!;
                if (reply.kind === "arp") dstMac = reply.sha;
              } else {
                expect(arp.delivered.map((d) => d.portId)).not.toContain(b.id);
                for (const r of replies) {
                  // Any answer names a port of a's own network that holds that address.
                  expect(model.ports.some((p) => sameNet(p, a) && r.kind === "arp" && p.mac === r.sha && p.ip === r.spa)).toBe(true);
                }
              }
            }
            // Unicast: arrives at b exactly when they share a network; never leaves a's network.
            const uni = sim.send(a.id, encodeFrame(icmpEchoFrame({ srcMac: a.mac, dstMac, srcIp: a.ip ?? "198.51.100.250", dstIp: b.ip ?? "198.51.100.251" })));
            const got = uni.delivered.map((d) => d.portId);
            expect(got.every((id) => sameNet(byId.get(id)!, a))).toBe(true);
            if (sameNet(a, b)) expect(got).toEqual([b.id]);
            else expect(got).not.toContain(b.id);
            expect(uni.packetIns).toEqual([]);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("drops and counts spoofed frames; DHCP of overlay ports goes to the controller only", () => {
    fc.assert(
      fc.property(modelShape, (shape) => {
        const model = buildModel(shape);
        const { sim } = loaded(model);
        for (const a of model.ports) {
          const network = model.networks.find((n) => n.id === a.networkId)!;
          const sw = sim.switchOf(a.hostId);
          const spoofCount = () => sw.packetCount((c) => decodeCookie(c)?.role === "spoof_drop" && (c & ((1n << 40n) - 1n)) === idHash(a.id));
          const before = spoofCount();
          const spoofs = [
            icmpEchoFrame({ srcMac: "02:ff:00:00:00:01", dstMac: BROADCAST_MAC, srcIp: a.ip ?? "192.0.2.200", dstIp: "192.0.2.201" }),
            arpFrame({ op: ARP_OP.REQUEST, srcMac: a.mac, dstMac: BROADCAST_MAC, sha: "02:ff:00:00:00:02", spa: a.ip ?? "192.0.2.200", tha: "00:00:00:00:00:00", tpa: "192.0.2.201" }),
          ];
          if (a.ip !== null) spoofs.push(icmpEchoFrame({ srcMac: a.mac, dstMac: BROADCAST_MAC, srcIp: a.ip === "192.0.2.250" ? "192.0.2.251" : "192.0.2.250", dstIp: "192.0.2.201" }));
          for (const f of spoofs) {
            const r = sim.send(a.id, encodeFrame(f));
            expect(r.delivered).toEqual([]);
            expect(r.site).toEqual([]);
          }
          expect(spoofCount() - before).toBe(BigInt(spoofs.length));

          const discover = sim.send(a.id, encodeFrame(udpFrame({ srcMac: a.mac, dstMac: BROADCAST_MAC, srcIp: "0.0.0.0", dstIp: "255.255.255.255", srcPort: 68, dstPort: 67, payload: new Uint8Array(300) })));
          if (network.kind === "overlay") {
            expect(discover.delivered).toEqual([]);
            expect(discover.packetIns.map((p) => [p.hostId, decodeCookie(p.cookie)?.role])).toEqual([[a.hostId, "dhcp_to_controller"]]);
          } else {
            expect(discover.packetIns).toEqual([]);
            expect(discover.site.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("is idempotent: in sync after one reconcile, and replaying the flow messages changes nothing", () => {
    fc.assert(
      fc.property(modelShape, (shape) => {
        const model = buildModel(shape);
        const { sim, sent } = loaded(model);
        for (const [hostId, sw] of sim.switches) {
          const snap = sw.snapshot();
          expect(isInSync(diff(sim.desired.get(hostId)!, sw.actual()))).toBe(true);
          // Flow ADDs replace identical entries; group ADDs would be refused as existing, as on a real switch.
          sw.sendAll((sent.get(hostId) ?? []).filter((m) => m.type !== "group_mod"));
          expect(sw.snapshot()).toBe(snap);
          // A fresh switch loaded with the same messages ends up identical.
          const fresh = new SimSwitch("fresh");
          fresh.sendAll(sent.get(hostId) ?? []);
          expect(fresh.snapshot()).toBe(snap);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("a new port sends only its own flows and its network's, and ends where a full reconcile would", () => {
    fc.assert(
      fc.property(modelShape, fc.nat(20), fc.nat(3), (shape, netPick, hostPick) => {
        const model = buildModel(shape);
        if (model.networks.length === 0) return;
        const network = model.networks[netPick % model.networks.length]!;
        const host = model.hosts[hostPick % model.hosts.length]!;
        const added = applyChange(model, { op: "add_port", port: { id: "new", networkId: network.id, hostId: host.id, mac: "02:00:00:00:0e:0e" } });
        if (!added.ok) return;
        const next = added.value;
        const { sim } = loaded(model);
        for (const h of next.hosts) {
          const wiring = wiringFor(next, h.id);
          const sw = sim.switchOf(h.id);
          // The switch keeps its old port numbers: only the new port gets a number of its own.
          const oldWiring = sim.wiring.get(h.id)!;
          const kept = { ...wiring, vmPorts: { ...oldWiring.vmPorts, ...(h.id === host.id ? { new: 500 } : {}) } };
          const msgs: SwitchMessage[] = changes(sim.desired.get(h.id)!, compile(next, h.id, kept));
          for (const m of msgs) {
            if (m.type === "flow_mod") {
              expect([OFPFC.ADD, OFPFC.MODIFY_STRICT]).toContain(m.command);
              const info = decodeCookie(m.cookie);
              // A host that joins the network also learns the network's other ports (ARP, L2).
              const joined = h.id === host.id && !model.ports.some((p) => p.hostId === h.id && p.networkId === network.id);
              const portOwners = joined ? next.ports.filter((p) => p.networkId === network.id).map((p) => p.id) : ["new"];
              const ownerOk =
                (info?.kind === "port" && portOwners.some((id) => idHash(id) === info.idHash)) ||
                (info?.kind === "network" && info.idHash === idHash(network.id));
              expect(ownerOk, `unexpected flow for ${info?.kind}/${info?.role} table ${m.tableId}`).toBe(true);
            } else if (m.type === "group_mod") {
              expect(m.command).not.toBe(OFPGC.DELETE);
            }
          }
          if (h.id !== host.id && !model.ports.some((p) => p.hostId === h.id && p.networkId === network.id)) {
            expect(isInSync(msgs)).toBe(true);
          }
          sw.sendAll(msgs);
          const full = new SimSwitch("full");
          full.sendAll(diff(compile(next, h.id, kept), full.actual()));
          expect(sw.snapshot()).toBe(full.snapshot());
        }
      }),
      { numRuns: RUNS },
    );
  });

  /** The same network with a new segmentation id (VNI, or VLAN for a tagged provider network). */
  const renumbered = (n: NetworkModel["networks"][number]) =>
    ({ ...n, segmentationId: n.kind === "overlay" ? 9000 + (n.segmentationId ?? 0) : n.segmentationId === null ? null : 4000 - n.segmentationId });

  it("a port or network change applied incrementally touches only its network and ends where a full reconcile would", () => {
    const changeArb = fc.record({ kind: fc.constantFrom("add", "remove", "move", "renumber"), pick: fc.nat(30), host: fc.nat(3) });
    fc.assert(
      fc.property(modelShape, changeArb, (shape, c) => {
        const model = buildModel(shape);
        if (model.ports.length === 0 || model.networks.length === 0) return;
        const victim = model.ports[c.pick % model.ports.length]!;
        const network = model.networks[c.pick % model.networks.length]!;
        const host = model.hosts[c.host % model.hosts.length]!;
        const r =
          c.kind === "add"
            ? applyChange(model, { op: "add_port", port: { id: "new", networkId: network.id, hostId: host.id, mac: "02:00:00:00:0e:0e" } })
            : c.kind === "remove"
              ? applyChange(model, { op: "remove_port", id: victim.id })
              : c.kind === "move"
                ? applyChange(model, { op: "update_port", port: { id: victim.id, networkId: victim.networkId, hostId: host.id, mac: victim.mac } })
                : applyChange(model, { op: "update_network", network: renumbered(model.networks.find((n) => n.id === victim.networkId)!) });
        if (!r.ok) return;
        const next = r.value;
        const touched = c.kind === "add" ? network.id : victim.networkId;
        const { sim } = loaded(model);
        let nextOfport = 500;
        for (const h of next.hosts) {
          const old = sim.wiring.get(h.id)!;
          const vmPorts: Record<string, number> = {};
          for (const p of next.ports.filter((p) => p.hostId === h.id)) vmPorts[p.id] = old.vmPorts[p.id] ?? nextOfport++;
          const wiring = { ...old, vmPorts };
          const msgs = changes(sim.desired.get(h.id)!, compile(next, h.id, wiring));
          for (const m of msgs) {
            if (m.type !== "flow_mod") continue;
            const info = decodeCookie(m.cookie);
            const owner = info?.kind === "port" ? next.ports.concat(model.ports).find((p) => idHash(p.id) === info.idHash)?.networkId : info?.kind === "network" ? next.networks.find((n) => idHash(n.id) === info.idHash)?.id : undefined;
            expect(owner, `flow of ${info?.kind}/${info?.role} changed by a change in ${touched}`).toBe(touched);
          }
          const sw = sim.switchOf(h.id);
          sw.sendAll(msgs);
          const full = new SimSwitch("full");
          full.sendAll(diff(compile(next, h.id, wiring), full.actual()));
          expect(sw.snapshot()).toBe(full.snapshot());
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("repairs drift: whatever was removed, added or changed by hand, one diff brings the switch back", () => {
    const drift = fc.record({
      removeEvery: fc.integer({ min: 2, max: 9 }),
      garbageFlows: fc.array(fc.record({ table: fc.constantFrom(0, 10, 40, 60, 200), port: fc.integer({ min: 4000, max: 4100 }) }), { maxLength: 5 }),
      garbageGroup: fc.boolean(),
      emptyAGroup: fc.boolean(),
    });
    fc.assert(
      fc.property(modelShape, drift, (shape, d) => {
        const model = buildModel(shape);
        const { sim } = loaded(model);
        for (const [hostId, sw] of sim.switches) {
          const clean = sw.snapshot();
          // Drift: every n-th flow deleted, foreign flows (cookie 0, as by ovs-ofctl) added, a group
          // emptied, a foreign group added.
          const actual = sw.actual();
          actual.flows.forEach((f, i) => {
            if (i % d.removeEvery === 0) sw.send({ type: "flow_mod", xid: 0, cookie: 0n, cookieMask: 0n, tableId: f.tableId, command: OFPFC.DELETE_STRICT, idleTimeout: 0, hardTimeout: 0, priority: f.priority, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match: f.match, instructions: [] });
          });
          const seen = new Set<string>();
          for (const g of d.garbageFlows) {
            if (seen.has(`${g.table}/${g.port}`)) continue;
            seen.add(`${g.table}/${g.port}`);
            sw.send({ type: "flow_mod", xid: 0, cookie: 0n, cookieMask: 0n, tableId: g.table, command: OFPFC.ADD, idleTimeout: 0, hardTimeout: 0, priority: 7, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0, match: { in_port: g.port }, instructions: [{ type: "apply_actions", actions: [{ type: "output", port: 1 }] }] });
          }
          if (d.garbageGroup) sw.send({ type: "group_mod", xid: 0, command: OFPGC.ADD, groupType: 0, groupId: 424242, buckets: [{ weight: 0, watchPort: 0xffffffff, watchGroup: 0xffffffff, actions: [{ type: "output", port: 1 }] }] });
          const someGroup = actual.groups.find((g) => !actual.groups.some((o) => o.buckets.some((b) => b.actions.some((a) => a.type === "group" && a.groupId === g.groupId))));
          if (d.emptyAGroup && someGroup) sw.send({ type: "group_mod", xid: 0, command: OFPGC.MODIFY, groupType: someGroup.groupType, groupId: someGroup.groupId, buckets: [] });
          const repair = diff(sim.desired.get(hostId)!, sw.actual());
          sw.sendAll(repair);
          expect(sw.snapshot() === clean, `${hostId} not repaired`).toBe(true);
          expect(isInSync(diff(sim.desired.get(hostId)!, sw.actual()))).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
