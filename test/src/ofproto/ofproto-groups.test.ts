// Ofproto with groups: GROUP_MOD on a bridge, the rules a deleted group takes along, the FLOW_MOD
// reference check, group/bucket counters fed from megaflow stats, and link state driving
// FAST_FAILOVER — against a recording stand-in for the datapath runtime and flow keys parsed by
// the real fast path.
//
// What it proves: a group action runs the group's buckets; a GROUP_MOD that changes the table
// deletes the bridge's megaflows (no stale translation), a refused one deletes none; deleting a
// group removes every rule whose own actions use it (apply or write, any table) with reason
// GROUP_DELETE and leaves the others; a FLOW_MOD naming an absent group is refused with
// BAD_ACTION/BAD_OUT_GROUP; the group and the bucket a translation ran are credited with the
// missed packet and with the growth of the megaflow's counters; a watched port whose link goes
// down revalidates and the next miss takes the next live bucket.

import { beforeAll, describe, expect, it } from "vitest";
import type { Action } from "../../../openflow/actions/actions.ts";
import { OFPG_ALL, OFPG_ANY, OFPP } from "../../../openflow/constants.ts";
import { BAD_ACTION, OFPET, OfpError } from "../../../openflow/errors.ts";
import { OFPFC } from "../../../openflow/messages/flow-mod.ts";
import { OFPRR } from "../../../openflow/messages/flow-removed.ts";
import type { Bucket } from "../../../openflow/messages/group-buckets.ts";
import { OFPGC, OFPGT_TYPES as T } from "../../../openflow/messages/group-mod.ts";
import { describeActions } from "../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import type { DatapathRuntime } from "../../../src/datapath/runtime/datapath-runtime.ts";
import type { FlowModRequest } from "../../../src/ofproto/flow-mod.ts";
import type { GroupModRequest } from "../../../src/ofproto/group-table.ts";
import { policyOf } from "../../../src/ofproto/normal/vlan-policy.ts";
import { defaultNormalFlow, Ofproto } from "../../../src/ofproto/ofproto.ts";
import { apply, frame, grp, m, out, parseKey, write } from "./xlate/xlate-harness.ts";

class FakeRuntime {
  installs: Array<{ handle: number; actions: string }> = [];
  deletes: number[] = [];
  install(handle: number, _k: Uint8Array, _m: Uint8Array, actions: Uint8Array): boolean {
    this.installs.push({ handle, actions: describeActions(actions) });
    return true;
  }
  execute(): boolean {
    return true;
  }
  deleteFlow(handle: number): boolean {
    this.deletes.push(handle);
    return true;
  }
}

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

/** Bridge br with ports dp 1..3 (ofports 11..13), no flows. */
function setup(): { of: Ofproto; rt: FakeRuntime } {
  const of = new Ofproto();
  const rt = new FakeRuntime();
  of.attach(rt as unknown as DatapathRuntime);
  of.addBridge("br", 300, 1000);
  for (const dp of [1, 2, 3]) {
    of.setPort("br", { dpPort: dp, name: `p${dp}`, policy: policyOf("trunk", 0, []), up: true }, 10 + dp);
  }
  of.flowMod("br", { ...defaultNormalFlow(), command: OFPFC.DELETE, tableId: 0xff });
  return { of, rt };
}

const flowMod = (over: Partial<FlowModRequest>): FlowModRequest => ({ ...defaultNormalFlow(), ...over });
const bucket = (actions: Action[], over: Partial<Bucket> = {}): Bucket => ({
  weight: 0,
  watchPort: OFPP.ANY,
  watchGroup: OFPG_ANY,
  actions,
  ...over,
});
const addGroup = (groupId: number, groupType: number, buckets: Bucket[]): GroupModRequest => ({
  command: OFPGC.ADD,
  groupType,
  groupId,
  buckets,
});

function miss(of: Ofproto, dpPort: number): Uint8Array {
  const bytes = frame({ src: "02:00:00:00:00:0a", dst: "02:00:00:00:00:0b" });
  of.onMiss(dpPort, parseKey(fp, bytes, dpPort), bytes);
  return bytes;
}

