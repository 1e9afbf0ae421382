// How a message family plugs into the codec: a wire type code, a body writer and a body reader.
// The header (version, type, length, xid) is written and read by codec.ts alone.
import type { MessageOf, OfpMessageType } from "../types";
import type { Reader } from "../reader";
import type { Writer } from "../writer";

export interface BodyCodec<T extends OfpMessageType> {
  code: number;
  /** Writes everything after the 8-byte header. */
  write(w: Writer, m: MessageOf<T>): void;
  /** Reads everything after the header; r is bounded to the message's declared length. */
  read(r: Reader, xid: number, version: number): MessageOf<T>;
}

export type BodyCodecs = { [T in OfpMessageType]: BodyCodec<T> };
