// The controller runtime against switches played by the test over real loopback TCP: handshake,
// requests and replies, multipart reassembly, barriers and batch errors, roles, keepalives, and
// what happens with peers that misbehave. Time is a ManualClock, so timeouts are stepped, not
// waited for.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encode, OFPCR_ROLE, OFPET, OFPFC, OFPG, OFPMPF_REPLY_MORE, OFPP, OFPPR, OFPRRFC, OFPFMFC, OFPTT_ALL, OFP_NO_BUFFER } from "../../../openflow";
import type { FlowStats, OfpMessage } from "../../../openflow";
import { BatchError, Controller, ManualClock, OpenFlowError, RequestTimeoutError } from "../../../src/controller";
import type { Outgoing, Switch } from "../../../src/controller";
import { ScriptedSwitch, testPort } from "./scripted-switch";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let clock: ManualClock;
let controller: Controller;
let port: number;
let logLines: Record<string, unknown>[];
let switches: ScriptedSwitch[];
let events: string[];

beforeEach(async () => {
  clock = new ManualClock();
  logLines = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  controller = new Controller({ clock, logger, echoIntervalMs: 5000, deadAfterMs: 15000, requestTimeoutMs: 2000, handshakeTimeoutMs: 8000, tickMs: 500 });
  events = [];
  controller.on("switch_up", (sw) => void events.push(`up ${sw.dpidHex}`));
  controller.on("switch_down", (sw, reason) => void events.push(`down ${sw.dpidHex} ${reason}`));
  port = (await controller.listenTcp(0, "127.0.0.1")).port;
  switches = [];
});

afterEach(async () => {
  for (const s of switches) s.close();
  await controller.close();
});

async function connectSwitch(dpid: bigint, options: Parameters<typeof ScriptedSwitch.connect>[1] = {}): Promise<ScriptedSwitch> {
  const s = await ScriptedSwitch.connect(port, { dpid, ...options });
  switches.push(s);
  return s;
}

async function upSwitch(dpid: bigint): Promise<{ script: ScriptedSwitch; sw: Switch }> {
  const script = await connectSwitch(dpid);
  const sw = await until(() => controller.switchByDpid(dpid), `switch ${dpid} up`);
  return { script, sw };
}

function flowStats(cookie: bigint): FlowStats {
  return {
    tableId: 0,
    durationSec: 1,
    durationNsec: 0,
    priority: 10,
    idleTimeout: 0,
    hardTimeout: 0,
    flags: 0,
    cookie,
    packetCount: 0n,
    byteCount: 0n,
    match: { in_port: 1 },
    instructions: [],
  };
}

const addFlow = (priority: number): Outgoing => ({
  type: "flow_mod",
  cookie: 0n,
  cookieMask: 0n,
  tableId: 0,
  command: OFPFC.ADD,
  idleTimeout: 0,
  hardTimeout: 0,
  priority,
  bufferId: OFP_NO_BUFFER,
  outPort: OFPP.ANY,
  outGroup: OFPG.ANY,
  flags: 0,
  match: {},
  instructions: [],
});

