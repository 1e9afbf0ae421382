// Actions (ofp_action_*) and the Nicira actions Open vSwitch controllers rely on. Each action is a
// TLV: type, length (a multiple of 8, padding included), body. Each is read through a reader
// bounded to its declared length.
import type { Action, MatchFieldName } from "./types";
import type { Reader } from "./reader";
import type { Writer } from "./writer";
import { OfpEncodeError } from "./errors";
import { NX_EXPERIMENTER_ID, NXAST, OFPAT, OFPCML_NO_BUFFER, OFPP } from "./spec";
import { OXM_FIELD_MAP, fieldOfNxHeader, readOxm, writeOxm } from "./oxm";
import { expectTlvLength, readTlv } from "./tlv";

/** Actions whose whole body is 4 bytes of padding, by type. */
const BARE: Record<number, Action["type"]> = {
  [OFPAT.COPY_TTL_OUT]: "copy_ttl_out",
  [OFPAT.COPY_TTL_IN]: "copy_ttl_in",
  [OFPAT.DEC_MPLS_TTL]: "dec_mpls_ttl",
  [OFPAT.POP_VLAN]: "pop_vlan",
  [OFPAT.DEC_NW_TTL]: "dec_nw_ttl",
  [OFPAT.POP_PBB]: "pop_pbb",
};
/** Actions carrying one ethertype, by type. */
const ETHERTYPE: Record<number, "push_vlan" | "push_mpls" | "pop_mpls" | "push_pbb"> = {
  [OFPAT.PUSH_VLAN]: "push_vlan",
  [OFPAT.PUSH_MPLS]: "push_mpls",
  [OFPAT.POP_MPLS]: "pop_mpls",
  [OFPAT.PUSH_PBB]: "push_pbb",
};

/** Wire codes of the actions written from a table (bare and ethertype ones). */
const ACTION_CODE: Partial<Record<Action["type"], number>> = {};
for (const [code, name] of Object.entries(BARE)) ACTION_CODE[name] = Number(code);
for (const [code, name] of Object.entries(ETHERTYPE)) ACTION_CODE[name] = Number(code);

/** The max_len an output action has when none is given. */
export function defaultMaxLen(port: number): number {
  return port === OFPP.CONTROLLER ? OFPCML_NO_BUFFER : 0;
}

// OpenFlow 1.0 reserved ports are 16-bit (0xff00..0xffff); Nicira actions still carry them so.
function port16to32(p: number): number {
  return p >= 0xff00 ? (0xffff0000 + p) >>> 0 : p;
}
function port32to16(p: number, what: string): number {
  if (p >= 0xffffff00) return p - 0xffff0000;
  if (p < 0xff00 && p >= 0) return p;
  throw new OfpEncodeError(`${what} ${p} does not fit the 16-bit port of a Nicira action`);
}

export function writeActions(w: Writer, actions: readonly Action[]): void {
  if (!Array.isArray(actions)) throw new OfpEncodeError("actions must be an array");
  for (let i = 0; i < actions.length; i++) writeAction(w, actions[i]!);
}

