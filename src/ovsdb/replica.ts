// The local copy of the monitored tables. It only changes through the functions here, which apply
// what the server sent (RFC 7047 "update" table-updates, or monitor_cond "update2") and return the
// row changes they caused, so the caller can raise events. Pure data in, changes out: no I/O.

import { applyDiff, fromWire, isScalarType, valuesEqual, type Row, type Value } from "./datum";
import type { ColumnType, DatabaseSchema, TableSchema } from "./schema";

export type RowChange =
  | { kind: "insert"; table: string; uuid: string; new: Row }
  | { kind: "update"; table: string; uuid: string; old: Row; new: Row; columns: string[] }
  | { kind: "delete"; table: string; uuid: string; old: Row };

export class ReplicaError extends Error {
  override name = "ReplicaError";
}

export type Tables = Map<string, Map<string, Row>>;

export class Replica {
  readonly tables: Tables = new Map();

  constructor(
    readonly schema: DatabaseSchema,
    /** Tables and columns being monitored ([] means every column). */
    readonly monitored: Record<string, readonly string[]>,
  ) {
    for (const table of Object.keys(monitored)) this.tables.set(table, new Map());
  }

  table(name: string): Map<string, Row> {
    const t = this.tables.get(name);
    if (!t) throw new ReplicaError(`table ${name} is not monitored`);
    return t;
  }

  rows(table: string): Row[] {
    return [...this.table(table).values()];
  }

  get(table: string, uuid: string): Row | undefined {
    return this.tables.get(table)?.get(uuid);
  }

  /** First row whose column equals the value (for index columns such as name). */
  find(table: string, column: string, value: Value): Row | undefined {
    for (const row of this.table(table).values()) if (valuesEqual(row[column], value)) return row;
    return undefined;
  }

  /** Columns monitored for a table (resolving [] to every column of the schema). */
  columnsOf(table: string): string[] {
    const cols = this.monitored[table];
    const schema = this.tableSchema(table);
    return cols && cols.length > 0 ? [...cols] : Object.keys(schema.columns);
  }

  private tableSchema(table: string): TableSchema {
    const t = this.schema.tables[table];
    if (!t) throw new ReplicaError(`table ${table} is not in schema ${this.schema.name}`);
    return t;
  }

  /** A row of default values: update2 "initial"/"insert" omit columns that hold their default. */
  defaultRow(table: string, uuid: string): Row {
    const schema = this.tableSchema(table);
    const row: Row = { _uuid: uuid };
    for (const column of this.columnsOf(table)) {
      const type = schema.columns[column];
      if (type) row[column] = defaultValue(type);
    }
    return row;
  }

