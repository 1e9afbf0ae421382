// The bridge from the live view to socket.io: the one place where domain events become messages
// on the wire. Each client joins the room of its audience (admin, or one tenant) and gets a
// `snapshot` on connect (and again after any reconnect), then:
//   topology  TopologyDiff                         reliable, in order
//   flows     FlowDiff with added/removed only     reliable, in order
//   counters  { flows: [{dpid, at, rows}], ports: PortDiff[] }
//             flow counter rows and port rates, acknowledged by the client. Rows carry absolute
//             values, so while a client has not acknowledged the last batch, newer values simply
//             replace older ones in its pending batch: a slow client gets fewer, fresher updates
//             and the server's memory per client stays bounded by the size of the tables.
import type { FastifyInstance } from "fastify";
import { Server, type Socket } from "socket.io";
import {
  audienceKey,
  filterFlowDiff,
  filterPortDiff,
  filterSnapshot,
  filterTopology,
  visiblePorts,
  type Audience,
} from "../live/audience";
import { diffTopology, isEmptyTopologyDiff } from "../live/diff";
import type { CountersBatch, Dpid, PortRate } from "../live/types";
import type { LiveMessage } from "../live/view";
import { authenticate, cookieFrom, SESSION_COOKIE, type Principal } from "./auth";
import { audienceOf } from "./routes/switches";

export const SOCKET_PATH = "/live";
/** A client that has not acknowledged a counters batch in this time is sent the next one anyway. */
const ACK_TIMEOUT_MS = 10_000;

type CounterRow = CountersBatch["flows"][number]["rows"][number];

/** Per client: the newest counter values not yet sent, keyed so newer values overwrite older. */
class CounterPump {
  private inFlight = false;
  private flows = new Map<Dpid, { at: number; rows: Map<number, CounterRow> }>();
  private ports = new Map<Dpid, { at: number; ports: Map<number, PortRate> }>();

  constructor(private readonly socket: Socket) {}

  addFlows(dpid: Dpid, at: number, rows: readonly CounterRow[]): void {
    let e = this.flows.get(dpid);
    if (!e) this.flows.set(dpid, (e = { at, rows: new Map() }));
    e.at = at;
    for (const row of rows) e.rows.set(row[0], row);
    this.pump();
  }

  addPorts(dpid: Dpid, at: number, ports: readonly PortRate[]): void {
    let e = this.ports.get(dpid);
    if (!e) this.ports.set(dpid, (e = { at, ports: new Map() }));
    e.at = at;
    for (const p of ports) e.ports.set(p.portNo, p);
    this.pump();
  }

  /** Removed flows must not come back as counter rows. */
  forgetFlows(dpid: Dpid, ids: readonly number[]): void {
    const e = this.flows.get(dpid);
    if (e) for (const id of ids) e.rows.delete(id);
  }

  private pump(): void {
    if (this.inFlight || (this.flows.size === 0 && this.ports.size === 0) || !this.socket.connected) return;
    const batch: CountersBatch = {
      flows: [...this.flows].filter(([, e]) => e.rows.size > 0).map(([dpid, e]) => ({ dpid, at: e.at, rows: [...e.rows.values()] })),
      ports: [...this.ports].map(([dpid, e]) => ({ dpid, at: e.at, ports: [...e.ports.values()] })),
    };
    this.flows = new Map();
    this.ports = new Map();
    if (batch.flows.length === 0 && batch.ports.length === 0) return;
    this.inFlight = true;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("counters", batch, () => {
      this.inFlight = false;
      this.pump();
    });
  }
}

export function attachLiveSocket(app: FastifyInstance): Server {
  const io = new Server(app.server, { path: SOCKET_PATH, serveClient: false, cors: { origin: false } });
  const audiences = new Map<string, Audience>();
  const pumps = new Map<string, CounterPump>();

  io.use((socket, next) => {
    const token = typeof socket.handshake.auth?.token === "string" ? socket.handshake.auth.token : undefined;
    const principal = authenticate(app.store, token, cookieFrom(socket.handshake.headers.cookie, SESSION_COOKIE));
    if (!principal) return next(new Error("unauthorized"));
    (socket.data as { principal: Principal }).principal = principal;
    next();
  });

  io.on("connection", (socket: Socket) => {
    const audience = audienceOf(app, (socket.data as { principal: Principal }).principal);
    const room = audienceKey(audience);
    audiences.set(room, audience);
    pumps.set(socket.id, new CounterPump(socket));
    socket.on("disconnect", () => pumps.delete(socket.id));
    void socket.join(room);
    socket.emit("snapshot", filterSnapshot(app.live.snapshot(), audience));
  });

  const rooms = () => [...audiences].filter(([room]) => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0);
  const pumpsIn = (room: string) =>
    [...(io.sockets.adapter.rooms.get(room) ?? [])].map((id) => pumps.get(id)).filter((p): p is CounterPump => p !== undefined);

  const unsubscribe = app.live.subscribe((m: LiveMessage) => {
    for (const [room, audience] of rooms()) {
      switch (m.kind) {
        case "topology": {
          const diff = audience.role === "admin" ? m.diff : diffTopology(filterTopology(m.before, audience), filterTopology(m.after, audience));
          if (!isEmptyTopologyDiff(diff)) io.to(room).emit("topology", diff);
          break;
        }
        case "flows": {
          const d = filterFlowDiff(m.diff, audience, m.tenantOfFlow);
          if (d.added.length || d.removed.length) {
            io.to(room).emit("flows", { dpid: d.dpid, at: d.at, added: d.added, removed: d.removed, counters: [] });
          }
          for (const pump of pumpsIn(room)) {
            if (d.removed.length) pump.forgetFlows(d.dpid, d.removed);
            if (d.counters.length) pump.addFlows(d.dpid, d.at, d.counters);
          }
          break;
        }
        case "ports": {
          const d = filterPortDiff(m.diff, visiblePorts(app.live.currentTopology(), m.diff.dpid, audience));
          if (d.ports.length) for (const pump of pumpsIn(room)) pump.addPorts(d.dpid, d.at, d.ports);
          break;
        }
      }
    }
  });

  // A deleted tenant's tokens are revoked with it: its open live connections end at the same time.
  const unwatch = app.store.onChange((state, changes) => {
    if (!changes.some((c) => c.op === "remove_tenant")) return;
    const tenants = new Set(state.model.tenants.map((t) => t.id));
    for (const [id, socket] of io.sockets.sockets) {
      const p = (socket.data as { principal?: Principal }).principal;
      if (p?.role === "tenant" && (p.tenantId === null || !tenants.has(p.tenantId))) io.sockets.sockets.get(id)?.disconnect(true);
    }
  });

  app.addHook("preClose", async () => {
    unwatch();
    unsubscribe();
    io.disconnectSockets(true);
  });
  app.addHook("onClose", async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });
  return io;
}
