// The inventory in one SQLite file (better-sqlite3, synchronous). WAL journal with
// synchronous=FULL: a commit returns only after its WAL frame is fsync'ed, so whatever the API
// acknowledged survives kill -9 and power loss. Every write validates the whole change against
// the in-memory state first (pure), then persists the rows that differ in one transaction, then
// swaps the in-memory state; a failure at any step leaves both unchanged.
import Database from "better-sqlite3";
import { makeDirectory } from "./dirs";
import { dirname } from "node:path";
import { DEFAULT_SETTINGS, type NetworkModel, type Result } from "../model/types";
import { validateModel } from "../model/validate";
import { MIGRATIONS } from "./migrations";
import { hashSecret } from "./secrets";
import { applyInventoryChanges } from "./state";
import type {
  ChangeListener,
  InventoryChange,
  InventoryState,
  InventoryStore,
  SessionRecord,
  TokenRecord,
  Vm,
} from "./types";

type DocTable = "tenants" | "networks" | "hosts" | "ports" | "vms";
const DOC_TABLES: readonly DocTable[] = ["tenants", "networks", "hosts", "ports", "vms"];

export class InventoryLoadError extends Error {}
/** A refused credential write (e.g. a tenant token for a missing tenant). */
export class InventoryError extends Error {}

export class SqliteInventory implements InventoryStore {
  private readonly db: Database.Database;
  private current: InventoryState;
  private readonly listeners = new Set<ChangeListener>();
  private seq = 0;

  constructor(readonly file: string) {
    if (file !== ":memory:") makeDirectory(dirname(file));
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    migrate(this.db);
    this.current = this.load();
    this.dropOrphanTokens();
  }

  state(): InventoryState {
    return this.current;
  }

