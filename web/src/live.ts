// The dashboard's copy of the live view: a snapshot on (re)connect, then diffs applied with the
// same pure functions the server's tests use. Views subscribe to what they draw.
import { io, type Socket } from "socket.io-client";
import { applyTopologyDiff, emptyTopology } from "../../src/live/diff";
import type { CountersBatch, FlowDiff, FlowLive, LiveSnapshot, PortRate, Topology, TopologyDiff } from "../../src/live/types";

export type LiveEvent = "topology" | "flows" | "ports" | "connection";
type Listener = (detail?: string) => void;

export class LiveClient {
  topology: Topology = emptyTopology();
  readonly flows = new Map<string, Map<number, FlowLive>>();
  readonly ports = new Map<string, Map<number, PortRate>>();
  connected = false;
  /** Set when the server refused us (token revoked, session expired): no point retrying. */
  refused = false;
  private socket: Socket | undefined;
  private readonly listeners = new Map<LiveEvent, Set<Listener>>();

  on(event: LiveEvent, listener: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  private emit(event: LiveEvent, detail?: string): void {
    for (const l of this.listeners.get(event) ?? []) l(detail);
  }

  connect(): void {
    this.socket?.disconnect();
    const socket = io({ path: "/live", transports: ["websocket", "polling"], reconnectionDelay: 500, reconnectionDelayMax: 3000 });
    this.socket = socket;
    socket.on("connect", () => {
      this.connected = true;
      this.refused = false;
      this.emit("connection");
    });
    socket.on("disconnect", (reason: string) => {
      this.connected = false;
      this.emit("connection");
      // A server shutting down disconnects us explicitly, and socket.io does not retry after an
      // explicit disconnect: retry ourselves, the server may be back in a moment.
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
    });
    socket.on("connect_error", (err: Error) => {
      this.connected = false;
      this.refused = err.message === "unauthorized";
      this.emit("connection");
    });
    socket.on("snapshot", (s: LiveSnapshot) => {
      this.topology = s.topology;
      this.flows.clear();
      this.ports.clear();
      for (const [dpid, list] of Object.entries(s.flows)) this.flows.set(dpid, new Map(list.map((f) => [f.id, f])));
      for (const [dpid, list] of Object.entries(s.ports)) this.ports.set(dpid, new Map(list.map((p) => [p.portNo, p])));
      this.emit("topology");
      for (const dpid of this.flows.keys()) this.emit("flows", dpid);
      for (const dpid of this.ports.keys()) this.emit("ports", dpid);
    });
    socket.on("topology", (d: TopologyDiff) => {
      this.topology = applyTopologyDiff(this.topology, d);
      this.emit("topology");
    });
    socket.on("flows", (d: FlowDiff) => {
      let table = this.flows.get(d.dpid);
      if (!table) this.flows.set(d.dpid, (table = new Map()));
      for (const id of d.removed) table.delete(id);
      for (const f of d.added) table.set(f.id, f);
      this.emit("flows", d.dpid);
    });
    // Counter batches are acknowledged: the server sends the next one only after this ack.
    socket.on("counters", (batch: CountersBatch, ack?: () => void) => {
      for (const d of batch.flows) {
        const table = this.flows.get(d.dpid);
        if (!table) continue;
        for (const [id, packets, bytes, pps, bps] of d.rows) {
          const f = table.get(id);
          if (f) Object.assign(f, { packets, bytes, pps, bps });
        }
        this.emit("flows", d.dpid);
      }
      for (const d of batch.ports) {
        let table = this.ports.get(d.dpid);
        if (!table) this.ports.set(d.dpid, (table = new Map()));
        for (const p of d.ports) table.set(p.portNo, p);
        this.emit("ports", d.dpid);
      }
      ack?.();
    });
  }

  disconnect(): void {
    this.socket?.disconnect();
    this.socket = undefined;
  }
}
