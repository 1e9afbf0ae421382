import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filterFlowDiff, filterSnapshot, filterTopology } from "../../../src/live/audience";
import { applyFlowDiff, applyTopologyDiff, diffTopology, emptyFlowTable, emptyTopology, updateFlowTable } from "../../../src/live/diff";
import type { ObservedFlow, Topology } from "../../../src/live/types";
import { LiveView, type LiveMessage } from "../../../src/live/view";

function flow(tableId: number, priority: number, match: string, packets: number, cookie = 0n, actions = "drop"): ObservedFlow {
  return { tableId, priority, match, actions, cookie, packetCount: BigInt(packets), byteCount: BigInt(packets * 100) };
}

// Cookies in these tests: 0x1 belongs to tenant red, 0x2 to blue, anything else to nobody.
const owner = (cookie: bigint) => (cookie === 1n ? { tenant: "red" } : cookie === 2n ? { tenant: "blue" } : {});

describe("updateFlowTable", () => {
  it("reports new flows in full, then only counters that moved, with per-second rates", () => {
    const t0 = updateFlowTable(emptyFlowTable(), "0000000000000001", [flow(0, 10, "in_port=1", 0), flow(0, 5, "in_port=2", 7)], 1000);
    expect(t0.diff.added.map((f) => f.match)).toEqual(["in_port=1", "in_port=2"]);
    expect(t0.diff.counters).toEqual([]);
    const [a, b] = t0.diff.added;
    const t1 = updateFlowTable(t0.table, "0000000000000001", [flow(0, 10, "in_port=1", 50), flow(0, 5, "in_port=2", 7)], 3000);
    expect(t1.diff.added).toEqual([]);
    expect(t1.diff.removed).toEqual([]);
    // 50 packets in 2 s = 25 pps; 5000 bytes in 2 s = 2500 B/s. The idle flow sends nothing.
    expect(t1.diff.counters).toEqual([[a!.id, 50, 5000, 25, 2500]]);
    // The next idle interval brings the rate back to zero, which clients must hear about.
    const t2 = updateFlowTable(t1.table, "0000000000000001", [flow(0, 10, "in_port=1", 50), flow(0, 5, "in_port=2", 7)], 4000);
    expect(t2.diff.counters).toEqual([[a!.id, 50, 5000, 0, 0]]);
    const t3 = updateFlowTable(t2.table, "0000000000000001", [flow(0, 10, "in_port=1", 50)], 5000);
    expect(t3.diff.removed).toEqual([b!.id]);
  });

  it("treats a changed action under the same match as remove + add with a new id", () => {
    const t0 = updateFlowTable(emptyFlowTable(), "1", [flow(1, 100, "dl_dst=02:00:00:00:00:01", 0, 0n, "output:1")], 0);
    const t1 = updateFlowTable(t0.table, "1", [flow(1, 100, "dl_dst=02:00:00:00:00:01", 0, 0n, "output:2")], 1000);
    expect(t1.diff.removed).toEqual([t0.diff.added[0]!.id]);
    expect(t1.diff.added[0]!.actions).toBe("output:2");
    expect(t1.diff.added[0]!.id).not.toBe(t0.diff.added[0]!.id);
  });

  it("reads a counter that went backwards (switch restart) as rate 0, not negative", () => {
    const t0 = updateFlowTable(emptyFlowTable(), "1", [flow(0, 1, "", 100)], 0);
    const t1 = updateFlowTable(t0.table, "1", [flow(0, 1, "", 3)], 1000);
    expect(t1.diff.counters[0]!.slice(3)).toEqual([0, 0]);
  });

  it("snapshot + diffs rebuild exactly the switch's table, whatever the sequence of dumps", () => {
    const dumpArb = fc.array(
      fc.record({ t: fc.integer({ min: 0, max: 2 }), m: fc.integer({ min: 0, max: 6 }), p: fc.nat(1000), a: fc.boolean() }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(fc.array(dumpArb, { minLength: 1, maxLength: 6 }), (dumps) => {
        let table = emptyFlowTable();
        let client: ReturnType<typeof applyFlowDiff> = [];
        dumps.forEach((dump, i) => {
          const observed = dump.map((d) => flow(d.t, 10, `reg0=${d.m}`, d.p, 0n, d.a ? "drop" : "output:1"));
          const r = updateFlowTable(table, "1", observed, (i + 1) * 1000);
          table = r.table;
          client = applyFlowDiff(client, r.diff);
        });
        const server = [...table.byKey.values()].sort((x, y) => x.id - y.id);
        expect(client.sort((x, y) => x.id - y.id)).toEqual(server);
      }),
      { numRuns: 200 },
    );
  });
});

describe("tenant audiences", () => {
  const topology: Topology = {
    hosts: [
      { name: "hv1", backend: "ovs", address: "192.0.2.1", ovsdbConnected: true, openflowConnected: true, libvirtReachable: false },
      { name: "hv2", backend: "ovs", address: "192.0.2.2", ovsdbConnected: true, openflowConnected: true, libvirtReachable: false },
    ],
    switches: [
      {
        dpid: "0000000000000001",
        host: "hv1",
        name: "br-int",
        connected: true,
        ports: [
          { portNo: 1, name: "tap-r", hwAddr: "02:00:00:00:00:01", up: true, tenant: "red", vm: "r1" },
          { portNo: 2, name: "tap-b", hwAddr: "02:00:00:00:00:02", up: true, tenant: "blue", vm: "b1" },
        ],
      },
      { dpid: "0000000000000002", host: "hv2", name: "br-int", connected: true, ports: [] },
    ],
    tunnels: [{ id: "hv1->hv2", fromHost: "hv1", toHost: "hv2", kind: "vxlan", remoteIp: "198.51.100.2", up: true }],
    vms: [
      { id: "vm-r1", name: "r1", tenant: "red", host: "hv1", state: "running", nics: [] },
      { id: "vm-b1", name: "b1", tenant: "blue", host: "hv1", state: "running", nics: [] },
      { id: "vm-b2", name: "b2", tenant: "blue", host: "hv2", state: "running", nics: [] },
    ],
    networks: [
      { id: "n-r", name: "net", tenant: "red", subnet: "203.0.113.0/24" },
      { id: "n-b", name: "net", tenant: "blue", subnet: "203.0.113.0/24" },
    ],
  };

  it("a tenant sees its VMs, networks, the hosts they run on and only its own switch ports", () => {
    const red = filterTopology(topology, { role: "tenant", tenant: "red" });
    expect(red.vms.map((v) => v.name)).toEqual(["r1"]);
    expect(red.networks.map((n) => n.id)).toEqual(["n-r"]);
    expect(red.hosts.map((h) => h.name)).toEqual(["hv1"]);
    expect(red.switches.map((s) => s.ports.map((p) => p.name))).toEqual([["tap-r"]]);
    expect(red.tunnels).toEqual([]); // red has no VM on hv2
    const blue = filterTopology(topology, { role: "tenant", tenant: "blue" });
    expect(blue.tunnels.map((t) => t.id)).toEqual(["hv1->hv2"]);
    // Underlay addresses stay private.
    expect(blue.tunnels[0]!.remoteIp).toBe("");
    expect(blue.hosts.map((h) => h.address)).toEqual(["", ""]);
    expect(JSON.stringify(blue)).not.toMatch(/192\.0\.2\.|198\.51\.100\./);
    expect(filterTopology(topology, { role: "admin" })).toBe(topology);
  });

  it("flow diffs reach a tenant only for its flows, including the removal of one", () => {
    const view = new LiveView({ flowOwner: owner });
    view.topologyChanged(topology);
    const messages: LiveMessage[] = [];
    view.subscribe((m) => messages.push(m));
    view.flowsChanged("0000000000000001", [flow(0, 1, "a", 0, 1n), flow(0, 1, "b", 0, 2n), flow(0, 1, "c", 0, 0n)], 0);
    view.flowsChanged("0000000000000001", [flow(0, 1, "b", 9, 2n), flow(0, 1, "c", 9, 0n)], 1000);
    const red = { role: "tenant", tenant: "red" } as const;
    const flowMsgs = messages.filter((m): m is Extract<LiveMessage, { kind: "flows" }> => m.kind === "flows");
    const first = filterFlowDiff(flowMsgs[0]!.diff, red, flowMsgs[0]!.tenantOfFlow);
    expect(first.added.map((f) => f.match)).toEqual(["a"]);
    const second = filterFlowDiff(flowMsgs[1]!.diff, red, flowMsgs[1]!.tenantOfFlow);
    expect(second.removed).toEqual([first.added[0]!.id]);
    expect(second.counters).toEqual([]); // blue's and nobody's counters moved, not red's
    const snap = filterSnapshot(view.snapshot(), { role: "tenant", tenant: "blue" });
    expect(Object.values(snap.flows).flat().map((f) => f.match)).toEqual(["b"]);
  });
});

describe("LiveView", () => {
  it("merges host status into the inventory's hosts, whichever arrives first", () => {
    const view = new LiveView();
    view.hostStatus("hv1", { ovsdbConnected: true, openflowConnected: true, dpid: "00000000000000aa" });
    view.topologyChanged({ hosts: [{ name: "hv1", backend: "ovs", address: "192.0.2.1", ovsdbConnected: false, openflowConnected: false, libvirtReachable: false }] });
    expect(view.currentTopology().hosts[0]).toMatchObject({ ovsdbConnected: true, dpid: "00000000000000aa" });
    view.hostStatus("hv1", { openflowConnected: false, dpid: undefined });
    expect(view.currentTopology().hosts[0]).not.toHaveProperty("dpid");
  });

  it("emits topology diffs that rebuild the topology, and nothing when nothing changed", () => {
    const view = new LiveView();
    let client = emptyTopology();
    let count = 0;
    view.subscribe((m) => {
      if (m.kind !== "topology") return;
      count++;
      client = applyTopologyDiff(client, m.diff);
    });
    const vm = { id: "vm-1", name: "a", tenant: "red", host: "hv1", state: "running", nics: [] };
    view.topologyChanged({ vms: [vm] });
    view.topologyChanged({ vms: [{ ...vm }] });
    view.topologyChanged({ vms: [{ ...vm, state: "stopped" }], networks: [] });
    expect(count).toBe(2);
    expect(client).toEqual(view.currentTopology());
    expect(diffTopology(client, view.currentTopology())).toEqual({});
  });

  it("keeps going when a listener throws", () => {
    const view = new LiveView();
    const got: string[] = [];
    view.subscribe(() => {
      throw new Error("broken consumer");
    });
    view.subscribe((m) => got.push(m.kind));
    view.portStats("1", [{ portNo: 1, rxPackets: 1n, txPackets: 1n, rxBytes: 10n, txBytes: 10n }], 0);
    expect(got).toEqual(["ports"]);
  });

  it("drops a gone switch's flows and tells clients they were removed", () => {
    const view = new LiveView();
    view.flowsChanged("1", [flow(0, 1, "a", 0)], 0);
    const removed: number[] = [];
    view.subscribe((m) => m.kind === "flows" && removed.push(...m.diff.removed));
    view.switchGone("1");
    expect(removed).toHaveLength(1);
    expect(view.flows("1")).toBeUndefined();
  });
});
