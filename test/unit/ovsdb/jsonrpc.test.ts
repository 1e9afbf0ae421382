import { describe, it, expect } from "vitest";
import { Duplex } from "node:stream";
import { JsonRpcConnection, ProtocolError, RpcError, ConnectionClosedError } from "../../../src/ovsdb/jsonrpc";

/** A fake peer: what the connection writes is collected; `feed` plays the server's bytes. */
function pipe() {
  const written: unknown[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      written.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { stream, written, feed: (text: string) => stream.push(Buffer.from(text)) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("JsonRpcConnection", () => {
  it("matches responses to requests by id, whatever the order", async () => {
    const p = pipe();
    const c = new JsonRpcConnection(p.stream);
    const a = c.request("list_dbs", []);
    const b = c.request("get_schema", ["Open_vSwitch"]);
    expect(p.written).toEqual([
      { method: "list_dbs", params: [], id: 1 },
      { method: "get_schema", params: ["Open_vSwitch"], id: 2 },
    ]);
    p.feed('{"id":2,"result":{"name":"x"},"error":null}{"id":1,"result":["Open_vSwitch"],"error":null}');
    await expect(a).resolves.toEqual(["Open_vSwitch"]);
    await expect(b).resolves.toEqual({ name: "x" });
  });

  it("answers the server's echo with the same params and passes notifications on", async () => {
    const p = pipe();
    const seen: unknown[] = [];
    new JsonRpcConnection(p.stream, { onNotification: (m, params) => seen.push([m, params]) });
    p.feed('{"method":"echo","params":["hi"],"id":"e1"}{"method":"update2","params":["vnet",{}],"id":null}');
    await tick();
    expect(p.written).toEqual([{ result: ["hi"], error: null, id: "e1" }]);
    expect(seen).toEqual([["update2", ["vnet", {}]]]);
  });

  it("turns an error response into RpcError", async () => {
    const p = pipe();
    const c = new JsonRpcConnection(p.stream);
    const r = c.request("monitor_cond", []);
    p.feed('{"id":1,"result":null,"error":"unknown method"}');
    await expect(r).rejects.toThrow(new RpcError("monitor_cond", "unknown method"));
  });

  it("malformed JSON closes the connection with a clear error and fails waiting requests", async () => {
    const p = pipe();
    let closedWith: Error | null = null;
    const c = new JsonRpcConnection(p.stream, { onClose: (e) => (closedWith = e) });
    const r = c.request("echo", []);
    p.feed('{"id":1,"result":[tru]}');
    await expect(r).rejects.toThrow(ConnectionClosedError);
    await expect(r).rejects.toThrow(/malformed JSON from OVSDB server/);
    expect(closedWith).toBeInstanceOf(ProtocolError);
    expect(c.isClosed).toBe(true);
    await expect(c.request("echo", [])).rejects.toThrow(/malformed JSON/);
  });

  it("a reply to an id never sent, or a non-object message, is a protocol error", async () => {
    for (const bad of ['{"id":99,"result":1,"error":null}', "[1,2]"]) {
      const p = pipe();
      let closedWith: Error | null = null;
      new JsonRpcConnection(p.stream, { onClose: (e) => (closedWith = e) });
      p.feed(bad);
      await tick();
      expect(closedWith, bad).toBeInstanceOf(ProtocolError);
    }
  });

  it("a throwing notification handler ends the connection instead of the process", async () => {
    const p = pipe();
    let closedWith: Error | null = null;
    new JsonRpcConnection(p.stream, {
      onNotification: () => {
        throw new Error("listener bug");
      },
      onClose: (e) => (closedWith = e),
    });
    p.feed('{"method":"update","params":[],"id":null}');
    await tick();
    expect(closedWith).toEqual(new Error("listener bug"));
  });
});
