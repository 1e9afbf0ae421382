// Instructions (ofp_instruction_*): TLVs of type, length, body, each read through a reader bounded
// to its declared length.
import type { Instruction } from "./types";
import type { Reader } from "./reader";
import type { Writer } from "./writer";
import { OfpEncodeError } from "./errors";
import { OFPIT } from "./spec";
import { readActions, writeActions } from "./actions";
import { expectTlvLength, readTlv } from "./tlv";

export function writeInstructions(w: Writer, instructions: readonly Instruction[]): void {
  if (!Array.isArray(instructions)) throw new OfpEncodeError("instructions must be an array");
  for (let i = 0; i < instructions.length; i++) writeInstruction(w, instructions[i]!);
}

export function writeInstruction(w: Writer, ins: Instruction): void {
  const start = w.pos;
  switch (ins.type) {
    case "goto_table":
      w.u16(OFPIT.GOTO_TABLE, "instruction type");
      w.u16(8, "instruction length");
      w.u8(ins.tableId, "goto_table tableId");
      w.zeros(3);
      return;
    case "write_metadata":
      w.u16(OFPIT.WRITE_METADATA, "instruction type");
      w.u16(24, "instruction length");
      w.zeros(4);
      w.u64(ins.metadata, "write_metadata metadata");
      w.u64(ins.mask, "write_metadata mask");
      return;
    case "write_actions":
    case "apply_actions":
      w.u16(ins.type === "write_actions" ? OFPIT.WRITE_ACTIONS : OFPIT.APPLY_ACTIONS, "instruction type");
      w.u16(0, "instruction length");
      w.zeros(4);
      writeActions(w, ins.actions);
      w.patchLen16(start + 2, start, "actions instruction");
      return;
    case "clear_actions":
      w.u16(OFPIT.CLEAR_ACTIONS, "instruction type");
      w.u16(8, "instruction length");
      w.zeros(4);
      return;
    case "meter":
      w.u16(OFPIT.METER, "instruction type");
      w.u16(8, "instruction length");
      w.u32(ins.meterId, "meter meterId");
      return;
    case "experimenter":
      w.u16(OFPIT.EXPERIMENTER, "instruction type");
      w.u16(0, "instruction length");
      w.u32(ins.experimenter, "experimenter");
      w.bytes(ins.data, "experimenter instruction data");
      w.pad8(start);
      w.patchLen16(start + 2, start, "experimenter instruction");
      return;
    default:
      throw new OfpEncodeError(`unknown instruction type "${(ins as { type: unknown }).type}"`);
  }
}

export function readInstructions(r: Reader): Instruction[] {
  const out: Instruction[] = [];
  while (r.pos < r.end) out.push(readInstruction(r));
  return out;
}

export function readInstruction(outer: Reader): Instruction {
  const t = readTlv(outer, "instruction");
  const r = t.body;
  switch (t.type) {
    case OFPIT.GOTO_TABLE:
      expectTlvLength(t, 8, "instruction");
      return { type: "goto_table", tableId: r.u8("table_id") };
    case OFPIT.WRITE_METADATA: {
      expectTlvLength(t, 24, "instruction");
      r.skip(4, "pad");
      const metadata = r.u64("metadata");
      return { type: "write_metadata", metadata, mask: r.u64("metadata_mask") };
    }
    case OFPIT.WRITE_ACTIONS:
    case OFPIT.APPLY_ACTIONS:
      r.skip(4, "pad");
      return { type: t.type === OFPIT.WRITE_ACTIONS ? "write_actions" : "apply_actions", actions: readActions(r) };
    case OFPIT.CLEAR_ACTIONS:
      expectTlvLength(t, 8, "instruction");
      return { type: "clear_actions" };
    case OFPIT.METER:
      expectTlvLength(t, 8, "instruction");
      return { type: "meter", meterId: r.u32("meter_id") };
    case OFPIT.EXPERIMENTER: {
      const experimenter = r.u32("experimenter");
      return { type: "experimenter", experimenter, data: r.rest() };
    }
    default:
      return r.fail(`unknown instruction type ${t.type}`, t.start);
  }
}
