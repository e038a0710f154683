// Group statistics: counters credited from the datapath, and the GROUP, GROUP_DESC and
// GROUP_FEATURES multipart replies' entries (OpenFlow 1.3.5 §7.3.5.9–§7.3.5.11).
//
// What: creditGroupHits (a translation's group and bucket hits × a megaflow's packets/bytes),
//   groupStats, groupDescs, groupFeatures.
// Design: a translation records which groups it entered and which buckets it ran
//   (XlateResult.groupHits); ofproto.ts keeps them per megaflow beside the rules and credits
//   them with the growth of the megaflow's counters, as it does rules — so traffic carried
//   entirely by the fast path is counted. A group entered twice in one translation is credited
//   twice (the packet went through it twice). ref_count is what the spec says: flows and
//   groups that directly forward to the group (group actions in a rule's apply/write actions,
//   or in another group's buckets; watching is not forwarding). Time is the caller's clock (ms).
// Invariants: counters wrap at 2^64; an unknown group id in a GROUP request yields no entry.
// Threading: main thread.

import { ACTION_CODES } from "../../openflow/actions/actions.ts";
import { OFPG_ALL, OFPTT_ALL } from "../../openflow/constants.ts";
import type { GroupDesc, GroupFeaturesReply, GroupStats } from "../../openflow/messages/multipart-group.ts";
import type { GroupEntry, GroupTable } from "./group-table.ts";
import { TABLE_FEATURES_ACTIONS } from "./of-handlers/table-features.ts";
import type { RuleTables } from "./rule-table.ts";

const U64 = (1n << 64n) - 1n;

/** One group entered (bucket undefined) or one bucket run by a translation. */
export interface GroupHit {
  group: GroupEntry;
  bucket?: number;
}

/** OFPGFC_* capability bits. */
export const OFPGFC = { SELECT_WEIGHT: 1, SELECT_LIVENESS: 2, CHAINING: 4, CHAINING_CHECKS: 8 } as const;

export function creditGroupHits(hits: readonly GroupHit[], packets: number | bigint, bytes: number | bigint): void {
  const p = BigInt(packets);
  if (p <= 0n) return;
  const b = BigInt(bytes);
  for (const h of hits) {
    if (h.bucket === undefined) {
      h.group.packetCount = (h.group.packetCount + p) & U64;
      h.group.byteCount = (h.group.byteCount + b) & U64;
    } else {
      const c = h.group.bucketCounts[h.bucket];
      if (!c) continue;
      c.packetCount = (c.packetCount + p) & U64;
      c.byteCount = (c.byteCount + b) & U64;
    }
  }
}

/** Group id → flows and groups that forward to it. */
export function groupRefCounts(groups: GroupTable, tables: RuleTables): Map<number, number> {
  const refs = new Map<number, number>();
  const bump = (id: number) => refs.set(id >>> 0, (refs.get(id >>> 0) ?? 0) + 1);
  for (const rule of tables.rules(OFPTT_ALL)) {
    const used = new Set<number>();
    for (const ins of rule.instructions) {
      if (ins.type !== "apply_actions" && ins.type !== "write_actions") continue;
      for (const a of ins.actions) if (a.type === "group") used.add(a.groupId >>> 0);
    }
    for (const id of used) bump(id);
  }
  for (const g of groups.entries()) {
    const used = new Set<number>();
    for (const b of g.buckets) for (const a of b.actions) if (a.type === "group") used.add(a.groupId >>> 0);
    for (const id of used) bump(id);
  }
  return refs;
}

function duration(created: number, now: number): { durationSec: number; durationNsec: number } {
  const ms = Math.max(0, now - created);
  const durationSec = Math.floor(ms / 1000);
  return { durationSec, durationNsec: Math.min(999_999_999, Math.round((ms - durationSec * 1000) * 1e6)) };
}

/** OFPMP_GROUP: one group (or OFPG_ALL: every group, in id order). */
export function groupStats(groups: GroupTable, tables: RuleTables, groupId: number, now: number): GroupStats[] {
  const id = groupId >>> 0;
  const picked = id === OFPG_ALL ? groups.entries() : [groups.get(id)].filter((g) => g !== undefined);
  if (picked.length === 0) return [];
  const refs = groupRefCounts(groups, tables);
  return picked.map((g) => ({
    groupId: g.groupId,
    refCount: refs.get(g.groupId) ?? 0,
    packetCount: g.packetCount,
    byteCount: g.byteCount,
    ...duration(g.created, now),
    bucketStats: g.bucketCounts.map((c) => ({ packetCount: c.packetCount, byteCount: c.byteCount })),
  }));
}

/** OFPMP_GROUP_DESC: every group, in id order. */
export function groupDescs(groups: GroupTable): GroupDesc[] {
  return groups.entries().map((g) => ({ groupType: g.groupType, groupId: g.groupId, buckets: g.buckets }));
}

/** OFPMP_GROUP_FEATURES: all four types, weights, liveness, chaining with loop checks. */
export function groupFeatures(groups: GroupTable): GroupFeaturesReply {
  const actions = TABLE_FEATURES_ACTIONS.reduce((bits, a) => bits | (1 << ACTION_CODES[a]), 0) >>> 0;
  const max = groups.limits.maxGroupsPerType;
  return {
    part: "group-features",
    types: 0b1111,
    capabilities: OFPGFC.SELECT_WEIGHT | OFPGFC.SELECT_LIVENESS | OFPGFC.CHAINING | OFPGFC.CHAINING_CHECKS,
    maxGroups: [max, max, max, max],
    actions: [actions, actions, actions, actions],
  };
}
