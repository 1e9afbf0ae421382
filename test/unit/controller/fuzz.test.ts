// Random and corrupted input from switches, over real loopback TCP, to a controller running the
// learning switch: nothing may throw out of the controller (vitest fails a run on any uncaught
// error or unhandled rejection), and a well-behaved switch is answered throughout.
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode, OFP_NO_BUFFER, OFPMPF_REPLY_MORE, OFPPR } from "../../../openflow";
import type { OfpMessage } from "../../../openflow";
import { learningSwitch } from "../../../src/apps/learning";
import { Controller, ManualClock } from "../../../src/controller";
import { ScriptedSwitch, testPort } from "./scripted-switch";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let controller: Controller;
let port: number;
let good: ScriptedSwitch;

beforeAll(async () => {
  controller = new Controller({ clock: new ManualClock(), logger: pino({ level: "silent" }) });
  controller.use(learningSwitch({}, { logger: pino({ level: "silent" }) }));
  port = (await controller.listenTcp(0, "127.0.0.1")).port;
  good = await ScriptedSwitch.connect(port, { dpid: 1n });
  await good.next("barrier_request"); // the learning switch's table miss is in
});

afterAll(async () => {
  good.close();
  await controller.close();
});

async function goodSwitchAnswers(xid: number): Promise<void> {
  good.send({ type: "echo_request", xid, data: new Uint8Array(0) });
  expect((await good.next("echo_reply", (m) => m.xid === xid)).xid).toBe(xid);
}

/** Sends `bytes` from a fresh connection (after a proper handshake when `up`), then lets it settle. */
async function sendFromPeer(bytes: Uint8Array, up: boolean, dpid: bigint): Promise<void> {
  const peer = await ScriptedSwitch.connect(port, { dpid, hello: up, autoAnswer: up });
  try {
    if (up) await peer.next("barrier_request");
    peer.sendRaw(bytes);
    await Promise.race([peer.closedPromise, sleep(15)]);
  } finally {
    peer.close();
  }
}

// Valid messages a switch sends, to corrupt.
const samples: OfpMessage[] = [
  {
    type: "packet_in",
    xid: 0,
    bufferId: OFP_NO_BUFFER,
    totalLen: 60,
    reason: 0,
    tableId: 0,
    cookie: 0n,
    match: { in_port: 2 },
    data: Buffer.concat([Buffer.from("02000000000b02000000000a0800", "hex"), Buffer.alloc(46)]),
  },
  { type: "port_status", xid: 0, reason: OFPPR.MODIFY, desc: testPort(2) },
  { type: "multipart_reply", xid: 3, flags: OFPMPF_REPLY_MORE, kind: "port_desc", ports: [testPort(1), testPort(3)] },
  { type: "error", xid: 3, errorType: 1, code: 2, data: new Uint8Array(12) },
  { type: "echo_request", xid: 9, data: Buffer.from("hi") },
  { type: "flow_removed", xid: 0, cookie: 1n, priority: 1, reason: 0, tableId: 0, durationSec: 1, durationNsec: 0, idleTimeout: 5, hardTimeout: 0, packetCount: 1n, byteCount: 64n, match: { in_port: 1 } },
];

describe("fuzzing the controller", () => {
  it("survives random bytes, before or after the handshake", async () => {
    let dpid = 100n;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), async (bytes, up) => {
        await sendFromPeer(bytes, up, dpid++);
      }),
      { numRuns: 60 },
    );
    await goodSwitchAnswers(1001);
  });

  it("survives valid messages with corrupted bytes after the handshake", async () => {
    let dpid = 1000n;
    const encoded = samples.map((m) => encode(m));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: encoded.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 0, maxLength: 4 }),
        async (which, flips) => {
          const bytes = Buffer.from(encoded[which]!);
          // Corrupt the body (and sometimes the length), keeping the version so it reaches decode.
          for (const [at, value] of flips) bytes[2 + (at % (bytes.length - 2))] = value;
          await sendFromPeer(bytes, true, dpid++);
        },
      ),
      { numRuns: 80 },
    );
    await goodSwitchAnswers(1002);
    // The good switch is still up and still learning.
    expect(controller.switchByDpid(1n)?.connected).toBe(true);
  });
});