  commit(changes: readonly InventoryChange[]): Result<InventoryState> {
    const r = applyInventoryChanges(this.current, changes);
    if (!r.ok) return r;
    const before = this.current;
    this.db.transaction(() => {
      this.persist(before, r.value);
      this.revokeCredentialsOfRemovedTenants(before, r.value);
    })();
    this.current = r.value;
    for (const listener of this.listeners) {
      try {
        listener(r.value, changes);
      } catch {
        // Listeners (the live view, realisers) must not undo an acknowledged write.
      }
    }
    return r;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addToken(record: TokenRecord, secret: string): void {
    // A tenant token for a tenant that does not exist would authenticate and see nothing.
    if (record.role === "tenant" && !this.current.model.tenants.some((t) => t.id === record.tenantId)) {
      throw new InventoryError(`no tenant with id "${String(record.tenantId)}": a tenant token needs an existing tenant`);
    }
    if (record.role === "admin" && record.tenantId !== null) throw new InventoryError("an admin token belongs to no tenant");
    this.db
      .prepare("INSERT INTO tokens (id, hash, name, role, tenant_id, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(record.id, hashSecret(secret), record.name, record.role, record.tenantId, record.createdAt);
  }

  tokenBySecret(secret: string): TokenRecord | undefined {
    const row = this.db.prepare("SELECT * FROM tokens WHERE hash = ?").get(hashSecret(secret)) as TokenRow | undefined;
    return row ? tokenFromRow(row) : undefined;
  }

  tokenById(id: string): TokenRecord | undefined {
    const row = this.db.prepare("SELECT * FROM tokens WHERE id = ?").get(id) as TokenRow | undefined;
    return row ? tokenFromRow(row) : undefined;
  }

  listTokens(): TokenRecord[] {
    return (this.db.prepare("SELECT * FROM tokens ORDER BY created_at, id").all() as TokenRow[]).map(tokenFromRow);
  }

  removeToken(id: string): boolean {
    return this.db.prepare("DELETE FROM tokens WHERE id = ?").run(id).changes > 0;
  }

  addSession(session: SessionRecord, secret: string): void {
    this.db
      .prepare("INSERT INTO sessions (id, hash, token_id, csrf, expires_at) VALUES (?, ?, ?, ?, ?)")
      .run(session.id, hashSecret(secret), session.tokenId, session.csrf, session.expiresAt);
  }

  sessionBySecret(secret: string, now: Date): SessionRecord | undefined {
    const row = this.db.prepare("SELECT * FROM sessions WHERE hash = ?").get(hashSecret(secret)) as SessionRow | undefined;
    if (!row) return undefined;
    if (Date.parse(row.expires_at) <= now.getTime()) {
      this.db.prepare("DELETE FROM sessions WHERE id = ?").run(row.id);
      return undefined;
    }
    return { id: row.id, tokenId: row.token_id, csrf: row.csrf, expiresAt: row.expires_at };
  }

  removeSession(secret: string): void {
    this.db.prepare("DELETE FROM sessions WHERE hash = ?").run(hashSecret(secret));
  }

  close(): void {
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }

  /** Tenant tokens whose tenant is gone (a file written before deletions revoked them). */
  private dropOrphanTokens(): void {
    const ids = new Set(this.current.model.tenants.map((t) => t.id));
    const rows = this.db.prepare("SELECT id, tenant_id FROM tokens WHERE role = 'tenant'").all() as Array<{ id: string; tenant_id: string | null }>;
    const orphans = rows.filter((r) => r.tenant_id === null || !ids.has(r.tenant_id));
    if (orphans.length === 0) return;
    const del = this.db.prepare("DELETE FROM tokens WHERE id = ?");
    this.db.transaction(() => orphans.forEach((r) => del.run(r.id)))();
  }

  private load(): InventoryState {
    const read = <T>(table: DocTable): T[] =>
      (this.db.prepare(`SELECT doc, seq FROM ${table} ORDER BY seq`).all() as Array<{ doc: string; seq: number }>).map((r) => {
        this.seq = Math.max(this.seq, r.seq);
        return JSON.parse(r.doc) as T;
      });
    const settingsRow = this.db.prepare("SELECT doc FROM settings WHERE key = 'model'").get() as { doc: string } | undefined;
    const model: NetworkModel = {
      tenants: read("tenants"),
      networks: read("networks"),
      hosts: read("hosts"),
      ports: read("ports"),
      settings: settingsRow ? JSON.parse(settingsRow.doc) : DEFAULT_SETTINGS,
    };
    const vms = read<Vm>("vms");
    // The same rules as every write: a hand-edited or corrupted file is refused, not half-loaded.
    const errors = validateModel(model);
    if (errors.length) {
      throw new InventoryLoadError(`inventory ${this.file} is inconsistent: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    }
    const checked = applyInventoryChanges({ model, vms: [] }, vms.map((vm) => ({ op: "add_vm", vm }) as const));
    if (!checked.ok) {
      throw new InventoryLoadError(`inventory ${this.file} is inconsistent: ${checked.errors.map((e) => e.message).join("; ")}`);
    }
    return { model, vms };
  }

  /**
   * A deleted tenant's tokens go with it, in the same transaction as the tenant (browser
   * sessions follow their token: ON DELETE CASCADE). Otherwise a tenant token would outlive its
   * tenant, and would see a tenant created later with a reused id.
   */
  private revokeCredentialsOfRemovedTenants(before: InventoryState, after: InventoryState): void {
    if (before.model.tenants === after.model.tenants) return;
    const kept = new Set(after.model.tenants.map((t) => t.id));
    const revoke = this.db.prepare("DELETE FROM tokens WHERE role = 'tenant' AND tenant_id = ?");
    for (const t of before.model.tenants) if (!kept.has(t.id)) revoke.run(t.id);
  }

  private persist(before: InventoryState, after: InventoryState): void {
    const rows: Record<DocTable, [readonly { id: string }[], readonly { id: string }[]]> = {
      tenants: [before.model.tenants, after.model.tenants],
      networks: [before.model.networks, after.model.networks],
      hosts: [before.model.hosts, after.model.hosts],
      ports: [before.model.ports, after.model.ports],
      vms: [before.vms, after.vms],
    };
    for (const table of DOC_TABLES) {
      const [old, next] = rows[table];
      const oldById = new Map(old.map((x) => [x.id, x]));
      const nextIds = new Set<string>();
      const upsert = this.db.prepare(
        `INSERT INTO ${table} (id, doc, seq) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc`,
      );
      for (const item of next) {
        nextIds.add(item.id);
        const prev = oldById.get(item.id);
        // Untouched records keep their object identity through the pure update: skip them cheaply.
        if (prev === item || (prev && JSON.stringify(prev) === JSON.stringify(item))) continue;
        upsert.run(item.id, JSON.stringify(item), ++this.seq);
      }
      const del = this.db.prepare(`DELETE FROM ${table} WHERE id = ?`);
      for (const id of oldById.keys()) if (!nextIds.has(id)) del.run(id);
    }
    if (before.model.settings !== after.model.settings) {
      this.db
        .prepare("INSERT INTO settings (key, doc) VALUES ('model', ?) ON CONFLICT(key) DO UPDATE SET doc = excluded.doc")
        .run(JSON.stringify(after.model.settings));
    }
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (version > latest) {
    throw new InventoryLoadError(`the inventory's schema (version ${version}) is newer than this vnet knows (${latest})`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

interface TokenRow {
  id: string;
  hash: string;
  name: string;
  role: "admin" | "tenant";
  tenant_id: string | null;
  created_at: string;
}

interface SessionRow {
  id: string;
  token_id: string;
  csrf: string;
  expires_at: string;
}

function tokenFromRow(row: TokenRow): TokenRecord {
  return { id: row.id, name: row.name, role: row.role, tenantId: row.tenant_id, createdAt: row.created_at };
}

/** Opens the inventory file inside a data directory. */
export function openInventory(dataDir: string): SqliteInventory {
  return new SqliteInventory(`${dataDir.replace(/\/+$/, "")}/vnet.sqlite`);
}
