// The learning switch's decisions, as pure functions. Every message it returns is put through
// the codec (encode, then decode) before it is checked, so these tests also prove the messages
// are valid OpenFlow 1.3.
import fc from "fast-check";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { decode, defaultMaxLen, encode, OFP_NO_BUFFER, OFPCML_NO_BUFFER, OFPFC, OFPP, OFPTT_ALL } from "../../../openflow";
import type { OfpMessage, PacketIn } from "../../../openflow";
import {
  decidePacketIn,
  DEFAULT_LEARNING_CONFIG,
  learningSwitch,
  MacTable,
  macAt,
  macToString,
  switchUpMessages,
} from "../../../src/apps/learning";
import type { PacketInDecision } from "../../../src/apps/learning";
import { Controller, ManualClock } from "../../../src/controller";
import type { Outgoing } from "../../../src/controller";
import { ScriptedSwitch } from "./scripted-switch";

const cfg = DEFAULT_LEARNING_CONFIG;
const A = "02:00:00:00:00:0a";
const B = "02:00:00:00:00:0b";
const BROADCAST = "ff:ff:ff:ff:ff:ff";

function frame(dst: string, src: string): Buffer {
  const f = Buffer.alloc(60);
  Buffer.from(dst.replace(/:/g, ""), "hex").copy(f, 0);
  Buffer.from(src.replace(/:/g, ""), "hex").copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  return f;
}

function packetIn(inPort: number, dst: string, src: string, bufferId = OFP_NO_BUFFER): PacketIn {
  const data = frame(dst, src);
  return { type: "packet_in", xid: 0, bufferId, totalLen: data.length, reason: 0, tableId: 0, cookie: 0n, match: { in_port: inPort }, data };
}

/** The messages of a decision as they arrive at a switch: encoded then decoded. */
function onTheWire(messages: Outgoing[]): OfpMessage[] {
  return messages.map((m) => decode(encode({ ...m, xid: 1 } as OfpMessage)));
}

function decided(d: PacketInDecision): Extract<PacketInDecision, { messages: Outgoing[] }> {
  if (d.action === "ignore") throw new Error(`ignored: ${d.why}`);
  return d;
}

function mac(text: string): number {
  return macAt(Buffer.from(text.replace(/:/g, ""), "hex"), 0);
}

describe("MAC helpers", () => {
  it("reads and prints 48-bit MACs exactly", () => {
    for (const text of [A, BROADCAST, "00:00:00:00:00:00", "fe:dc:ba:98:76:54"]) expect(macToString(mac(text))).toBe(text);
  });
});

