// OFPT_PACKET_IN (OpenFlow 1.3.5 §7.4.1): a packet (or its head) sent to the controller.
//
// What: PACKET_IN_CODEC decodes and encodes the body. The match carries the packet's pipeline
//   fields (at least in_port; also metadata, tunnel_id when set).
// Design: reason and table id stay numbers (OFPR names below); `data` is whatever follows the
//   2-byte pad, possibly truncated by the switch to max_len / miss_send_len — total_len keeps
//   the original frame length.
// Invariants: encode(decode(b)) = b for zero pads.
//
//   0 (after the 8-byte header)
//   0 buffer_id u32 | 4 total_len u16 | 6 reason u8 | 7 table_id u8 | 8 cookie u64
//   16 ofp_match (padded) | pad[2] | data...

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import { decodeMatch, encodeMatch, type Match } from "../match/match.ts";
import type { MessageCodec } from "../message.ts";

export const OFPR = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;

export interface PacketInMessage {
  kind: "packet-in";
  xid: number;
  bufferId: number;
  totalLen: number;
  reason: number;
  tableId: number;
  cookie: bigint;
  match: Match;
  data: Uint8Array;
}

function decodePacketIn(r: WireReader, h: { xid: number }): PacketInMessage {
  const bufferId = r.u32("buffer_id");
  const totalLen = r.u16("total_len");
  const reason = r.u8("reason");
  const tableId = r.u8("table_id");
  const cookie = r.u64("cookie");
  const match = decodeMatch(r);
  r.skip(2, "pad after match");
  return {
    kind: "packet-in",
    xid: h.xid,
    bufferId,
    totalLen,
    reason,
    tableId,
    cookie,
    match,
    data: r.bytesOf(r.remaining),
  };
}

function encodePacketIn(m: PacketInMessage, w: WireWriter): void {
  w.u32(m.bufferId).u16(m.totalLen).u8(m.reason).u8(m.tableId).u64(m.cookie);
  encodeMatch(m.match, w);
  w.zeros(2).bytes(m.data);
}

export const PACKET_IN_CODEC: MessageCodec<PacketInMessage> = {
  type: OFPT.PACKET_IN,
  kind: "packet-in",
  decode: decodePacketIn,
  encode: encodePacketIn,
};
