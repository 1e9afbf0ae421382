import { describe, expect, it } from "vitest";
import { negotiateHello } from "../../../src/controller/hello";

// HELLO bytes written out by hand, field by field, so the test does not depend on the encoder.
function hello(version: number, elements: number[] = []): Buffer {
  const length = 8 + elements.length;
  return Buffer.from([version, 0 /* OFPT_HELLO */, length >> 8, length & 255, 0, 0, 0, 7 /* xid */, ...elements]);
}
function bitmapElement(...words: number[]): number[] {
  const len = 4 + 4 * words.length;
  const bytes = [0, 1 /* OFPHET_VERSIONBITMAP */, len >> 8, len & 255];
  for (const w of words) bytes.push((w >>> 24) & 255, (w >>> 16) & 255, (w >>> 8) & 255, w & 255);
  while (bytes.length % 8 !== 0) bytes.push(0); // elements are padded to 8 bytes
  return bytes;
}

describe("negotiateHello", () => {
  it("accepts a 1.3 HELLO without elements", () => {
    expect(negotiateHello(hello(4))).toEqual({ ok: true, version: 4 });
  });

  it("accepts a newer header version without a bitmap (the peer falls back to 1.3)", () => {
    expect(negotiateHello(hello(6))).toEqual({ ok: true, version: 4 });
  });

  it("refuses an OpenFlow 1.0 HELLO without a bitmap, naming the version", () => {
    const outcome = negotiateHello(hello(1));
    expect(outcome).toMatchObject({ ok: false, peerVersion: 1, peerVersions: [1] });
    expect(!outcome.ok && outcome.reason).toBe("peer speaks OpenFlow version 1, vnet only 4 (OpenFlow 1.3)");
  });

  it("accepts a bitmap that includes 1.3 whatever the header version", () => {
    // bits 1 (1.0), 4 (1.3), 6 (1.5) → 0b1010010
    expect(negotiateHello(hello(6, bitmapElement(0b1010010)))).toEqual({ ok: true, version: 4 });
  });

  it("refuses a bitmap without 1.3 even if the header says 1.3", () => {
    // bits 1 and 5 only (1.0, 1.4)
    const outcome = negotiateHello(hello(5, bitmapElement(0b100010)));
    expect(outcome).toMatchObject({ ok: false, peerVersions: [1, 5] });
  });

  it("reads versions beyond the first bitmap word", () => {
    const outcome = negotiateHello(hello(5, bitmapElement(0, 1)));
    expect(outcome).toMatchObject({ ok: false, peerVersions: [32] });
  });

  it("ignores bitmap bits past version 255, which no one-byte header version can name", () => {
    // Nine words: version 1 in the first, version 256 (bit 0 of the ninth) beyond the byte range.
    const outcome = negotiateHello(hello(5, bitmapElement(1 << 1, 0, 0, 0, 0, 0, 0, 0, 1)));
    expect(outcome).toMatchObject({ ok: false, peerVersions: [1] });
  });

  it("names at most 16 of the peer's versions in the refusal", () => {
    const outcome = negotiateHello(hello(5, bitmapElement(0xffffffef, 0xffffffff)));
    expect(!outcome.ok && outcome.peerVersions.length).toBe(63);
    expect(!outcome.ok && outcome.reason).toBe(
      "peer supports versions [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, ... 47 more], vnet only 4 (OpenFlow 1.3)",
    );
  });

  it("skips unknown elements", () => {
    const unknown = [0, 9, 0, 5, 0xaa, 0, 0, 0]; // type 9, length 5, padded to 8
    expect(negotiateHello(hello(4, [...unknown, ...bitmapElement(1 << 4)]))).toEqual({ ok: true, version: 4 });
  });

  it("refuses an element whose length runs past the message", () => {
    const outcome = negotiateHello(hello(4, [0, 1, 0, 40, 0, 0, 0, 16]));
    expect(!outcome.ok && outcome.reason).toBe("HELLO element at byte 8 has length 40, outside the message");
  });

  it("refuses an element shorter than its own header (no infinite loop)", () => {
    const outcome = negotiateHello(hello(4, [0, 1, 0, 0, 0, 0, 0, 0]));
    expect(outcome.ok).toBe(false);
  });

  it("refuses a first message that is not a HELLO", () => {
    const features = Buffer.from([4, 5, 0, 8, 0, 0, 0, 1]);
    expect(negotiateHello(features)).toMatchObject({ ok: false, reason: "first message is type 5, not HELLO" });
  });
});
