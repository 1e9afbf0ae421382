// Schema migrations, applied in order inside one transaction each; `PRAGMA user_version` records
// the last one applied. Append only: never edit a migration that has shipped.
//
// Model records are stored as JSON documents keyed by id: the model's shape is owned by
// src/model/types.ts and checked by its validation on every write, so the database does not
// duplicate those rules; it only guarantees identity and durability.
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "model documents, VMs, settings, tokens and sessions",
    sql: `
      CREATE TABLE tenants  (id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE TABLE networks (id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE TABLE hosts    (id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE TABLE ports    (id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE TABLE vms      (id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE TABLE settings (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'tenant')),
        tenant_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
