// Benchmark: can the live stream keep up with 10,000 flows whose counters change every second?
// Measures (1) the pure work per dump in the live view, (2) the time from a dump to an admin and a
// tenant client holding the new counters over a real socket.io connection, and the bytes sent.
//   npx tsx src/live/bench.ts [flows=10000] [rounds=20]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { startServer } from "../api/server";
import { SOCKET_PATH } from "../api/socket";
import { newSecret } from "../inventory/secrets";
import { openInventory } from "../inventory/sqlite";
import type { CountersBatch, ObservedFlow } from "./types";
import { LiveView } from "./view";

const FLOWS = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 20);
const DPID = "00000000000000be";

function dump(round: number): ObservedFlow[] {
  const out: ObservedFlow[] = [];
  for (let i = 0; i < FLOWS; i++) {
    out.push({
      tableId: i % 6,
      priority: 100 + (i % 50),
      cookie: BigInt((i % 2) + 1), // half red, half blue
      packetCount: BigInt(round * (i + 1)),
      byteCount: BigInt(round * (i + 1) * 90),
      match: `reg6=0x${(i + 1).toString(16)},dl_dst=02:00:00:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`,
      actions: `output:${(i % 48) + 1}`,
    });
  }
  return out;
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `median ${p(0.5).toFixed(1)} ms, p90 ${p(0.9).toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  // (1) Pure: the view folding one full dump in (diff + rates), no listeners.
  const dumps = Array.from({ length: ROUNDS + 1 }, (_, r) => dump(r + 1));
  const pure = new LiveView();
  pure.flowsChanged(DPID, dumps[0]!, 0);
  const pureMs: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const t0 = performance.now();
    pure.flowsChanged(DPID, dumps[r]!, r * 1000);
    pureMs.push(performance.now() - t0);
  }
  console.log(`live view, ${FLOWS} flows, all counters changed: ${stats(pureMs)} per dump`);

  // (2) End to end over socket.io: an admin client and a tenant client, both acknowledging.
  const dataDir = mkdtempSync(join(tmpdir(), "wb-bench-"));
  const store = openInventory(dataDir);
  const live = new LiveView({ flowOwner: (c) => (c === 1n ? { tenant: "red" } : { tenant: "blue" }) });
  store.commit([{ op: "add_tenant", tenant: { id: "t-red", name: "red" } }]);
  const admin = newSecret();
  const red = newSecret();
  store.addToken({ id: "a", name: "a", role: "admin", tenantId: null, createdAt: "" }, admin);
  store.addToken({ id: "r", name: "r", role: "tenant", tenantId: "t-red", createdAt: "" }, red);
  const server = await startServer({ store, live, dashboard: false });
  const clients = [admin, red].map((token) => {
    const socket = io(server.url, { path: SOCKET_PATH, transports: ["websocket"], auth: { token } });
    const state = { socket, bytes: 0, rows: 0, last: 0, waiters: [] as Array<() => void> };
    socket.onAny((name: string, data: unknown, ack?: () => void) => {
      state.bytes += JSON.stringify(data).length;
      if (name === "counters") {
        const b = data as CountersBatch;
        for (const f of b.flows) {
          state.rows += f.rows.length;
          state.last = Math.max(state.last, f.at);
        }
        ack?.();
        for (const w of state.waiters.splice(0)) w();
      }
    });
    return state;
  });
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.socket.once("snapshot", () => r()))));
  live.topologyChanged({ switches: [{ dpid: DPID, host: "hv1", name: "br-int", connected: true, ports: [] }] });
  live.flowsChanged(DPID, dumps[0]!, 0);
  await new Promise((r) => setTimeout(r, 300));
  for (const c of clients) (c.bytes = 0), (c.rows = 0);
  const e2e: number[][] = [[], []];
  const wall = performance.now();
  for (let r = 1; r <= ROUNDS; r++) {
    const at = r * 1000;
    const t0 = performance.now();
    live.flowsChanged(DPID, dumps[r]!, at);
    await Promise.all(
      clients.map(
        (c, i) =>
          new Promise<void>((resolve) => {
            const check = () => (c.last >= at ? (e2e[i]!.push(performance.now() - t0), resolve()) : c.waiters.push(check));
            check();
          }),
      ),
    );
  }
  const elapsed = (performance.now() - wall) / 1000;
  console.log(`dump → admin client holds new counters: ${stats(e2e[0]!)}`);
  console.log(`dump → tenant client (half the flows) holds new counters: ${stats(e2e[1]!)}`);
  console.log(
    `sustained: ${(ROUNDS / elapsed).toFixed(1)} dumps/s of ${FLOWS} flows (${((ROUNDS * FLOWS) / elapsed / 1000).toFixed(0)}k counter updates/s); ` +
      `wire: admin ${(clients[0]!.bytes / ROUNDS / 1024).toFixed(0)} KiB/dump (${clients[0]!.rows / ROUNDS} rows), tenant ${(clients[1]!.bytes / ROUNDS / 1024).toFixed(0)} KiB/dump`,
  );
  for (const c of clients) c.socket.disconnect();
  await server.close();
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
