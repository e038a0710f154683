// OFPT_FLOW_MOD (OpenFlow 1.3.5 §7.3.4.1): add, modify or delete flow entries.
//
// What: FLOW_MOD_CODEC decodes and encodes the body; the message is plain data with the match
//   (match/match.ts) and instructions (instructions.ts) decoded.
// Design: the codec rejects only malformed bytes (lengths, a non-OXM match, an unknown
//   instruction or action type). Command, table, timeouts, flags, buffer and the semantic match
//   and action checks (validateMatch, validateInstructions) are the switch's: it answers
//   FLOW_MOD_FAILED/BAD_COMMAND and friends. Unknown flag bits are kept as they are.
// Invariants: encode(decode(b)) = b for zero pads; the match is followed directly by the
//   instructions, which run to the end of the message.
//
//   0 (after the 8-byte header)
//   0  cookie u64 | 8  cookie_mask u64 | 16 table_id u8 | 17 command u8 | 18 idle_timeout u16
//   20 hard_timeout u16 | 22 priority u16 | 24 buffer_id u32 | 28 out_port u32
//   32 out_group u32 | 36 flags u16 | 38 pad[2] | 40 ofp_match (padded) | instructions...

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { decodeInstructions, encodeInstructions, type Instruction } from "../instructions.ts";
import { decodeMatch, encodeMatch, type Match } from "../match/match.ts";
import type { MessageCodec } from "../message.ts";

export const OFPFC = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;

export const OFPFF = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
} as const;

/** Default priority (OFP_DEFAULT_PRIORITY) and the "no timeout" value. */
export const OFP_DEFAULT_PRIORITY = 0x8000;
export const OFP_FLOW_PERMANENT = 0;

export interface FlowModMessage {
  kind: "flow-mod";
  xid: number;
  cookie: bigint;
  cookieMask: bigint;
  tableId: number;
  command: number;
  idleTimeout: number;
  hardTimeout: number;
  priority: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: number;
  match: Match;
  instructions: Instruction[];
}

function decodeFlowMod(r: WireReader, h: { xid: number }): FlowModMessage {
  const cookie = r.u64("cookie");
  const cookieMask = r.u64("cookie_mask");
  const tableId = r.u8("table_id");
  const command = r.u8("command");
  const idleTimeout = r.u16("idle_timeout");
  const hardTimeout = r.u16("hard_timeout");
  const priority = r.u16("priority");
  const bufferId = r.u32("buffer_id");
  const outPort = r.u32("out_port");
  const outGroup = r.u32("out_group");
  const flags = r.u16("flags");
  r.skip(2);
  const match = decodeMatch(r);
  const instructions = decodeInstructions(r);
  return {
    kind: "flow-mod",
    xid: h.xid,
    cookie,
    cookieMask,
    tableId,
    command,
    idleTimeout,
    hardTimeout,
    priority,
    bufferId,
    outPort,
    outGroup,
    flags,
    match,
    instructions,
  };
}

function encodeFlowMod(m: FlowModMessage, w: WireWriter): void {
  w.u64(m.cookie).u64(m.cookieMask).u8(m.tableId).u8(m.command);
  w.u16(m.idleTimeout).u16(m.hardTimeout).u16(m.priority);
  w.u32(m.bufferId).u32(m.outPort).u32(m.outGroup).u16(m.flags).zeros(2);
  encodeMatch(m.match, w);
  encodeInstructions(m.instructions, w);
}

export const FLOW_MOD_CODEC: MessageCodec<FlowModMessage> = {
  type: OFPT.FLOW_MOD,
  kind: "flow-mod",
  decode: decodeFlowMod,
  encode: encodeFlowMod,
};
