import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { JsonStreamFramer, FramingError } from "../../../src/ovsdb/framing";

// Messages chosen to hit the framer's traps: brackets and quotes inside strings, escaped quotes and
// backslashes, multi-byte UTF-8, nesting, and whitespace between messages.
const messages = [
  { id: 1, method: "echo", params: [] },
  { id: null, method: "update2", params: ["vnet", { Bridge: { x: { insert: { name: "br-}{[\"]" } } } }] },
  { result: ["a\\", "\\\"", "ünïcødé ✓ 𝄞"], error: null, id: 7 },
  [1, [2, [3, { a: [] }]]],
];
const stream = Buffer.from(messages.map((m) => JSON.stringify(m)).join(" \n\t"), "utf8");

describe("JsonStreamFramer", () => {
  it("returns each message whole when the stream arrives in one chunk", () => {
    const out = new JsonStreamFramer().push(stream).map((t) => JSON.parse(t));
    expect(out).toEqual(messages);
  });

  it("reassembles the same messages when TCP cuts the stream at any single byte offset", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = new JsonStreamFramer();
      const texts = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      expect(texts.map((t) => JSON.parse(t)), `cut at ${cut}`).toEqual(messages);
      expect(f.buffered).toBe(0);
    }
  });

  it("reassembles the stream fed one byte at a time", () => {
    const f = new JsonStreamFramer();
    const texts: string[] = [];
    for (let i = 0; i < stream.length; i++) texts.push(...f.push(stream.subarray(i, i + 1)));
    expect(texts.map((t) => JSON.parse(t))).toEqual(messages);
  });

  it("reassembles arbitrary JSON objects cut into random chunks (fuzz)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (objs, cuts) => {
          const bytes = Buffer.from(objs.map((o) => JSON.stringify(o)).join(""), "utf8");
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const f = new JsonStreamFramer();
          const texts: string[] = [];
          let prev = 0;
          for (const p of [...points, bytes.length]) {
            texts.push(...f.push(bytes.subarray(prev, p)));
            prev = p;
          }
          expect(texts.map((t) => JSON.parse(t))).toEqual(objs.map((o) => JSON.parse(JSON.stringify(o))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("survives strings made only of the framer's special characters (fuzz)", () => {
    const tricky = fc.string({ unit: fc.constantFrom('"', "\\", "{", "}", "[", "]", "é", "a", " ") });
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 1, maxLength: 6 }), fc.nat(), (strings, seed) => {
        const objs = strings.map((str, i) => ({ [str]: [str, { k: str }], i }));
        const bytes = Buffer.from(objs.map((o) => JSON.stringify(o)).join("\n"), "utf8");
        const cut = seed % (bytes.length + 1);
        const f = new JsonStreamFramer();
        const texts = [...f.push(bytes.subarray(0, cut)), ...f.push(bytes.subarray(cut))];
        expect(texts.map((t) => JSON.parse(t))).toEqual(objs);
      }),
      { numRuns: 500 },
    );
  });

  it("rejects bytes that cannot start a message, and stays failed", () => {
    const f = new JsonStreamFramer();
    expect(() => f.push('{"a":1} x')).toThrow(new FramingError("unexpected byte 0x78 between messages"));
    expect(() => f.push("{}")).toThrow(FramingError);
  });

  it("bounds a message that never ends", () => {
    const f = new JsonStreamFramer(64);
    f.push('{"a":"');
    expect(() => f.push("x".repeat(100))).toThrow(/exceeds 64 bytes/);
  });

  it("bounds a complete message over the limit", () => {
    const f = new JsonStreamFramer(16);
    expect(() => f.push(JSON.stringify({ long: "y".repeat(32) }))).toThrow(/exceeds limit/);
  });

  it("does not keep a reference to the caller's buffer", () => {
    const f = new JsonStreamFramer();
    const chunk = Buffer.from('{"k":"ab');
    f.push(chunk);
    chunk.fill(0x20);
    expect(f.push('c"}')).toEqual(['{"k":"abc"}']);
  });
});