describe("handshake", () => {
  it("says HELLO 1.3, asks FEATURES, sets the config, reads the ports, then reports the switch up", async () => {
    const { script, sw } = await upSwitch(0xabcdefn);
    expect(sw.dpid).toBe(0xabcdefn);
    expect(sw.dpidHex).toBe("0000000000abcdef");
    expect([...sw.ports.keys()]).toEqual([1, 2]);
    expect(sw.features.nTables).toBe(254);
    expect(script.received.map((m) => m.type)).toEqual(["hello", "features_request", "set_config", "multipart_request"]);
    const hello = script.received[0] as Extract<OfpMessage, { type: "hello" }>;
    expect(hello.versions).toEqual([4]);
    const config = script.received[2] as Extract<OfpMessage, { type: "set_config" }>;
    expect(config.missSendLen).toBe(0xffff);
    expect(events).toEqual(["up 0000000000abcdef"]);
    const upLine = logLines.find((l) => l.msg === "switch up");
    expect(upLine).toMatchObject({ dpid: "0000000000abcdef", ports: 2 });
  });

  it("refuses a peer that speaks only OpenFlow 1.0 with HELLO_FAILED in its own version", async () => {
    const script = await connectSwitch(5n, { hello: false, autoAnswer: false });
    const rawReplies: Buffer[] = [];
    script.socket.prependListener("data", (chunk: Buffer) => void rawReplies.push(chunk));
    script.sendRaw(Buffer.from([1, 0, 0, 8, 0, 0, 0, 42])); // OF 1.0 HELLO, xid 42
    await script.closedPromise;
    const bytes = Buffer.concat(rawReplies);
    // Our 1.3 HELLO comes first; the ERROR that follows carries version 1 so a 1.0 peer can read it.
    const error = bytes.subarray(bytes.readUInt16BE(2));
    expect(error[0]).toBe(1);
    expect(error[1]).toBe(1); // OFPT_ERROR
    expect(error.readUInt32BE(4)).toBe(42);
    expect(error.readUInt16BE(8)).toBe(OFPET.HELLO_FAILED);
    expect(error.subarray(12).toString("ascii")).toBe("peer speaks OpenFlow version 1, vnet only 4 (OpenFlow 1.3)");
    expect(events).toEqual([]);
    expect(logLines.some((l) => l.msg === "switch connection dropped" && String(l.reason).startsWith("version negotiation failed"))).toBe(true);
  });

  it("refuses a HELLO whose bitmap lists thousands of versions without 1.3, and keeps running", async () => {
    // 400 words of bitmap, every bit set but version 4: the refusal must stay a valid ERROR (its
    // text bounded) instead of a reason too long to encode, thrown from the socket's data handler.
    const words = 400;
    const elementLen = 4 + 4 * words;
    const bytes = Buffer.alloc(8 + elementLen);
    bytes.writeUInt8(4, 0);
    bytes.writeUInt16BE(bytes.length, 2);
    bytes.writeUInt32BE(43, 4);
    bytes.writeUInt16BE(1, 8); // OFPHET_VERSIONBITMAP
    bytes.writeUInt16BE(elementLen, 10);
    for (let i = 0; i < words; i++) bytes.writeUInt32BE(i === 0 ? 0xffffffef : 0xffffffff, 12 + 4 * i);
    const script = await connectSwitch(7n, { hello: false, autoAnswer: false });
    script.sendRaw(bytes);
    const refusal = await script.next("error");
    expect(refusal.errorType).toBe(OFPET.HELLO_FAILED);
    expect(refusal.xid).toBe(43);
    expect(Buffer.from(refusal.data).toString("ascii")).toMatch(/^peer supports versions \[0, 1, 2, 3, 5, 6, .*\], vnet only 4 \(OpenFlow 1\.3\)$/);
    expect(refusal.data.length).toBeLessThan(1024);
    await script.closedPromise;
    // The controller still serves the next switch.
    await upSwitch(8n);
  });

  it("drops a switch that never finishes its handshake", async () => {
    const script = await connectSwitch(6n, { autoAnswer: false });
    await script.next("features_request");
    clock.advance(8000);
    await script.closedPromise;
    expect(logLines.some((l) => String(l.reason).startsWith("handshake not finished within 8000 ms"))).toBe(true);
    expect(controller.connectionCount).toBe(0);
  });
});

