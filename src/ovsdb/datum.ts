// OVSDB values on the wire (RFC 7047 section 5.1) and their friendly JavaScript form.
//
// On the wire an atom is a JSON string, number or boolean, or ["uuid", id] / ["named-uuid", name];
// a set is one atom or ["set", [atoms]]; a map is ["map", [[key, value], ...]].
// The friendly form depends on the column's type, which only the schema knows:
//   - a column of exactly one atom           -> the atom (uuids become their id string)
//   - any other column without a value type  -> an array of atoms (optional columns too: [] or [x])
//   - a map column                           -> a Map from key to value
// The replica stores the friendly form; transactions are written in wire form, with the builders
// below, or converted from the friendly form with `toWire`.

import type { ColumnType, AtomType } from "./schema";

export type WireUuid = ["uuid", string];
export type WireNamedUuid = ["named-uuid", string];
export type WireAtom = string | number | boolean | WireUuid | WireNamedUuid;
export type WireSet = ["set", WireAtom[]];
export type WireMap = ["map", [WireAtom, WireAtom][]];
export type WireDatum = WireAtom | WireSet | WireMap;

export type Atom = string | number | boolean;
export type Value = Atom | Atom[] | Map<Atom, Atom>;
export type Row = { _uuid: string } & Record<string, Value>;

export class DatumError extends Error {
  override name = "DatumError";
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID_RE.test(text);
}

// Builders for the wire form, for writing transactions by hand.
export const uuid = (id: string): WireUuid => ["uuid", id];
export const namedUuid = (name: string): WireNamedUuid => ["named-uuid", name];
export const set = (atoms: readonly WireAtom[]): WireSet => ["set", [...atoms]];
export const map = (entries: Record<string, string> | Iterable<readonly [WireAtom, WireAtom]>): WireMap => {
  const pairs: [WireAtom, WireAtom][] = [];
  if (Symbol.iterator in entries) {
    for (const [k, v] of entries as Iterable<readonly [WireAtom, WireAtom]>) pairs.push([k, v]);
  } else {
    for (const [k, v] of Object.entries(entries)) pairs.push([k, v]);
  }
  return ["map", pairs];
};
/** An empty optional column ([] friendly, ["set", []] on the wire). */
export const none = (): WireSet => ["set", []];