describe("Ofproto groups", () => {
  it("a group action runs the buckets; GROUP_MOD revalidates, a refused one does not", () => {
    const { of, rt } = setup();
    of.groupMod("br", addGroup(1, T.ALL, [bucket([out(12)]), bucket([out(13)])]));
    of.flowMod("br", flowMod({ priority: 10, match: [m("in_port", 11)], instructions: [apply(grp(1))] }));
    miss(of, 1);
    expect(rt.installs.at(-1)?.actions).toBe("output:2,output:3");
    const h = rt.installs.at(-1)?.handle;
    expect(() => of.groupMod("br", addGroup(1, T.ALL, []))).toThrow(OfpError);
    expect(rt.deletes).toEqual([]);
    of.groupMod("br", { ...addGroup(1, T.ALL, [bucket([out(13)])]), command: OFPGC.MODIFY });
    expect(rt.deletes).toEqual([h]);
    miss(of, 1);
    expect(rt.installs.at(-1)?.actions).toBe("output:3");
  });

  it("deleting a group removes the rules that use it (reason GROUP_DELETE), and only those", () => {
    const { of } = setup();
    of.groupMod("br", addGroup(1, T.ALL, [bucket([out(12)])]));
    of.groupMod("br", addGroup(2, T.ALL, [bucket([out(13)])]));
    of.flowMod("br", flowMod({ priority: 10, match: [m("in_port", 11)], instructions: [apply(grp(1))] }));
    of.flowMod("br", flowMod({ tableId: 3, priority: 5, instructions: [write(grp(1))] }));
    of.flowMod("br", flowMod({ priority: 9, match: [m("in_port", 12)], instructions: [apply(grp(2))] }));
    of.flowMod("br", flowMod({ priority: 8, instructions: [apply(out(11))] }));
    const r = of.groupMod("br", { command: OFPGC.DELETE, groupType: 0, groupId: 1, buckets: [] });
    expect(r.deleted.map((g) => g.groupId)).toEqual([1]);
    expect(r.removed.map((x) => [x.rule.tableId, x.rule.priority, x.reason])).toEqual([
      [0, 10, OFPRR.GROUP_DELETE],
      [3, 5, OFPRR.GROUP_DELETE],
    ]);
    const left = [...(of.bridges.get("br")?.tables.rules(0xff) ?? [])].map((x) => x.priority);
    expect(left.sort()).toEqual([8, 9]);
    // OFPG_ALL takes the rest of the group users along.
    const all = of.groupMod("br", { command: OFPGC.DELETE, groupType: 0, groupId: OFPG_ALL, buckets: [] });
    expect(all.removed.map((x) => x.rule.priority)).toEqual([9]);
  });

  it("a FLOW_MOD naming a group that does not exist is BAD_ACTION/BAD_OUT_GROUP, and adds nothing", () => {
    const { of } = setup();
    let err: OfpError | undefined;
    try {
      of.flowMod("br", flowMod({ priority: 10, instructions: [apply(grp(4))] }));
    } catch (e) {
      err = e as OfpError;
    }
    expect([err?.errType, err?.errCode]).toEqual([OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_GROUP]);
    expect(of.bridges.get("br")?.tables.ruleCount).toBe(0);
  });

  it("credits the group and the bucket run with the missed packet and the megaflow's growth", () => {
    const { of, rt } = setup();
    of.groupMod("br", addGroup(1, T.SELECT, [bucket([out(12)], { weight: 1 }), bucket([out(13)], { weight: 1 })]));
    of.flowMod("br", flowMod({ priority: 10, instructions: [apply(grp(1))] }));
    const bytes = miss(of, 1);
    const g = of.bridges.get("br")?.groups.get(1);
    if (!g) throw new Error("no group");
    const picked = rt.installs[0].actions === "output:2" ? 0 : 1;
    expect(rt.installs[0].actions).toBe(picked === 0 ? "output:2" : "output:3");
    expect([g.packetCount, g.byteCount]).toEqual([1n, BigInt(bytes.length)]);
    of.onFlowStats(rt.installs[0].handle, 0, 4, 400);
    of.onFlowStats(rt.installs[0].handle, 0, 6, 600); // cumulative: +2 more
    expect([g.packetCount, g.byteCount]).toEqual([7n, BigInt(bytes.length + 600)]);
    expect(g.bucketCounts[picked].packetCount).toBe(7n);
    expect(g.bucketCounts[1 - picked].packetCount).toBe(0n);
  });

  it("FAST_FAILOVER follows link state: link down revalidates, the next miss takes the next bucket", () => {
    const { of, rt } = setup();
    of.groupMod("br", addGroup(1, T.FF, [bucket([out(12)], { watchPort: 12 }), bucket([out(13)], { watchPort: 13 })]));
    of.flowMod("br", flowMod({ priority: 10, instructions: [apply(grp(1))] }));
    miss(of, 1);
    expect(rt.installs.at(-1)?.actions).toBe("output:2");
    const h = rt.installs.at(-1)?.handle;
    of.setPortState("br", 2, { linkUp: true }); // no change: nothing revalidated
    expect(rt.deletes).toEqual([]);
    of.setPortState("br", 2, { linkUp: false });
    expect(rt.deletes).toEqual([h]);
    miss(of, 1);
    expect(rt.installs.at(-1)?.actions).toBe("output:3");
    of.setPortState("br", 2, { linkUp: true });
    miss(of, 1);
    expect(rt.installs.at(-1)?.actions).toBe("output:2");
  });
});
