// fast-check generators for matches, actions, instructions and messages, built from the codec's
// own field table so that every field and every action kind is exercised.
import fc from "fast-check";
import { OXM_FIELDS, defaultMaxLen, formatIpv4, formatIpv6, formatMac } from "../../../openflow";
import type { Action, Bucket, Instruction, Match, OfpMessage, OxmField, FlowStats } from "../../../openflow";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

export function valueOf(f: OxmField): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case "u8": return u8;
    case "u16": return u16;
    case "u24": return fc.integer({ min: 0, max: 0xffffff });
    case "u32": return u32;
    case "u64": return u64;
    case "mac": return fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b, 0));
    case "ipv4": return fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b, 0));
    case "ipv6": return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b, 0));
  }
}

const fieldEntry = (f: OxmField): fc.Arbitrary<[string, unknown]> =>
  (f.maskable
    ? fc.oneof(valueOf(f), fc.record({ value: valueOf(f), mask: valueOf(f) }))
    : valueOf(f)
  ).map((v) => [f.name, v] as [string, unknown]);

/** An experimenter OXM TLV (class 0xffff) with its experimenter id and a body. */
const experimenterTlv = fc.tuple(fc.integer({ min: 0, max: 127 }), u32, bytes(12)).map(([field, exp, body]) => {
  const b = Buffer.alloc(8 + body.length);
  b.writeUInt16BE(0xffff, 0);
  b[2] = field << 1;
  b[3] = 4 + body.length;
  b.writeUInt32BE(exp, 4);
  b.set(body, 8);
  return b;
});

