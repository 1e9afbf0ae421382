// OVSDB client numbers: framing throughput, replica update rate, and round trips against a real
// ovsdb-server started privately (needs root and Open vSwitch). Run: npx tsx src/ovsdb/bench.ts
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { JsonStreamFramer } from "./framing";
import { parseSchema } from "./schema";
import { Replica } from "./replica";
import { connectVswitch, ensureBridge, ensurePort, VSWITCH_TABLES } from "./vswitch";
import { startOvsdbServer, stopOvs } from "../lab/ovs";

function uuidOf(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

function framing(): void {
  const rows: Record<string, unknown> = {};
  for (let i = 0; i < 2000; i++) {
    rows[uuidOf(i)] = { insert: { name: `port${i}`, external_ids: ["map", [["iface-id", `vif-${i}`], ["attached-mac", "02:00:00:00:00:01"]]] } };
  }
  const message = Buffer.from(JSON.stringify({ id: null, method: "update2", params: ["vnet", { Interface: rows }] }));
  const rounds = 50;
  const t0 = performance.now();
  let count = 0;
  for (let r = 0; r < rounds; r++) {
    const f = new JsonStreamFramer();
    // 16 KiB chunks, as a socket delivers them.
    for (let off = 0; off < message.length; off += 16384) count += f.push(message.subarray(off, off + 16384)).length;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`framing: ${((message.length * rounds) / s / 1e6).toFixed(0)} MB/s (${count} messages of ${(message.length / 1024).toFixed(0)} KiB in 16 KiB chunks)`);

  const schema = parseSchema(JSON.parse(readFileSync("/usr/share/openvswitch/vswitch.ovsschema", "utf8")));
  const t1 = performance.now();
  for (let r = 0; r < 20; r++) {
    const replica = new Replica(schema, VSWITCH_TABLES);
    replica.apply({ Interface: rows }, "update2");
  }
  const s1 = (performance.now() - t1) / 1000;
  console.log(`replica: ${((2000 * 20) / s1).toFixed(0)} rows/s decoded and applied (update2 inserts)`);
}

async function roundTrips(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lb-bench-"));
  try {
    const pid = await startOvsdbServer({ dir, systemId: "bench" });
    // Interrupted (Ctrl-C, or stdout closed by `| head`): still remove the server and its files.
    const cleanup = (): void => {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* gone */
      }
      rmSync(dir, { recursive: true, force: true });
    };
    process.once("exit", cleanup);
    for (const sig of ["SIGINT", "SIGTERM", "SIGPIPE"] as const) process.once(sig, () => process.exit(1));
    process.stdout.on("error", () => process.exit(1));
    const t0 = performance.now();
    const client = await connectVswitch(`unix:${dir}/db.sock`);
    console.log(`connect + schema + monitor: ${(performance.now() - t0).toFixed(1)} ms`);
    await ensureBridge(client, { name: "br-int", datapathType: "netdev" });
    const n = 200;
    const t1 = performance.now();
    for (let i = 0; i < n; i++) await ensurePort(client, "br-int", { name: `p${i}`, interfaceExternalIds: { "iface-id": `vif-${i}` } });
    const ms = (performance.now() - t1) / n;
    console.log(`ensurePort (verified transaction, waits for the replica): ${ms.toFixed(2)} ms each over ${n} ports`);
    const t2 = performance.now();
    for (let i = 0; i < n; i++) await ensurePort(client, "br-int", { name: `p${i}`, interfaceExternalIds: { "iface-id": `vif-${i}` } });
    console.log(`ensurePort when nothing changes (no transaction sent): ${((performance.now() - t2) / n).toFixed(3)} ms each`);
    // Concurrent adds of different ports on one bridge (a host plugging many VMs at once): each is
    // its own transaction, none verifies Bridge.ports, so none has to retry.
    const t4 = performance.now();
    const concurrent = await Promise.all(
      Array.from({ length: n }, (_, i) => ensurePort(client, "br-int", { name: `q${i}`, interfaceExternalIds: { "iface-id": `vif-q${i}` } })),
    );
    const allOk = concurrent.every((r) => r.commit?.status === "success");
    console.log(`${n} concurrent ensurePort on one bridge: ${(performance.now() - t4).toFixed(0)} ms in all${allOk ? "" : " (SOME FAILED)"}`);
    const t3 = performance.now();
    for (let i = 0; i < n; i++) await client.echo([i]);
    console.log(`echo round trip: ${((performance.now() - t3) / n).toFixed(3)} ms`);
    client.close();
  } finally {
    await stopOvs(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

framing();
await roundTrips();
