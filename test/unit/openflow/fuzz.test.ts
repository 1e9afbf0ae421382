// Property tests: random well-formed messages survive a round trip; random and mutated bytes are
// either decoded or refused with OfpDecodeError, never anything else, and whatever decodes can be
// encoded again.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decode, encode, Framer, OfpDecodeError, OXM_FIELDS } from "../../../openflow";
import type { OfpMessage } from "../../../openflow";
import { action, instructions, match, message } from "./arbitraries";
import { samples } from "./samples";

const runs = { numRuns: 400 };

function decodeOrRefuse(bytes: Uint8Array): OfpMessage | undefined {
  try {
    return decode(bytes);
  } catch (e) {
    if (!(e instanceof OfpDecodeError)) throw e;
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.length);
    return undefined;
  }
}

describe("decode(encode(m)) equals m", () => {
  it("for random messages", () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encode(m);
        expect(decode(bytes)).toEqual(m);
        expect(encode(decode(bytes)).equals(bytes)).toBe(true);
      }),
      runs,
    );
  });

  it("for random matches, in a flow_mod", () => {
    fc.assert(
      fc.property(match, (mt) => {
        const m = { ...(samples.flow_mod_delete as object), match: mt } as OfpMessage;
        expect(decode(encode(m))).toEqual(m);
      }),
      runs,
    );
  });

  it("for random actions and instructions", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 8 }), instructions, (acts, ins) => {
        const po = { ...(samples.packet_out as object), actions: acts } as OfpMessage;
        expect(decode(encode(po))).toEqual(po);
        const fm = { ...(samples.flow_mod_delete as object), instructions: ins } as OfpMessage;
        expect(decode(encode(fm))).toEqual(fm);
      }),
      runs,
    );
  });

  it("generates every match field somewhere (the generator is not blind to a field)", () => {
    const seen = new Set<string>();
    for (const m of fc.sample(match, 600)) for (const k of Object.keys(m)) seen.add(k);
    for (const f of OXM_FIELDS) expect(seen).toContain(f.name);
  });
});

describe("bad bytes never crash the decoder", () => {
  it("random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void decodeOrRefuse(b)), { numRuns: 2000 });
  });

  it("random bodies behind a plausible header (version 4, a real type, the right length)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 29 }), fc.uint8Array({ maxLength: 400 }), (type, body) => {
        const b = Buffer.alloc(8 + body.length);
        b[0] = 4;
        b[1] = type;
        b.writeUInt16BE(b.length, 2);
        b.set(body, 8);
        const m = decodeOrRefuse(b);
        if (m !== undefined) expect(() => encode(m)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it("valid messages with random bytes overwritten", () => {
    const encoded = Object.values(samples).map((m) => encode(m));
    fc.assert(
      fc.property(
        fc.constantFrom(...encoded),
        fc.array(fc.tuple(fc.nat(), u8()), { minLength: 1, maxLength: 4 }),
        (orig, edits) => {
          const b = Buffer.from(orig);
          for (const [pos, v] of edits) {
            const p = 4 + (pos % (b.length - 4)); // leave version, type and length alone
            b[p] = v;
          }
          const m = decodeOrRefuse(b);
          if (m !== undefined) expect(() => encode(m)).not.toThrow();
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("random streams through the framer raise only OfpDecodeError", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const framer = new Framer();
        try {
          for (const c of chunks) for (const f of framer.push(c)) decodeOrRefuse(f);
        } catch (e) {
          expect(e).toBeInstanceOf(OfpDecodeError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function u8() {
  return fc.integer({ min: 0, max: 255 });
}
