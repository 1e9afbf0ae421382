// Transaction operations (RFC 7047 section 5.2) and a builder that writes them.
//
// Transactions are optimistic, as in Open vSwitch's IDL: decisions are made from the replica, and
// every column the decision read can be "verified", which adds a `wait` operation (timeout 0) that
// makes the server abort the whole transaction if that column changed meanwhile. The commit then
// reports "try-again" and the caller rebuilds from the refreshed replica (see client.ts `run`).

import { toWire, uuid as wireUuid, type Value, type WireDatum } from "./datum";
import { columnType, type DatabaseSchema } from "./schema";
import type { Replica } from "./replica";

export type ConditionFunction = "<" | "<=" | "==" | "!=" | ">=" | ">" | "includes" | "excludes";
export type Condition = [string, ConditionFunction, WireDatum];
export type Mutator = "+=" | "-=" | "*=" | "/=" | "%=" | "insert" | "delete";
export type Mutation = [string, Mutator, WireDatum];
export type WireRow = Record<string, WireDatum>;

export type Operation =
  | { op: "insert"; table: string; row: WireRow; "uuid-name"?: string }
  | { op: "select"; table: string; where: Condition[]; columns?: string[] }
  | { op: "update"; table: string; where: Condition[]; row: WireRow }
  | { op: "mutate"; table: string; where: Condition[]; mutations: Mutation[] }
  | { op: "delete"; table: string; where: Condition[] }
  | {
      op: "wait";
      table: string;
      where: Condition[];
      columns: string[];
      until: "==" | "!=";
      rows: WireRow[];
      timeout?: number;
    }
  | { op: "commit"; durable: boolean }
  | { op: "abort" }
  | { op: "comment"; comment: string }
  | { op: "assert"; lock: string };

/** Condition matching one row by uuid. */
export const byUuid = (id: string): Condition[] => [["_uuid", "==", wireUuid(id)]];

/** Encodes a friendly row for a table through the schema. */
export function rowToWire(schema: DatabaseSchema, table: string, row: Record<string, Value>): WireRow {
  const out: WireRow = {};
  for (const [column, value] of Object.entries(row)) {
    if (column === "_uuid" || column === "_version") continue;
    out[column] = toWire(columnType(schema, table, column), value);
  }
  return out;
}

/**
 * Collects operations. Friendly-valued methods (insertRow, updateRow ...) encode through the schema;
 * `op` takes raw wire operations for anything else. `verify` records what the decision read.
 */
export class TransactionBuilder {
  readonly ops: Operation[] = [];
  private named = 0;

  constructor(
    readonly schema: DatabaseSchema,
    private readonly replica?: Replica,
  ) {}

  op(operation: Operation): number {
    this.ops.push(operation);
    return this.ops.length - 1;
  }

  /** Inserts a row; returns the uuid-name to refer to it in later operations of this transaction. */
  insert(table: string, row: Record<string, Value>, uuidName?: string): string {
    const name = uuidName ?? `row${++this.named}_${table.toLowerCase()}`;
    this.op({ op: "insert", table, row: rowToWire(this.schema, table, row), "uuid-name": name });
    return name;
  }

  update(table: string, where: Condition[], row: Record<string, Value>): number {
    return this.op({ op: "update", table, where, row: rowToWire(this.schema, table, row) });
  }

  /** Mutation with a friendly value: for "insert"/"delete" on a set or map column. */
  mutate(table: string, where: Condition[], column: string, mutator: Mutator, value: Value): number {
    const type = columnType(this.schema, table, column);
    // A mutation's value for insert/delete is a set (or map) of the column's key type, any size.
    const widened = { ...type, min: 0, max: Infinity };
    const datum = mutator === "insert" || mutator === "delete" ? toWire(widened, value) : toWire(type, value);
    return this.op({ op: "mutate", table, where, mutations: [[column, mutator, datum]] });
  }

  delete(table: string, where: Condition[]): number {
    return this.op({ op: "delete", table, where });
  }

  select(table: string, where: Condition[], columns?: string[]): number {
    return this.op(columns ? { op: "select", table, where, columns } : { op: "select", table, where });
  }

  comment(text: string): number {
    return this.op({ op: "comment", comment: text });
  }

  assertLock(lock: string): number {
    return this.op({ op: "assert", lock });
  }

  /**
   * Makes the transaction fail (and the commit report "try-again") if the given columns of a row no
   * longer hold the values the replica has now. Also fails if the row was deleted meanwhile.
   */
  verify(table: string, uuid: string, columns: string[]): number {
    if (!this.replica) throw new Error("verify needs a replica");
    const row = this.replica.get(table, uuid);
    if (!row) throw new Error(`verify: ${table} row ${uuid} is not in the replica`);
    const expected: WireRow = {};
    for (const c of columns) expected[c] = toWire(columnType(this.schema, table, c), row[c]!);
    return this.op({ op: "wait", table, where: byUuid(uuid), columns, until: "==", rows: [expected], timeout: 0 });
  }

  /** Verifies that no row of `table` has `column` equal to `value` (for "insert if absent"). */
  verifyAbsent(table: string, column: string, value: Value): number {
    const datum = toWire(columnType(this.schema, table, column), value);
    return this.op({ op: "wait", table, where: [[column, "==", datum]], columns: [column], until: "==", rows: [], timeout: 0 });
  }
}