export const match: fc.Arbitrary<Match> = fc
  .tuple(
    fc.shuffledSubarray([...OXM_FIELDS], { maxLength: 8 }).chain((fields) => fc.tuple(...fields.map(fieldEntry))),
    fc.option(fc.array(experimenterTlv, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  )
  .map(([entries, exp]) => {
    const m: Record<string, unknown> = Object.fromEntries(entries);
    if (exp !== undefined) m.experimenter = exp;
    return m as Match;
  });

const setField: fc.Arbitrary<Action> = fc.constantFrom(...OXM_FIELDS).chain((f) =>
  valueOf(f).map((value) => ({ type: "set_field", field: f.name, value }) as Action),
);

const regMove: fc.Arbitrary<Action> = fc
  .tuple(fc.constantFrom(...OXM_FIELDS), fc.constantFrom(...OXM_FIELDS))
  .chain(([src, dst]) => {
    const maxBits = Math.min(src.bytes, dst.bytes) * 8;
    return fc.integer({ min: 1, max: maxBits }).chain((nBits) =>
      fc.tuple(fc.integer({ min: 0, max: src.bytes * 8 - nBits }), fc.integer({ min: 0, max: dst.bytes * 8 - nBits })).map(
        ([srcOfs, dstOfs]) => ({ type: "nx_reg_move", nBits, srcOfs, dstOfs, src: src.name, dst: dst.name }) as Action,
      ),
    );
  });

const regLoad: fc.Arbitrary<Action> = fc.constantFrom(...OXM_FIELDS).chain((dst) => {
  const width = dst.bytes * 8;
  return fc.integer({ min: 1, max: Math.min(64, width) }).chain((nBits) =>
    fc.tuple(fc.integer({ min: 0, max: width - nBits }), fc.bigInt({ min: 0n, max: (1n << BigInt(nBits)) - 1n })).map(
      ([ofs, value]) => ({ type: "nx_reg_load", ofs, nBits, dst: dst.name, value }) as Action,
    ),
  );
});

const port = fc.oneof(fc.integer({ min: 1, max: 0xfeff }), fc.constantFrom(0xfffffff8, 0xfffffff9, 0xfffffffa, 0xfffffffb, 0xfffffffc, 0xfffffffd, 0xfffffffe));

export const action: fc.Arbitrary<Action> = fc.oneof(
  fc.tuple(fc.oneof(port, u32), fc.option(u16, { nil: undefined })).map(([p, maxLen]) =>
    maxLen === undefined || maxLen === defaultMaxLen(p) ? { type: "output" as const, port: p } : { type: "output" as const, port: p, maxLen },
  ),
  fc.constantFrom<Action>({ type: "copy_ttl_out" }, { type: "copy_ttl_in" }, { type: "dec_mpls_ttl" }, { type: "pop_vlan" }, { type: "dec_nw_ttl" }, { type: "pop_pbb" }),
  u8.map((ttl) => ({ type: "set_mpls_ttl" as const, ttl })),
  u8.map((ttl) => ({ type: "set_nw_ttl" as const, ttl })),
  fc.tuple(fc.constantFrom("push_vlan", "push_mpls", "pop_mpls", "push_pbb") as fc.Arbitrary<"push_vlan">, u16).map(([type, ethertype]) => ({ type, ethertype })),
  u32.map((queueId) => ({ type: "set_queue" as const, queueId })),
  u32.map((groupId) => ({ type: "group" as const, groupId })),
  setField,
  fc.tuple(port, u8).map(([inPort, tableId]) => ({ type: "nx_resubmit_table" as const, inPort, tableId })),
  regMove,
  regLoad,
  // Experimenter bodies that fill the action to a multiple of 8 (the codec keeps the padding as part
  // of data), and not Nicira, whose subtypes may decode as typed actions. After the 4-byte header
  // and the 4-byte experimenter id, that is 8n bytes of data.
  fc.tuple(u32.filter((e) => e !== 0x2320), fc.integer({ min: 0, max: 3 }))
    .chain(([experimenter, units]) => fc.uint8Array({ minLength: units * 8, maxLength: units * 8 }).map((d) => ({
      type: "experimenter" as const, experimenter, data: Buffer.from(d),
    }))),
);

export const actions = fc.array(action, { maxLength: 6 });

export const instruction: fc.Arbitrary<Instruction> = fc.oneof(
  u8.map((tableId) => ({ type: "goto_table" as const, tableId })),
  fc.tuple(u64, u64).map(([metadata, mask]) => ({ type: "write_metadata" as const, metadata, mask })),
  actions.map((a) => ({ type: "write_actions" as const, actions: a })),
  actions.map((a) => ({ type: "apply_actions" as const, actions: a })),
  fc.constant({ type: "clear_actions" as const }),
  u32.map((meterId) => ({ type: "meter" as const, meterId })),
);
export const instructions = fc.array(instruction, { maxLength: 4 });

const bucket: fc.Arbitrary<Bucket> = fc.record({ weight: u16, watchPort: u32, watchGroup: u32, actions });

const flowStats: fc.Arbitrary<FlowStats> = fc.record({
  tableId: u8, durationSec: u32, durationNsec: u32, priority: u16, idleTimeout: u16, hardTimeout: u16, flags: u16,
  cookie: u64, packetCount: u64, byteCount: u64, match, instructions,
});

export const message: fc.Arbitrary<OfpMessage> = fc.oneof(
  fc.record({
    type: fc.constant("flow_mod" as const), xid: u32, cookie: u64, cookieMask: u64, tableId: u8, command: u8, idleTimeout: u16,
    hardTimeout: u16, priority: u16, bufferId: u32, outPort: u32, outGroup: u32, flags: u16, match, instructions,
  }),
  fc.record({
    type: fc.constant("packet_in" as const), xid: u32, bufferId: u32, totalLen: u16, reason: u8, tableId: u8, cookie: u64, match, data: bytes(128),
  }),
  fc.record({ type: fc.constant("packet_out" as const), xid: u32, bufferId: u32, inPort: u32, actions, data: bytes(128) }),
  fc.record({
    type: fc.constant("flow_removed" as const), xid: u32, cookie: u64, priority: u16, reason: u8, tableId: u8, durationSec: u32,
    durationNsec: u32, idleTimeout: u16, hardTimeout: u16, packetCount: u64, byteCount: u64, match,
  }),
  fc.record({ type: fc.constant("group_mod" as const), xid: u32, command: u16, groupType: u8, groupId: u32, buckets: fc.array(bucket, { maxLength: 3 }) }),
  fc.record({ type: fc.constant("multipart_reply" as const), xid: u32, flags: u16, kind: fc.constant("flow" as const), flows: fc.array(flowStats, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant("multipart_request" as const), xid: u32, flags: u16, kind: fc.constant("flow" as const), tableId: u8, outPort: u32,
    outGroup: u32, cookie: u64, cookieMask: u64, match,
  }),
  fc.record({ type: fc.constant("echo_request" as const), xid: u32, data: bytes(64) }),
  fc.record({ type: fc.constant("error" as const), xid: u32, errorType: fc.integer({ min: 0, max: 13 }), code: u16, data: bytes(64) }),
  fc.record({ type: fc.constant("hello" as const), xid: u32, versions: fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }).map((v) => v.sort((a, b) => a - b)) }),
);
