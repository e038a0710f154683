// OFPT_GROUP_MOD (OpenFlow 1.3.5 §7.3.4.2): add, modify or delete a group.
//
// What: GROUP_MOD_CODEC decodes and encodes the body; buckets are group-buckets.ts's (shared
//   with the GROUP_DESC multipart reply), their actions actions.ts's.
// Design: command and type are kept as numbers: an unknown command or group type is the
//   switch's GROUP_MOD_FAILED/BAD_COMMAND or BAD_TYPE, not a decode error. Bucket framing errors
//   are GROUP_MOD_FAILED/BAD_BUCKET (group-buckets.ts).
// Invariants: encode(decode(b)) = b for zero pads; buckets run to the end of the message.
//
//   0 (after the 8-byte header)
//   0 command u16 | 2 type u8 | 3 pad | 4 group_id u32 | 8 ofp_bucket...

import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { OFPT } from "../constants.ts";
import type { MessageCodec } from "../message.ts";
import { type Bucket, decodeBuckets, encodeBuckets } from "./group-buckets.ts";

export const OFPGC = { ADD: 0, MODIFY: 1, DELETE: 2 } as const;
/** Group types (same numbers as multipart-group.ts's OFPGT). */
export const OFPGT_TYPES = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;

export interface GroupModMessage {
  kind: "group-mod";
  xid: number;
  command: number;
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}

function decodeGroupMod(r: WireReader, h: { xid: number }): GroupModMessage {
  const command = r.u16("command");
  const groupType = r.u8("type");
  r.skip(1);
  const groupId = r.u32("group_id");
  return { kind: "group-mod", xid: h.xid, command, groupType, groupId, buckets: decodeBuckets(r) };
}

function encodeGroupMod(m: GroupModMessage, w: WireWriter): void {
  w.u16(m.command).u8(m.groupType).zeros(1).u32(m.groupId);
  encodeBuckets(m.buckets, w);
}

export const GROUP_MOD_CODEC: MessageCodec<GroupModMessage> = {
  type: OFPT.GROUP_MOD,
  kind: "group-mod",
  decode: decodeGroupMod,
  encode: encodeGroupMod,
};