export function writeAction(w: Writer, a: Action): void {
  const start = w.pos;
  switch (a.type) {
    case "output":
      w.u16(OFPAT.OUTPUT, "action type");
      w.u16(16, "action length");
      w.u32(a.port, "output port");
      w.u16(a.maxLen ?? defaultMaxLen(a.port), "output maxLen");
      w.zeros(6);
      return;
    case "copy_ttl_out":
    case "copy_ttl_in":
    case "dec_mpls_ttl":
    case "pop_vlan":
    case "dec_nw_ttl":
    case "pop_pbb":
      w.u16(ACTION_CODE[a.type]!, "action type");
      w.u16(8, "action length");
      w.zeros(4);
      return;
    case "set_mpls_ttl":
    case "set_nw_ttl":
      w.u16(a.type === "set_mpls_ttl" ? OFPAT.SET_MPLS_TTL : OFPAT.SET_NW_TTL, "action type");
      w.u16(8, "action length");
      w.u8(a.ttl, "action ttl");
      w.zeros(3);
      return;
    case "push_vlan":
    case "push_mpls":
    case "pop_mpls":
    case "push_pbb":
      w.u16(ACTION_CODE[a.type]!, "action type");
      w.u16(8, "action length");
      w.u16(a.ethertype, "action ethertype");
      w.zeros(2);
      return;
    case "set_queue":
      w.u16(OFPAT.SET_QUEUE, "action type");
      w.u16(8, "action length");
      w.u32(a.queueId, "set_queue queueId");
      return;
    case "group":
      w.u16(OFPAT.GROUP, "action type");
      w.u16(8, "action length");
      w.u32(a.groupId, "group groupId");
      return;
    case "set_field": {
      const f = OXM_FIELD_MAP.get(a.field);
      if (f === undefined) throw new OfpEncodeError(`set_field: unknown field "${String(a.field)}"`);
      // OpenFlow 1.3 (7.2.5): a SET_FIELD's OXM must not have oxm_hasmask set; decode refuses one.
      if (typeof a.value === "object" && a.value !== null) throw new OfpEncodeError(`set_field of ${f.name} cannot carry a mask in OpenFlow 1.3`);
      w.u16(OFPAT.SET_FIELD, "action type");
      w.u16(0, "action length");
      writeOxm(w, f, a.value);
      w.pad8(start);
      w.patchLen16(start + 2, start, "set_field action");
      return;
    }
    case "set_field_raw": {
      const t = a.oxm;
      if (!(t instanceof Uint8Array) || t.length < 4 || t[3]! !== t.length - 4) {
        throw new OfpEncodeError("set_field_raw.oxm must be one whole OXM TLV (4-byte header, then as many bytes as its length says)");
      }
      w.u16(OFPAT.SET_FIELD, "action type");
      w.u16(0, "action length");
      w.bytes(t, "set_field_raw oxm");
      w.pad8(start);
      w.patchLen16(start + 2, start, "set_field action");
      return;
    }
    case "nx_resubmit_table":
      w.u16(OFPAT.EXPERIMENTER, "action type");
      w.u16(16, "action length");
      w.u32(NX_EXPERIMENTER_ID, "experimenter");
      w.u16(NXAST.RESUBMIT_TABLE, "nicira subtype");
      w.u16(port32to16(a.inPort, "nx_resubmit_table inPort"), "nx_resubmit_table inPort");
      w.u8(a.tableId, "nx_resubmit_table tableId");
      w.zeros(3);
      return;
    case "nx_reg_move": {
      const src = OXM_FIELD_MAP.get(a.src);
      const dst = OXM_FIELD_MAP.get(a.dst);
      if (src === undefined) throw new OfpEncodeError(`nx_reg_move: unknown src field "${String(a.src)}"`);
      if (dst === undefined) throw new OfpEncodeError(`nx_reg_move: unknown dst field "${String(a.dst)}"`);
      if (a.srcOfs + a.nBits > src.bytes * 8) throw new OfpEncodeError(`nx_reg_move: bits ${a.srcOfs}..${a.srcOfs + a.nBits - 1} are outside ${src.name} (${src.bytes * 8} bits)`);
      if (a.dstOfs + a.nBits > dst.bytes * 8) throw new OfpEncodeError(`nx_reg_move: bits ${a.dstOfs}..${a.dstOfs + a.nBits - 1} are outside ${dst.name} (${dst.bytes * 8} bits)`);
      w.u16(OFPAT.EXPERIMENTER, "action type");
      w.u16(24, "action length");
      w.u32(NX_EXPERIMENTER_ID, "experimenter");
      w.u16(NXAST.REG_MOVE, "nicira subtype");
      w.u16(a.nBits, "nx_reg_move nBits");
      w.u16(a.srcOfs, "nx_reg_move srcOfs");
      w.u16(a.dstOfs, "nx_reg_move dstOfs");
      w.u32(src.nxHeader, "nx_reg_move src");
      w.u32(dst.nxHeader, "nx_reg_move dst");
      return;
    }
    case "nx_reg_load": {
      const dst = OXM_FIELD_MAP.get(a.dst);
      if (dst === undefined) throw new OfpEncodeError(`nx_reg_load: unknown dst field "${String(a.dst)}"`);
      const width = dst.bytes * 8;
      if (!Number.isInteger(a.nBits) || a.nBits < 1 || a.nBits > 64 || !Number.isInteger(a.ofs) || a.ofs < 0 || a.ofs + a.nBits > width) {
        throw new OfpEncodeError(`nx_reg_load: bits ${a.ofs}..${a.ofs + a.nBits - 1} are outside ${dst.name} (${width} bits)`);
      }
      if (typeof a.value !== "bigint" || a.value < 0n || a.value >> BigInt(a.nBits) !== 0n) {
        throw new OfpEncodeError(`nx_reg_load: value ${String(a.value)} does not fit in ${a.nBits} bits`);
      }
      w.u16(OFPAT.EXPERIMENTER, "action type");
      w.u16(24, "action length");
      w.u32(NX_EXPERIMENTER_ID, "experimenter");
      w.u16(NXAST.REG_LOAD, "nicira subtype");
      w.u16((a.ofs << 6) | (a.nBits - 1), "nx_reg_load ofs_nbits");
      w.u32(dst.nxHeader, "nx_reg_load dst");
      w.u64(a.value, "nx_reg_load value");
      return;
    }
    case "experimenter":
      w.u16(OFPAT.EXPERIMENTER, "action type");
      w.u16(0, "action length");
      w.u32(a.experimenter, "experimenter");
      w.bytes(a.data, "experimenter action data");
      w.pad8(start);
      w.patchLen16(start + 2, start, "experimenter action");
      return;
    default:
      throw new OfpEncodeError(`unknown action type "${(a as { type: unknown }).type}"`);
  }
}

