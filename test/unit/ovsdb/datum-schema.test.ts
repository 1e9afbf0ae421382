import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fromWire, toWire, applyDiff, valuesEqual, DatumError } from "../../../src/ovsdb/datum";
import { parseSchema, parseColumnType, checkSchemaVersion, checkSchemaHas, SchemaError } from "../../../src/ovsdb/schema";
import { parseTarget, formatTarget, TargetError } from "../../../src/ovsdb/target";

const vswitch = parseSchema(JSON.parse(readFileSync("/usr/share/openvswitch/vswitch.ovsschema", "utf8")));
const col = (t: string, c: string) => vswitch.tables[t]!.columns[c]!;

describe("schema", () => {
  it("parses the real Open_vSwitch schema with its column shapes", () => {
    expect(vswitch.name).toBe("Open_vSwitch");
    expect(col("Interface", "ofport")).toEqual({ key: "integer", min: 0, max: 1 });
    expect(col("Bridge", "ports")).toEqual({ key: "uuid", refTable: "Port", min: 0, max: Infinity });
    expect(col("Interface", "external_ids")).toMatchObject({ key: "string", value: "string", min: 0, max: Infinity });
    expect(vswitch.tables.Bridge!.indexes).toEqual([["name"]]);
  });

  it("accepts the same major with a newer minor, refuses another major or an older minor", () => {
    const s = { ...vswitch, version: "8.3.1" };
    expect(() => checkSchemaVersion(s, "8.0.0")).not.toThrow();
    expect(() => checkSchemaVersion(s, "8.3.1")).not.toThrow();
    expect(() => checkSchemaVersion(s, "8.4.0")).toThrow(/is version 8.3.1; this client needs 8.x with x >= 8.4.0/);
    expect(() => checkSchemaVersion(s, "9.0.0")).toThrow(SchemaError);
    expect(() => checkSchemaVersion({ ...s, version: "7.99.99" }, "8.0.0")).toThrow(SchemaError);
  });

  it("names the missing table or column", () => {
    expect(() => checkSchemaHas(vswitch, { Bridge: ["name", "nonsense"] })).toThrow("server schema Open_vSwitch has no column Bridge.nonsense");
    expect(() => checkSchemaHas(vswitch, { Nope: [] })).toThrow("has no table Nope");
  });

  it("rejects malformed schemas with a clear error", () => {
    expect(() => parseSchema({ name: "x", version: "1.0", tables: {} })).toThrow(/bad version/);
    expect(() => parseSchema({ name: "x", version: "1.0.0", tables: { T: { columns: { c: { type: "float" } } } } })).toThrow(/T.c: bad base type/);
    expect(() => parseColumnType({ key: "string", max: 0 })).toThrow(/bad max/);
    expect(() => parseSchema("nope")).toThrow(SchemaError);
  });
});

describe("datum", () => {
  it("decodes scalars, optional columns, sets of uuids and maps to their friendly forms", () => {
    expect(fromWire(col("Interface", "type"), "internal")).toBe("internal");
    expect(fromWire(col("Interface", "ofport"), ["set", []])).toEqual([]);
    expect(fromWire(col("Interface", "ofport"), 3)).toEqual([3]);
    expect(fromWire(col("Bridge", "ports"), ["set", [["uuid", "a"], ["uuid", "b"]]])).toEqual(["a", "b"]);
    expect(fromWire(col("Bridge", "ports"), ["uuid", "a"])).toEqual(["a"]);
    expect(fromWire(col("Interface", "external_ids"), ["map", [["iface-id", "p1"]]])).toEqual(new Map([["iface-id", "p1"]]));
  });

  it("round-trips friendly values through the wire form", () => {
    const cases: [string, string, unknown][] = [
      ["Interface", "type", "vxlan"],
      ["Port", "trunks", [10, 20]],
      ["Port", "tag", []],
      ["Bridge", "ports", ["6b0c4d62-49f5-4f0d-9a5c-7d2a8a0a3c11"]],
      ["Interface", "options", new Map([["remote_ip", "192.0.2.9"], ["key", "flow"]])],
    ];
    for (const [t, c, v] of cases) {
      expect(fromWire(col(t, c), toWire(col(t, c), v as never))).toEqual(v);
    }
  });

  it("writes a non-uuid reference as a named-uuid (a row inserted in the same transaction)", () => {
    expect(toWire(col("Bridge", "ports"), ["newport"])).toEqual(["set", [["named-uuid", "newport"]]]);
  });

  it("rejects values of the wrong type with what it got", () => {
    expect(() => fromWire(col("Interface", "ofport"), "3")).toThrow(new DatumError('expected a integer atom, got "3"'));
    expect(() => fromWire(col("Interface", "external_ids"), ["set", []])).toThrow(/expected a map/);
    expect(() => fromWire(col("Interface", "type"), ["set", ["a", "b"]])).toThrow(/exactly one atom/);
    expect(() => toWire(col("Interface", "options"), ["x"])).toThrow(/expected a Map/);
  });

  it("applies update2 diffs: sets toggle, maps add/remove/replace, scalars replace", () => {
    expect(applyDiff(col("Port", "trunks"), [1, 2, 3], ["set", [2, 4]])).toEqual([1, 3, 4]);
    const before = new Map([["a", "1"], ["b", "2"], ["c", "3"]]);
    expect(applyDiff(col("Interface", "external_ids"), before, ["map", [["a", "1"], ["b", "9"], ["d", "4"]]])).toEqual(
      new Map([["b", "9"], ["c", "3"], ["d", "4"]]),
    );
    expect(applyDiff(col("Interface", "type"), "internal", "vxlan")).toBe("vxlan");
    expect(applyDiff(col("Interface", "ofport"), [], 5)).toEqual([5]);
  });

  it("compares sets regardless of order and maps by content", () => {
    expect(valuesEqual([1, 2], [2, 1])).toBe(true);
    expect(valuesEqual([1, 2], [1, 3])).toBe(false);
    expect(valuesEqual(new Map([["a", "1"]]), new Map([["a", "2"]]))).toBe(false);
    expect(valuesEqual("1", 1)).toBe(false);
  });
});

describe("targets", () => {
  it("parses tcp, ssl, unix and bracketed IPv6, with the OVSDB default port", () => {
    expect(parseTarget("tcp:198.51.100.2:6641")).toEqual({ kind: "tcp", host: "198.51.100.2", port: 6641 });
    expect(parseTarget("ssl:[::1]:6640")).toEqual({ kind: "ssl", host: "::1", port: 6640 });
    expect(parseTarget("tcp:127.0.0.1")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 6640 });
    expect(parseTarget("unix:/run/x/db.sock")).toEqual({ kind: "unix", path: "/run/x/db.sock" });
    expect(formatTarget(parseTarget("ssl:[::1]:6640"))).toBe("ssl:[::1]:6640");
  });

  it("refuses what it cannot reach", () => {
    expect(() => parseTarget("http://x")).toThrow(TargetError);
    expect(() => parseTarget("tcp:1.2.3.4:99999")).toThrow(/bad port/);
    expect(() => parseTarget("tcp::::1")).toThrow(/brackets|no host/);
    expect(() => parseTarget("unix:")).toThrow(/empty path/);
    expect(() => parseTarget("nocolon")).toThrow(TargetError);
  });
});
