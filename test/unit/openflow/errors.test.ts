// Malformed bytes are refused with the codec's own error, whose message says what was wrong and
// at which byte. Each case below is a hand-made message, annotated, with the exact error.
import { describe, expect, it } from "vitest";
import { decode, encode, OfpDecodeError, OfpEncodeError } from "../../../openflow";
import type { OfpMessage } from "../../../openflow";
import { samples } from "./samples";

const h = (s: string) => Buffer.from(s.replace(/\s+|\/\/[^\n]*/g, ""), "hex");

const PI = "ffffffff 0040 00 00 0000000000000000"; // packet_in: buffer, total_len, reason, table, cookie

const cases: [string, Buffer, string][] = [
  ["fewer bytes than a header", h("0400"), "message of 2 bytes is shorter than the 8-byte header (at byte 0)"],
  ["header length longer than the bytes", h("04000010 00000001"), "header length 16 does not match the 8 bytes given (at byte 2)"],
  ["header length below 8", h("04000004 00000001"), "header length 4 is below 8 (at byte 2)"],
  ["OpenFlow 1.0 features request", h("01050008 00000001"), "unsupported OpenFlow version 1 (this codec speaks 4, OpenFlow 1.3) (at byte 0)"],
  ["unknown message type", h("04630008 00000001"), "unknown message type 99 (at byte 1)"],
  ["packet_in cut inside the cookie", h("040a0014 00000000 ffffffff 0040 00 00 00000000"), "truncated cookie: needs 8 bytes, 4 left (at byte 16)"],
  ["match length past the end", h(`040a0020 00000000 ${PI} 0001 0040 00000000`), "match length 64 runs past the end of the message (8 bytes left) (at byte 26)"],
  ["match of type STANDARD", h(`040a0020 00000000 ${PI} 0000 0004 00000000`), "match type 0 is not OXM (1) (at byte 24)"],
  [
    "in_port with a 2-byte value",
    h(`040a0028 00000000 ${PI} 0001 000a 80000002 0001 000000000000`),
    "oxm field in_port has length 2, expected 4 (at byte 28)",
  ],
  [
    "masked in_port",
    h(`040a0030 00000000 ${PI} 0001 0010 80000108 00000001 ffffffff 0000 0000 0000 0000`),
    "oxm field in_port cannot be masked (at byte 28)",
  ],
  [
    "in_port twice",
    h(`040a0030 00000000 ${PI} 0001 0014 80000004 00000001 80000004 00000002 0000 0000`),
    "duplicate match field in_port (at byte 36)",
  ],
  [
    "OXM TLV longer than its match",
    h(`040a0028 00000000 ${PI} 0001 000c 80000010 00000001 0000 0000`),
    "oxm field declares 16 bytes but only 4 remain (at byte 32)",
  ],
  [
    "action length 12",
    h("040d0020 00000001 ffffffff fffffffd 0008 000000000000 0000 000c 00000001"),
    "action length 12 is not a multiple of 8 of at least 8 (at byte 26)",
  ],
  [
    "unknown action type",
    h("040d0020 00000001 ffffffff fffffffd 0008 000000000000 0063 0008 00000000"),
    "unknown action type 99 (at byte 24)",
  ],
  [
    "actions_len past the end of the message",
    h("040d0020 00000001 ffffffff fffffffd 0010 000000000000 0000 0010 00000001"),
    "packet_out actions declares 16 bytes but only 8 remain (at byte 24)",
  ],
  ["barrier with a body", h("04140009 00000001 00"), "1 unexpected trailing byte(s) in barrier_request (at byte 8)"],
  ["unknown multipart type", h("04130010 00000001 0063 0000 00000000"), "unknown multipart type 99 (at byte 8)"],
  ["flow stats entry of length 4", h("04130018 00000001 0001 0000 00000000 0004 0000 00000000"), "flow stats length 4 is below 56 (at byte 16)"],
  [
    "unknown instruction type",
    h(`040e0040 00000001 0000000000000000 0000000000000000 00 00 0000 0000 0064 ffffffff ffffffff ffffffff 0000 0000
       0001 0004 00000000   // empty match
       0063 0008 00000000   // instruction 99`),
    "unknown instruction type 99 (at byte 56)",
  ],
  [
    "goto_table of length 16",
    h(`040e0048 00000001 0000000000000000 0000000000000000 00 00 0000 0000 0064 ffffffff ffffffff ffffffff 0000 0000
       0001 0004 00000000
       0001 0010 01000000 0000000000000000`),
    "instruction length 16, expected 8 (at byte 58)",
  ],
];

