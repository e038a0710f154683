// Group buckets (ofp_bucket, OpenFlow 1.3.5 §7.3.4.2): the bucket list shared by GROUP_MOD
// (group-mod.ts) and the GROUP_DESC multipart reply (multipart-group.ts).
//
// What: decodeBuckets(r) reads buckets until the reader ends; encodeBuckets(list, w).
// Design: a bucket is a 16-byte header and an action list (openflow/actions/actions.ts decodes
//   it, and its errors — BAD_ACTION/... — pass through unchanged).
//
//   0     2        4            8             12      16 ........ len
//   | len | weight | watch_port | watch_group | pad[4] | actions  |
//
// Invariants: a bucket length below 16, not a multiple of 8, or past the list is
//   GROUP_MOD_FAILED/BAD_BUCKET (as Open vSwitch answers); the pad re-encodes as zeros.

import { type Action, decodeActions, encodeActions } from "../actions/actions.ts";
import type { WireReader } from "../codec/wire-reader.ts";
import type { WireWriter } from "../codec/wire-writer.ts";
import { GROUP_MOD_FAILED, OFPET, OfpError } from "../errors.ts";

export const OFP_BUCKET_LEN = 16;

export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}

function badBucket(detail: string): OfpError {
  return new OfpError(OFPET.GROUP_MOD_FAILED, GROUP_MOD_FAILED.BAD_BUCKET, `bucket: ${detail}`);
}

export function decodeBuckets(r: WireReader): Bucket[] {
  const out: Bucket[] = [];
  while (!r.atEnd) {
    if (r.remaining < OFP_BUCKET_LEN) throw badBucket(`${r.remaining} bytes left, a bucket needs 16`);
    const len = r.u16("bucket len");
    if (len < OFP_BUCKET_LEN || len % 8 !== 0 || len - 2 > r.remaining) throw badBucket(`length ${len}`);
    const b = r.sub(len - 2, "bucket", OFPET.GROUP_MOD_FAILED, GROUP_MOD_FAILED.BAD_BUCKET);
    const weight = b.u16("weight");
    const watchPort = b.u32("watch_port");
    const watchGroup = b.u32("watch_group");
    b.skip(4);
    out.push({ weight, watchPort, watchGroup, actions: decodeActions(b) });
  }
  return out;
}

export function encodeBuckets(buckets: readonly Bucket[], w: WireWriter): void {
  for (const bucket of buckets) {
    const start = w.length;
    w.u16(0).u16(bucket.weight).u32(bucket.watchPort).u32(bucket.watchGroup).zeros(4);
    encodeActions(bucket.actions, w);
    w.u16At(start, w.length - start);
  }
}
