// The test switch itself: a next() that timed out must not keep waiting, or it would swallow the
// next matching message and hide it from the next() that is really waiting for it.
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { encode } from "../../../openflow";
import { ScriptedSwitch } from "./scripted-switch";

let server: Server;
let port: number;
let peer: Promise<Socket>;

beforeEach(async () => {
  server = createServer();
  peer = new Promise((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

afterEach(async () => {
  (await peer).destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("a next() that timed out leaves the following message to the next next()", async () => {
  const sw = await ScriptedSwitch.connect(port, { hello: false, autoAnswer: false });
  try {
    await expect(sw.next("barrier_request", () => true, 20)).rejects.toThrow(/no barrier_request within 20 ms/);
    (await peer).write(encode({ type: "barrier_request", xid: 77 }));
    const got = await sw.next("barrier_request", () => true, 1000);
    expect(got.xid).toBe(77);
  } finally {
    sw.close();
  }
});