describe("decode refuses malformed messages with an exact error", () => {
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        decode(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OfpDecodeError);
      expect((err as Error).message).toBe(message);
      expect((err as OfpDecodeError).offset).toBe(Number(/at byte (\d+)\)$/.exec(message)![1]));
    });
  }

  it("refuses a non-Uint8Array input", () => {
    expect(() => decode("04000008" as unknown as Uint8Array)).toThrow(new OfpDecodeError("input is not a Uint8Array", 0));
  });

  it("refuses every truncation of every sample with OfpDecodeError only", () => {
    for (const msg of Object.values(samples)) {
      const bytes = encode(msg);
      for (let n = 0; n < bytes.length; n++) {
        // Truncated but with a header that agrees: the body parser must notice on its own.
        const cut = Buffer.from(bytes.subarray(0, n));
        if (n >= 4) cut.writeUInt16BE(n, 2);
        try {
          decode(cut);
        } catch (e) {
          expect(e, `${msg.type} cut to ${n}`).toBeInstanceOf(OfpDecodeError);
        }
      }
    }
  });
});

describe("encode refuses values that do not fit", () => {
  const fm = samples.flow_mod as Extract<OfpMessage, { type: "flow_mod" }>;
  const bad: [string, OfpMessage, string][] = [
    ["a priority over 16 bits", { ...fm, priority: 70000 }, "flow_mod priority must be an unsigned 16-bit integer, got 70000"],
    ["a negative port", { ...fm, outPort: -1 }, "flow_mod outPort must be an unsigned 32-bit integer, got -1"],
    ["a number cookie", { ...fm, cookie: 5 as unknown as bigint }, "flow_mod cookie must be an unsigned 64-bit bigint, got 5"],
    ["a bad MAC", { ...fm, match: { eth_dst: "52:54:00:zz:00:01" } }, 'match field eth_dst must be a MAC address like "aa:bb:cc:dd:ee:ff", got "52:54:00:zz:00:01"'],
    ["a bad IPv4", { ...fm, match: { eth_type: 0x800, ipv4_src: "192.0.2.300" } }, 'match field ipv4_src must be an IPv4 address like "192.0.2.1", got "192.0.2.300"'],
    ["a masked tcp_dst", { ...fm, match: { tcp_dst: { value: 80, mask: 0xff } } as never }, "match field tcp_dst cannot be masked in OpenFlow 1.3"],
    ["an unknown match field", { ...fm, match: { eth_dest: "52:54:00:00:00:01" } as never }, 'unknown match field "eth_dest"'],
    ["an unknown action", { ...fm, instructions: [{ type: "apply_actions", actions: [{ type: "flood" } as never] }] }, 'unknown action type "flood"'],
    [
      "a masked set_field (OpenFlow 1.3 forbids it, and decode would refuse it)",
      { ...fm, instructions: [{ type: "apply_actions", actions: [{ type: "set_field", field: "eth_dst", value: { value: "52:54:00:00:00:01", mask: "ff:ff:ff:00:00:00" } } as never] }] },
      "set_field of eth_dst cannot carry a mask in OpenFlow 1.3",
    ],
    ["missing instructions", { ...fm, instructions: undefined as never }, "instructions must be an array"],
    ["an unknown message type", { type: "flow_add", xid: 1 } as never, 'unknown message type "flow_add"'],
    ["a body over 65535 bytes", { type: "echo_request", xid: 1, data: Buffer.alloc(70000) }, "message is longer than the 65535 bytes a 16-bit length allows"],
    ["a body just over 65535 bytes", { type: "echo_request", xid: 1, data: Buffer.alloc(65535 - 7) }, "message is longer than the 65535 bytes a 16-bit length allows"],
  ];
  for (const [name, msg, message] of bad) {
    it(name, () => {
      expect(() => encode(msg)).toThrow(new OfpEncodeError(message));
    });
  }

  it("a failed encode leaves the next encode unharmed", () => {
    expect(() => encode({ ...fm, priority: -5 })).toThrow(OfpEncodeError);
    expect(decode(encode(fm))).toEqual(fm);
  });

  it("the largest message encodes", () => {
    const msg: OfpMessage = { type: "echo_request", xid: 1, data: Buffer.alloc(65535 - 8, 1) };
    expect(encode(msg).length).toBe(65535);
    expect(decode(encode(msg))).toEqual(msg);
  });
});
