// OFPT_GET_ASYNC_REQUEST / OFPT_GET_ASYNC_REPLY / OFPT_SET_ASYNC (OpenFlow 1.3.5 §7.3.10):
// which asynchronous messages a controller receives, per role.
//
// What: the request has no body; decodeAsyncConfig / encodeAsyncConfig over ofp_async_config.
// Design: each mask pair is [master/equal, slave], as in the spec's arrays.
//
//   0                  8                    16                    24
//   | packet_in_mask[2] | port_status_mask[2] | flow_removed_mask[2] |   (u32 each)
//
// Invariants: the body is exactly 24 bytes, else BAD_REQUEST/BAD_LEN.

import { emptyBodyCodec } from "../codec/empty-body.ts";
import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export type MaskPair = [masterOrEqual: number, slave: number];

export interface AsyncConfigFields {
  xid: number;
  packetInMask: MaskPair;
  portStatusMask: MaskPair;
  flowRemovedMask: MaskPair;
}
export interface GetAsyncRequestMessage {
  kind: "get-async-request";
  xid: number;
}
export interface GetAsyncReplyMessage extends AsyncConfigFields {
  kind: "get-async-reply";
}
export interface SetAsyncMessage extends AsyncConfigFields {
  kind: "set-async";
}

function decodeAsyncConfig<K extends string>(kind: K, r: WireReader, h: OfpHeader) {
  const pair = (what: string): MaskPair => [r.u32(what), r.u32(what)];
  const m = {
    kind,
    xid: h.xid,
    packetInMask: pair("packet_in_mask"),
    portStatusMask: pair("port_status_mask"),
    flowRemovedMask: pair("flow_removed_mask"),
  };
  expectEnd(r, kind);
  return m;
}

export function decodeGetAsyncReply(r: WireReader, h: OfpHeader): GetAsyncReplyMessage {
  return decodeAsyncConfig("get-async-reply", r, h);
}

export function decodeSetAsync(r: WireReader, h: OfpHeader): SetAsyncMessage {
  return decodeAsyncConfig("set-async", r, h);
}

export function encodeAsyncConfig(m: AsyncConfigFields, w: WireWriter): void {
  for (const [a, b] of [m.packetInMask, m.portStatusMask, m.flowRemovedMask]) w.u32(a).u32(b);
}

export const GET_ASYNC_REQUEST_CODEC = emptyBodyCodec(OFPT.GET_ASYNC_REQUEST, "get-async-request");

export const GET_ASYNC_REPLY_CODEC: MessageCodec<GetAsyncReplyMessage> = {
  type: OFPT.GET_ASYNC_REPLY,
  kind: "get-async-reply",
  decode: decodeGetAsyncReply,
  encode: encodeAsyncConfig,
};

export const SET_ASYNC_CODEC: MessageCodec<SetAsyncMessage> = {
  type: OFPT.SET_ASYNC,
  kind: "set-async",
  decode: decodeSetAsync,
  encode: encodeAsyncConfig,
};
