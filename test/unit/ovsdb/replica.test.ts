import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { parseSchema } from "../../../src/ovsdb/schema";
import { Replica, ReplicaError } from "../../../src/ovsdb/replica";
import { vswitchEvents, VSWITCH_TABLES, bridgePorts, ofportOf } from "../../../src/ovsdb/vswitch";

const schema = parseSchema(JSON.parse(readFileSync("/usr/share/openvswitch/vswitch.ovsschema", "utf8")));
const U = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;
const fresh = () => new Replica(schema, VSWITCH_TABLES);

// What ovsdb-server sends for a bridge with one port, in update2 form (defaults omitted).
const initial2 = {
  Bridge: { [U(1)]: { initial: { name: "br-int", ports: ["set", [["uuid", U(2)]]], datapath_type: "netdev" } } },
  Port: { [U(2)]: { initial: { name: "vm1", interfaces: ["uuid", U(3)] } } },
  Interface: { [U(3)]: { initial: { name: "vm1", external_ids: ["map", [["iface-id", "p1"]]] } } },
};

describe("Replica", () => {
  it("fills columns update2 leaves out with their defaults", () => {
    const r = fresh();
    r.apply(initial2, "update2");
    const iface = r.get("Interface", U(3))!;
    expect(iface.ofport).toEqual([]);
    expect(iface.type).toBe("");
    expect(iface.options).toEqual(new Map());
    expect(bridgePorts(r, "br-int")).toEqual([
      { name: "vm1", type: "", trunks: [], externalIds: { "iface-id": "p1" }, options: {} },
    ]);
  });

  it("applies modify diffs and reports changed columns, then typed events", () => {
    const r = fresh();
    r.apply(initial2, "update2");
    const changes = r.apply(
      { Interface: { [U(3)]: { modify: { ofport: 7, external_ids: ["map", [["iface-id", "p2"]]] } } } },
      "update2",
    );
    expect(changes).toHaveLength(1);
    const change = changes[0]!;
    expect(change.kind === "update" ? [...change.columns].sort() : change.kind).toEqual(["external_ids", "ofport"]);
    expect(ofportOf(r, "vm1")).toBe(7);
    expect(vswitchEvents(changes)).toEqual([
      { type: "ofport-assigned", iface: "vm1", ofport: 7 },
      { type: "iface-id-changed", iface: "vm1", ifaceId: "p2", previous: "p1" },
    ]);
  });

  it("reports an interface error once when it appears", () => {
    const r = fresh();
    r.apply(initial2, "update2");
    const c1 = r.apply({ Interface: { [U(3)]: { modify: { error: "could not open network device vm1 (No such device)", ofport: -1 } } } }, "update2");
    expect(vswitchEvents(c1)).toEqual([{ type: "interface-error", iface: "vm1", error: "could not open network device vm1 (No such device)" }]);
    const c2 = r.apply({ Interface: { [U(3)]: { modify: { admin_state: "down" } } } }, "update2");
    expect(vswitchEvents(c2)).toEqual([]);
  });

  it("handles the RFC 7047 update format: insert, modify (new holds every column), delete", () => {
    const r = fresh();
    const ins = r.apply({ Port: { [U(5)]: { new: { name: "p", interfaces: ["set", []], tag: 10 } } } }, "update");
    expect(vswitchEvents(ins)).toEqual([{ type: "port-added", port: "p" }]);
    r.apply({ Port: { [U(5)]: { old: { tag: 10 }, new: { name: "p", interfaces: ["set", []], tag: ["set", []] } } } }, "update");
    expect(r.get("Port", U(5))!.tag).toEqual([]);
    const del = r.apply({ Port: { [U(5)]: { old: { name: "p" } } } }, "update");
    expect(vswitchEvents(del)).toEqual([{ type: "port-removed", port: "p" }]);
    expect(r.get("Port", U(5))).toBeUndefined();
  });

  it("leaves the replica untouched when any part of an update is bad", () => {
    const r = fresh();
    r.apply(initial2, "update2");
    const bad = {
      Port: { [U(2)]: { modify: { tag: 5 } } },
      Interface: { [U(3)]: { modify: { ofport: "seven" } } },
    };
    expect(() => r.apply(bad, "update2")).toThrow(/expected a integer atom/);
    expect(r.get("Port", U(2))!.tag).toEqual([]);
    expect(() => r.apply({ Interface: { [U(9)]: { modify: { ofport: 1 } } } }, "update2")).toThrow(ReplicaError);
    expect(() => r.apply({ QoS: {} }, "update2")).toThrow(/not monitored/);
    expect(() => r.apply({ Port: { [U(2)]: { modify: { bogus: 1 } } } }, "update2")).toThrow(/unknown column bogus/);
    expect(() => r.apply([], "update2")).toThrow(/must be an object/);
  });

  it("reset after a reconnect reports exactly what changed while away", () => {
    const r = fresh();
    r.apply(initial2, "update2");
    const afterRestart = {
      Bridge: initial2.Bridge,
      Port: { [U(4)]: { initial: { name: "vm2", interfaces: ["uuid", U(6)] } } },
      Interface: { [U(3)]: { initial: { name: "vm1", ofport: 1, external_ids: ["map", [["iface-id", "p1"]]] } }, [U(6)]: { initial: { name: "vm2" } } },
    };
    const changes = r.reset(afterRestart, "update2");
    const summary = changes.map((c) => `${c.kind} ${c.table} ${c.uuid.slice(-1)}`).sort();
    expect(summary).toEqual(["delete Port 2", "insert Interface 6", "insert Port 4", "update Interface 3"]);
    expect(r.reset(afterRestart, "update2")).toEqual([]);
  });
});
