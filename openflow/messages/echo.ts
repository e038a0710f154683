// OFPT_ECHO_REQUEST / OFPT_ECHO_REPLY (OpenFlow 1.3.5 §7.5.2, §7.5.3): liveness probes.
//
// What: decodeEcho / encodeEcho over the body, for both directions.
// Design: the body is arbitrary bytes the replier copies back; kept verbatim.
//
//   0 ............ length-8
//   | data (any)  |
//
// Invariants: data round-trips byte for byte; an empty body is valid.

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export interface EchoRequestMessage {
  kind: "echo-request";
  xid: number;
  data: Uint8Array;
}

export interface EchoReplyMessage {
  kind: "echo-reply";
  xid: number;
  data: Uint8Array;
}

export function decodeEchoRequest(r: WireReader, h: OfpHeader): EchoRequestMessage {
  return { kind: "echo-request", xid: h.xid, data: r.bytesOf(r.remaining) };
}

export function decodeEchoReply(r: WireReader, h: OfpHeader): EchoReplyMessage {
  return { kind: "echo-reply", xid: h.xid, data: r.bytesOf(r.remaining) };
}

export function encodeEcho(m: EchoRequestMessage | EchoReplyMessage, w: WireWriter): void {
  w.bytes(m.data);
}

export const ECHO_REQUEST_CODEC: MessageCodec<EchoRequestMessage> = {
  type: OFPT.ECHO_REQUEST,
  kind: "echo-request",
  decode: decodeEchoRequest,
  encode: encodeEcho,
};

export const ECHO_REPLY_CODEC: MessageCodec<EchoReplyMessage> = {
  type: OFPT.ECHO_REPLY,
  kind: "echo-reply",
  decode: decodeEchoReply,
  encode: encodeEcho,
};
