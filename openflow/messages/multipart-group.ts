// Multipart bodies for groups (OpenFlow 1.3.5 §7.3.5.9–§7.3.5.11): GROUP, GROUP_DESC,
// GROUP_FEATURES. The multipart header and subtype table are in multipart.ts.
//
//   GROUP request:         0 group_id | 4 pad[4]                                         = 8
//   GROUP reply:           ofp_group_stats × n:
//     0 length | 2 pad[2] | 4 group_id | 8 ref_count | 12 pad2[4] | 16 packet_count u64
//     | 24 byte_count u64 | 32 duration_sec | 36 duration_nsec | 40 bucket_stats × k (16 each:
//     packet_count u64, byte_count u64)                                  length = 40 + 16k
//   GROUP_DESC request:    empty
//   GROUP_DESC reply:      ofp_group_desc × n:
//     0 length | 2 type u8 | 3 pad | 4 group_id | 8 buckets (group-buckets.ts)  length = all
//   GROUP_FEATURES request: empty
//   GROUP_FEATURES reply (40): 0 types | 4 capabilities | 8 max_groups[4] | 24 actions[4]
//
// Invariants: entry lengths that do not frame are BAD_REQUEST/BAD_LEN; bucket errors come from
//   group-buckets.ts; pads re-encode as zeros.

import { expectEnd } from "../codec/fixed-string.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../errors.ts";
import { type Bucket, decodeBuckets, encodeBuckets } from "./group-buckets.ts";

export const OFPGT = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;

function badLen(detail: string): OfpError {
  return new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN, detail);
}

export interface GroupStatsRequest {
  part: "group";
  groupId: number;
}

export function decodeGroupStatsRequest(r: WireReader): GroupStatsRequest {
  const groupId = r.u32("group_id");
  r.skip(4);
  expectEnd(r, "group stats request");
  return { part: "group", groupId };
}

export function encodeGroupStatsRequest(m: GroupStatsRequest, w: WireWriter): void {
  w.u32(m.groupId).zeros(4);
}

export interface BucketCounter {
  packetCount: bigint;
  byteCount: bigint;
}
export interface GroupStats {
  groupId: number;
  refCount: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  durationNsec: number;
  bucketStats: BucketCounter[];
}
export interface GroupStatsReply {
  part: "group";
  stats: GroupStats[];
}

export function decodeGroupStatsReply(r: WireReader): GroupStatsReply {
  const stats: GroupStats[] = [];
  while (!r.atEnd) {
    const length = r.u16("group stats length");
    if (length < 40 || (length - 40) % 16 !== 0) throw badLen(`group stats length ${length}`);
    const e = r.sub(length - 2, "group stats");
    e.skip(2);
    const groupId = e.u32("group_id");
    const refCount = e.u32("ref_count");
    e.skip(4);
    const packetCount = e.u64("packet_count");
    const byteCount = e.u64("byte_count");
    const durationSec = e.u32("duration_sec");
    const durationNsec = e.u32("duration_nsec");
    const bucketStats: BucketCounter[] = [];
    while (!e.atEnd) bucketStats.push({ packetCount: e.u64(), byteCount: e.u64() });
    stats.push({ groupId, refCount, packetCount, byteCount, durationSec, durationNsec, bucketStats });
  }
  return { part: "group", stats };
}

export function encodeGroupStatsReply(m: GroupStatsReply, w: WireWriter): void {
  for (const s of m.stats) {
    w.u16(40 + 16 * s.bucketStats.length)
      .zeros(2)
      .u32(s.groupId)
      .u32(s.refCount)
      .zeros(4);
    w.u64(s.packetCount).u64(s.byteCount).u32(s.durationSec).u32(s.durationNsec);
    for (const b of s.bucketStats) w.u64(b.packetCount).u64(b.byteCount);
  }
}

export interface GroupDesc {
  groupType: number;
  groupId: number;
  buckets: Bucket[];
}
export interface GroupDescReply {
  part: "group-desc";
  groups: GroupDesc[];
}

export function decodeGroupDescReply(r: WireReader): GroupDescReply {
  const groups: GroupDesc[] = [];
  while (!r.atEnd) {
    const length = r.u16("group desc length");
    if (length < 8) throw badLen(`group desc length ${length}`);
    const e = r.sub(length - 2, "group desc");
    const groupType = e.u8("type");
    e.skip(1);
    const groupId = e.u32("group_id");
    groups.push({ groupType, groupId, buckets: decodeBuckets(e) });
  }
  return { part: "group-desc", groups };
}

export function encodeGroupDescReply(m: GroupDescReply, w: WireWriter): void {
  for (const g of m.groups) {
    const start = w.length;
    w.u16(0).u8(g.groupType).zeros(1).u32(g.groupId);
    encodeBuckets(g.buckets, w);
    w.u16At(start, w.length - start);
  }
}

type Quad = [all: number, select: number, indirect: number, ff: number];
export interface GroupFeaturesReply {
  part: "group-features";
  types: number;
  capabilities: number;
  maxGroups: Quad;
  actions: Quad;
}

export function decodeGroupFeaturesReply(r: WireReader): GroupFeaturesReply {
  const types = r.u32("types");
  const capabilities = r.u32("capabilities");
  const quad = (): Quad => [r.u32(), r.u32(), r.u32(), r.u32()];
  const maxGroups = quad();
  const actions = quad();
  expectEnd(r, "group features reply");
  return { part: "group-features", types, capabilities, maxGroups, actions };
}

export function encodeGroupFeaturesReply(m: GroupFeaturesReply, w: WireWriter): void {
  w.u32(m.types).u32(m.capabilities);
  for (const v of [...m.maxGroups, ...m.actions]) w.u32(v);
}
