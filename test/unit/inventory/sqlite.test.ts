import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Host, Network, Tenant } from "../../../src/model/types";
import { SCHEMA_VERSION } from "../../../src/inventory/migrations";
import { newSecret } from "../../../src/inventory/secrets";
import { InventoryError, InventoryLoadError, SqliteInventory } from "../../../src/inventory/sqlite";
import { forceRemoveHostChanges, removeVmChanges } from "../../../src/inventory/state";
import type { InventoryChange, Vm } from "../../../src/inventory/types";

const tenant: Tenant = { id: "t-red", name: "red" };
const host: Host = {
  id: "h-1",
  name: "hv1",
  managementAddress: "192.0.2.1",
  ovsdbTarget: "tcp:192.0.2.1:6640",
  backend: "ovs",
  tunnelIp: "198.51.100.1",
};
const network: Network = {
  id: "n-1",
  tenantId: "t-red",
  name: "web",
  kind: "overlay",
  segmentationId: 100,
  subnet: "203.0.113.0/24",
  gateway: "203.0.113.1",
  dhcpRange: null,
  dns: [],
};
const vm: Vm = { id: "vm-1", name: "web1", tenantId: "t-red", hostId: "h-1", driver: "netns", state: "defined" };
const base: InventoryChange[] = [
  { op: "add_tenant", tenant },
  { op: "add_host", host },
  { op: "add_network", network },
  { op: "add_vm", vm },
  { op: "add_port", port: { id: "p-1", networkId: "n-1", hostId: "h-1", mac: "02:00:00:00:00:01", vmId: "vm-1" } },
];