function describe(json: unknown): string {
  const text = JSON.stringify(json);
  return text === undefined ? String(json) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Decodes one wire atom of the given type to its friendly form. */
export function atomFromWire(type: AtomType, json: unknown): Atom {
  switch (type) {
    case "uuid":
      if (Array.isArray(json) && json.length === 2 && json[0] === "uuid" && typeof json[1] === "string") return json[1];
      throw new DatumError(`expected a uuid atom, got ${describe(json)}`);
    case "string":
      if (typeof json === "string") return json;
      break;
    case "integer":
      if (typeof json === "number" && Number.isInteger(json)) return json;
      break;
    case "real":
      if (typeof json === "number") return json;
      break;
    case "boolean":
      if (typeof json === "boolean") return json;
      break;
  }
  throw new DatumError(`expected a ${type} atom, got ${describe(json)}`);
}

export function atomToWire(type: AtomType, atom: Atom): WireAtom {
  if (type === "uuid") {
    if (typeof atom !== "string") throw new DatumError(`expected a uuid string, got ${describe(atom)}`);
    // A name that is not a uuid refers to a row inserted earlier in the same transaction.
    return isUuid(atom) ? uuid(atom) : namedUuid(atom);
  }
  return atom;
}

export function isMapType(type: ColumnType): boolean {
  return type.value !== undefined;
}

export function isScalarType(type: ColumnType): boolean {
  return type.value === undefined && type.min === 1 && type.max === 1;
}

/** Decodes a wire datum of a column to its friendly form. */
export function fromWire(type: ColumnType, json: unknown): Value {
  if (type.value !== undefined) {
    const valueType = type.value;
    if (!Array.isArray(json) || json[0] !== "map" || !Array.isArray(json[1])) {
      throw new DatumError(`expected a map, got ${describe(json)}`);
    }
    const out = new Map<Atom, Atom>();
    for (const pair of json[1] as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new DatumError(`bad map pair ${describe(pair)}`);
      out.set(atomFromWire(type.key, pair[0]), atomFromWire(valueType, pair[1]));
    }
    return out;
  }
  const atoms = wireSetAtoms(json).map((a) => atomFromWire(type.key, a));
  if (isScalarType(type)) {
    if (atoms.length !== 1) throw new DatumError(`expected exactly one atom, got ${describe(json)}`);
    return atoms[0]!;
  }
  return atoms;
}

/** The atoms of a wire set (a bare atom is a set of one). */
function wireSetAtoms(json: unknown): unknown[] {
  if (Array.isArray(json) && json[0] === "set") {
    if (json.length !== 2 || !Array.isArray(json[1])) throw new DatumError(`bad set ${describe(json)}`);
    return json[1] as unknown[];
  }
  return [json];
}

/** Encodes a friendly value of a column to the wire. */
export function toWire(type: ColumnType, value: Value): WireDatum {
  if (type.value !== undefined) {
    const valueType = type.value;
    if (!(value instanceof Map)) throw new DatumError(`expected a Map for a map column, got ${describe(value)}`);
    return ["map", [...value].map(([k, v]) => [atomToWire(type.key, k), atomToWire(valueType, v)] as [WireAtom, WireAtom])];
  }
  if (Array.isArray(value)) return ["set", value.map((a) => atomToWire(type.key, a))];
  if (value instanceof Map) throw new DatumError("a Map given for a column that is not a map");
  return atomToWire(type.key, value);
}

/** A stable text key for an atom, so atoms of any type can be compared and used as Map keys. */
function atomKey(a: Atom): string {
  return `${typeof a}:${String(a)}`;
}

/** Structural equality of friendly values. */
export function valuesEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || b.get(k) !== v) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const keys = new Set(a.map(atomKey));
    return b.every((x) => keys.has(atomKey(x)));
  }
  return a === b;
}

/**
 * Applies an `update2` "modify" diff (ovsdb-server(1), monitor_cond) to a friendly value:
 * a set diff holds the elements to toggle (symmetric difference); a map diff holds pairs where a
 * new key is added, a key with the same value is removed and a key with another value is replaced;
 * a scalar diff is the new value.
 */
export function applyDiff(type: ColumnType, old: Value | undefined, diffJson: unknown): Value {
  if (type.value !== undefined) {
    const diff = fromWire(type, diffJson) as Map<Atom, Atom>;
    const out = new Map(old instanceof Map ? old : []);
    for (const [k, v] of diff) {
      if (!out.has(k)) out.set(k, v);
      else if (out.get(k) === v) out.delete(k);
      else out.set(k, v);
    }
    return out;
  }
  if (isScalarType(type)) return fromWire(type, diffJson);
  const toggles = fromWire(type, diffJson) as Atom[];
  const current = Array.isArray(old) ? [...old] : [];
  for (const atom of toggles) {
    const key = atomKey(atom);
    const at = current.findIndex((x) => atomKey(x) === key);
    if (at >= 0) current.splice(at, 1);
    else current.push(atom);
  }
  return current;
}

/** Friendly helpers for the common shapes. */
export function mapToRecord(value: Value | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (value instanceof Map) for (const [k, v] of value) out[String(k)] = String(v);
  return out;
}

export function optionalAtom(value: Value | undefined): Atom | undefined {
  if (Array.isArray(value)) return value[0];
  if (value instanceof Map) return undefined;
  return value;
}

export function atomsOf(value: Value | undefined): Atom[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value instanceof Map) return [];
  return [value];
}
