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
import { compile, type SwitchWiring } from "../../src/pipeline/compile";
import type { SwitchView } from "../../src/pipeline/trace";

export interface Fixture {
  server: RunningServer;
  store: SqliteInventory;
  live: LiveView;
  dataDir: string;
  adminToken: string;
  tokenFor(tenantName: string): string;
  call<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  /** Stops the HTTP server (as a crash or an upgrade would), keeping the inventory. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
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
  const serverOpts = { dashboard: false, ...opts, store, live };
  let server = await startServer(serverOpts);
  const port = Number(new URL(server.url).port);
  const adminToken = newSecret();
  store.addToken({ id: newId("tok"), name: "admin", role: "admin", tenantId: null, createdAt: new Date().toISOString() }, adminToken);
  const call = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const url = fixture.server.url;
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const fixture: Fixture = {
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
    async stop() {
      await fixture.server.close();
    },
    async restart() {
      server = await startServer({ ...serverOpts, port, buildDashboard: false });
      fixture.server = server;
    },
    async close() {
      await fixture.server.close();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
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

/** What the runtime would know after binding: ofports 1.. for each host's NICs, tunnel port 100. */
export function switchViews(f: Fixture): Map<string, SwitchView> {
  const model = f.store.state().model;
  const views = new Map<string, SwitchView>();
  for (const host of model.hosts) {
    const vmPorts: Record<string, number> = {};
    model.ports.filter((p) => p.hostId === host.id).forEach((p, i) => (vmPorts[p.id] = i + 1));
    const tunnels: Record<string, number> = {};
    for (const other of model.hosts) if (other.id !== host.id && other.tunnelIp && host.tunnelIp) tunnels[other.id] = 100;
    const wiring: SwitchWiring = { vmPorts, tunnels, uplink: null };
    views.set(host.id, { desired: compile(model, host.id, wiring), wiring });
  }
  return views;
}