describe("decidePacketIn", () => {
  it("floods a frame for an unknown destination and learns its source", () => {
    const table = new MacTable(16, 1000);
    const pi = packetIn(1, B, A);
    const d = decided(decidePacketIn(table, pi, 0, cfg));
    expect(d.action).toBe("flood");
    expect(d.learn).toEqual({ mac: mac(A), port: 1 });
    const [out] = onTheWire(d.messages);
    expect(out).toMatchObject({ type: "packet_out", bufferId: OFP_NO_BUFFER, inPort: 1, actions: [{ type: "output", port: OFPP.FLOOD }] });
    expect(Buffer.from((out as Extract<OfpMessage, { type: "packet_out" }>).data)).toEqual(pi.data);
  });

  it("installs a flow and sends the packet to the learned port of a known destination", () => {
    const table = new MacTable(16, 1000);
    table.learn(mac(B), 2, 0);
    const d = decided(decidePacketIn(table, packetIn(1, B, A), 10, cfg));
    expect(d.action).toBe("forward");
    const [flow, out] = onTheWire(d.messages);
    expect(flow).toMatchObject({
      type: "flow_mod",
      command: OFPFC.ADD,
      priority: cfg.priority,
      idleTimeout: cfg.idleTimeoutSec,
      cookie: cfg.cookie,
      bufferId: OFP_NO_BUFFER,
      match: { in_port: 1, eth_dst: B, eth_src: A },
      instructions: [{ type: "apply_actions", actions: [{ type: "output", port: 2 }] }],
    });
    expect(out).toMatchObject({ type: "packet_out", inPort: 1, actions: [{ type: "output", port: 2 }] });
  });

  it("lets the switch forward a buffered packet through the new flow, without a PACKET_OUT", () => {
    const table = new MacTable(16, 1000);
    table.learn(mac(B), 2, 0);
    const d = decided(decidePacketIn(table, packetIn(1, B, A, 77), 10, cfg));
    expect(onTheWire(d.messages).map((m) => [m.type, (m as { bufferId?: number }).bufferId])).toEqual([["flow_mod", 77]]);
  });

  it("drops a frame whose destination is on the port it came from", () => {
    const table = new MacTable(16, 1000);
    table.learn(mac(B), 1, 0);
    const d = decided(decidePacketIn(table, packetIn(1, B, A), 10, cfg));
    expect(d.action).toBe("drop");
    expect(d.messages).toEqual([]);
  });

  it("floods broadcasts and never learns a group source address", () => {
    const table = new MacTable(16, 1000);
    table.learn(mac(BROADCAST), 3, 0); // even if something put it there
    const d = decided(decidePacketIn(table, packetIn(1, BROADCAST, "01:00:5e:00:00:01"), 10, cfg));
    expect(d.action).toBe("flood");
    expect(d.learn).toBeUndefined();
  });

  it("relearns a host that moved and deletes the flows towards its old port", () => {
    const table = new MacTable(16, 1000);
    table.learn(mac(A), 1, 0);
    const d = decided(decidePacketIn(table, packetIn(4, B, A), 10, cfg));
    expect(d.learn).toEqual({ mac: mac(A), port: 4 });
    expect(d.moved).toBe(true);
    const [del] = onTheWire(d.messages);
    expect(del).toMatchObject({ type: "flow_mod", command: OFPFC.DELETE, cookie: cfg.cookie, cookieMask: 0xffffffffffffffffn, match: { eth_dst: A } });
  });

  it("refreshes a host seen again on the same port, without deleting flows", () => {
    const table = new MacTable(16, 1000);
    table.learn(mac(A), 1, 0);
    const d = decided(decidePacketIn(table, packetIn(1, B, A), 10, cfg));
    expect([d.learn, d.moved]).toEqual([{ mac: mac(A), port: 1 }, false]);
    expect(onTheWire(d.messages).map((m) => m.type)).toEqual(["packet_out"]);
  });

  it("keeps an active host known past the maximum age, because seeing it refreshes it", () => {
    const table = new MacTable(16, 1000);
    for (let t = 0; t <= 3000; t += 500) {
      const d = decided(decidePacketIn(table, packetIn(1, B, A), t, cfg));
      if (d.learn) table.learn(d.learn.mac, d.learn.port, t);
    }
    expect(table.lookup(mac(A), 3900)).toBe(1);
  });

  it("forgets a MAC older than its maximum age", () => {
    const table = new MacTable(16, 1000);
    table.learn(mac(B), 2, 0);
    expect(decided(decidePacketIn(table, packetIn(1, B, A), 1000, cfg)).action).toBe("forward");
    expect(decided(decidePacketIn(table, packetIn(1, B, A), 1001, cfg)).action).toBe("flood");
  });

  it("ignores a PACKET_IN without in_port or with a runt frame", () => {
    const table = new MacTable(16, 1000);
    expect(decidePacketIn(table, { ...packetIn(1, B, A), match: {} }, 0, cfg)).toEqual({ action: "ignore", why: "PACKET_IN without in_port" });
    expect(decidePacketIn(table, { ...packetIn(1, B, A), data: new Uint8Array(10) }, 0, cfg).action).toBe("ignore");
  });
});

describe("MacTable", () => {
  it("forgets the MAC learned first beyond its capacity, whatever was refreshed since", () => {
    const table = new MacTable(2, 1000);
    table.learn(1, 1, 0);
    table.learn(2, 2, 0);
    table.learn(1, 5, 1); // refreshed (and moved) in place: still the first learned
    table.learn(3, 3, 2);
    expect(table.size).toBe(2);
    expect([table.lookup(1, 2), table.lookup(2, 2), table.lookup(3, 2)]).toEqual([undefined, 2, 3]);
    table.learn(4, 4, 3);
    expect([...table].map(([m]) => m).sort()).toEqual([3, 4]);
  });

  it("stays bounded under a flood of fresh MACs, with forgotten ports in between", () => {
    const table = new MacTable(100, 1000);
    for (let m = 0; m < 10_000; m++) {
      table.learn(m, m % 7, m);
      if (m % 1000 === 0) table.forgetPort(3);
      expect(table.size).toBeLessThanOrEqual(100);
    }
    // The last 100 learned (minus those on port 3 forgotten at 9000 and before) are the ones kept.
    expect(table.lookup(9999, 9999)).toBe(9999 % 7);
    expect(table.lookup(9899, 9999)).toBeUndefined();
  });

  it("forgets every MAC of a port", () => {
    const table = new MacTable(8, 1000);
    table.learn(1, 1, 0);
    table.learn(2, 2, 0);
    table.learn(3, 1, 0);
    expect(table.forgetPort(1)).toBe(2);
    expect([...table].map(([m]) => m)).toEqual([2]);
  });

  it("behaves like a plain Map with first-learned-first-forgotten eviction, under random operations", () => {
    type Op = { op: "learn"; mac: number; port: number } | { op: "forget"; port: number } | { op: "lookup"; mac: number };
    // Few distinct MACs and ports, so that operations collide, refresh and evict often; capacities
    // on both sides of the table's initial size (32), so that it also grows mid-run.
    const mac = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constantFrom(2 ** 48 - 1, 2 ** 40, 0x0200_0000_0001));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant("learn" as const), mac, port: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("forget" as const), port: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant("lookup" as const), mac }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), fc.array(op, { minLength: 200, maxLength: 600 }), (capacity, ops) => {
        const table = new MacTable(capacity, 1e9);
        const model = new Map<number, number>(); // mac → port, in first-learned order
        const order: number[] = []; // MACs in the order they took a place in the ring
        for (const o of ops) {
          if (o.op === "learn") {
            if (model.has(o.mac)) model.set(o.mac, o.port);
            else {
              if (order.length === capacity) {
                const victim = order.shift()!;
                // Only if the victim still holds that place (it may have been forgotten and relearned).
                if (model.has(victim) && !order.includes(victim)) model.delete(victim);
              }
              order.push(o.mac);
              model.set(o.mac, o.port);
            }
            table.learn(o.mac, o.port, 0);
          } else if (o.op === "forget") {
            let n = 0;
            for (const [m, p] of model) if (p === o.port) (model.delete(m), n++);
            expect(table.forgetPort(o.port)).toBe(n);
          } else {
            expect(table.lookup(o.mac, 0)).toBe(model.get(o.mac));
          }
          expect(table.size).toBe(model.size);
        }
        expect(new Map([...table].map(([m, e]) => [m, e.port]))).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a capacity below one", () => {
    expect(() => new MacTable(0, 1000)).toThrow("MAC table capacity must be a whole number from 1 to 16777216, got 0");
  });
});

