// Database schemas (RFC 7047 section 3.2), parsed and checked once when a session starts, so that
// the replica can decode every value it receives and a client written for one schema refuses a
// server that speaks an incompatible one with a clear message instead of misreading rows.

export type AtomType = "integer" | "real" | "boolean" | "string" | "uuid";

export interface ColumnType {
  key: AtomType;
  value?: AtomType;
  min: number;
  /** Infinity for "unlimited". */
  max: number;
  /** For uuid keys: the table referred to. */
  refTable?: string;
}

export interface TableSchema {
  name: string;
  columns: Record<string, ColumnType>;
  isRoot: boolean;
  indexes: string[][];
}

export interface DatabaseSchema {
  name: string;
  version: string;
  tables: Record<string, TableSchema>;
}

export class SchemaError extends Error {
  override name = "SchemaError";
}

const ATOM_TYPES = new Set<string>(["integer", "real", "boolean", "string", "uuid"]);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function parseBaseType(json: unknown, where: string): { type: AtomType; refTable?: string } {
  if (typeof json === "string" && ATOM_TYPES.has(json)) return { type: json as AtomType };
  if (isObject(json) && typeof json.type === "string" && ATOM_TYPES.has(json.type)) {
    const refTable = typeof json.refTable === "string" ? json.refTable : undefined;
    return refTable ? { type: json.type as AtomType, refTable } : { type: json.type as AtomType };
  }
  throw new SchemaError(`${where}: bad base type ${JSON.stringify(json)}`);
}

export function parseColumnType(json: unknown, where = "column"): ColumnType {
  if (typeof json === "string") return { key: parseBaseType(json, where).type, min: 1, max: 1 };
  if (!isObject(json)) throw new SchemaError(`${where}: bad type ${JSON.stringify(json)}`);
  const key = parseBaseType(json.key, where);
  const out: ColumnType = { key: key.type, min: 1, max: 1 };
  if (key.refTable) out.refTable = key.refTable;
  if (json.value !== undefined) out.value = parseBaseType(json.value, where).type;
  if (json.min !== undefined) {
    if (json.min !== 0 && json.min !== 1) throw new SchemaError(`${where}: min must be 0 or 1`);
    out.min = json.min;
  }
  if (json.max !== undefined) {
    if (json.max === "unlimited") out.max = Infinity;
    else if (typeof json.max === "number" && Number.isInteger(json.max) && json.max >= 1) out.max = json.max;
    else throw new SchemaError(`${where}: bad max ${JSON.stringify(json.max)}`);
  }
  return out;
}

export function parseSchema(json: unknown): DatabaseSchema {
  if (!isObject(json)) throw new SchemaError("schema is not a JSON object");
  if (typeof json.name !== "string") throw new SchemaError("schema has no name");
  if (typeof json.version !== "string" || !parseVersion(json.version)) {
    throw new SchemaError(`schema ${json.name} has a bad version ${JSON.stringify(json.version)}`);
  }
  if (!isObject(json.tables)) throw new SchemaError(`schema ${json.name} has no tables`);
  const tables: Record<string, TableSchema> = {};
  for (const [tableName, tableJson] of Object.entries(json.tables)) {
    if (!isObject(tableJson) || !isObject(tableJson.columns)) {
      throw new SchemaError(`table ${tableName} has no columns`);
    }
    const columns: Record<string, ColumnType> = {};
    for (const [columnName, columnJson] of Object.entries(tableJson.columns)) {
      if (!isObject(columnJson)) throw new SchemaError(`${tableName}.${columnName}: bad column`);
      columns[columnName] = parseColumnType(columnJson.type, `${tableName}.${columnName}`);
    }
    const indexes = Array.isArray(tableJson.indexes)
      ? tableJson.indexes.filter((i): i is string[] => Array.isArray(i) && i.every((c) => typeof c === "string"))
      : [];
    tables[tableName] = { name: tableName, columns, isRoot: tableJson.isRoot === true, indexes };
  }
  return { name: json.name, version: json.version, tables };
}

export type Version = [number, number, number];

export function parseVersion(text: string): Version | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Schema versions follow "major.minor.patch" where a major change breaks clients (ovsdb-doc):
 * a client accepts a server whose major equals its own and whose minor.patch is at least its own.
 */
export function checkSchemaVersion(schema: DatabaseSchema, required: string): void {
  const want = parseVersion(required);
  const have = parseVersion(schema.version);
  if (!want) throw new SchemaError(`bad required version ${required}`);
  if (!have) throw new SchemaError(`server schema ${schema.name} has bad version ${schema.version}`);
  const ok = have[0] === want[0] && (have[1] > want[1] || (have[1] === want[1] && have[2] >= want[2]));
  if (!ok) {
    throw new SchemaError(
      `server schema ${schema.name} is version ${schema.version}; this client needs ${want[0]}.x with x >= ${required}`,
    );
  }
}

/** Checks that the tables and columns a client relies on exist in the server's schema. */
export function checkSchemaHas(schema: DatabaseSchema, needs: Record<string, readonly string[]>): void {
  for (const [table, columns] of Object.entries(needs)) {
    const t = schema.tables[table];
    if (!t) throw new SchemaError(`server schema ${schema.name} has no table ${table}`);
    for (const c of columns) {
      if (c !== "_uuid" && !t.columns[c]) throw new SchemaError(`server schema ${schema.name} has no column ${table}.${c}`);
    }
  }
}

/** The type of a column, including the implicit _uuid and _version. */
export function columnType(schema: DatabaseSchema, table: string, column: string): ColumnType {
  if (column === "_uuid" || column === "_version") return { key: "uuid", min: 1, max: 1 };
  const t = schema.tables[table];
  if (!t) throw new SchemaError(`no table ${table} in schema ${schema.name}`);
  const c = t.columns[column];
  if (!c) throw new SchemaError(`no column ${table}.${column} in schema ${schema.name}`);
  return c;
}