  /** Decodes a wire row object ({column: datum}) of a table. Unknown columns are an error. */
  decodeRow(table: string, uuid: string, json: unknown, base?: Row): Row {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new ReplicaError(`${table} row ${uuid}: expected an object, got ${JSON.stringify(json)}`);
    }
    const schema = this.tableSchema(table);
    const row: Row = base ? { ...base } : this.defaultRow(table, uuid);
    for (const [column, datum] of Object.entries(json as Record<string, unknown>)) {
      const type = schema.columns[column];
      if (!type) {
        if (column === "_version") continue;
        throw new ReplicaError(`${table} row ${uuid}: unknown column ${column}`);
      }
      row[column] = fromWire(type, datum);
    }
    return row;
  }

  /**
   * Applies the initial contents of a (re)started monitor: rows not in `initial` are gone, the rest
   * replace what the replica held. Returns the differences, so that a resynchronisation after a
   * reconnect reports exactly what changed while the client was away.
   */
  reset(initialJson: unknown, format: "update" | "update2"): RowChange[] {
    const fresh = new Replica(this.schema, this.monitored);
    fresh.apply(initialJson, format);
    const changes: RowChange[] = [];
    for (const [table, freshRows] of fresh.tables) {
      const oldRows = this.table(table);
      for (const [uuid, old] of oldRows) {
        if (!freshRows.has(uuid)) changes.push({ kind: "delete", table, uuid, old });
      }
      for (const [uuid, row] of freshRows) {
        const old = oldRows.get(uuid);
        if (!old) changes.push({ kind: "insert", table, uuid, new: row });
        else {
          const columns = changedColumns(old, row);
          if (columns.length > 0) changes.push({ kind: "update", table, uuid, old, new: row, columns });
        }
      }
      this.tables.set(table, freshRows);
    }
    return changes;
  }

  /** Applies a table-updates (format "update") or table-updates2 (format "update2") object. */
  apply(json: unknown, format: "update" | "update2"): RowChange[] {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new ReplicaError(`table updates must be an object, got ${JSON.stringify(json)?.slice(0, 80)}`);
    }
    // Decode everything first so that a bad update leaves the replica untouched.
    const changes: RowChange[] = [];
    const staged = new Map<string, Map<string, Row | null>>();
    for (const [table, rowsJson] of Object.entries(json as Record<string, unknown>)) {
      if (!this.tables.has(table)) throw new ReplicaError(`update for table ${table}, which is not monitored`);
      if (typeof rowsJson !== "object" || rowsJson === null || Array.isArray(rowsJson)) {
        throw new ReplicaError(`updates of table ${table} must be an object`);
      }
      const current = this.table(table);
      const tableStage = new Map<string, Row | null>();
      staged.set(table, tableStage);
      for (const [uuid, update] of Object.entries(rowsJson as Record<string, unknown>)) {
        if (typeof update !== "object" || update === null) throw new ReplicaError(`${table} row ${uuid}: bad update`);
        const old = tableStage.has(uuid) ? (tableStage.get(uuid) ?? undefined) : current.get(uuid);
        const next =
          format === "update"
            ? this.decodeUpdate1(table, uuid, update as Record<string, unknown>, old)
            : this.decodeUpdate2(table, uuid, update as Record<string, unknown>, old);
        tableStage.set(uuid, next);
        if (!old && next) changes.push({ kind: "insert", table, uuid, new: next });
        else if (old && !next) changes.push({ kind: "delete", table, uuid, old });
        else if (old && next) {
          const columns = changedColumns(old, next);
          if (columns.length > 0) changes.push({ kind: "update", table, uuid, old, new: next, columns });
        }
      }
    }
    for (const [table, tableStage] of staged) {
      const current = this.table(table);
      for (const [uuid, row] of tableStage) {
        if (row) current.set(uuid, row);
        else current.delete(uuid);
      }
    }
    return changes;
  }

  private decodeUpdate1(table: string, uuid: string, u: Record<string, unknown>, old: Row | undefined): Row | null {
    if (u.new === undefined) {
      if (!old) throw new ReplicaError(`${table} row ${uuid}: delete of a row the replica does not have`);
      return null;
    }
    // For a modification "new" carries every monitored column; build from scratch to drop stale ones.
    return this.decodeRow(table, uuid, u.new);
  }

  private decodeUpdate2(table: string, uuid: string, u: Record<string, unknown>, old: Row | undefined): Row | null {
    if ("initial" in u || "insert" in u) {
      return this.decodeRow(table, uuid, "initial" in u ? u.initial : u.insert);
    }
    if ("delete" in u) {
      if (!old) throw new ReplicaError(`${table} row ${uuid}: delete of a row the replica does not have`);
      return null;
    }
    if ("modify" in u) {
      if (!old) throw new ReplicaError(`${table} row ${uuid}: modify of a row the replica does not have`);
      const diff = u.modify;
      if (typeof diff !== "object" || diff === null || Array.isArray(diff)) {
        throw new ReplicaError(`${table} row ${uuid}: bad modify`);
      }
      const schema = this.tableSchema(table);
      const row: Row = { ...old };
      for (const [column, datum] of Object.entries(diff as Record<string, unknown>)) {
        const type = schema.columns[column];
        if (!type) throw new ReplicaError(`${table} row ${uuid}: unknown column ${column}`);
        row[column] = applyDiff(type, old[column], datum);
      }
      return row;
    }
    throw new ReplicaError(`${table} row ${uuid}: update2 has none of initial/insert/delete/modify`);
  }
}

export function defaultValue(type: ColumnType): Value {
  if (type.value !== undefined) return new Map();
  if (!isScalarType(type)) return [];
  switch (type.key) {
    case "integer":
    case "real":
      return 0;
    case "boolean":
      return false;
    case "string":
      return "";
    case "uuid":
      return "00000000-0000-0000-0000-000000000000";
  }
}

export function changedColumns(old: Row, next: Row): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]);
  for (const k of keys) if (k !== "_uuid" && !valuesEqual(old[k], next[k])) out.push(k);
  return out;
}
