// The framer cuts a TCP stream into messages wherever the stream was split: tested at every split
// point, with many messages per chunk, one byte at a time, and with forged lengths.
import { describe, expect, it, vi } from "vitest";
import { decode, encode, Framer, OfpDecodeError } from "../../../openflow";
import { samples } from "./samples";

const messages = [samples.hello!, samples.packet_in!, samples.echo_request!, samples.flow_mod!, samples.mp_flow_reply!, samples.barrier_reply!];
const encoded = messages.map((m) => encode(m));
const stream = Buffer.concat(encoded);

function frameAll(chunks: Buffer[], framer = new Framer()): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) out.push(...framer.push(c));
  return out;
}

describe("Framer", () => {
  it("returns every message of a stream pushed in one chunk", () => {
    const frames = frameAll([stream]);
    expect(frames.map((f) => f.toString("hex"))).toEqual(encoded.map((e) => e.toString("hex")));
  });

  it("returns the same messages wherever the stream is split in two", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const frames = frameAll([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(frames.length, `cut at ${cut}`).toBe(messages.length);
      expect(frames.map(decode), `cut at ${cut}`).toEqual(messages);
    }
  });

  it("returns the same messages wherever the stream is split in three", () => {
    const step = 7; // every pair of cut points would be 10^5 runs: a stride keeps it quick
    for (let a = 0; a <= stream.length; a += step) {
      for (let b = a; b <= stream.length; b += step) {
        const frames = frameAll([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(frames.length).toBe(messages.length);
        for (let i = 0; i < frames.length; i++) expect(frames[i]!.equals(encoded[i]!)).toBe(true);
      }
    }
  });

  it("handles a stream fed one byte at a time", () => {
    const framer = new Framer();
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      const got = framer.push(stream.subarray(i, i + 1));
      frames.push(...got);
      // A message comes out exactly when its last byte arrives.
      const ends = new Set<number>();
      let end = 0;
      for (const e of encoded) ends.add((end += e.length) - 1);
      expect(got.length).toBe(ends.has(i) ? 1 : 0);
    }
    expect(frames.map(decode)).toEqual(messages);
    expect(framer.buffered).toBe(0);
  });

  it("copies a message fed one byte at a time a bounded number of times, not once per byte", () => {
    // Joining the held bytes with every new chunk would copy a 16 KiB message 16,384 times
    // (128 MiB): a peer trickling bytes could make the controller spend its time copying.
    const big = encode({ type: "echo_request", xid: 9, data: Buffer.alloc(16384, 7) });
    const spies = [vi.spyOn(Buffer, "concat"), vi.spyOn(Buffer, "allocUnsafe"), vi.spyOn(Buffer, "from"), vi.spyOn(Buffer, "alloc")];
    const framer = new Framer();
    const frames: Buffer[] = [];
    try {
      for (let i = 0; i < big.length; i++) frames.push(...framer.push(big.subarray(i, i + 1)));
      let allocated = 0;
      for (const spy of spies) for (const r of spy.mock.results) if (r.type === "return") allocated += (r.value as Buffer).length;
      expect(allocated).toBeLessThan(4 * big.length);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(frames.length).toBe(1);
    expect(frames[0]!.equals(big)).toBe(true);
  });

  it("keeps a partial message even if the caller reuses the chunk's memory", () => {
    const framer = new Framer();
    const chunk = Buffer.from(stream.subarray(0, encoded[0]!.length + 5));
    expect(framer.push(chunk).length).toBe(1);
    expect(framer.buffered).toBe(5);
    chunk.fill(0xee); // the socket layer reuses its buffer
    const rest = framer.push(stream.subarray(encoded[0]!.length + 5));
    expect(rest.map(decode)).toEqual(messages.slice(1));
  });

  it("accepts a Uint8Array that is not a Buffer", () => {
    expect(new Framer().push(new Uint8Array(stream)).length).toBe(messages.length);
  });

  it("rejects a length below 8 with the stream offset of the length field", () => {
    const bad = Buffer.concat([encoded[0]!, Buffer.from("04000004", "hex")]);
    const framer = new Framer();
    expect(() => framer.push(bad)).toThrow(OfpDecodeError);
    expect(() => framer.push(Buffer.alloc(0))).toThrow(
      `stream out of step: message length 4 is below the 8-byte header (at byte ${encoded[0]!.length + 2})`,
    );
  });

  it("rejects a length over the configured limit before waiting for its bytes", () => {
    const framer = new Framer({ maxMessageLength: 1024 });
    let err: unknown;
    try {
      framer.push(Buffer.from("040a0401", "hex"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OfpDecodeError);
    expect((err as OfpDecodeError).message).toBe("stream out of step: message length 1025 is over the 1024-byte limit (at byte 2)");
    expect((err as OfpDecodeError).offset).toBe(2);
  });

  it("counts error offsets across chunks", () => {
    const framer = new Framer();
    framer.push(encoded[0]!);
    framer.push(encoded[1]!.subarray(0, 3));
    framer.push(encoded[1]!.subarray(3));
    expect(() => framer.push(Buffer.from("0400000200000000", "hex"))).toThrow(
      `message length 2 is below the 8-byte header (at byte ${encoded[0]!.length + encoded[1]!.length + 2})`,
    );
  });

  it("counts error offsets across a message completed in place, then more in the same chunk", () => {
    const framer = new Framer();
    framer.push(encoded[0]!);
    framer.push(encoded[1]!.subarray(0, 10)); // length known: held in a buffer of its own size
    const rest = Buffer.concat([encoded[1]!.subarray(10), encoded[2]!, Buffer.from("0400000300000000", "hex")]);
    expect(() => framer.push(rest)).toThrow(
      `message length 3 is below the 8-byte header (at byte ${encoded[0]!.length + encoded[1]!.length + encoded[2]!.length + 2})`,
    );
  });

  it("refuses a bad limit", () => {
    expect(() => new Framer({ maxMessageLength: 4 })).toThrow("maxMessageLength must be an integer from 8 to 65535, got 4");
  });
});
