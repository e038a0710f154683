// GroupTable: GROUP_MOD semantics (OpenFlow 1.3.5 §6.5, §7.3.4.2) and every GROUP_MOD_FAILED
// code it raises, the bucket checks (group-buckets-check.ts), and the FLOW_MOD reference check.
//
// What it proves: ADD, MODIFY and DELETE (one id, an absent id, OFPG_ALL) do what the spec says;
// each refusal carries the exact type/code and leaves the table as it was (same entries, same
// generation); chains of groups are accepted, loops and deleting a chained-to group are not;
// applyFlowMod with the table's checker refuses a group action to a group that does not exist
// with BAD_ACTION/BAD_OUT_GROUP and accepts it once the group exists.

import { describe, expect, it } from "vitest";
import type { Action } from "../../../openflow/actions/actions.ts";
import { OFPG_ALL, OFPG_ANY, OFPP } from "../../../openflow/constants.ts";
import { BAD_ACTION, GROUP_MOD_FAILED, OFPET, OfpError } from "../../../openflow/errors.ts";
import type { Bucket } from "../../../openflow/messages/group-buckets.ts";
import { OFPGC, OFPGT_TYPES as T } from "../../../openflow/messages/group-mod.ts";
import { applyFlowMod } from "../../../src/ofproto/flow-mod.ts";
import { type GroupModRequest, GroupTable } from "../../../src/ofproto/group-table.ts";
import { defaultNormalFlow } from "../../../src/ofproto/ofproto.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";

const out = (port: number): Action => ({ type: "output", port, maxLen: 0 });
const toGroup = (groupId: number): Action => ({ type: "group", groupId });
const bucket = (actions: Action[], over: Partial<Bucket> = {}): Bucket => ({
  weight: 0,
  watchPort: OFPP.ANY,
  watchGroup: OFPG_ANY,
  actions,
  ...over,
});

const add = (groupId: number, groupType: number, buckets: Bucket[]): GroupModRequest => ({
  command: OFPGC.ADD,
  groupType,
  groupId,
  buckets,
});
const mod = (groupId: number, groupType: number, buckets: Bucket[]): GroupModRequest => ({
  ...add(groupId, groupType, buckets),
  command: OFPGC.MODIFY,
});
const del = (groupId: number): GroupModRequest => ({ command: OFPGC.DELETE, groupType: T.ALL, groupId, buckets: [] });

function snapshot(t: GroupTable) {
  return { generation: t.generation, groups: t.entries().map((g) => ({ ...g })) };
}

/** Applies gm expecting a refusal with (type, code) that changes nothing. */
function refused(t: GroupTable, gm: GroupModRequest, type: number, code: number): void {
  const before = snapshot(t);
  let err: unknown;
  try {
    t.apply(gm, 5000);
  } catch (e) {
    err = e;
  }
  expect(err, "the GROUP_MOD was accepted").toBeInstanceOf(OfpError);
  expect({ type: (err as OfpError).errType, code: (err as OfpError).errCode }).toEqual({ type, code });
  expect(snapshot(t)).toEqual(before);
}

const G = GROUP_MOD_FAILED;
const GMF = OFPET.GROUP_MOD_FAILED;

describe("GroupTable: ADD / MODIFY / DELETE", () => {
  it("ADD installs a group the translator can get; its counters start at zero", () => {
    const t = new GroupTable();
    const r = t.apply(add(1, T.ALL, [bucket([out(1)]), bucket([out(2)])]), 1000);
    expect(r.installed).toMatchObject({ groupId: 1, groupType: T.ALL, created: 1000, packetCount: 0n });
    expect(r.installed?.bucketCounts).toEqual([
      { packetCount: 0n, byteCount: 0n },
      { packetCount: 0n, byteCount: 0n },
    ]);
    expect(t.get(1)?.buckets.map((b) => b.actions)).toEqual([[out(1)], [out(2)]]);
    expect(t.get(2)).toBeUndefined();
  });

  it("MODIFY replaces type and buckets, keeps the age and zeroes the counters", () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 1000);
    const g = t.get(1);
    if (!g) throw new Error("no group");
    g.packetCount = 7n;
    const r = t.apply(mod(1, T.SELECT, [bucket([out(2)], { weight: 3 }), bucket([out(3)], { weight: 1 })]), 4000);
    expect(r.replaced).toBe(g);
    expect(t.get(1)).toMatchObject({ groupType: T.SELECT, created: 1000, packetCount: 0n });
    expect(t.get(1)?.bucketCounts).toHaveLength(2);
  });

  it("MODIFY may empty a group's buckets (an ALL group with none sends nothing)", () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 0);
    t.apply(mod(1, T.ALL, []), 0);
    expect(t.get(1)?.buckets).toEqual([]);
  });

  it("DELETE removes one group; an absent id is no error and changes nothing", () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, []), 0);
    t.apply(add(2, T.ALL, []), 0);
    expect(t.apply(del(1), 0).deleted.map((g) => g.groupId)).toEqual([1]);
    const gen = t.generation;
    expect(t.apply(del(9), 0).deleted).toEqual([]);
    expect(t.apply(del(OFPG_ANY), 0).deleted).toEqual([]);
    expect(t.generation).toBe(gen);
    expect(t.entries().map((g) => g.groupId)).toEqual([2]);
  });

  it("DELETE OFPG_ALL removes every group, chained ones included", () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 0);
    t.apply(add(2, T.INDIRECT, [bucket([toGroup(1)])]), 0);
    t.apply(add(3, T.FF, [bucket([toGroup(2)], { watchGroup: 1 })]), 0);
    expect(
      t
        .apply(del(OFPG_ALL), 0)
        .deleted.map((g) => g.groupId)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(t.size).toBe(0);
  });
});

