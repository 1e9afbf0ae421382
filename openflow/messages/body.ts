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

/** The message types whose messages have every field of F: only those may share F's codec. */
type TypesCarrying<F> = { [K in OfpMessageType]: MessageOf<K> extends F ? K : never }[OfpMessageType];

/**
 * For a body layout that several message types share (ECHO_REQUEST and ECHO_REPLY, SET_CONFIG and
 * GET_CONFIG_REPLY...): given how to write and read the body's fields, makes each type's codec.
 * `type` is passed along to name the message in errors.
 */
export function sharedBody<F extends object>(
  write: (w: Writer, m: F, type: string) => void,
  read: (r: Reader, type: string) => F,
): <T extends TypesCarrying<F>>(type: T, code: number) => BodyCodec<T> {
  return <T extends TypesCarrying<F>>(type: T, code: number): BodyCodec<T> => ({
    code,
    write: (w, m) => write(w, m as unknown as F, type),
    read: (r, xid) => ({ type, xid, ...read(r, type) }) as unknown as MessageOf<T>,
  });
}
