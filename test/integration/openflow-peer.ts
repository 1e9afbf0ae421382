// A minimal OpenFlow 1.3 switch, written with the codec alone, for tests where a real OVS tool
// connects to us: `ovs-ofctl -O OpenFlow13 add-flow tcp:127.0.0.1:PORT "..."` believes it talks
// to a switch. It answers the handshake, barriers, echoes and (when given) flow-stats requests,
// and records every message received as raw bytes, so tests can decode and inspect them.
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { execFile } from "node:child_process";
import { decode, encode, Framer, OFPMPF_REPLY_MORE } from "../../openflow";
import type { FlowStats, OfpMessage } from "../../openflow";

export interface FakeSwitch {
  port: number;
  target: string;
  /** Raw bytes of every message received, in order, across connections. */
  received: Buffer[];
  /** Flow entries returned to the next flow-stats requests (split over several replies if many). */
  flows: FlowStats[];
  close(): Promise<void>;
}

export async function startFakeSwitch(): Promise<FakeSwitch> {
  const sockets = new Set<Socket>();
  const state: FakeSwitch = { port: 0, target: "", received: [], flows: [], close: async () => {} };
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    const framer = new Framer();
    const send = (m: OfpMessage) => sock.write(encode(m));
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sock.destroy());
    sock.on("data", (chunk) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const f of frames) {
        state.received.push(Buffer.from(f));
        let m: OfpMessage;
        try {
          m = decode(f);
        } catch {
          continue;
        }
        if (m.type === "hello") send({ type: "hello", xid: m.xid, versions: [4] });
        else if (m.type === "echo_request") send({ type: "echo_reply", xid: m.xid, data: m.data });
        else if (m.type === "barrier_request") send({ type: "barrier_reply", xid: m.xid });
        else if (m.type === "features_request") {
          send({ type: "features_reply", xid: m.xid, datapathId: 0xabcn, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f });
        } else if (m.type === "multipart_request" && m.kind === "flow") {
          // Several replies chained with REPLY_MORE, like a switch with a long table.
          const per = 50;
          const flows = state.flows;
          for (let i = 0; i === 0 || i < flows.length; i += per) {
            const more = i + per < flows.length;
            send({ type: "multipart_reply", xid: m.xid, flags: more ? OFPMPF_REPLY_MORE : 0, kind: "flow", flows: flows.slice(i, i + per) });
          }
        } else if (m.type === "multipart_request" && m.kind === "table_features") {
          // ovs-ofctl asks for table names before a flow_mod: one unnamed table, with the eight
          // properties the spec requires (empty lists), will do.
          const properties = [0, 2, 4, 6, 8, 10, 12, 14].map((type) => ({ type, ids: [] }));
          const table = { tableId: 0, name: "", metadataMatch: 0n, metadataWrite: 0n, config: 0, maxEntries: 1000, properties };
          send({ type: "multipart_reply", xid: m.xid, flags: 0, kind: "table_features", tables: [table] });
        } else if (m.type === "multipart_request" && m.kind === "port_desc") {
          send({ type: "multipart_reply", xid: m.xid, flags: 0, kind: "port_desc", ports: [] });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as AddressInfo).port;
  state.target = `tcp:127.0.0.1:${state.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** Runs a command; resolves with stdout, rejects with stderr on a non-zero exit. */
export async function runTool(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  const r = await runToolFull(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || `exit ${r.code}`}`);
  return r.stdout;
}

/** Runs a command (asynchronously: the fake switch shares this event loop) and reports everything. */
export function runToolFull(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}
