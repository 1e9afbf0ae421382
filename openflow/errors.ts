// The codec's own errors. Decoding bad bytes throws OfpDecodeError and nothing else; encoding a
// message whose values do not fit the wire throws OfpEncodeError.

/** Bytes that are not a valid OpenFlow 1.3 message. `offset` is the byte, from the start of the
 *  message (or of the chunk, for the framer), where the problem was found. */
export class OfpDecodeError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = "OfpDecodeError";
    this.offset = offset;
  }
}

/** A message that cannot be put on the wire: a value out of range, an unknown name, a body too long. */
export class OfpEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OfpEncodeError";
  }
}

/** Flow text (ovs-ofctl syntax) that cannot be parsed. `token` is the part that was refused. */
export class FlowSyntaxError extends Error {
  readonly token: string;
  constructor(message: string, token: string) {
    super(message);
    this.name = "FlowSyntaxError";
    this.token = token;
  }
}
