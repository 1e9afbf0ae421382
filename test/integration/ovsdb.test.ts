// The OVSDB client against a real ovsdb-server that this file starts on its own sockets.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { OvsdbClient, type OvsdbClientOptions } from "../../src/ovsdb/client";
import { TransactionBuilder, byUuid, type Operation } from "../../src/ovsdb/ops";
import { namedUuid, set, map, uuid } from "../../src/ovsdb/datum";
import { ProtocolError } from "../../src/ovsdb/jsonrpc";
import { ConnectionClosedError } from "../../src/ovsdb/jsonrpc";
import { vswitchEvents, VSWITCH_TABLES, type VswitchEvent } from "../../src/ovsdb/vswitch";
import { run } from "../../src/lab/exec";
import { ovsPaths } from "../../src/lab/ovs";
import { startPrivateOvs, freePort, makeCertificates, type PrivateOvs } from "../support/ovs";

let ovs: PrivateOvs;
let certDir: string;
let certs: Awaited<ReturnType<typeof makeCertificates>>;
const clients: OvsdbClient[] = [];

async function connect(target: string, extra: Partial<OvsdbClientOptions> = {}): Promise<OvsdbClient> {
  const c = await OvsdbClient.connect({
    target,
    tables: VSWITCH_TABLES,
    backoff: { minMs: 20, maxMs: 200 },
    tls: { privateKey: certs.clientKey, certificate: certs.clientCert, caCert: certs.caCert },
    ...extra,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), "lb-certs-"));
  certs = await makeCertificates(certDir);
  ovs = await startPrivateOvs({
    tcpPort: await freePort(),
    ssl: { port: await freePort(), privateKey: certs.serverKey, certificate: certs.serverCert, caCert: certs.caCert },
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await ovs?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

/** One scenario using every transact operation; returns a transcript with uuids normalised. */
async function scenario(c: OvsdbClient, tag: string): Promise<string[]> {
  const out: string[] = [];
  const root = c.replica.rows("Open_vSwitch")[0]!;
  const bridgeName = `br-${tag}`;
  // insert with uuid-names referring to each other, plus a mutate on the root row, plus comment.
  const ops: Operation[] = [
    { op: "insert", table: "Interface", row: { name: bridgeName, type: "internal" }, "uuid-name": "i" },
    { op: "insert", table: "Port", row: { name: bridgeName, interfaces: namedUuid("i") }, "uuid-name": "p" },
    { op: "insert", table: "Bridge", row: { name: bridgeName, ports: set([namedUuid("p")]), datapath_type: "netdev" }, "uuid-name": "b" },
    { op: "mutate", table: "Open_vSwitch", where: byUuid(root._uuid), mutations: [["bridges", "insert", set([namedUuid("b")])]] },
    { op: "comment", comment: `scenario ${tag}` },
    { op: "commit", durable: false },
  ];
  const ins = await c.transact(ops);
  out.push(`insert: ${ins.status} ${Object.keys(ins.inserted).sort().join(",")}`);
  const b = ins.inserted.b!;
  // select
  const sel = await c.transact([{ op: "select", table: "Bridge", where: [["name", "==", bridgeName]], columns: ["name", "datapath_type"] }]);
  out.push(`select: ${JSON.stringify(sel.results[0])}`);
  // update + mutate of a map and a set
  const upd = await c.transact([
    { op: "update", table: "Bridge", where: byUuid(b), row: { fail_mode: "secure", external_ids: map({ owner: "vnet" }) } },
    { op: "mutate", table: "Bridge", where: byUuid(b), mutations: [["protocols", "insert", set(["OpenFlow13"])]] },
  ]);
  out.push(`update: ${JSON.stringify(upd.results)}`);
  // wait that holds, then wait that fails at once (verification)
  const okWait = await c.transact([
    { op: "wait", table: "Bridge", where: byUuid(b), columns: ["fail_mode"], until: "==", rows: [{ fail_mode: "secure" }], timeout: 0 },
  ]);
  const badWait = await c.transact([
    { op: "wait", table: "Bridge", where: byUuid(b), columns: ["fail_mode"], until: "==", rows: [{ fail_mode: "standalone" }], timeout: 0 },
    { op: "update", table: "Bridge", where: byUuid(b), row: { fail_mode: "standalone" } },
  ]);
  out.push(`wait: ${okWait.status} then ${badWait.status}`);
  // abort leaves nothing behind
  const aborted = await c.transact([
    { op: "update", table: "Bridge", where: byUuid(b), row: { fail_mode: "standalone" } },
    { op: "abort" },
  ]);
  out.push(`abort: ${aborted.status} ${aborted.error}`);
  // assert without holding the lock
  const asserted = await c.transact([{ op: "assert", lock: `lock_${tag}` }]);
  out.push(`assert: ${asserted.status}`);
  // an error result from the server is reported, not thrown
  const bad = await c.transact([{ op: "insert", table: "NoSuchTable", row: {} }]);
  out.push(`bad: ${bad.status} ${bad.error}`);
  // the replica saw the committed changes
  await c.waitFor((r) => (r.find("Bridge", "name", bridgeName)?.fail_mode as string[] | undefined)?.[0] === "secure", 2000);
  const row = c.replica.find("Bridge", "name", bridgeName)!;
  out.push(`replica: ${JSON.stringify([row.fail_mode, row.protocols, [...(row.external_ids as Map<string, string>)]])}`);
  // delete: unreference from the root (Bridge is not a root table, so it is garbage-collected)
  const del = await c.transact([
    { op: "mutate", table: "Open_vSwitch", where: byUuid(root._uuid), mutations: [["bridges", "delete", set([uuid(b)])]] },
    { op: "delete", table: "Interface", where: [["name", "==", "never-existed"]] },
  ]);
  out.push(`delete: ${JSON.stringify(del.results)}`);
  await c.waitFor((r) => !r.find("Bridge", "name", bridgeName), 2000);
  return out.map((l) => l.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>").replaceAll(tag, "T"));
}

describe("OVSDB client against a real ovsdb-server", () => {
  it("runs the same scenario over unix, tcp and ssl with the same transcript", async () => {
    const transcripts: string[][] = [];
    for (const [tag, target] of [["unix", ovs.unixTarget], ["tcp", ovs.tcpTarget!], ["ssl", ovs.sslTarget!]] as const) {
      const c = await connect(target);
      expect(await c.listDbs()).toContain("Open_vSwitch");
      expect((await c.getSchema()).version).toMatch(/^8\./);
      expect(await c.echo(["ping", 1])).toEqual(["ping", 1]);
      transcripts.push(await scenario(c, tag));
      c.close();
    }
    expect(transcripts[0]).toEqual([
      "insert: success b,i,p",
      'select: {"rows":[{"name":"br-T","datapath_type":"netdev"}]}',
      'update: [{"count":1},{"count":1}]',
      "wait: success then try-again",
      "abort: aborted aborted",
      "assert: not-locked",
      "bad: error syntax error",
      'replica: [["secure"],["OpenFlow13"],[["owner","vnet"]]]',
      'delete: [{"count":1},{"count":0}]',
    ]);
    expect(transcripts[1]).toEqual(transcripts[0]);
    expect(transcripts[2]).toEqual(transcripts[0]);
  });

  it("keeps a replica in step with another client's changes (monitor_cond and plain monitor)", async () => {
    const watcher2 = await connect(ovs.unixTarget);
    const watcher1 = await connect(ovs.tcpTarget!, { monitorMethod: "monitor" });
    expect([watcher2.updateFormat, watcher1.updateFormat]).toEqual(["update2", "update"]);
    const seen: Record<string, VswitchEvent[]> = { w1: [], w2: [] };
    watcher1.on("change", ({ changes }) => seen.w1!.push(...vswitchEvents(changes)));
    watcher2.on("change", ({ changes }) => seen.w2!.push(...vswitchEvents(changes)));
    const writer = await connect(ovs.unixTarget);
    await writer.run((txn, r) => {
      const root = r.rows("Open_vSwitch")[0]!;
      const i = txn.insert("Interface", { name: "mon0", external_ids: new Map([["iface-id", "vif-1"]]) });
      const p = txn.insert("Port", { name: "mon0", interfaces: [i], tag: [5] });
      const b = txn.insert("Bridge", { name: "br-mon", ports: [p], datapath_type: "netdev" });
      txn.mutate("Open_vSwitch", byUuid(root._uuid), "bridges", "insert", [b]);
    });
    await writer.run((txn, r) => {
      const i = r.find("Interface", "name", "mon0")!;
      txn.verify("Interface", i._uuid, ["external_ids"]);
      txn.update("Interface", byUuid(i._uuid), { external_ids: new Map([["iface-id", "vif-2"]]) });
    });
    for (const w of [watcher1, watcher2]) {
      await w.waitFor((r) => r.find("Interface", "name", "mon0")?.external_ids instanceof Map &&
        (r.find("Interface", "name", "mon0")!.external_ids as Map<string, string>).get("iface-id") === "vif-2", 2000);
    }
    for (const events of [seen.w1!, seen.w2!]) {
      expect(events).toEqual(expect.arrayContaining([
        { type: "bridge-added", bridge: "br-mon" },
        { type: "port-added", port: "mon0" },
        { type: "iface-id-changed", iface: "mon0", ifaceId: "vif-1", previous: undefined },
        { type: "iface-id-changed", iface: "mon0", ifaceId: "vif-2", previous: "vif-1" },
      ]));
    }
    expect(watcher1.replica.find("Port", "name", "mon0")!.tag).toEqual([5]);
    // A verified transaction built from a read that went stale is refused ("try-again")...
    const stale = writer.builder();
    const iface = writer.replica.find("Interface", "name", "mon0")!;
    stale.verify("Interface", iface._uuid, ["external_ids"]);
    stale.update("Interface", byUuid(iface._uuid), { external_ids: new Map([["iface-id", "vif-stale"]]) });
    const concurrent = await watcher2.transact([
      { op: "update", table: "Interface", where: byUuid(iface._uuid), row: { external_ids: map({ "iface-id": "vif-3" }) } },
    ]);
    expect(concurrent.status).toBe("success");
    expect((await writer.transact(stale.ops)).status).toBe("try-again");
    // ...and `run` rebuilds from the refreshed replica until it commits.
    let seenByBuild = "";
    await writer.run((txn, r) => {
      const i = r.find("Interface", "name", "mon0")!;
      seenByBuild = (i.external_ids as Map<string, string>).get("iface-id") ?? "";
      txn.verify("Interface", i._uuid, ["external_ids"]);
      txn.update("Interface", byUuid(i._uuid), { external_ids: new Map([["iface-id", "vif-4"]]) });
    });
    expect(seenByBuild).toBe("vif-3");
    const final = await watcher2.waitFor((r) => (r.find("Interface", "name", "mon0")!.external_ids as Map<string, string>).get("iface-id") === "vif-4" && "ok", 2000);
    expect(final).toBe("ok");
  });

  it("monitor_cond conditions replicate only matching rows; a row that stops matching leaves", async () => {
    const tunnelsOnly = await connect(ovs.unixTarget, { where: { Interface: [["type", "==", "vxlan"]] } });
    const writer = await connect(ovs.unixTarget);
    await writer.run((txn, r) => {
      const root = r.rows("Open_vSwitch")[0]!;
      const v = txn.insert("Interface", { name: "cond-vx", type: "vxlan", options: new Map([["remote_ip", "192.0.2.7"]]) });
      const s = txn.insert("Interface", { name: "cond-sys" });
      const pv = txn.insert("Port", { name: "cond-vx", interfaces: [v] });
      const ps = txn.insert("Port", { name: "cond-sys", interfaces: [s] });
      const b = txn.insert("Bridge", { name: "br-cond", ports: [pv, ps], datapath_type: "netdev" });
      txn.mutate("Open_vSwitch", byUuid(root._uuid), "bridges", "insert", [b]);
    });
    await tunnelsOnly.waitFor((r) => r.find("Interface", "name", "cond-vx"), 2000);
    expect(writer.replica.find("Interface", "name", "cond-sys")).toBeDefined();
    expect(tunnelsOnly.replica.find("Interface", "name", "cond-sys")).toBeUndefined();
    const removed: string[] = [];
    tunnelsOnly.on("change", ({ changes }) => changes.forEach((c) => c.kind === "delete" && removed.push(String(c.old.name))));
    await writer.run((txn, r) => {
      txn.update("Interface", byUuid(r.find("Interface", "name", "cond-vx")!._uuid), { type: "geneve" });
    });
    await tunnelsOnly.waitFor((r) => !r.find("Interface", "name", "cond-vx") && "gone", 2000);
    expect(removed).toContain("cond-vx");
  });

  it("an inactivity probe notices a server that stopped answering, and the client comes back", async () => {
    const c = await connect(ovs.tcpTarget!, { probeIntervalMs: 200 });
    const states: string[] = [];
    c.on("state", (s) => states.push(s));
    const pid = ovs.dbPid()!;
    process.kill(pid, "SIGSTOP");
    try {
      // The socket stays open; only the missing echo reply can reveal the hang.
      await new Promise<void>((resolve) => {
        const off = c.on("state", (s) => s === "backoff" && (off(), resolve()));
      });
      expect(c.lastError?.message).toMatch(/no reply to echo/);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await c.ready(5000);
    expect(states[0]).toBe("backoff");
    expect(states.at(-1)).toBe("active");
    expect(await c.echo(["back"])).toEqual(["back"]);
  });

  it("locks: one holder at a time, steal notifies the loser, assert fails without the lock", async () => {
    const a = await connect(ovs.unixTarget);
    const b = await connect(ovs.unixTarget);
    const stolen: string[] = [];
    const locked: string[] = [];
    a.on("stolen", (id) => stolen.push(id));
    b.on("locked", (id) => locked.push(id));
    expect(await a.lock("vnet_leader")).toBe(true);
    expect(await b.lock("vnet_leader")).toBe(false);
    const assertA = await a.transact([{ op: "assert", lock: "vnet_leader" }, { op: "comment", comment: "leader" }]);
    expect(assertA.status).toBe("success");
    expect(await b.steal("vnet_leader")).toBe(true);
    await a.waitFor(() => stolen.length > 0, 2000).catch(() => undefined);
    expect(stolen).toEqual(["vnet_leader"]);
    expect(a.holdsLock("vnet_leader")).toBe(false);
    expect((await a.transact([{ op: "assert", lock: "vnet_leader" }])).status).toBe("not-locked");
    await b.unlock("vnet_leader");
    await a.unlock("vnet_leader");
    // A waiting lock request is granted later with a "locked" notification.
    expect(await a.lock("vnet_queue")).toBe(true);
    expect(await b.lock("vnet_queue")).toBe(false);
    await a.unlock("vnet_queue");
    await b.waitFor(() => locked.includes("vnet_queue"), 2000);
    expect(b.holdsLock("vnet_queue")).toBe(true);
  });

  it("refuses a server with an incompatible schema version with a clear error, and does not crash", async () => {
    const c = new OvsdbClient({ target: ovs.unixTarget, tables: { Bridge: ["name"] }, requiredVersion: "9.0.0", backoff: { minMs: 50, maxMs: 100 } });
    clients.push(c);
    c.start();
    await expect(c.ready(500)).rejects.toThrow(/schema Open_vSwitch is version 8\.\d+\.\d+; this client needs 9\.x/);
    const missing = new OvsdbClient({ target: ovs.unixTarget, tables: { Bridge: ["no_such_column"] }, backoff: { minMs: 50, maxMs: 100 } });
    clients.push(missing);
    missing.start();
    await expect(missing.ready(500)).rejects.toThrow(/has no column Bridge.no_such_column/);
    const noDb = new OvsdbClient({ target: ovs.unixTarget, database: "Nope", tables: {}, backoff: { minMs: 50, maxMs: 100 } });
    clients.push(noDb);
    noDb.start();
    await expect(noDb.ready(500)).rejects.toThrow(/get_schema failed: .*unknown database/);
    c.close();
    missing.close();
    noDb.close();
  });

  it("survives a server that sends malformed JSON: clear error, retries, no crash", async () => {
    let connections = 0;
    const server: Server = createServer((s) => {
      connections++;
      s.on("data", () => s.write('{"id":1,"result":{"name": oops}}'));
      s.on("error", () => undefined);
    });
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
    try {
      const c = new OvsdbClient({ target: `tcp:127.0.0.1:${port}`, tables: {}, backoff: { minMs: 20, maxMs: 40 } });
      clients.push(c);
      const errors: Error[] = [];
      c.on("error", (e) => errors.push(e));
      c.start();
      await expect(c.ready(400)).rejects.toThrow(/malformed JSON from OVSDB server/);
      expect(connections).toBeGreaterThan(1);
      expect(errors.some((e) => e instanceof ConnectionClosedError || e instanceof ProtocolError)).toBe(true);
      c.close();
    } finally {
      server.close();
    }
  });

  it("reconnects after the server is killed and restarted, and resynchronises the replica", async () => {
    const c = await connect(ovs.unixTarget);
    const batches: { events: VswitchEvent[]; resync: boolean }[] = [];
    c.on("change", ({ changes, resync }) => batches.push({ events: vswitchEvents(changes), resync }));
    const states: string[] = [];
    c.on("state", (s) => states.push(s));
    await ovs.killDb();
    // A request made while the server is gone fails clearly instead of hanging.
    await expect(c.transact([{ op: "comment", comment: "x" }])).rejects.toThrow(ConnectionClosedError);
    // Change the database while the client is away (offline, straight into the file).
    const root = c.replica.rows("Open_vSwitch")[0]!;
    const txn = new TransactionBuilder(c.schema);
    const i = txn.insert("Interface", { name: "while-away", type: "internal" });
    const p = txn.insert("Port", { name: "while-away", interfaces: [i] });
    const b = txn.insert("Bridge", { name: "br-away", ports: [p], datapath_type: "netdev" });
    txn.mutate("Open_vSwitch", byUuid(root._uuid), "bridges", "insert", [b]);
    await run(["ovsdb-tool", "transact", ovsPaths(ovs.dir).db, JSON.stringify(["Open_vSwitch", ...txn.ops])]);
    // A transaction submitted through `run` while disconnected is carried out after reconnecting.
    const pending = c.run((t, r) => {
      const br = r.find("Bridge", "name", "br-away");
      if (!br) return false;
      t.update("Bridge", byUuid(br._uuid), { external_ids: new Map([["after", "reconnect"]]) });
    });
    await ovs.restartDb();
    await c.ready(5000);
    await pending;
    expect(states).toContain("backoff");
    expect(states.at(-1)).toBe("active");
    const resync = batches.find((x) => x.resync)!;
    expect(resync.events).toEqual(expect.arrayContaining([{ type: "bridge-added", bridge: "br-away" }, { type: "port-added", port: "while-away" }]));
    await c.waitFor((r) => r.find("Bridge", "name", "br-away")?.external_ids instanceof Map &&
      (r.find("Bridge", "name", "br-away")!.external_ids as Map<string, string>).get("after") === "reconnect", 2000);
  });
});
