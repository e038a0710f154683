// OFPT_ROLE_REQUEST / OFPT_ROLE_REPLY (OpenFlow 1.3.5 §7.3.9): controller roles.
//
// What: decodeRole / encodeRole over the shared ofp_role_request body.
//
//   0      4     8               16
//   | role | pad | generation_id |
//
// Invariants: the body is exactly 16 bytes, else BAD_REQUEST/BAD_LEN. The role is carried as
//   a number (an unknown role is ROLE_REQUEST_FAILED/BAD_ROLE, which the switch decides).

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec, OfpHeader } from "../message.ts";

export const OFPCR_ROLE = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

export interface RoleFields {
  xid: number;
  role: number;
  generationId: bigint;
}
export interface RoleRequestMessage extends RoleFields {
  kind: "role-request";
}
export interface RoleReplyMessage extends RoleFields {
  kind: "role-reply";
}

function decodeRole<K extends string>(kind: K, r: WireReader, h: OfpHeader) {
  const role = r.u32("role");
  r.skip(4);
  const generationId = r.u64("generation_id");
  expectEnd(r, kind);
  return { kind, xid: h.xid, role, generationId };
}

export function decodeRoleRequest(r: WireReader, h: OfpHeader): RoleRequestMessage {
  return decodeRole("role-request", r, h);
}

export function decodeRoleReply(r: WireReader, h: OfpHeader): RoleReplyMessage {
  return decodeRole("role-reply", r, h);
}

export function encodeRole(m: RoleFields, w: WireWriter): void {
  w.u32(m.role).zeros(4).u64(m.generationId);
}

export const ROLE_REQUEST_CODEC: MessageCodec<RoleRequestMessage> = {
  type: OFPT.ROLE_REQUEST,
  kind: "role-request",
  decode: decodeRoleRequest,
  encode: encodeRole,
};

export const ROLE_REPLY_CODEC: MessageCodec<RoleReplyMessage> = {
  type: OFPT.ROLE_REPLY,
  kind: "role-reply",
  decode: decodeRoleReply,
  encode: encodeRole,
};
