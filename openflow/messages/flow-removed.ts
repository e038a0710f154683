// OFPT_FLOW_REMOVED (OpenFlow 1.3.5 §7.4.2): a flow entry left its table.
//
// What: FLOW_REMOVED_CODEC decodes and encodes the body.
// Design: reason stays a number (OFPRR names below); counts are u64 bigints.
// Invariants: encode(decode(b)) = b for zero pads; nothing follows the match (trailing bytes
//   are BAD_REQUEST/BAD_LEN).
//
//   0 (after the 8-byte header)
//   0 cookie u64 | 8 priority u16 | 10 reason u8 | 11 table_id u8 | 12 duration_sec u32
//   16 duration_nsec u32 | 20 idle_timeout u16 | 22 hard_timeout u16 | 24 packet_count u64
//   32 byte_count u64 | 40 ofp_match (padded)

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { decodeMatch, encodeMatch, type Match } from "../match/match.ts";
import type { MessageCodec } from "../message.ts";

export const OFPRR = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3 } as const;

export interface FlowRemovedMessage {
  kind: "flow-removed";
  xid: number;
  cookie: bigint;
  priority: number;
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}

function decodeFlowRemoved(r: WireReader, h: { xid: number }): FlowRemovedMessage {
  const cookie = r.u64("cookie");
  const priority = r.u16("priority");
  const reason = r.u8("reason");
  const tableId = r.u8("table_id");
  const durationSec = r.u32("duration_sec");
  const durationNsec = r.u32("duration_nsec");
  const idleTimeout = r.u16("idle_timeout");
  const hardTimeout = r.u16("hard_timeout");
  const packetCount = r.u64("packet_count");
  const byteCount = r.u64("byte_count");
  const match = decodeMatch(r);
  expectEnd(r, "flow removed");
  return {
    kind: "flow-removed",
    xid: h.xid,
    cookie,
    priority,
    reason,
    tableId,
    durationSec,
    durationNsec,
    idleTimeout,
    hardTimeout,
    packetCount,
    byteCount,
    match,
  };
}

function encodeFlowRemoved(m: FlowRemovedMessage, w: WireWriter): void {
  w.u64(m.cookie).u16(m.priority).u8(m.reason).u8(m.tableId).u32(m.durationSec).u32(m.durationNsec);
  w.u16(m.idleTimeout).u16(m.hardTimeout).u64(m.packetCount).u64(m.byteCount);
  encodeMatch(m.match, w);
}

export const FLOW_REMOVED_CODEC: MessageCodec<FlowRemovedMessage> = {
  type: OFPT.FLOW_REMOVED,
  kind: "flow-removed",
  decode: decodeFlowRemoved,
  encode: encodeFlowRemoved,
};
