// OpenFlow 1.3 actions (OpenFlow 1.3.5 §7.2.5): one discriminated union, decode/encode of lists.
//
// What: decodeActions(r) reads action TLVs until `r` ends; encodeActions(list, w) writes them.
//   validateActions(list) applies the argument checks that need no switch state (push ethertypes,
//   set-field type/argument) — port, group and queue existence are the switch's business.
// Design: the union's `type` is the spec's OFPAT_* name in lower case; ACTION_CODES maps it to
//   the wire number. Fixed-size actions must carry exactly their size (OFPBAC_BAD_LEN otherwise,
//   as Open vSwitch does); set-field lives in set-field.ts; experimenter actions stay opaque.
// Invariants: every action is a multiple of 8 bytes; encodeActions(decodeActions(b)) = b when
//   the input's padding bytes are zero.
//
// Action header and the fixed layouts (bytes):
//   0      2     4
//   | type | len | body...                         len % 8 == 0, len >= 8
//   output:      | port u32 | max_len u16 | pad 6 |          len 16
//   group:       | group_id u32 |                             len 8
//   set_queue:   | queue_id u32 |                             len 8
//   set_*_ttl:   | ttl u8 | pad 3 |                           len 8
//   push_*/pop_mpls: | ethertype u16 | pad 2 |                len 8
//   copy_ttl_*/dec_*_ttl/pop_vlan/pop_pbb: | pad 4 |          len 8
//   set_field:   | OXM TLV | pad to 8 |                       len 8+
//   experimenter:| experimenter u32 | data |                  len 8+

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_ACTION, OFPET, OfpError } from "../errors.ts";
import { type Oxm, oxmWireLength } from "../match/match.ts";
import { decodeSetField, encodeSetField, validateSetField } from "./set-field.ts";

export const ACTION_CODES = {
  output: 0,
  copy_ttl_out: 11,
  copy_ttl_in: 12,
  set_mpls_ttl: 15,
  dec_mpls_ttl: 16,
  push_vlan: 17,
  pop_vlan: 18,
  push_mpls: 19,
  pop_mpls: 20,
  set_queue: 21,
  group: 22,
  set_nw_ttl: 23,
  dec_nw_ttl: 24,
  set_field: 25,
  push_pbb: 26,
  pop_pbb: 27,
  experimenter: 0xffff,
} as const;

export type ActionType = keyof typeof ACTION_CODES;

export type NoArgActionType = "copy_ttl_out" | "copy_ttl_in" | "dec_mpls_ttl" | "pop_vlan" | "dec_nw_ttl" | "pop_pbb";
export type EthertypeActionType = "push_vlan" | "push_mpls" | "pop_mpls" | "push_pbb";

export type Action =
  | { type: "output"; port: number; maxLen: number }
  | { type: "group"; groupId: number }
  | { type: "set_queue"; queueId: number }
  | { type: "set_mpls_ttl" | "set_nw_ttl"; ttl: number }
  | { type: EthertypeActionType; ethertype: number }
  | { type: NoArgActionType }
  | { type: "set_field"; field: Oxm }
  | { type: "experimenter"; experimenter: number; data: Uint8Array };

export const ETH_TYPE_VLAN = 0x8100;
export const ETH_TYPE_VLAN_QINQ = 0x88a8;
/** Valid ethertypes for each push action (§7.2.5); pop_mpls takes any (the payload's). */
const PUSH_ETHERTYPES: Record<string, readonly number[]> = {
  push_vlan: [ETH_TYPE_VLAN, ETH_TYPE_VLAN_QINQ],
  push_mpls: [0x8847, 0x8848],
  push_pbb: [0x88e7],
};

const TYPE_BY_CODE = new Map<number, ActionType>(
  Object.entries(ACTION_CODES).map(([name, code]) => [code, name as ActionType]),
);

function actionError(code: number, detail: string): OfpError {
  return new OfpError(OFPET.BAD_ACTION, code, detail);
}

function fixedLength(type: ActionType): number | undefined {
  if (type === "output") return 16;
  if (type === "set_field" || type === "experimenter") return undefined;
  return 8;
}

