// OFPT_BARRIER_REQUEST / OFPT_BARRIER_REPLY (OpenFlow 1.3.5 §7.3.8): ordering points.
//
// What: both are a bare header; any body byte is BAD_REQUEST/BAD_LEN. What a barrier
//   guarantees (no stale megaflow after the reply) is src/ofproto's job, not this file's.
//
//   0 ......... 8
//   | header    |   (no body)

import { emptyBodyCodec } from "../codec/empty-body.ts";
import { OFPT } from "../constants.ts";

export interface BarrierRequestMessage {
  kind: "barrier-request";
  xid: number;
}

export interface BarrierReplyMessage {
  kind: "barrier-reply";
  xid: number;
}

export const BARRIER_REQUEST_CODEC = emptyBodyCodec(OFPT.BARRIER_REQUEST, "barrier-request");
export const BARRIER_REPLY_CODEC = emptyBodyCodec(OFPT.BARRIER_REPLY, "barrier-reply");