describe("requests", () => {
  it("matches replies to requests by xid, in any order", async () => {
    const { script, sw } = await upSwitch(1n);
    script.answerEchoes = false;
    const first = sw.request({ type: "echo_request", data: Buffer.from("one") });
    const second = sw.request({ type: "echo_request", data: Buffer.from("two") });
    const r1 = await script.next("echo_request");
    const r2 = await script.next("echo_request");
    script.send({ type: "echo_reply", xid: r2.xid, data: Buffer.from("second") });
    script.send({ type: "echo_reply", xid: r1.xid, data: Buffer.from("first") });
    expect(Buffer.from((await first).data).toString()).toBe("first");
    expect(Buffer.from((await second).data).toString()).toBe("second");
  });

  it("reassembles a multipart reply sent in several parts", async () => {
    const { script, sw } = await upSwitch(1n);
    const flows = sw.multipart({ kind: "flow", tableId: OFPTT_ALL, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: {} });
    const req = await script.next("multipart_request", (m) => m.kind === "flow");
    script.send({ type: "multipart_reply", xid: req.xid, flags: OFPMPF_REPLY_MORE, kind: "flow", flows: [flowStats(1n), flowStats(2n)] });
    await sleep(20);
    script.send({ type: "multipart_reply", xid: req.xid, flags: OFPMPF_REPLY_MORE, kind: "flow", flows: [flowStats(3n)] });
    script.send({ type: "multipart_reply", xid: req.xid, flags: 0, kind: "flow", flows: [flowStats(4n)] });
    const reply = await flows;
    expect(reply.flows.map((f) => f.cookie)).toEqual([1n, 2n, 3n, 4n]);
  });

  it("fails a request answered with the wrong type or the wrong multipart kind", async () => {
    const { script, sw } = await upSwitch(1n);
    script.answerBarriers = false;
    const barrier = sw.barrier().catch((e: unknown) => e);
    const b = await script.next("barrier_request");
    script.send({ type: "echo_reply", xid: b.xid, data: new Uint8Array(0) });
    expect(String(await barrier)).toContain(`answered barrier_request (xid ${b.xid}) with echo_reply`);

    const desc = sw.multipart({ kind: "desc" }).catch((e: unknown) => e);
    const req = await script.next("multipart_request", (m) => m.kind === "desc");
    script.send({ type: "multipart_reply", xid: req.xid, flags: 0, kind: "port_desc", ports: [] });
    expect(String(await desc)).toContain(`answered a desc multipart request (xid ${req.xid}) with port_desc`);
    expect(sw.connected).toBe(true);
  });

  it("drops a switch whose multipart reply grows past the limit", async () => {
    await controller.close();
    controller = new Controller({ clock, logger: pino({ level: "silent" }), maxMultipartBytes: 10_000 });
    port = (await controller.listenTcp(0, "127.0.0.1")).port;
    const { script, sw } = await upSwitch(1n);
    const flows = sw.multipart({ kind: "flow", tableId: OFPTT_ALL, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: {} });
    const req = await script.next("multipart_request", (m) => m.kind === "flow");
    const part = { type: "multipart_reply", xid: req.xid, flags: OFPMPF_REPLY_MORE, kind: "flow", flows: Array.from({ length: 50 }, () => flowStats(1n)) } as const;
    for (let i = 0; i < 5; i++) script.send({ ...part, flows: [...part.flows] });
    await expect(flows).rejects.toThrow(/disconnected: multipart reply \(xid \d+\) passed 10000 bytes/);
    await script.closedPromise;
  });

  it("rejects a request with the switch's ERROR, named", async () => {
    const { script, sw } = await upSwitch(1n);
    const role = sw.setRole(OFPCR_ROLE.MASTER, 7n);
    const req = await script.next("role_request");
    expect(req.generationId).toBe(7n);
    script.send({ type: "error", xid: req.xid, errorType: OFPET.ROLE_REQUEST_FAILED, code: OFPRRFC.STALE, data: encode(req).subarray(0, 24) });
    const err = await role.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenFlowError);
    expect((err as Error).message).toBe("switch 0000000000000001 refused role_request (xid " + req.xid + "): ROLE_REQUEST_FAILED/STALE");
  });

  it("resolves a role request with the switch's answer", async () => {
    const { script, sw } = await upSwitch(1n);
    const role = sw.setRole(OFPCR_ROLE.MASTER, 8n);
    const req = await script.next("role_request");
    script.send({ type: "role_reply", xid: req.xid, role: OFPCR_ROLE.MASTER, generationId: 8n });
    expect(await role).toMatchObject({ role: OFPCR_ROLE.MASTER, generationId: 8n });
  });

  it("times a request out", async () => {
    const { script, sw } = await upSwitch(1n);
    script.answerBarriers = false;
    const barrier = sw.barrier({ timeoutMs: 1000 }).catch((e: unknown) => e);
    await script.next("barrier_request");
    clock.advance(999);
    await sleep(10);
    clock.advance(600);
    const err = await barrier;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(sw.connected).toBe(true);
  });

  it("commit: sends a batch then a barrier, and lists the messages the switch refused", async () => {
    const { script, sw } = await upSwitch(1n);
    script.answerBarriers = false;
    const done = sw.commit([addFlow(1), addFlow(2), addFlow(3)]).catch((e: unknown) => e);
    const mods = [await script.next("flow_mod"), await script.next("flow_mod"), await script.next("flow_mod")];
    const barrier = await script.next("barrier_request");
    script.send({ type: "error", xid: mods[1]!.xid, errorType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.TABLE_FULL, data: new Uint8Array(0) });
    script.send({ type: "barrier_reply", xid: barrier.xid });
    const err = await done;
    expect(err).toBeInstanceOf(BatchError);
    expect((err as BatchError).errors.map((e) => [e.requestType, e.reply.xid])).toEqual([["flow_mod", mods[1]!.xid]]);
    expect((err as Error).message).toContain("FLOW_MOD_FAILED/TABLE_FULL");

    script.answerBarriers = true;
    await expect(sw.commit([addFlow(4)])).resolves.toBeUndefined();
  });

  it("gives every message without an xid (or with xid 0) a fresh one, and keeps a chosen one", async () => {
    const { script, sw } = await upSwitch(1n);
    const unset = addFlow(1);
    const zero = { ...addFlow(2), xid: 0 };
    const chosen = { ...addFlow(3), xid: 0xabcdef };
    const xids = sw.send([unset, zero, chosen]);
    const seen = [await script.next("flow_mod"), await script.next("flow_mod"), await script.next("flow_mod")].map((m) => m.xid);
    expect(seen).toEqual(xids);
    expect(new Set(xids).size).toBe(3);
    expect(xids.slice(0, 2).every((x) => x !== 0)).toBe(true);
    expect(xids[2]).toBe(0xabcdef);
    expect(unset.xid).toBe(xids[0]); // written into the message, as documented
  });

  it("commit gives fresh xids even to a message object committed before", async () => {
    const { script, sw } = await upSwitch(1n);
    const flow = addFlow(7);
    await sw.commit([flow]);
    const first = flow.xid;
    await sw.commit([flow]);
    expect(flow.xid).not.toBe(first);
    const sent = script.received.filter((m) => m.type === "flow_mod").map((m) => m.xid);
    expect(sent).toEqual([first, flow.xid]);
  });

  it("encodes a whole batch before sending any of it", async () => {
    const { script, sw } = await upSwitch(1n);
    const bad = { ...addFlow(1), priority: 70000 } as Outgoing;
    expect(() => sw.send([addFlow(5), bad])).toThrow(/priority/);
    await sw.barrier();
    expect(script.received.filter((m) => m.type === "flow_mod")).toHaveLength(0);
  });

  it("reports errors for plain sends as events with their xid", async () => {
    const { script, sw } = await upSwitch(1n);
    const seen: number[] = [];
    controller.on("error", (_sw, msg) => void seen.push(msg.xid));
    const [xid] = sw.send(addFlow(9));
    await script.next("flow_mod");
    script.send({ type: "error", xid: xid!, errorType: OFPET.FLOW_MOD_FAILED, code: OFPFMFC.OVERLAP, data: new Uint8Array(0) });
    await until(() => seen.length > 0, "error event");
    expect(seen).toEqual([xid]);
  });
});

