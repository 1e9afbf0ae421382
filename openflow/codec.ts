// encode and decode: the 8-byte header (version, type, length, xid) here, the body in the family
// modules under messages/. One scratch Writer is reused for every encode, and decode reads the
// caller's bytes in place (data fields are views into them, not copies).
import type { OfpMessage, OfpMessageType } from "./types";
import type { BodyCodec, BodyCodecs } from "./messages/body";
import { OfpDecodeError, OfpEncodeError } from "./errors";
import { Reader } from "./reader";
import { Writer } from "./writer";
import { OFP_HEADER_LEN, OFP_VERSION, OFPT } from "./spec";
import { matchPrerequisiteProblems } from "./oxm";
import * as sym from "./messages/symmetric";
import * as sw from "./messages/switch";
import { multipartReply, multipartRequest } from "./messages/multipart";

const CODECS: BodyCodecs = {
  hello: sym.hello,
  error: sym.error,
  echo_request: sym.echoRequest,
  echo_reply: sym.echoReply,
  experimenter: sym.experimenter,
  features_request: sw.featuresRequest,
  features_reply: sw.featuresReply,
  get_config_request: sw.getConfigRequest,
  get_config_reply: sw.getConfigReply,
  set_config: sw.setConfig,
  packet_in: sw.packetIn,
  flow_removed: sw.flowRemoved,
  port_status: sw.portStatus,
  packet_out: sw.packetOut,
  flow_mod: sw.flowMod,
  group_mod: sw.groupMod,
  port_mod: sw.portMod,
  table_mod: sw.tableMod,
  multipart_request: multipartRequest,
  multipart_reply: multipartReply,
  barrier_request: sw.barrierRequest,
  barrier_reply: sw.barrierReply,
  queue_get_config_request: sw.queueGetConfigRequest,
  queue_get_config_reply: sw.queueGetConfigReply,
  role_request: sw.roleRequest,
  role_reply: sw.roleReply,
  get_async_request: sw.getAsyncRequest,
  get_async_reply: sw.getAsyncReply,
  set_async: sw.setAsync,
  meter_mod: sw.meterMod,
};

type AnyCodec = BodyCodec<OfpMessageType>;
const CODEC_BY_NAME = new Map<string, AnyCodec>(Object.entries(CODECS) as [string, AnyCodec][]);
const BY_CODE: (AnyCodec | undefined)[] = [];
const NAME_BY_CODE: string[] = [];
for (const [name, c] of Object.entries(CODECS) as [OfpMessageType, AnyCodec][]) {
  if (BY_CODE[c.code] !== undefined) throw new Error(`openflow/codec: two messages use type ${c.code}`);
  BY_CODE[c.code] = c;
  NAME_BY_CODE[c.code] = name;
}
// Every OFPT_ code has a codec: checked once, when the module loads.
for (const [name, code] of Object.entries(OFPT)) {
  if (BY_CODE[code] === undefined) throw new Error(`openflow/codec: no codec for OFPT_${name}`);
}

/** The message type name of a wire type code ("flow_mod" for 14), or undefined. */
export function messageTypeName(code: number): OfpMessageType | undefined {
  return NAME_BY_CODE[code] as OfpMessageType | undefined;
}

const scratch = new Writer();

/**
 * Encodes one message. Throws OfpEncodeError when a value does not fit. The Buffer returned is
 * the message's own (a view into a slab the codec never writes again).
 */
