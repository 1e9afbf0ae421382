// The socket.io live stream against a real listening server: snapshot first, then diffs, and a
// tenant client only ever receives its own tenant's part.
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SOCKET_PATH } from "../../src/api/socket";
import { applyTopologyDiff } from "../../src/live/diff";
import type { LiveSnapshot, ObservedFlow, Topology, TopologyDiff } from "../../src/live/types";
import { LiveView } from "../../src/live/view";
import { ownerByCookie, seedTwoTenants, startFixture, type Fixture } from "../e2e/fixtures";

interface Recorder {
  socket: Socket;
  snapshot: Promise<LiveSnapshot>;
  topology: Topology;
  events: Array<[string, any]>;
  /** Resolves when an event satisfies `pred`; rejects after 5 s with what arrived. */
  until(pred: (name: string, data: any) => boolean): Promise<void>;
}

function connect(url: string, token: string | undefined, opts: { holdAcks?: Array<() => void> } = {}): Recorder {
  const socket = io(url, { path: SOCKET_PATH, transports: ["websocket"], auth: token ? { token } : {}, reconnection: false, forceNew: true });
  const rec: Recorder = { socket, snapshot: undefined as never, topology: undefined as never, events: [], until: undefined as never };
  const waiters: Array<{ pred: (n: string, d: any) => boolean; resolve: () => void }> = [];
  rec.snapshot = new Promise((resolve, reject) => {
    socket.once("snapshot", (s: LiveSnapshot) => {
      rec.topology = s.topology;
      resolve(s);
    });
    socket.once("connect_error", reject);
  });
  socket.onAny((name: string, data: any, ack?: unknown) => {
    rec.events.push([name, data]);
    if (typeof ack === "function") {
      if (opts.holdAcks) opts.holdAcks.push(ack as () => void);
      else ack();
    }
    if (name === "topology") rec.topology = applyTopologyDiff(rec.topology, data as TopologyDiff);
    for (const w of [...waiters]) if (w.pred(name, data)) w.resolve();
  });
  rec.until = (pred) =>
    new Promise<void>((resolve, reject) => {
      if (rec.events.some(([n, d]) => pred(n, d))) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(rec.events.map(([n]) => n))}`)), 5000);
      waiters.push({ pred, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return rec;
}

const flow = (cookie: bigint, match: string, packets: number): ObservedFlow => ({
  tableId: 0,
  priority: 10,
  cookie,
  packetCount: BigInt(packets),
  byteCount: BigInt(packets * 60),
  match,
  actions: "goto_table:1",
});

describe("live stream over socket.io", () => {
  let f: Fixture;
  const clients: Recorder[] = [];
  const open = (token?: string, opts = {}) => {
    const c = connect(f.server.url, token, opts);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    f = await startFixture({ live: new LiveView({ flowOwner: ownerByCookie(["red", "blue"]) }) });
    await seedTwoTenants(f);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.socket.disconnect();
  });
  afterAll(() => f.close());

  it("refuses a connection without a valid token", async () => {
    await expect(open("vnet_wrong").snapshot).rejects.toThrow(/unauthorized/);
  });

  it("sends the admin a full snapshot, then a VM created through the API as a diff", async () => {
    const admin = open(f.adminToken);
    const snap = await admin.snapshot;
    expect(snap.topology.vms.map((v) => v.name).sort()).toEqual(["blue1", "blue2", "red1", "red2"]);
    expect(snap.topology.hosts.map((h) => h.name).sort()).toEqual(["hv1", "hv2"]);
    const net = (await f.call("GET", "/api/networks?tenant=red")).body[0].id;
    expect((await f.call("POST", "/api/vms", { name: "red3", tenant: "red", host: "hv2", nics: [{ network: net }] })).status).toBe(201);
    await admin.until((n, d) => n === "topology" && d.vms?.upsert.some((v: any) => v.name === "red3"));
    expect(admin.topology.vms.find((v) => v.name === "red3")).toMatchObject({ tenant: "red", host: "hv2", nics: [{ ip: "203.0.113.4" }] });
  });

  it("a tenant client sees only its own tenant, in the snapshot and in every diff", async () => {
    const red = open(f.tokenFor("red"));
    const blue = open(f.tokenFor("blue"));
    const redSnap = await red.snapshot;
    await blue.snapshot;
    expect(redSnap.topology.vms.every((v) => v.tenant === "red")).toBe(true);
    expect(redSnap.topology.networks.map((n) => n.tenant)).toEqual(["red"]);
    const blueNet = (await f.call("GET", "/api/networks?tenant=blue")).body[0].id;
    await f.call("POST", "/api/vms", { name: "blue3", tenant: "blue", host: "hv1", nics: [{ network: blueNet }] });
    await blue.until((n, d) => n === "topology" && d.vms?.upsert.some((v: any) => v.name === "blue3"));
    // Red hears nothing of it. A later red change proves red's stream is alive and ordered after.
    const redNet = (await f.call("GET", "/api/networks?tenant=red")).body[0].id;
    await f.call("POST", "/api/vms", { name: "red4", tenant: "red", host: "hv1", nics: [{ network: redNet }] });
    await red.until((n, d) => n === "topology" && d.vms?.upsert.some((v: any) => v.name === "red4"));
    expect(JSON.stringify(red.events)).not.toContain("blue");
  });

  it("streams flow tables as added/removed diffs plus volatile counter rows, split by tenant", async () => {
    const dpid = "00000000000000f1";
    f.live.topologyChanged({ switches: [{ dpid, host: "hv1", name: "br-int", connected: true, ports: [] }] });
    const admin = open(f.adminToken);
    const red = open(f.tokenFor("red"));
    await Promise.all([admin.snapshot, red.snapshot]);
    f.live.flowsChanged(dpid, [flow(1n, "in_port=1", 0), flow(2n, "in_port=2", 0)], 1000);
    f.live.flowsChanged(dpid, [flow(1n, "in_port=1", 10), flow(2n, "in_port=2", 20)], 2000);
    await admin.until((n, d) => n === "counters" && d.flows.some((x: any) => x.dpid === dpid && x.rows.length === 2));
    await red.until((n) => n === "counters");
    const redFlows = red.events.filter(([n]) => n === "flows").flatMap(([, d]) => d.added);
    expect(redFlows.map((x: any) => x.match)).toEqual(["in_port=1"]);
    const redCounters = red.events.filter(([n]) => n === "counters").flatMap(([, d]) => d.flows.flatMap((x: any) => x.rows));
    expect(redCounters).toEqual([[redFlows[0].id, 10, 600, 10, 600]]);
    const adminAdded = admin.events.filter(([n]) => n === "flows").flatMap(([, d]) => d.added);
    expect(adminAdded).toHaveLength(2);
    // A flow removed from the switch is removed on the client too.
    f.live.flowsChanged(dpid, [flow(2n, "in_port=2", 20)], 3000);
    await red.until((n, d) => n === "flows" && d.removed.includes(redFlows[0].id));
  });

  it("a client slow to acknowledge gets the newest counters, coalesced, not a backlog", async () => {
    const dpid = "00000000000000f2";
    f.live.topologyChanged({ switches: [{ dpid, host: "hv1", name: "br-x", connected: true, ports: [] }] });
    const held: Array<() => void> = [];
    const slow = open(f.adminToken, { holdAcks: held });
    await slow.snapshot;
    f.live.flowsChanged(dpid, [flow(1n, "a", 0), flow(1n, "b", 0)], 1000);
    for (let i = 1; i <= 5; i++) f.live.flowsChanged(dpid, [flow(1n, "a", i * 10), flow(1n, "b", i)], 1000 + i * 1000);
    await slow.until((n) => n === "counters");
    await new Promise((r) => setTimeout(r, 100));
    const mine = () => slow.events.filter(([n, d]) => n === "counters" && d.flows.some((x: any) => x.dpid === dpid));
    expect(mine()).toHaveLength(1); // nothing more until it acknowledges
    held.shift()!();
    await slow.until((n) => n === "counters" && mine().length === 2);
    const rows = mine()[1]![1].flows.find((x: any) => x.dpid === dpid).rows;
    // One row per flow, with the values of the last dump (50 and 5 packets), not four stale rows.
    expect(rows.map((r: number[]) => r[1]).sort((a: number, b: number) => a - b)).toEqual([5, 50]);
  });

  it("a client that reconnects gets a fresh snapshot with what changed while it was away", async () => {
    const admin = open(f.adminToken);
    await admin.snapshot;
    admin.socket.disconnect();
    await f.call("POST", "/api/tenants", { name: "green" });
    const again = open(f.adminToken);
    const snap = await again.snapshot;
    expect(snap.topology.vms.length).toBeGreaterThan(4);
    expect(snap.topology.networks.map((n) => n.tenant)).not.toContain("green"); // tenants without networks draw nothing
    expect((await f.call("GET", "/api/tenants")).body.map((t: any) => t.name)).toContain("green");
  });
});
