// Messages either side may send: HELLO, ERROR, ECHO_REQUEST/REPLY, EXPERIMENTER.
import type { Reader } from "../reader";
import type { Writer } from "../writer";
import type { BodyCodec } from "./body";
import { sharedBody } from "./body";
import { OfpEncodeError } from "../errors";
import { OFPET, OFPHET, OFPT } from "../spec";

export const hello: BodyCodec<"hello"> = {
  code: OFPT.HELLO,
  write(w, m) {
    if (m.versions === undefined) return;
    if (!Array.isArray(m.versions)) throw new OfpEncodeError("hello versions must be an array of version numbers");
    const start = w.pos;
    // One VERSIONBITMAP element: bit n of the bitmap set for each wire version n.
    let max = 0;
    for (const v of m.versions) {
      // Any bit a peer's bitmap may carry (versions past 254 do not exist yet, but decode keeps them).
      if (!Number.isInteger(v) || v < 0 || v >= 65536) throw new OfpEncodeError(`hello version ${v} is not a version number`);
      max = Math.max(max, v);
    }
    const words = new Array<number>(Math.floor(max / 32) + 1).fill(0);
    for (const v of m.versions) words[v >> 5] = (words[v >> 5]! | (1 << (v & 31))) >>> 0;
    w.u16(OFPHET.VERSIONBITMAP, "hello element type");
    w.u16(4 + 4 * words.length, "hello element length");
    for (const word of words) w.u32(word, "version bitmap");
    w.pad8(start);
  },
  read(r, xid, version) {
    const m: { type: "hello"; xid: number; version?: number; versions?: number[] } = { type: "hello", xid };
    if (version !== 4) m.version = version;
    while (r.remaining >= 4) {
      const start = r.pos;
      const type = r.u16("hello element type");
      const len = r.u16("hello element length");
      if (len < 4) r.fail(`hello element length ${len} is below 4`, start + 2);
      r.pos = start;
      const e = r.sub(len, "hello element");
      e.skip(4, "hello element header");
      // Elements are padded to 8 bytes; the padding is not counted in their length.
      r.skip(Math.min(((len + 7) & ~7) - len, r.remaining), "hello element padding");
      if (type !== OFPHET.VERSIONBITMAP) continue; // unknown elements are ignored, as the spec says
      const versions: number[] = m.versions ?? [];
      for (let word = 0; e.remaining >= 4; word++) {
        const bits = e.u32("version bitmap");
        for (let bit = 0; bit < 32; bit++) if (bits & (1 << bit)) versions.push(word * 32 + bit);
      }
      m.versions = versions;
    }
    // Fewer than 4 bytes left cannot be an element: ignored, like unknown elements, so that
    // version negotiation never fails on a peer's oddly padded HELLO.
    r.pos = r.end;
    return m;
  },
};

export const error: BodyCodec<"error"> = {
  code: OFPT.ERROR,
  write(w, m) {
    w.u16(m.errorType, "error errorType");
    w.u16(m.code, "error code");
    if (m.errorType === OFPET.EXPERIMENTER) w.u32(m.experimenter ?? 0, "error experimenter");
    else if (m.experimenter !== undefined) throw new OfpEncodeError("error experimenter is only for errorType OFPET_EXPERIMENTER (0xffff)");
    w.bytes(m.data, "error data");
  },
  read(r, xid) {
    const errorType = r.u16("error type");
    const code = r.u16("error code");
    if (errorType === OFPET.EXPERIMENTER) {
      const experimenter = r.u32("error experimenter");
      return { type: "error", xid, errorType, code, experimenter, data: r.rest() };
    }
    return { type: "error", xid, errorType, code, data: r.rest() };
  },
};

const echo = sharedBody<{ data: Uint8Array }>(
  (w, m, type) => w.bytes(m.data, `${type} data`),
  (r) => ({ data: r.rest() }),
);
export const echoRequest = echo("echo_request", OFPT.ECHO_REQUEST);
export const echoReply = echo("echo_reply", OFPT.ECHO_REPLY);

export const experimenter: BodyCodec<"experimenter"> = {
  code: OFPT.EXPERIMENTER,
  write(w, m) {
    w.u32(m.experimenter, "experimenter");
    w.u32(m.expType, "experimenter expType");
    w.bytes(m.data, "experimenter data");
  },
  read(r, xid) {
    const experimenter = r.u32("experimenter");
    const expType = r.u32("exp_type");
    return { type: "experimenter", xid, experimenter, expType, data: r.rest() };
  },
};
