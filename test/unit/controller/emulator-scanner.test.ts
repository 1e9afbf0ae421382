// The benchmark emulator's receive path: it must count exactly the answers in the stream and hand
// over every other message whole, wherever TCP cuts the stream.
import { describe, expect, it } from "vitest";
import { decode, encode, OFP_NO_BUFFER, OFPP, OFPT } from "../../../openflow";
import type { OfpMessage } from "../../../openflow";
import { HeaderScanner, packetInTemplate, replyTo } from "../../../src/bench/emulator";

const counted: boolean[] = [];
counted[OFPT.PACKET_OUT] = true;

const stream = Buffer.concat([
  encode({ type: "hello", xid: 1, versions: [4] }),
  encode({ type: "packet_out", xid: 2, bufferId: OFP_NO_BUFFER, inPort: 1, actions: [{ type: "output", port: OFPP.FLOOD }], data: Buffer.alloc(64, 7) }),
  encode({ type: "echo_request", xid: 3, data: Buffer.from("abc") }),
  encode({ type: "packet_out", xid: 4, bufferId: OFP_NO_BUFFER, inPort: 2, actions: [], data: Buffer.alloc(10) }),
  encode({ type: "barrier_request", xid: 5 }),
  encode({ type: "packet_out", xid: 6, bufferId: OFP_NO_BUFFER, inPort: 3, actions: [], data: Buffer.alloc(0) }),
]);

function scan(chunks: Buffer[]): { counts: number; messages: OfpMessage[] } {
  let counts = 0;
  const messages: OfpMessage[] = [];
  const scanner = new HeaderScanner(counted, { counted: () => counts++, message: (b) => messages.push(decode(b)) });
  for (const c of chunks) scanner.push(c);
  return { counts, messages };
}

describe("HeaderScanner", () => {
  it("counts answers and passes other messages whole, for every two-piece split of the stream", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { counts, messages } = scan([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(counts, `cut at ${cut}`).toBe(3);
      expect(messages.map((m) => [m.type, m.xid]), `cut at ${cut}`).toEqual([["hello", 1], ["echo_request", 3], ["barrier_request", 5]]);
    }
  });

  it("handles the stream one byte at a time", () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(scan(bytes).counts).toBe(3);
    expect(scan(bytes).messages).toHaveLength(3);
  });

  it("refuses a length below the header", () => {
    const scanner = new HeaderScanner(counted, { counted: () => {}, message: () => {} });
    expect(() => scanner.push(Buffer.from([4, 13, 0, 4, 0, 0, 0, 0]))).toThrow("controller sent a message of length 4");
  });
});

describe("emulated switch bytes", () => {
  it("a PACKET_IN template decodes, with the source MAC where the emulator patches it", () => {
    const t = packetInTemplate(3);
    t.bytes.writeUInt32BE(0xdeadbeef, t.srcMacOffset + 2);
    const pi = decode(t.bytes);
    expect(pi.type === "packet_in" && [pi.match.in_port, Buffer.from(pi.data.subarray(6, 12)).toString("hex")]).toEqual([3, "0200deadbeef"]);
  });

  it("answers the handshake requests a controller makes", () => {
    const features = decode(replyTo(encode({ type: "features_request", xid: 9 }), 0x76n, 1)!);
    expect(features).toMatchObject({ type: "features_reply", xid: 9, datapathId: 0x76n });
    const ports = decode(replyTo(encode({ type: "multipart_request", xid: 10, flags: 0, kind: "port_desc" }), 1n, 1)!);
    expect(ports.type === "multipart_reply" && ports.kind === "port_desc" && ports.ports.length).toBe(4);
    const flows = decode(replyTo(encode({ type: "multipart_request", xid: 11, flags: 0, kind: "group_desc" }), 1n, 1)!);
    expect(flows).toMatchObject({ type: "multipart_reply", xid: 11, kind: "group_desc", groups: [] });
    expect(replyTo(encode({ type: "barrier_request", xid: 12 }), 1n, 1)).toEqual(encode({ type: "barrier_reply", xid: 12 }));
  });
});
