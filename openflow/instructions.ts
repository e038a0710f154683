// OpenFlow 1.3 instructions (OpenFlow 1.3.5 §7.2.4): one discriminated union, decode/encode of lists.
//
// What: decodeInstructions(r) reads instruction TLVs until `r` ends; encodeInstructions writes
//   them; validateInstructions applies the checks that need no switch state (a type twice,
//   actions' arguments).
// Design: `type` is the spec's OFPIT_* name in lower case. Fixed-size instructions must carry
//   exactly their size; lengths are OFPET_BAD_INSTRUCTION/BAD_LEN, an unknown type is
//   UNKNOWN_INST; the action lists inside write/apply-actions are decoded by actions.ts, whose
//   errors stay OFPET_BAD_ACTION. Whether a table, meter or metadata mask is supported is
//   the switch's question (BAD_TABLE_ID, UNSUP_METADATA_MASK...), not the codec's.
// Invariants: every instruction is a multiple of 8 bytes; encode(decode(b)) = b for zero padding.
//
//   0      2     4
//   | type | len | body...
//   goto_table:      | table_id u8 | pad 3 |                                   len 8
//   write_metadata:  | pad 4 | metadata u64 | metadata_mask u64 |               len 24
//   write/apply_actions: | pad 4 | actions... |                                len 8+
//   clear_actions:   | pad 4 |                                                 len 8
//   meter:           | meter_id u32 |                                          len 8
//   experimenter:    | experimenter u32 | data |                               len 8+

import { type Action, decodeActions, encodeActions, validateActions } from "./actions/actions.ts";
import type { WireReader } from "./codec/wire-reader.ts";
import type { WireWriter } from "./codec/wire-writer.ts";
import { BAD_INSTRUCTION, OFPET, OfpError } from "./errors.ts";

export const INSTRUCTION_CODES = {
  goto_table: 1,
  write_metadata: 2,
  write_actions: 3,
  apply_actions: 4,
  clear_actions: 5,
  meter: 6,
  experimenter: 0xffff,
} as const;

export type InstructionType = keyof typeof INSTRUCTION_CODES;

export type Instruction =
  | { type: "goto_table"; tableId: number }
  | { type: "write_metadata"; metadata: bigint; mask: bigint }
  | { type: "write_actions" | "apply_actions"; actions: Action[] }
  | { type: "clear_actions" }
  | { type: "meter"; meterId: number }
  | { type: "experimenter"; experimenter: number; data: Uint8Array };

const TYPE_BY_CODE = new Map<number, InstructionType>(
  Object.entries(INSTRUCTION_CODES).map(([name, code]) => [code, name as InstructionType]),
);

const FIXED_LENGTH: Partial<Record<InstructionType, number>> = {
  goto_table: 8,
  write_metadata: 24,
  clear_actions: 8,
  meter: 8,
};

function instructionError(code: number, detail: string): OfpError {
  return new OfpError(OFPET.BAD_INSTRUCTION, code, detail);
}

export function decodeInstruction(r: WireReader): Instruction {
  if (r.remaining < 4) {
    throw instructionError(BAD_INSTRUCTION.BAD_LEN, `instruction header needs 4 bytes, ${r.remaining} left`);
  }
  const code = r.u16();
  const len = r.u16();
  if (len < 8 || len % 8 !== 0 || len - 4 > r.remaining) {
    throw instructionError(BAD_INSTRUCTION.BAD_LEN, `instruction ${code} length ${len} (${r.remaining + 4} left)`);
  }
  const type = TYPE_BY_CODE.get(code);
  if (type === undefined) throw instructionError(BAD_INSTRUCTION.UNKNOWN_INST, `unknown instruction type ${code}`);
  const fixed = FIXED_LENGTH[type];
  if (fixed !== undefined && len !== fixed) {
    throw instructionError(BAD_INSTRUCTION.BAD_LEN, `${type} length ${len}, not ${fixed}`);
  }
  const b = r.sub(len - 4, type); // in bounds: checked above
  switch (type) {
    case "goto_table":
      return { type, tableId: b.u8() };
    case "write_metadata":
      b.skip(4);
      return { type, metadata: b.u64(), mask: b.u64() };
    case "write_actions":
    case "apply_actions":
      b.skip(4);
      return { type, actions: decodeActions(b) };
    case "clear_actions":
      return { type };
    case "meter":
      return { type, meterId: b.u32() };
    case "experimenter":
      return { type, experimenter: b.u32(), data: b.bytesOf(b.remaining) };
  }
}

/** Decodes instruction TLVs until the end of `r`. */
export function decodeInstructions(r: WireReader): Instruction[] {
  const out: Instruction[] = [];
  while (!r.atEnd) out.push(decodeInstruction(r));
  return out;
}

export function encodeInstruction(ins: Instruction, w: WireWriter): void {
  const start = w.length;
  w.u16(INSTRUCTION_CODES[ins.type]).u16(0);
  switch (ins.type) {
    case "goto_table":
      w.u8(ins.tableId).zeros(3);
      break;
    case "write_metadata":
      w.zeros(4).u64(ins.metadata).u64(ins.mask);
      break;
    case "write_actions":
    case "apply_actions":
      w.zeros(4);
      encodeActions(ins.actions, w);
      break;
    case "clear_actions":
      w.zeros(4);
      break;
    case "meter":
      w.u32(ins.meterId);
      break;
    case "experimenter":
      w.u32(ins.experimenter).bytes(ins.data);
      break;
  }
  w.padTo(8, start);
  w.u16At(start + 2, w.length - start);
}

export function encodeInstructions(list: readonly Instruction[], w: WireWriter): void {
  for (const ins of list) encodeInstruction(ins, w);
}

/**
 * Checks that need no switch state: each instruction type at most once (§7.2.4; 1.3 has no
 * "duplicate instruction" code — OFPBIC_DUP_INST arrived in 1.4 — so a repeat is answered with
 * OFPBIC_UNSUP_INST), and the actions' own arguments (validateActions, OFPET_BAD_ACTION).
 */
export function validateInstructions(list: readonly Instruction[]): void {
  const seen = new Set<InstructionType>();
  for (const ins of list) {
    if (seen.has(ins.type)) throw instructionError(BAD_INSTRUCTION.UNSUP_INST, `${ins.type} appears twice`);
    seen.add(ins.type);
    if (ins.type === "write_actions" || ins.type === "apply_actions") validateActions(ins.actions);
  }
}