describe("asynchronous messages", () => {
  it("keeps the port table live and hands PORT_STATUS and PACKET_IN to apps", async () => {
    const { script, sw } = await upSwitch(1n);
    const changes: string[] = [];
    const packets: number[] = [];
    controller.on("port_status", (_sw, msg, change) => void changes.push(`${change} ${msg.desc.portNo}`));
    controller.on("packet_in", (_sw, msg) => void packets.push(msg.match.in_port ?? -1));
    script.send({ type: "port_status", xid: 0, reason: OFPPR.ADD, desc: testPort(3) });
    script.send({ type: "port_status", xid: 0, reason: OFPPR.DELETE, desc: testPort(1) });
    script.send({
      type: "packet_in",
      xid: 0,
      bufferId: OFP_NO_BUFFER,
      totalLen: 14,
      reason: 0,
      tableId: 0,
      cookie: 0n,
      match: { in_port: 2 },
      data: new Uint8Array(14),
    });
    await until(() => packets.length > 0, "packet_in");
    expect(changes).toEqual(["added 3", "deleted 1"]);
    expect([...sw.ports.keys()]).toEqual([2, 3]);
    expect(packets).toEqual([2]);
  });

  it("keeps serving when an app's handler throws, and logs it", async () => {
    const { script } = await upSwitch(1n);
    let reached = 0;
    controller.on("port_status", () => {
      throw new Error("app bug");
    });
    controller.on("port_status", () => void reached++);
    script.send({ type: "port_status", xid: 0, reason: OFPPR.ADD, desc: testPort(3) });
    await until(() => reached > 0, "second handler");
    expect(logLines.some((l) => l.msg === "app handler failed" && String(l.err).includes("app bug"))).toBe(true);
    script.send({ type: "echo_request", xid: 77, data: new Uint8Array(0) });
    expect((await script.next("echo_reply")).xid).toBe(77);
  });
});