/** Reads actions until the reader's end. */
export function readActions(r: Reader): Action[] {
  const out: Action[] = [];
  while (r.pos < r.end) out.push(readAction(r));
  return out;
}

export function readAction(outer: Reader): Action {
  const t = readTlv(outer, "action");
  const { type, start, body: r } = t;
  switch (type) {
    case OFPAT.OUTPUT: {
      expectTlvLength(t, 16, "output action");
      const port = r.u32("output port");
      const maxLen = r.u16("output max_len");
      return maxLen === defaultMaxLen(port) ? { type: "output", port } : { type: "output", port, maxLen };
    }
    case OFPAT.SET_MPLS_TTL:
    case OFPAT.SET_NW_TTL: {
      expectTlvLength(t, 8, "action");
      const ttl = r.u8("ttl");
      return { type: type === OFPAT.SET_MPLS_TTL ? "set_mpls_ttl" : "set_nw_ttl", ttl };
    }
    case OFPAT.SET_QUEUE:
      expectTlvLength(t, 8, "action");
      return { type: "set_queue", queueId: r.u32("queue_id") };
    case OFPAT.GROUP:
      expectTlvLength(t, 8, "action");
      return { type: "group", groupId: r.u32("group_id") };
    case OFPAT.SET_FIELD: {
      const tlv = readOxm(r);
      if (tlv.field === undefined) {
        // A set_field of a field the codec does not know (an experimenter OXM): keep its TLV.
        return { type: "set_field_raw", oxm: tlv.raw };
      }
      if (typeof tlv.value === "object" && tlv.value !== null && typeof tlv.value !== "bigint") {
        r.fail(`set_field of ${tlv.field.name} carries a mask`, start + 4);
      }
      for (let p = r.pos; p < r.end; p++) if (r.buf[p] !== 0) r.fail("set_field padding is not zero", p);
      return { type: "set_field", field: tlv.field.name, value: tlv.value } as Action;
    }
    case OFPAT.EXPERIMENTER:
      return readExperimenterAction(r, start);
    default: {
      const bare = BARE[type];
      if (bare !== undefined) {
        expectTlvLength(t, 8, "action");
        return { type: bare } as Action;
      }
      const eth = ETHERTYPE[type];
      if (eth !== undefined) {
        expectTlvLength(t, 8, "action");
        return { type: eth, ethertype: r.u16("ethertype") };
      }
      return r.fail(`unknown action type ${type}`, start);
    }
  }
}

function readExperimenterAction(r: Reader, start: number): Action {
  const experimenter = r.u32("experimenter");
  if (experimenter === NX_EXPERIMENTER_ID && r.remaining >= 2) {
    const bodyStart = r.pos;
    const subtype = r.u16("nicira subtype");
    if (subtype === NXAST.RESUBMIT_TABLE && r.end - start === 16) {
      const inPort = port16to32(r.u16("in_port"));
      const tableId = r.u8("table");
      if (r.buf[r.pos] === 0 && r.buf[r.pos + 1] === 0 && r.buf[r.pos + 2] === 0) {
        return { type: "nx_resubmit_table", inPort, tableId };
      }
    } else if (subtype === NXAST.REG_MOVE && r.end - start === 24) {
      const nBits = r.u16("n_bits");
      const srcOfs = r.u16("src_ofs");
      const dstOfs = r.u16("dst_ofs");
      const srcHdr = r.u32("src");
      const dstHdr = r.u32("dst");
      const src = fieldOfNxHeader(srcHdr);
      const dst = fieldOfNxHeader(dstHdr);
      // Typed only when re-encoding gives these exact bytes (known fields, the headers the codec
      // writes) and the bit ranges lie inside the fields; anything else stays raw bytes.
      if (src && dst && srcOfs + nBits <= src.bytes * 8 && dstOfs + nBits <= dst.bytes * 8) {
        return { type: "nx_reg_move", nBits, srcOfs, dstOfs, src: src.name as MatchFieldName, dst: dst.name as MatchFieldName };
      }
    } else if (subtype === NXAST.REG_LOAD && r.end - start === 24) {
      const ofsNbits = r.u16("ofs_nbits");
      const dst = fieldOfNxHeader(r.u32("dst"));
      const value = r.u64("value");
      const ofs = ofsNbits >> 6;
      const nBits = (ofsNbits & 0x3f) + 1;
      if (dst && ofs + nBits <= dst.bytes * 8 && value >> BigInt(nBits) === 0n) {
        return { type: "nx_reg_load", ofs, nBits, dst: dst.name as MatchFieldName, value };
      }
    }
    r.pos = bodyStart;
  }
  return { type: "experimenter", experimenter, data: r.rest() };
}
