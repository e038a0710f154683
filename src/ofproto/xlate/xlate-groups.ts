// Groups (OpenFlow 1.3.5 §5.6): ALL, SELECT, INDIRECT and FAST_FAILOVER, translated into the
// datapath actions of the buckets they pick.
//
// What: xlateGroup(ctx, branch, groupId, origin) runs the chosen bucket(s)' actions on clones
//   of the packet: ALL every bucket; INDIRECT its one bucket; SELECT one bucket picked by a
//   stable hash of the flow, in proportion to the weights; FAST_FAILOVER the first live bucket.
// Design: each bucket works on its own clone of the branch, so its rewrites neither leak into
//   the next bucket nor into the actions after the group; the datapath packet is shared, and
//   the commit before each output restores what an earlier bucket changed (packet-state.ts).
//   The SELECT hash (FNV-1a, 32 bits, finished with fmix32) covers eth_dst, eth_src, eth_type and the outer VLAN TCI,
//   plus ip_proto and the addresses for IP, plus the ports for TCP/UDP/SCTP; every one of those
//   fields (and the presence bits that chose them) is un-wildcarded, so every packet of a
//   megaflow hashes to the same bucket. Liveness: a bucket is live when its watch port is
//   live (PortMap.isLive) and its watch group is live (exists, and for FAST_FAILOVER has a live
//   bucket); OFPP_ANY / OFPG_ANY watch nothing. SELECT only picks live buckets of weight > 0.
// Invariants: nesting is bounded by MAX_GROUP_DEPTH and fan-out by MAX_RESUBMITS
//   (xlate-context.ts); a missing group outputs nothing and says so.
// Threading: main thread.

import { OFPG_ANY, OFPP } from "../../../openflow/constants.ts";
import type { Bucket } from "../../../openflow/messages/group-buckets.ts";
import { OFPGT_TYPES } from "../../../openflow/messages/group-mod.ts";
import { KEY, PRESENT } from "../../datapath/flow-key.ts";
import type { Branch } from "./packet-state.ts";
import { executeActions } from "./xlate-actions.ts";
import { type ActionOrigin, MAX_GROUP_DEPTH, type XlateContext, type XlateGroup } from "./xlate-context.ts";

const TYPE_NAMES = ["all", "select", "indirect", "fast_failover"];

export function xlateGroup(ctx: XlateContext, b: Branch, groupId: number, origin: ActionOrigin): void {
  ctx.groupIds.add(groupId);
  const g = ctx.env.groups?.get(groupId);
  if (!g) {
    ctx.note("group", `group:${groupId}: no such group; nothing sent`, { groupId });
    return;
  }
  ctx.groupHits.push({ group: g });
  ctx.note("group", `group:${groupId} (${TYPE_NAMES[g.groupType] ?? g.groupType}, ${g.buckets.length} buckets)`, {
    groupId,
  });
  if (!ctx.enter("group")) return;
  try {
    switch (g.groupType) {
      case OFPGT_TYPES.ALL:
        for (const [i, bucket] of g.buckets.entries()) runBucket(ctx, b, g, i, bucket, origin);
        break;
      case OFPGT_TYPES.INDIRECT:
        if (g.buckets.length > 0) runBucket(ctx, b, g, 0, g.buckets[0], origin);
        break;
      case OFPGT_TYPES.SELECT:
        selectBucket(ctx, b, g, origin);
        break;
      case OFPGT_TYPES.FF: {
        const i = g.buckets.findIndex((bk) => bucketLive(ctx, bk, 0));
        if (i < 0) ctx.note("bucket", "no live bucket; nothing sent", { groupId });
        else runBucket(ctx, b, g, i, g.buckets[i], origin);
        break;
      }
      default:
        ctx.fail(`group ${groupId} has unknown type ${g.groupType}`);
    }
  } finally {
    ctx.leave("group");
  }
}

function runBucket(ctx: XlateContext, b: Branch, g: XlateGroup, i: number, bucket: Bucket, origin: ActionOrigin): void {
  if (ctx.failed !== undefined || !ctx.spend()) return;
  ctx.groupHits.push({ group: g, bucket: i });
  ctx.note("bucket", `bucket ${i}${g.groupType === OFPGT_TYPES.SELECT ? ` (weight ${bucket.weight})` : ""}`, {
    groupId: g.groupId,
  });
  ctx.indent++;
  executeActions(ctx, b.clone(), bucket.actions, origin);
  ctx.indent--;
}

function groupLive(ctx: XlateContext, groupId: number, depth: number): boolean {
  const g = ctx.env.groups?.get(groupId);
  if (!g) return false;
  if (g.groupType !== OFPGT_TYPES.FF) return true;
  return depth < MAX_GROUP_DEPTH && g.buckets.some((bk) => bucketLive(ctx, bk, depth + 1));
}

export function bucketLive(ctx: XlateContext, bucket: Bucket, depth: number): boolean {
  if (bucket.watchPort !== OFPP.ANY && !ctx.env.ports.isLive(bucket.watchPort)) return false;
  if (bucket.watchGroup !== OFPG_ANY && !groupLive(ctx, bucket.watchGroup, depth)) return false;
  return true;
}

/** FNV-1a over the flow's L2–L4 identity; un-wildcards everything it reads. */
export function selectHash(ctx: XlateContext, b: Branch): number {
  const k = b.flow.key;
  const wc = ctx.wc;
  wc.ethDst().ethSrc().field(KEY.ETH_TYPE, 2).vlan();
  const parts: number[] = [...k.subarray(KEY.ETH_DST, KEY.ETH_TYPE + 2), k[KEY.VLAN_TCI], k[KEY.VLAN_TCI + 1]];
  const L4 = PRESENT.TCP | PRESENT.UDP | PRESENT.SCTP;
  wc.presentBits(PRESENT.IPV4 | PRESENT.IPV6);
  if (b.flow.present & (PRESENT.IPV4 | PRESENT.IPV6)) {
    wc.field(KEY.IP_PROTO, 1).field(KEY.NW_SRC, 32).presentBits(L4);
    parts.push(k[KEY.IP_PROTO], ...k.subarray(KEY.NW_SRC, KEY.NW_SRC + 32));
    if (b.flow.present & L4) {
      wc.field(KEY.TP_SRC, 4);
      parts.push(...k.subarray(KEY.TP_SRC, KEY.TP_SRC + 4));
    }
  }
  let h = 0x811c9dc5;
  for (const x of parts) h = Math.imul(h ^ x, 0x01000193);
  // FNV's low bits mix poorly and the pick is a modulo: finish with murmur3's fmix32.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function selectBucket(ctx: XlateContext, b: Branch, g: XlateGroup, origin: ActionOrigin): void {
  const live = g.buckets.map((bk, i) => ({ bk, i })).filter(({ bk }) => bk.weight > 0 && bucketLive(ctx, bk, 0));
  const total = live.reduce((s, { bk }) => s + bk.weight, 0);
  if (total === 0) {
    ctx.note("bucket", "no live bucket with weight; nothing sent", { groupId: g.groupId });
    return;
  }
  let x = selectHash(ctx, b) % total;
  for (const { bk, i } of live) {
    if (x < bk.weight) {
      runBucket(ctx, b, g, i, bk, origin);
      return;
    }
    x -= bk.weight;
  }
}
