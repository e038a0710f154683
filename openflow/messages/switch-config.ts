// OFPT_GET_CONFIG_REQUEST / OFPT_GET_CONFIG_REPLY / OFPT_SET_CONFIG (OpenFlow 1.3.5 §7.3.2).
//
// What: the request has no body; decodeSwitchConfig / encodeSwitchConfig over the shared
//   ofp_switch_config body of the reply and of SET_CONFIG.
//
//   0       2               4
//   | flags | miss_send_len |
//
// Invariants: the body is exactly 4 bytes, else BAD_REQUEST/BAD_LEN. Whether the flags are
//   valid (SWITCH_CONFIG_FAILED/BAD_FLAGS) is for the switch to judge.

import { emptyBodyCodec } from "../codec/empty-body.ts";
import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

/** ofp_config_flags: IP fragment handling. */
export const OFPC_FRAG = { NORMAL: 0, DROP: 1, REASM: 2, MASK: 3 } as const;

export interface GetConfigRequestMessage {
  kind: "get-config-request";
  xid: number;
}

export interface SwitchConfigFields {
  xid: number;
  flags: number;
  missSendLen: number;
}
export interface GetConfigReplyMessage extends SwitchConfigFields {
  kind: "get-config-reply";
}
export interface SetConfigMessage extends SwitchConfigFields {
  kind: "set-config";
}

function decodeSwitchConfig<K extends string>(kind: K, r: WireReader, h: OfpHeader) {
  const flags = r.u16("flags");
  const missSendLen = r.u16("miss_send_len");
  expectEnd(r, kind);
  return { kind, xid: h.xid, flags, missSendLen };
}

export function decodeGetConfigReply(r: WireReader, h: OfpHeader): GetConfigReplyMessage {
  return decodeSwitchConfig("get-config-reply", r, h);
}

export function decodeSetConfig(r: WireReader, h: OfpHeader): SetConfigMessage {
  return decodeSwitchConfig("set-config", r, h);
}

export function encodeSwitchConfig(m: SwitchConfigFields, w: WireWriter): void {
  w.u16(m.flags).u16(m.missSendLen);
}

export const GET_CONFIG_REQUEST_CODEC = emptyBodyCodec(OFPT.GET_CONFIG_REQUEST, "get-config-request");

export const GET_CONFIG_REPLY_CODEC: MessageCodec<GetConfigReplyMessage> = {
  type: OFPT.GET_CONFIG_REPLY,
  kind: "get-config-reply",
  decode: decodeGetConfigReply,
  encode: encodeSwitchConfig,
};

export const SET_CONFIG_CODEC: MessageCodec<SetConfigMessage> = {
  type: OFPT.SET_CONFIG,
  kind: "set-config",
  decode: decodeSetConfig,
  encode: encodeSwitchConfig,
};