/** Decodes one action; `r` is positioned at its header. */
export function decodeAction(r: WireReader): Action {
  if (r.remaining < 4) throw actionError(BAD_ACTION.BAD_LEN, `action header needs 4 bytes, ${r.remaining} left`);
  const code = r.u16();
  const len = r.u16();
  if (len < 8 || len % 8 !== 0 || len - 4 > r.remaining) {
    throw actionError(BAD_ACTION.BAD_LEN, `action ${code} length ${len} (${r.remaining + 4} bytes left)`);
  }
  const type = TYPE_BY_CODE.get(code);
  if (type === undefined) {
    r.skip(len - 4);
    throw actionError(BAD_ACTION.BAD_TYPE, `unknown action type ${code}`);
  }
  const fixed = fixedLength(type);
  if (fixed !== undefined && len !== fixed)
    throw actionError(BAD_ACTION.BAD_LEN, `${type} length ${len}, not ${fixed}`);
  const b = r.sub(len - 4, type); // in bounds: checked above
  switch (type) {
    case "output": {
      const port = b.u32();
      const maxLen = b.u16();
      return { type, port, maxLen };
    }
    case "group":
      return { type, groupId: b.u32() };
    case "set_queue":
      return { type, queueId: b.u32() };
    case "set_mpls_ttl":
    case "set_nw_ttl":
      return { type, ttl: b.u8() };
    case "push_vlan":
    case "push_mpls":
    case "pop_mpls":
    case "push_pbb":
      return { type, ethertype: b.u16() };
    case "set_field":
      return { type, field: decodeSetField(b) };
    case "experimenter":
      return { type, experimenter: b.u32(), data: b.bytesOf(b.remaining) };
    default:
      return { type };
  }
}

/** Decodes action TLVs until the end of `r` (a reader over exactly the action list). */
export function decodeActions(r: WireReader): Action[] {
  const out: Action[] = [];
  while (!r.atEnd) out.push(decodeAction(r));
  return out;
}

export function encodeAction(a: Action, w: WireWriter): void {
  const start = w.length;
  w.u16(ACTION_CODES[a.type]).u16(0);
  switch (a.type) {
    case "output":
      w.u32(a.port).u16(a.maxLen).zeros(6);
      break;
    case "group":
      w.u32(a.groupId);
      break;
    case "set_queue":
      w.u32(a.queueId);
      break;
    case "set_mpls_ttl":
    case "set_nw_ttl":
      w.u8(a.ttl).zeros(3);
      break;
    case "push_vlan":
    case "push_mpls":
    case "pop_mpls":
    case "push_pbb":
      w.u16(a.ethertype).zeros(2);
      break;
    case "set_field":
      encodeSetField(a.field, w);
      break;
    case "experimenter":
      w.u32(a.experimenter).bytes(a.data);
      break;
    default:
      w.zeros(4);
  }
  w.padTo(8, start);
  w.u16At(start + 2, w.length - start);
}

export function encodeActions(list: readonly Action[], w: WireWriter): void {
  for (const a of list) encodeAction(a, w);
}

/** Wire size of an action list. */
export function actionsWireLength(list: readonly Action[]): number {
  let n = 0;
  for (const a of list) {
    if (a.type === "set_field") n += (4 + oxmWireLength(a.field) + 7) & ~7;
    else if (a.type === "experimenter") n += (8 + a.data.length + 7) & ~7;
    else n += fixedLength(a.type) ?? 8;
  }
  return n;
}

/**
 * Checks action arguments that need no switch state, throwing the OFPET_BAD_ACTION error:
 * BAD_ARGUMENT for a push with the wrong ethertype, BAD_SET_TYPE / BAD_SET_ARGUMENT for a
 * set-field the spec does not allow (see set-field.ts).
 */
export function validateActions(list: readonly Action[]): void {
  for (const a of list) {
    const allowed = PUSH_ETHERTYPES[a.type];
    if (allowed && "ethertype" in a && !allowed.includes(a.ethertype)) {
      throw actionError(BAD_ACTION.BAD_ARGUMENT, `${a.type} ethertype 0x${a.ethertype.toString(16)}`);
    }
    if (a.type === "set_field") validateSetField(a.field);
  }
}