describe("SqliteInventory", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "wb-inv-"));
    file = join(dir, "vnet.sqlite");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("persists a committed change and reads it back after reopening", () => {
    const a = new SqliteInventory(file);
    const r = a.commit(base);
    expect(r.ok).toBe(true);
    a.close();
    const b = new SqliteInventory(file);
    const s = b.state();
    expect(s.model.tenants).toEqual([tenant]);
    expect(s.model.hosts).toEqual([host]);
    expect(s.model.networks).toEqual([network]);
    expect(s.vms).toEqual([vm]);
    // The IPAM picked the first free address after the gateway, and that choice was stored.
    expect(s.model.ports[0]).toMatchObject({ id: "p-1", ip: "203.0.113.2", vmId: "vm-1" });
    b.close();
  });

  it("uses WAL with full sync and records the schema version", () => {
    const a = new SqliteInventory(file);
    a.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it("refuses a batch with one bad change and changes nothing, in memory or on disk", () => {
    const a = new SqliteInventory(file);
    a.commit(base);
    const before = a.state();
    const r = a.commit([
      { op: "add_tenant", tenant: { id: "t-blue", name: "blue" } },
      { op: "add_network", network: { ...network, id: "n-2", name: "db", segmentationId: 100 } }, // VNI taken
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/100/);
    expect(a.state()).toBe(before);
    a.close();
    const b = new SqliteInventory(file);
    expect(b.state().model.tenants.map((t) => t.name)).toEqual(["red"]);
    b.close();
  });

  it("refuses to remove a host while a VM lives there, and removes it by force with its VMs and ports", () => {
    const a = new SqliteInventory(file);
    a.commit(base);
    const refused = a.commit([{ op: "remove_host", id: "h-1" }]);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.errors[0]!.code).toBe("in_use");
    const forced = a.commit(forceRemoveHostChanges(a.state(), "h-1"));
    expect(forced.ok).toBe(true);
    expect(a.state().vms).toEqual([]);
    expect(a.state().model.ports).toEqual([]);
    expect(a.state().model.hosts).toEqual([]);
    a.close();
  });

  it("removes a VM with its NICs", () => {
    const a = new SqliteInventory(file);
    a.commit(base);
    expect(a.commit([{ op: "remove_vm", id: "vm-1" }]).ok).toBe(false); // still owns p-1
    expect(a.commit(removeVmChanges(a.state(), "vm-1")).ok).toBe(true);
    expect(a.state().model.ports).toEqual([]);
    a.close();
  });

  it("refuses a NIC on another tenant's network or another host", () => {
    const a = new SqliteInventory(file);
    a.commit(base);
    const r1 = a.commit([
      { op: "add_tenant", tenant: { id: "t-blue", name: "blue" } },
      { op: "add_vm", vm: { ...vm, id: "vm-2", name: "blue1", tenantId: "t-blue" } },
      { op: "add_port", port: { id: "p-2", networkId: "n-1", hostId: "h-1", mac: "02:00:00:00:00:02", vmId: "vm-2" } },
    ]);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.errors[0]!.message).toMatch(/another tenant/);
    expect(a.state().vms).toHaveLength(1);
    a.close();
  });

  it("tells listeners about committed changes only", () => {
    const a = new SqliteInventory(file);
    const seen: number[] = [];
    a.onChange((_s, changes) => seen.push(changes.length));
    a.commit(base);
    a.commit([{ op: "add_tenant", tenant }]); // duplicate: refused
    expect(seen).toEqual([base.length]);
    a.close();
  });

  it("stores only a hash of each token and finds the token by its secret", () => {
    const a = new SqliteInventory(file);
    const secret = newSecret();
    a.addToken({ id: "tok-1", name: "ops", role: "admin", tenantId: null, createdAt: new Date().toISOString() }, secret);
    expect(a.tokenBySecret(secret)?.id).toBe("tok-1");
    expect(a.tokenBySecret(secret + "x")).toBeUndefined();
    a.close();
    const raw = new Database(file, { readonly: true });
    const dump = JSON.stringify(raw.prepare("SELECT * FROM tokens").all());
    raw.close();
    expect(dump).not.toContain(secret);
  });

  it("expires sessions and drops them with their token", () => {
    const a = new SqliteInventory(file);
    a.addToken({ id: "tok-1", name: "ops", role: "admin", tenantId: null, createdAt: "2026-01-01T00:00:00Z" }, "s1");
    a.addSession({ id: "ses-1", tokenId: "tok-1", csrf: "c", expiresAt: "2026-01-02T00:00:00Z" }, "cookie");
    expect(a.sessionBySecret("cookie", new Date("2026-01-01T12:00:00Z"))?.csrf).toBe("c");
    expect(a.sessionBySecret("cookie", new Date("2026-01-03T00:00:00Z"))).toBeUndefined();
    a.addSession({ id: "ses-2", tokenId: "tok-1", csrf: "c", expiresAt: "2026-01-02T00:00:00Z" }, "cookie2");
    a.removeToken("tok-1");
    expect(a.sessionBySecret("cookie2", new Date("2026-01-01T12:00:00Z"))).toBeUndefined();
    a.close();
  });

  it("deleting a tenant revokes its tokens and their sessions in the same commit; other tokens stay", () => {
    const a = new SqliteInventory(file);
    a.commit([{ op: "add_tenant", tenant }, { op: "add_tenant", tenant: { id: "t-blue", name: "blue" } }]);
    a.addToken({ id: "tok-red", name: "red", role: "tenant", tenantId: "t-red", createdAt: "2026-01-01T00:00:00Z" }, "red-secret");
    a.addToken({ id: "tok-blue", name: "blue", role: "tenant", tenantId: "t-blue", createdAt: "2026-01-01T00:00:00Z" }, "blue-secret");
    a.addToken({ id: "tok-admin", name: "ops", role: "admin", tenantId: null, createdAt: "2026-01-01T00:00:00Z" }, "admin-secret");
    a.addSession({ id: "ses-red", tokenId: "tok-red", csrf: "c", expiresAt: "2999-01-01T00:00:00Z" }, "red-cookie");
    // A refused removal (the tenant still has a network) revokes nothing.
    expect(a.commit([{ op: "add_network", network }]).ok).toBe(true);
    expect(a.commit([{ op: "remove_tenant", id: "t-red" }]).ok).toBe(false);
    expect(a.tokenBySecret("red-secret")?.id).toBe("tok-red");
    expect(a.commit([{ op: "remove_network", id: "n-1" }, { op: "remove_tenant", id: "t-red" }]).ok).toBe(true);
    expect(a.tokenBySecret("red-secret")).toBeUndefined();
    expect(a.sessionBySecret("red-cookie", new Date("2026-06-01T00:00:00Z"))).toBeUndefined();
    expect(a.listTokens().map((t) => t.id).sort()).toEqual(["tok-admin", "tok-blue"]);
    a.close();
    // And on disk: a reopened file has no trace of the token.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT id FROM tokens ORDER BY id").all()).toEqual([{ id: "tok-admin" }, { id: "tok-blue" }]);
    expect(raw.prepare("SELECT id FROM sessions").all()).toEqual([]);
    raw.close();
  });

  it("refuses a tenant token for a missing tenant, and drops such tokens left in an older file at open", () => {
    const a = new SqliteInventory(file);
    expect(() => a.addToken({ id: "tok-x", name: "x", role: "tenant", tenantId: "t-none", createdAt: "2026-01-01T00:00:00Z" }, "x")).toThrow(InventoryError);
    expect(a.listTokens()).toEqual([]);
    a.close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO tokens (id, hash, name, role, tenant_id, created_at) VALUES ('tok-old', 'h', 'old', 'tenant', 't-gone', '2026-01-01')").run();
    raw.close();
    const b = new SqliteInventory(file);
    expect(b.listTokens()).toEqual([]);
    b.close();
  });

  it("refuses to load a file whose records break the model's rules", () => {
    const a = new SqliteInventory(file);
    a.commit(base);
    a.close();
    const raw = new Database(file);
    raw.prepare("DELETE FROM tenants").run(); // the network now names a missing tenant
    raw.close();
    expect(() => new SqliteInventory(file)).toThrow(InventoryLoadError);
  });
});
