// OFPT_FEATURES_REQUEST / OFPT_FEATURES_REPLY (OpenFlow 1.3.5 §7.3.1): the switch's identity.
//
// What: the request has no body; decodeFeaturesReply / encodeFeaturesReply over the reply body.
// Design: `reserved` is kept (not a pad in the spec) so a reply re-encodes exactly.
//
//   0             8           12         13             14    16             20         24
//   | datapath_id | n_buffers | n_tables | auxiliary_id | pad | capabilities | reserved |
//
// Invariants: the reply body is exactly 24 bytes, else BAD_REQUEST/BAD_LEN.

import { emptyBodyCodec } from "../codec/empty-body.ts";
import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

/** ofp_capabilities bits. */
export const OFPC = {
  FLOW_STATS: 1 << 0,
  TABLE_STATS: 1 << 1,
  PORT_STATS: 1 << 2,
  GROUP_STATS: 1 << 3,
  IP_REASM: 1 << 5,
  QUEUE_STATS: 1 << 6,
  PORT_BLOCKED: 1 << 8,
} as const;

export interface FeaturesRequestMessage {
  kind: "features-request";
  xid: number;
}

export interface FeaturesReplyMessage {
  kind: "features-reply";
  xid: number;
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  capabilities: number;
  reserved: number;
}

export function decodeFeaturesReply(r: WireReader, h: OfpHeader): FeaturesReplyMessage {
  const datapathId = r.u64("datapath_id");
  const nBuffers = r.u32("n_buffers");
  const nTables = r.u8("n_tables");
  const auxiliaryId = r.u8("auxiliary_id");
  r.skip(2);
  const capabilities = r.u32("capabilities");
  const reserved = r.u32("reserved");
  const m: FeaturesReplyMessage = {
    kind: "features-reply",
    xid: h.xid,
    datapathId,
    nBuffers,
    nTables,
    auxiliaryId,
    capabilities,
    reserved,
  };
  expectEnd(r, "features reply");
  return m;
}

export function encodeFeaturesReply(m: FeaturesReplyMessage, w: WireWriter): void {
  w.u64(m.datapathId).u32(m.nBuffers).u8(m.nTables).u8(m.auxiliaryId).zeros(2).u32(m.capabilities).u32(m.reserved);
}

export const FEATURES_REQUEST_CODEC = emptyBodyCodec(OFPT.FEATURES_REQUEST, "features-request");

export const FEATURES_REPLY_CODEC: MessageCodec<FeaturesReplyMessage> = {
  type: OFPT.FEATURES_REPLY,
  kind: "features-reply",
  decode: decodeFeaturesReply,
  encode: encodeFeaturesReply,
};
