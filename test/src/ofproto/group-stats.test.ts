// Group statistics: ref_count, counters, GROUP_FEATURES.
//
// What it proves: ref_count counts rules (apply or write actions, any table) and groups whose
// buckets forward to the group — not watches; GROUP for one id, for OFPG_ALL, and for an absent
// id (no entry); credits go to the group or the bucket a hit names and wrap at 2^64;
// GROUP_FEATURES lists the four types, the capabilities and the translator's actions.

import { describe, expect, it } from "vitest";
import { ACTION_CODES } from "../../../openflow/actions/actions.ts";
import { OFPG_ALL, OFPG_ANY, OFPP } from "../../../openflow/constants.ts";
import { OFPGC, OFPGT_TYPES as T } from "../../../openflow/messages/group-mod.ts";
import { applyFlowMod } from "../../../src/ofproto/flow-mod.ts";
import { creditGroupHits, groupFeatures, groupStats, OFPGFC } from "../../../src/ofproto/group-stats.ts";
import { GroupTable } from "../../../src/ofproto/group-table.ts";
import { defaultNormalFlow } from "../../../src/ofproto/ofproto.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";
import { apply, grp, out, write } from "./xlate/xlate-harness.ts";

const b = (actions: ReturnType<typeof out>[], watchGroup = OFPG_ANY) => ({
  weight: 0,
  watchPort: OFPP.ANY,
  watchGroup,
  actions,
});

function setup() {
  const groups = new GroupTable();
  const tables = new RuleTables();
  groups.apply({ command: OFPGC.ADD, groupType: T.ALL, groupId: 1, buckets: [b([out(1)]), b([out(2)])] }, 0);
  groups.apply({ command: OFPGC.ADD, groupType: T.INDIRECT, groupId: 2, buckets: [b([grp(1)])] }, 0);
  groups.apply({ command: OFPGC.ADD, groupType: T.FF, groupId: 3, buckets: [b([out(3)], 1)] }, 0);
  const rule = (tableId: number, priority: number, ins: ReturnType<typeof apply>[]) =>
    applyFlowMod(tables, { ...defaultNormalFlow(), tableId, priority, instructions: ins }, 0);
  rule(0, 1, [apply(grp(1))]);
  rule(4, 2, [write(grp(1)), apply(grp(1))]); // one rule, counted once
  rule(0, 3, [apply(grp(2))]);
  return { groups, tables };
}

describe("group stats", () => {
  it("ref_count counts forwarding rules and groups, not watches", () => {
    const { groups, tables } = setup();
    const refs = groupStats(groups, tables, OFPG_ALL, 2500).map((s) => [s.groupId, s.refCount]);
    expect(refs).toEqual([
      [1, 3],
      [2, 1],
      [3, 0],
    ]);
    expect(groupStats(groups, tables, 2, 2500)).toHaveLength(1);
    expect(groupStats(groups, tables, 9, 2500)).toEqual([]);
    expect(groupStats(groups, tables, 1, 2500)[0]).toMatchObject({ durationSec: 2, durationNsec: 500_000_000 });
  });

  it("credits the group or the bucket each hit names; counters wrap at 2^64", () => {
    const { groups, tables } = setup();
    const g = groups.get(1);
    if (!g) throw new Error("no group");
    creditGroupHits([{ group: g }, { group: g, bucket: 1 }], 3, 300);
    creditGroupHits([{ group: g }], 0, 0);
    const [s] = groupStats(groups, tables, 1, 0);
    expect([s.packetCount, s.byteCount]).toEqual([3n, 300n]);
    expect(s.bucketStats).toEqual([
      { packetCount: 0n, byteCount: 0n },
      { packetCount: 3n, byteCount: 300n },
    ]);
    g.packetCount = (1n << 64n) - 1n;
    creditGroupHits([{ group: g }], 2, 1);
    expect(g.packetCount).toBe(1n);
  });

  it("GROUP_FEATURES: all four types, weights, liveness, chaining with checks, the translated actions", () => {
    const f = groupFeatures(new GroupTable({ maxGroupsPerType: 99, maxBuckets: 8 }));
    expect(f.types).toBe(0b1111);
    expect(f.capabilities).toBe(
      OFPGFC.SELECT_WEIGHT | OFPGFC.SELECT_LIVENESS | OFPGFC.CHAINING | OFPGFC.CHAINING_CHECKS,
    );
    expect(f.maxGroups).toEqual([99, 99, 99, 99]);
    const bit = (a: keyof typeof ACTION_CODES) => (f.actions[0] >>> ACTION_CODES[a]) & 1;
    // The actions FLOW_MOD accepts (action-checks.ts): MPLS yes, PBB and experimenter no.
    expect([bit("output"), bit("group"), bit("set_field"), bit("push_mpls"), bit("push_pbb"), bit("pop_pbb")]).toEqual([
      1, 1, 1, 1, 0, 0,
    ]);
    expect(new Set(f.actions).size).toBe(1);
  });
});
