// Shared by the API integration tests and the browser tests: a real server over a real SQLite
// file in a fresh temporary data directory, tokens, and a small two-tenant inventory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppOptions } from "../../src/api/app";
import { startServer, type RunningServer } from "../../src/api/server";
import { newId, newSecret } from "../../src/inventory/secrets";
import { openInventory, type SqliteInventory } from "../../src/inventory/sqlite";
import { LiveView } from "../../src/live/view";

export interface Fixture {
  server: RunningServer;
  store: SqliteInventory;
  live: LiveView;
  dataDir: string;
  adminToken: string;
  tokenFor(tenantName: string): string;
  call<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** Cookie 0x1.. owners for tests: cookie n belongs to the tenant at index n-1 of `tenants`. */
export function ownerByCookie(tenants: string[]) {
  return (cookie: bigint) => {
    const t = tenants[Number(cookie) - 1];
    return t ? { tenant: t } : {};
  };
}

export async function startFixture(opts: Partial<AppOptions> = {}): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "wb-api-"));
  const store = openInventory(dataDir);
  const live = opts.live ?? new LiveView();
  const server = await startServer({ dashboard: false, ...opts, store, live });
  const adminToken = newSecret();
  store.addToken({ id: newId("tok"), name: "admin", role: "admin", tenantId: null, createdAt: new Date().toISOString() }, adminToken);
  const call = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    server,
    store,
    live,
    dataDir,
    adminToken,
    tokenFor(tenantName: string) {
      const tenant = store.state().model.tenants.find((t) => t.name === tenantName);
      if (!tenant) throw new Error(`no tenant ${tenantName}`);
      const secret = newSecret();
      store.addToken({ id: newId("tok"), name: tenantName, role: "tenant", tenantId: tenant.id, createdAt: new Date().toISOString() }, secret);
      return secret;
    },
    call,
    async close() {
      await server.close();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Two tenants (red, blue) with one overlay network each (same subnet), two hosts, one VM each per host. */
export async function seedTwoTenants(f: Fixture): Promise<void> {
  const must = async (method: string, path: string, body: unknown) => {
    const r = await f.call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  for (const name of ["red", "blue"]) await must("POST", "/api/tenants", { name });
  await must("POST", "/api/hosts", { name: "hv1", managementAddress: "192.0.2.1", ovsdbTarget: "tcp:192.0.2.1:6640", backend: "ovs", tunnelIp: "198.51.100.1" });
  await must("POST", "/api/hosts", { name: "hv2", managementAddress: "192.0.2.2", ovsdbTarget: "tcp:192.0.2.2:6640", backend: "ovs", tunnelIp: "198.51.100.2" });
  for (const tenant of ["red", "blue"]) {
    const net = await must("POST", "/api/networks", { name: "web", tenant, subnet: "203.0.113.0/24", gateway: "203.0.113.1" });
    await must("POST", "/api/vms", { name: `${tenant}1`, tenant, host: "hv1", nics: [{ network: net.id }] });
    await must("POST", "/api/vms", { name: `${tenant}2`, tenant, host: "hv2", nics: [{ network: net.id }] });
  }
}