describe("GroupTable: refusals (type/code, nothing applied)", () => {
  const base = () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 0);
    return t;
  };

  it("BAD_COMMAND for an unknown command, BAD_TYPE for an unknown group type", () => {
    refused(base(), { ...add(2, T.ALL, []), command: 3 }, GMF, G.BAD_COMMAND);
    refused(base(), add(2, 4, []), GMF, G.BAD_TYPE);
    refused(base(), { ...del(1), groupType: 9 }, GMF, G.BAD_TYPE);
  });

  it("GROUP_EXISTS for ADD of an existing id; UNKNOWN_GROUP for MODIFY of an absent one", () => {
    refused(base(), add(1, T.ALL, []), GMF, G.GROUP_EXISTS);
    refused(base(), mod(2, T.ALL, []), GMF, G.UNKNOWN_GROUP);
  });

  it("INVALID_GROUP for reserved ids (above OFPG_MAX) on ADD and MODIFY", () => {
    refused(base(), add(0xffffff01, T.ALL, []), GMF, G.INVALID_GROUP);
    refused(base(), add(OFPG_ALL, T.ALL, []), GMF, G.INVALID_GROUP);
    refused(base(), mod(OFPG_ANY, T.ALL, []), GMF, G.INVALID_GROUP);
  });

  it("INVALID_GROUP for an INDIRECT group without exactly one bucket, and for weights outside SELECT", () => {
    refused(base(), add(2, T.INDIRECT, []), GMF, G.INVALID_GROUP);
    refused(base(), add(2, T.INDIRECT, [bucket([out(1)]), bucket([out(2)])]), GMF, G.INVALID_GROUP);
    refused(base(), add(2, T.ALL, [bucket([out(1)], { weight: 1 })]), GMF, G.INVALID_GROUP);
    refused(base(), add(2, T.FF, [bucket([out(1)], { weight: 1, watchPort: 1 })]), GMF, G.INVALID_GROUP);
  });

  it("WATCH_UNSUPPORTED for watches on ALL and INDIRECT buckets", () => {
    refused(base(), add(2, T.ALL, [bucket([out(1)], { watchPort: 1 })]), GMF, G.WATCH_UNSUPPORTED);
    refused(base(), add(2, T.INDIRECT, [bucket([out(1)], { watchGroup: 1 })]), GMF, G.WATCH_UNSUPPORTED);
  });

  it("BAD_WATCH: a FAST_FAILOVER bucket watching nothing, a reserved watch port, a watch group that is not there", () => {
    refused(base(), add(2, T.FF, [bucket([out(1)])]), GMF, G.BAD_WATCH);
    refused(base(), add(2, T.FF, [bucket([out(1)], { watchPort: OFPP.CONTROLLER })]), GMF, G.BAD_WATCH);
    refused(base(), add(2, T.FF, [bucket([out(1)], { watchPort: 0 })]), GMF, G.BAD_WATCH);
    refused(base(), add(2, T.FF, [bucket([out(1)], { watchGroup: 7 })]), GMF, G.BAD_WATCH);
    refused(base(), add(2, T.FF, [bucket([out(1)], { watchGroup: OFPG_ALL })]), GMF, G.BAD_WATCH);
    // LOCAL is a port that can be watched; SELECT buckets may watch (liveness).
    const t = base();
    t.apply(add(2, T.FF, [bucket([out(1)], { watchPort: OFPP.LOCAL })]), 0);
    t.apply(add(3, T.SELECT, [bucket([out(1)], { weight: 1, watchPort: 1 })]), 0);
  });

  it("bucket actions are checked as a FLOW_MOD's: BAD_OUT_PORT, BAD_OUT_GROUP, BAD_ARGUMENT", () => {
    refused(base(), add(2, T.ALL, [bucket([out(OFPP.ANY)])]), OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_PORT);
    refused(base(), add(2, T.ALL, [bucket([out(0)])]), OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_PORT);
    refused(base(), add(2, T.ALL, [bucket([toGroup(5)])]), OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_GROUP);
    refused(base(), add(2, T.ALL, [bucket([toGroup(OFPG_ALL)])]), OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_GROUP);
    refused(
      base(),
      add(2, T.ALL, [bucket([{ type: "push_vlan", ethertype: 0x0800 }])]),
      OFPET.BAD_ACTION,
      BAD_ACTION.BAD_ARGUMENT,
    );
  });

  it("OUT_OF_GROUPS and OUT_OF_BUCKETS at the table's limits", () => {
    const t = new GroupTable({ maxGroupsPerType: 2, maxBuckets: 2 });
    t.apply(add(1, T.ALL, []), 0);
    t.apply(add(2, T.ALL, []), 0);
    refused(t, add(3, T.ALL, []), GMF, G.OUT_OF_GROUPS);
    t.apply(add(3, T.SELECT, []), 0); // the limit is per type
    refused(t, mod(3, T.ALL, []), GMF, G.OUT_OF_GROUPS); // changing type into a full one
    refused(t, add(4, T.SELECT, [bucket([out(1)]), bucket([out(2)]), bucket([out(3)])]), GMF, G.OUT_OF_BUCKETS);
  });
});