describe("switchUpMessages", () => {
  it("deletes the app's own flows in every table, then sends every table miss to the controller whole", () => {
    const [del, miss] = onTheWire(switchUpMessages(cfg));
    expect(del).toMatchObject({ type: "flow_mod", command: OFPFC.DELETE, tableId: OFPTT_ALL, cookie: cfg.cookie, cookieMask: 0xffffffffffffffffn, match: {} });
    expect(miss).toMatchObject({ type: "flow_mod", command: OFPFC.ADD, priority: 0, match: {} });
    const instructions = (miss as Extract<OfpMessage, { type: "flow_mod" }>).instructions;
    expect(instructions).toHaveLength(1);
    const [apply] = instructions;
    const actions = apply?.type === "apply_actions" ? apply.actions : [];
    expect(actions).toHaveLength(1);
    const [output] = actions;
    expect(output?.type === "output" && output.port).toBe(OFPP.CONTROLLER);
    // The codec leaves out a max_len equal to the port's default (0xffff for CONTROLLER).
    expect(output?.type === "output" && (output.maxLen ?? defaultMaxLen(output.port))).toBe(OFPCML_NO_BUFFER);
  });
});

describe("learning switch configuration", () => {
  it("refuses values no switch would accept, when the app is made", () => {
    expect(() => learningSwitch({ idleTimeoutSec: 70000 })).toThrow("learning switch: idle timeout must be 0 to 65535 seconds, got 70000");
    expect(() => learningSwitch({ priority: 0 })).toThrow("priority must be 1 to 65535 (0 is the table miss)");
    expect(() => learningSwitch({ tableId: 255 })).toThrow("table must be 0 to 254");
    expect(() => learningSwitch({ macCapacity: 0 })).toThrow("MAC table capacity must be a whole number");
  });
});

describe("the learning-switch app on a controller", () => {
  let controller: Controller | undefined;
  let script: ScriptedSwitch | undefined;
  afterEach(async () => {
    script?.close();
    await controller?.close();
  });

  it("installs the table miss on connect, floods the unknown, then forwards to what it learned", async () => {
    controller = new Controller({ clock: new ManualClock(), logger: pino({ level: "silent" }) });
    const app = learningSwitch({}, { now: () => 0, logger: pino({ level: "silent" }) });
    controller.use(app);
    const { port } = await controller.listenTcp(0, "127.0.0.1");
    script = await ScriptedSwitch.connect(port, { dpid: 42n });
    const del = await script.next("flow_mod");
    const miss = await script.next("flow_mod");
    await script.next("barrier_request");
    expect([del.command, miss.command, miss.priority]).toEqual([OFPFC.DELETE, OFPFC.ADD, 0]);

    script.send(packetIn(1, B, A));
    const flood = await script.next("packet_out");
    expect(flood.actions).toEqual([{ type: "output", port: OFPP.FLOOD }]);
    script.send(packetIn(2, A, B));
    const flow = await script.next("flow_mod");
    const out = await script.next("packet_out");
    expect(flow.match).toEqual({ in_port: 2, eth_dst: A, eth_src: B });
    expect(out.actions).toEqual([{ type: "output", port: 1 }]);
    const sw = controller.switchByDpid(42n)!;
    expect(app.tableOf(sw)?.lookup(mac(B), 0)).toBe(2);
  });
});