export function encode(msg: OfpMessage, options?: EncodeOptions): Buffer {
  if (options?.checkPrerequisites) checkPrerequisites(msg);
  const w = scratch;
  w.begin();
  try {
    writeMessage(w, msg);
  } catch (err) {
    w.abort();
    if (err instanceof OfpEncodeError) throw err;
    // A missing or mistyped member (e.g. a list that is undefined): still the codec's error.
    const type = typeof msg === "object" && msg !== null ? String(msg.type) : "message";
    throw new OfpEncodeError(`cannot encode ${type}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return w.take();
}

/** Encodes several messages into one Buffer (one socket write for a batch). */
export function encodeAll(msgs: readonly OfpMessage[], options?: EncodeOptions): Buffer {
  if (msgs.length === 1) return encode(msgs[0]!, options);
  return Buffer.concat(msgs.map((m) => encode(m, options)));
}

export interface EncodeOptions {
  /**
   * Refuse a FLOW_MOD (or flow/aggregate stats request) whose match breaks the spec's
   * prerequisites (matchPrerequisiteProblems), instead of letting the switch answer BAD_PREREQ.
   */
  checkPrerequisites?: boolean;
}

function checkPrerequisites(msg: OfpMessage): void {
  const match =
    msg.type === "flow_mod" ? msg.match
    : msg.type === "multipart_request" && (msg.kind === "flow" || msg.kind === "aggregate") ? msg.match
    : undefined;
  if (match === undefined) return;
  const problems = matchPrerequisiteProblems(match);
  if (problems.length) throw new OfpEncodeError(`${msg.type} match breaks OpenFlow prerequisites: ${problems.join("; ")}`);
}

function writeMessage(w: Writer, msg: OfpMessage): void {
  if (typeof msg !== "object" || msg === null) throw new OfpEncodeError("message must be an object");
  const codec = CODEC_BY_NAME.get(msg.type);
  if (codec === undefined) throw new OfpEncodeError(`unknown message type "${String(msg.type)}"`);
  const start = w.pos;
  const version = msg.type === "hello" && msg.version !== undefined ? msg.version : OFP_VERSION;
  w.u8(version, "hello version");
  w.u8(codec.code, "type");
  w.u16(0, "length");
  w.u32(msg.xid, "xid");
  codec.write(w, msg as never);
  w.patchLen16(start + 2, start, "message");
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The header of a message, without decoding its body. */
export interface OfpHeader {
  version: number;
  type: number;
  length: number;
  xid: number;
}

/** Reads the 8-byte header at the start of `bytes`. */
export function decodeHeader(bytes: Uint8Array): OfpHeader {
  if (!(bytes instanceof Uint8Array)) throw new OfpDecodeError("input is not a Uint8Array", 0);
  if (bytes.length < OFP_HEADER_LEN) throw new OfpDecodeError(`message of ${bytes.length} bytes is shorter than the 8-byte header`, 0);
  const b = asBuffer(bytes);
  return { version: b[0]!, type: b[1]!, length: (b[2]! << 8) | b[3]!, xid: b.readUInt32BE(4) };
}

/**
 * Decodes exactly one whole message. Bad bytes throw OfpDecodeError (with the byte offset of the
 * problem) and nothing else. Byte fields of the result (data, raw TLVs) are views into `bytes`.
 */
export function decode(bytes: Uint8Array): OfpMessage {
  const h = decodeHeader(bytes);
  const b = asBuffer(bytes);
  if (h.length < OFP_HEADER_LEN) throw new OfpDecodeError(`header length ${h.length} is below 8`, 2);
  if (h.length !== b.length) {
    throw new OfpDecodeError(`header length ${h.length} does not match the ${b.length} bytes given`, 2);
  }
  // Version negotiation: a HELLO (and the ERROR refusing one) may come in any version.
  if (h.version !== OFP_VERSION && h.type !== OFPT.HELLO && h.type !== OFPT.ERROR) {
    throw new OfpDecodeError(`unsupported OpenFlow version ${h.version} (this codec speaks 4, OpenFlow 1.3)`, 0);
  }
  const codec = BY_CODE[h.type];
  if (codec === undefined) throw new OfpDecodeError(`unknown message type ${h.type}`, 1);
  const r = new Reader(b, OFP_HEADER_LEN, h.length, 0);
  try {
    const msg = codec.read(r, h.xid, h.version);
    if (r.pos !== r.end) r.fail(`${r.end - r.pos} unexpected trailing byte(s) in ${NAME_BY_CODE[h.type]}`);
    return msg;
  } catch (err) {
    if (err instanceof OfpDecodeError) throw err;
    throw new OfpDecodeError(`cannot decode ${NAME_BY_CODE[h.type]}: ${err instanceof Error ? err.message : String(err)}`, r.offset);
  }
}