describe("keepalive", () => {
  it("answers the switch's echo requests with the same xid and data", async () => {
    const { script } = await upSwitch(1n);
    script.send({ type: "echo_request", xid: 1234, data: Buffer.from("ping") });
    const reply = await script.next("echo_reply");
    expect(reply.xid).toBe(1234);
    expect(Buffer.from(reply.data).toString()).toBe("ping");
  });

  it("probes a quiet switch with echo requests and keeps it while it answers", async () => {
    const { script, sw } = await upSwitch(1n);
    for (let i = 0; i < 4; i++) {
      clock.advance(5000);
      await script.next("echo_request"); // answered automatically
      await sleep(20);
    }
    expect(sw.connected).toBe(true);
  });

  it("drops a switch that stops answering echoes", async () => {
    const { script, sw } = await upSwitch(1n);
    script.answerEchoes = false;
    clock.advance(5000);
    await script.next("echo_request");
    clock.advance(10000);
    await script.closedPromise;
    expect(sw.connected).toBe(false);
    expect(events.at(-1)).toMatch(/^down 0000000000000001 echo timeout: no message from the switch for 15000 ms/);
  });
});

describe("connections", () => {
  it("serves a switch that disconnects and reconnects, and replaces a stale connection of the same datapath", async () => {
    const first = await upSwitch(9n);
    first.script.close();
    await until(() => events.length === 2, "down");
    const second = await upSwitch(9n);
    expect(second.sw).not.toBe(first.sw);
    // The same datapath connects again while its previous connection still looks alive.
    const third = await connectSwitch(9n);
    await until(() => events.length === 5, "replacement");
    expect(events).toEqual([
      "up 0000000000000009",
      "down 0000000000000009 connection closed",
      "up 0000000000000009",
      "down 0000000000000009 replaced by a new connection from the same datapath",
      "up 0000000000000009",
    ]);
    await second.script.closedPromise;
    third.send({ type: "echo_request", xid: 5, data: new Uint8Array(0) });
    expect((await third.next("echo_reply")).xid).toBe(5);
  });

  const garbage: [string, (hello: Buffer) => Buffer][] = [
    ["a length below the header", (hello) => Buffer.concat([hello, Buffer.from([4, 2, 0, 4, 0, 0, 0, 1])])],
    ["an unknown message type", (hello) => Buffer.concat([hello, Buffer.from([4, 99, 0, 8, 0, 0, 0, 1])])],
    ["a wrong version after HELLO", (hello) => Buffer.concat([hello, Buffer.from([1, 2, 0, 8, 0, 0, 0, 1])])],
    ["junk after HELLO", (hello) => Buffer.concat([hello, Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")])],
    ["an oversized length filled with junk", (hello) => {
      const big = Buffer.alloc(0xffff, 0x5a);
      big.set([4, 10, 0xff, 0xff, 0, 0, 0, 1]); // a PACKET_IN of 65535 bytes whose body is junk
      return Buffer.concat([hello, big]);
    }],
    ["a truncated FEATURES_REPLY", (hello) => Buffer.concat([hello, Buffer.from([4, 6, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0])])],
  ];

  for (const [what, bytes] of garbage) {
    it(`drops a peer that sends ${what}, while another switch keeps getting answers`, async () => {
      const good = await upSwitch(1n);
      const bad = await connectSwitch(2n, { hello: false, autoAnswer: false });
      const badPort = bad.socket.localPort;
      bad.sendRaw(bytes(encode({ type: "hello", xid: 1, versions: [4] })));
      await bad.closedPromise;
      const line = logLines.find((l) => l.level === 40 && String(l.peer).endsWith(`:${badPort}`));
      expect(line?.reason).toMatch(/^(malformed OpenFlow stream|undecodable message|message of OpenFlow version|handshake failed)/);
      good.script.send({ type: "echo_request", xid: 99, data: new Uint8Array(0) });
      expect((await good.script.next("echo_reply")).xid).toBe(99);
      expect(good.sw.connected).toBe(true);
    });
  }

  it("forgets a peer that sends a truncated header and hangs up, and keeps serving another", async () => {
    const good = await upSwitch(1n);
    const bad = await connectSwitch(4n, { hello: false, autoAnswer: false });
    bad.sendRaw(Buffer.concat([encode({ type: "hello", xid: 1, versions: [4] }), Buffer.from([4, 6, 0])]));
    await sleep(20);
    bad.socket.end();
    await bad.closedPromise;
    await until(() => controller.connectionCount === 1, "the bad connection to be forgotten");
    good.script.send({ type: "echo_request", xid: 98, data: new Uint8Array(0) });
    expect((await good.script.next("echo_reply")).xid).toBe(98);
  });

  it("drops a peer that starts with something other than HELLO at once, without waiting for it to complete", async () => {
    const bad = await connectSwitch(5n, { hello: false, autoAnswer: false });
    bad.sendRaw(Buffer.from("GET / HTTP/1.1\r\n")); // read as version 0x47, type 0x45, 21,536 bytes
    await bad.closedPromise;
    expect(logLines.some((l) => l.reason === "malformed OpenFlow stream: first message is type 69, not HELLO")).toBe(true);
  });

  it("drops a peer whose message never completes, by timeout", async () => {
    const bad = await connectSwitch(3n, { hello: false, autoAnswer: false });
    bad.sendRaw(Buffer.from([4, 0, 0xff, 0xff, 0, 0, 0, 1, 0])); // a HELLO announcing 65535 bytes, then silence
    await sleep(20);
    clock.advance(8000);
    await bad.closedPromise;
    expect(controller.connectionCount).toBe(0);
  });

  it("stops reading from a switch that does not read its answers, and serves the others meanwhile", async () => {
    await controller.close();
    controller = new Controller({ clock, logger: pino({ level: "silent" }), pauseReadAboveBytes: 64 * 1024, maxBacklogBytes: 64 * 1024 * 1024 });
    port = (await controller.listenTcp(0, "127.0.0.1")).port;
    let answered = 0;
    controller.on("packet_in", (sw, pi) => {
      answered++;
      sw.send({ type: "packet_out", bufferId: OFP_NO_BUFFER, inPort: pi.match.in_port!, actions: [{ type: "output", port: OFPP.FLOOD }], data: pi.data });
    });
    const good = await upSwitch(1n);
    const hog = await upSwitch(2n);
    hog.script.socket.pause(); // reads nothing from now on
    const packetIn = encode({
      type: "packet_in",
      xid: 0,
      bufferId: OFP_NO_BUFFER,
      totalLen: 1000,
      reason: 0,
      tableId: 0,
      cookie: 0n,
      match: { in_port: 1 },
      data: new Uint8Array(1000),
    });
    const flood = Buffer.concat(Array.from({ length: 2000 }, () => packetIn)); // 2 MB of PACKET_INs
    for (let i = 0; i < 10; i++) hog.script.sendRaw(flood);
    await sleep(500);
    const answeredWhilePaused = answered;
    // Far fewer than the 20,000 sent were read: the controller stopped reading the hog.
    expect(answeredWhilePaused).toBeLessThan(20_000);
    good.script.send({ type: "echo_request", xid: 7, data: new Uint8Array(0) });
    expect((await good.script.next("echo_reply")).xid).toBe(7);
    // Once the hog reads again, every PACKET_IN is answered: paused, not dropped.
    hog.script.socket.resume();
    await until(() => answered === 20_000, "all answers", 20_000);
    expect(hog.sw.connected).toBe(true);
  });
});

describe("looking switches up", () => {
  it("finds a switch by bigint or by any usual hex spelling, and nothing for bad input", async () => {
    const { sw } = await upSwitch(0xabcdefn);
    for (const key of [0xabcdefn, "0000000000abcdef", "00:00:00:00:00:ab:cd:ef", "0xABCDEF"]) expect(controller.switchByDpid(key)).toBe(sw);
    for (const key of ["", "zz", "0x", "1".repeat(17), 5n]) expect(controller.switchByDpid(key)).toBeUndefined();
  });
});

describe("unix socket listener", () => {
  it("serves a switch over a unix socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ct-unix-"));
    try {
      const path = join(dir, "controller.sock");
      await controller.listenUnix(path);
      const script = await ScriptedSwitch.connect(path, { dpid: 0x51n });
      switches.push(script);
      const sw = await until(() => controller.switchByDpid(0x51n), "switch up over unix");
      expect(sw.peer).toBe("local:0");
    } finally {
      await controller.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("closing", () => {
  it("closes promptly even with a connection that never said anything", async () => {
    const { createConnection } = await import("node:net");
    const idle = createConnection({ host: "127.0.0.1", port });
    await new Promise((r) => idle.once("connect", r));
    idle.resume(); // read (and drop) our HELLO, so that the end of the stream is seen
    const closed = new Promise((r) => idle.once("close", r));
    const started = Date.now();
    await controller.close();
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("configuration", () => {
  it("refuses options that cannot work, naming them", () => {
    expect(() => new Controller({ echoIntervalMs: -1 })).toThrow("controller: echoIntervalMs must be a positive number, got -1");
    expect(() => new Controller({ echoIntervalMs: 5000, deadAfterMs: 4000 })).toThrow("deadAfterMs (4000) must be longer than echoIntervalMs (5000)");
    expect(() => new Controller({ missSendLen: 70000 })).toThrow("missSendLen must be a whole number up to 65535");
    expect(() => new Controller({ requestTimeoutMs: Number.NaN })).toThrow("requestTimeoutMs must be a positive number");
  });
});
