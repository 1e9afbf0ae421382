// Every message and multipart kind survives encode then decode unchanged, and decode then encode
// gives the same bytes. Golden bytes, annotated field by field, pin the wire layout of a few
// messages so a symmetric mistake in both directions cannot hide.
import { describe, expect, it } from "vitest";
import { decode, encode, OFPT, messageTypeName } from "../../../openflow";
import type { OfpMessage } from "../../../openflow";
import { frame64, samples } from "./samples";

const hex = (s: string) => Buffer.from(s.replace(/\s+|\/\/[^\n]*/g, ""), "hex");

describe("round trip of every sample message", () => {
  for (const [name, msg] of Object.entries(samples)) {
    it(name, () => {
      const bytes = encode(msg);
      expect(bytes.readUInt16BE(2)).toBe(bytes.length);
      expect(bytes[0]).toBe(msg.type === "hello" && msg.version !== undefined ? msg.version : 4);
      const back = decode(bytes);
      expect(back).toEqual(msg);
      expect(encode(back).equals(bytes)).toBe(true);
    });
  }

  it("covers every OFPT_ message type", () => {
    const covered = new Set(Object.values(samples).map((m) => m.type));
    for (const code of Object.values(OFPT)) expect(covered).toContain(messageTypeName(code));
  });

  it("the sample frame is 64 bytes", () => {
    expect(frame64.length).toBe(64);
  });
});

describe("golden bytes", () => {
  const golden: [string, OfpMessage, Buffer][] = [
    [
      "hello with a version bitmap for 1.0 and 1.3",
      { type: "hello", xid: 1, versions: [1, 4] },
      hex(`
        04 00 0010 00000001   // version 4, HELLO, length 16, xid 1
        0001 0008             // element VERSIONBITMAP, length 8
        00000012              // bits 1 and 4
      `),
    ],
    [
      "features_request",
      { type: "features_request", xid: 0x01020304 },
      hex("04 05 0008 01020304"),
    ],
    [
      "packet_in from port 7, no buffer, 4-byte frame",
      { type: "packet_in", xid: 0, bufferId: 0xffffffff, totalLen: 4, reason: 1, tableId: 3, cookie: 0xabn, match: { in_port: 7 }, data: hex("deadbeef") },
      hex(`
        04 0a 002e 00000000   // PACKET_IN, length 46
        ffffffff              // buffer_id OFP_NO_BUFFER
        0004 01 03            // total_len 4, reason ACTION, table 3
        00000000000000ab      // cookie
        0001 000c             // match: OXM, length 12 (padded to 16)
        80000004 00000007     // OXM in_port = 7
        00000000              // match padding
        0000                  // 2 bytes of padding
        deadbeef              // the frame
      `),
    ],
    [
      "flow_mod: in_port=1, dl_dst masked, actions=output:2, goto_table:1",
      {
        type: "flow_mod", xid: 9, cookie: 1n, cookieMask: 0n, tableId: 0, command: 0, idleTimeout: 0, hardTimeout: 0,
        priority: 100, bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 1,
        match: { in_port: 1, eth_dst: { value: "01:00:00:00:00:00", mask: "01:00:00:00:00:00" } },
        instructions: [{ type: "apply_actions", actions: [{ type: "output", port: 2 }] }, { type: "goto_table", tableId: 1 }],
      },
      hex(`
        04 0e 0070 00000009               // FLOW_MOD, length 112
        0000000000000001 0000000000000000 // cookie, cookie_mask
        00 00 0000 0000 0064              // table 0, ADD, idle 0, hard 0, priority 100
        ffffffff ffffffff ffffffff        // buffer_id, out_port ANY, out_group ANY
        0001 0000                         // flags SEND_FLOW_REM, pad
        0001 001c                         // match OXM, length 28
        80000004 00000001                 // in_port = 1
        8000070c 010000000000 010000000000 // eth_dst with mask (hasmask bit, length 12)
        00000000                          // match padding to 32
        0004 0018 00000000                // APPLY_ACTIONS, length 24
        0000 0010 00000002 0000 000000000000 // OUTPUT port 2, max_len 0
        0001 0008 01 000000               // GOTO_TABLE 1
      `),
    ],
    [
      "nicira resubmit(,4) and move reg0[0..15] to reg1[16..31]",
      {
        type: "packet_out", xid: 2, bufferId: 0xffffffff, inPort: 0xfffffffd, data: hex(""),
        actions: [
          { type: "nx_resubmit_table", inPort: 0xfffffff8, tableId: 4 },
          { type: "nx_reg_move", nBits: 16, srcOfs: 0, dstOfs: 16, src: "reg0", dst: "reg1" },
        ],
      },
      hex(`
        04 0d 0040 00000002           // PACKET_OUT, length 64
        ffffffff fffffffd 0028 000000000000 // buffer, in_port CONTROLLER, actions_len 40
        ffff 0010 00002320 000e fff8 04 000000 // NXAST_RESUBMIT_TABLE in_port IN_PORT (16-bit), table 4
        ffff 0018 00002320 0006 0010 0000 0010 00010004 00010204 // NXAST_REG_MOVE n_bits 16, src NXM_NX_REG0, dst NXM_NX_REG1
      `),
    ],
  ];
  for (const [name, msg, bytes] of golden) {
    it(`${name}: encodes to the annotated bytes`, () => {
      expect(encode(msg).toString("hex")).toBe(bytes.toString("hex"));
    });
    it(`${name}: decodes from the annotated bytes`, () => {
      expect(decode(bytes)).toEqual(msg);
    });
  }
});

describe("decode conventions", () => {
  it("returns data as a view into the input, not a copy", () => {
    const bytes = encode(samples.packet_in!);
    const m = decode(bytes) as Extract<OfpMessage, { type: "packet_in" }>;
    expect(m.data.buffer).toBe(bytes.buffer);
  });

  it("accepts a plain Uint8Array at a non-zero offset", () => {
    const bytes = encode(samples.flow_mod!);
    const big = new Uint8Array(bytes.length + 5);
    big.set(bytes, 5);
    expect(decode(big.subarray(5))).toEqual(samples.flow_mod);
  });

  it("keeps match keys in wire order", () => {
    const m = decode(encode({ ...samples.flow_mod_delete!, match: { eth_type: 0x800, in_port: 3, ipv4_dst: "192.0.2.1" } } as OfpMessage));
    expect(Object.keys((m as { match: object }).match)).toEqual(["eth_type", "in_port", "ipv4_dst"]);
  });

  it("omits output maxLen when it is the default, keeps it otherwise", () => {
    const out = (port: number, maxLen?: number) => {
      const m = decode(encode({ type: "packet_out", xid: 1, bufferId: 0xffffffff, inPort: 0xfffffffd, data: Buffer.alloc(0), actions: [{ type: "output", port, ...(maxLen === undefined ? {} : { maxLen }) }] }));
      return (m as { actions: unknown[] }).actions[0];
    };
    expect(out(1)).toEqual({ type: "output", port: 1 });
    expect(out(0xfffffffd)).toEqual({ type: "output", port: 0xfffffffd });
    expect(out(0xfffffffd, 128)).toEqual({ type: "output", port: 0xfffffffd, maxLen: 128 });
    expect(out(1, 0xffff)).toEqual({ type: "output", port: 1, maxLen: 0xffff });
  });

  it("encoded buffers stay intact after later encodes", () => {
    const a = encode(samples.flow_mod!);
    const copy = Buffer.from(a);
    for (let i = 0; i < 5000; i++) encode(samples.mp_flow_reply!);
    expect(a.equals(copy)).toBe(true);
  });
});