describe("GroupTable: chaining and loops", () => {
  it("chains are accepted: a group's bucket forwards to another group, FF watches a group", () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 0);
    t.apply(add(2, T.INDIRECT, [bucket([toGroup(1)])]), 0);
    t.apply(add(3, T.FF, [bucket([out(2)], { watchGroup: 2 }), bucket([toGroup(1)], { watchPort: 3 })]), 0);
    expect(t.size).toBe(3);
    expect(t.groupReferences(1)).toBe(2);
  });

  it("LOOP for a group forwarding to or watching itself", () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 0);
    refused(t, add(2, T.ALL, [bucket([toGroup(2)])]), GMF, G.LOOP);
    refused(t, mod(1, T.ALL, [bucket([toGroup(1)])]), GMF, G.LOOP);
    refused(t, mod(1, T.FF, [bucket([out(1)], { watchGroup: 1 })]), GMF, G.LOOP);
  });

  it("LOOP for a MODIFY that would close a cycle through other groups", () => {
    // 1 → out; 2 → 1; 3 → 2. Modifying 1 to forward to 3 makes 1 → 3 → 2 → 1.
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 0);
    t.apply(add(2, T.ALL, [bucket([toGroup(1)])]), 0);
    t.apply(add(3, T.ALL, [bucket([toGroup(2)])]), 0);
    refused(t, mod(1, T.ALL, [bucket([toGroup(3)])]), GMF, G.LOOP);
    // ...also through a watch: 1 as FF watching 3 depends on 3's liveness, which depends on 1.
    refused(t, mod(1, T.FF, [bucket([out(1)], { watchGroup: 3 })]), GMF, G.LOOP);
    // A diamond is no loop: 4 → 2 and 4 → 3 (both reach 1).
    t.apply(add(4, T.ALL, [bucket([toGroup(2)]), bucket([toGroup(3)])]), 0);
  });

  it("CHAINED_GROUP for deleting a group another group forwards to or watches", () => {
    const t = new GroupTable();
    t.apply(add(1, T.ALL, [bucket([out(1)])]), 0);
    t.apply(add(2, T.ALL, [bucket([toGroup(1)])]), 0);
    t.apply(add(3, T.ALL, [bucket([out(1)])]), 0);
    t.apply(add(4, T.FF, [bucket([out(1)], { watchGroup: 3 })]), 0);
    refused(t, del(1), GMF, G.CHAINED_GROUP);
    refused(t, del(3), GMF, G.CHAINED_GROUP);
    // Deleting the referrer first frees it.
    t.apply(del(2), 0);
    expect(t.apply(del(1), 0).deleted.map((g) => g.groupId)).toEqual([1]);
  });
});

describe("FLOW_MOD reference check (applyFlowMod's checkInstructions)", () => {
  it("a group action to a group that does not exist is BAD_ACTION/BAD_OUT_GROUP; nothing is added", () => {
    const groups = new GroupTable();
    const tables = new RuleTables();
    const opts = {
      checkInstructions: (ins: Parameters<GroupTable["checkFlowGroups"]>[0]) => groups.checkFlowGroups(ins),
    };
    const fm = {
      ...defaultNormalFlow(),
      priority: 10,
      instructions: [{ type: "write_actions" as const, actions: [toGroup(7)] }],
    };
    let err: unknown;
    try {
      applyFlowMod(tables, fm, 0, opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OfpError);
    expect([(err as OfpError).errType, (err as OfpError).errCode]).toEqual([
      OFPET.BAD_ACTION,
      BAD_ACTION.BAD_OUT_GROUP,
    ]);
    expect(tables.ruleCount).toBe(0);
    groups.apply(add(7, T.ALL, []), 0);
    expect(applyFlowMod(tables, fm, 0, opts).added).toHaveLength(1);
    // apply-actions are checked too; a delete's instructions are not (they install nothing):
    // this one removes every rule.
    const apply = { ...fm, priority: 11, instructions: [{ type: "apply_actions" as const, actions: [toGroup(8)] }] };
    expect(() => applyFlowMod(tables, apply, 0, opts)).toThrow(OfpError);
    expect(applyFlowMod(tables, { ...apply, command: 3, tableId: 0xff }, 0, opts).removed).toHaveLength(1);
  });
});
