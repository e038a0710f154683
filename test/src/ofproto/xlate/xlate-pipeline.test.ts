// Multi-table pipelines over the real rule tables: instruction order, the action set's order,
// goto and write-metadata (a Faucet-style vlan → eth_src → eth_dst → flood pipeline), groups of
// each type, table misses, and the depth guards.

import { beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../../openflow/constants.ts";
import { OFPGT_TYPES } from "../../../../openflow/messages/group-mod.ts";
import { ActionList, DROP_REASON, describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { xlatePacketOut, xlatePipeline } from "../../../../src/ofproto/xlate/xlate.ts";
import { MAX_DEPTH, MAX_GROUP_DEPTH } from "../../../../src/ofproto/xlate/xlate-context.ts";
import {
  addRule,
  apply,
  DP,
  env,
  FixedTables,
  flowOf,
  Groups,
  goto,
  grp,
  m,
  macBytes,
  meta,
  out,
  popVlan,
  ports,
  pushVlan,
  realTables,
  setf,
  write,
} from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const H1 = "02:00:00:00:00:01";
const H2 = "02:00:00:00:00:02";

describe("the action set", () => {
  it("runs in the spec's order whatever the order of writing, merging across tables", () => {
    const t = realTables();
    addRule(t, 0, 1, [], [write(out(2), setf("vlan_vid", 0x1005), pushVlan(), setf("eth_src", macBytes(H2))), goto(1)]);
    addRule(t, 1, 1, [], [write({ type: "dec_nw_ttl" })]);
    const r = xlatePipeline(env(t), flowOf(fp, {}, 1));
    expect(r.trace.of("action-set")[0].text).toBe(
      "action set: push_vlan:0x8100,dec_ttl,set_field:4101->vlan_vid,set_field:02:00:00:00:00:02->eth_src,output:2",
    );
    expect(describeActions(r.actions)).toBe(
      describeActions(new ActionList().setEthSrc(macBytes(H2)).pushVlan(0x8100, 5).decTtl().output(DP(2)).bytes()),
    );
  });

  it("one action per type: a later write replaces; clear_actions empties; a group beats output", () => {
    const t = realTables();
    const g = new Groups().add(7, OFPGT_TYPES.INDIRECT, [{ actions: [out(4)] }]);
    addRule(t, 0, 1, [], [write(out(2), setf("eth_dst", macBytes(H1))), goto(1)]);
    addRule(t, 1, 1, [], [write(out(3)), goto(2)]);
    addRule(t, 2, 1, [], [write(grp(7))]);
    expect(describeActions(xlatePipeline(env(t, ports(4), g), flowOf(fp, {}, 1)).actions)).toBe(
      `set_eth_dst:${H1},output:${DP(4)}`,
    );
    addRule(t, 2, 5, [], [{ type: "clear_actions" }, write(out(3))]);
    expect(describeActions(xlatePipeline(env(t, ports(4), g), flowOf(fp, {}, 1)).actions)).toBe(`output:${DP(3)}`);
  });

  it("apply-actions run before the action set, in instruction spec order", () => {
    const t = new FixedTables().set(0, [write(out(3)), apply(out(2))]);
    expect(describeActions(xlatePipeline(env(t), flowOf(fp, {}, 1)).actions)).toBe(`output:${DP(2)},output:${DP(3)}`);
  });
});

describe("table misses and gotos", () => {
  it("a miss with no table-miss rule drops, keeping outputs already applied, and says so", () => {
    const t = realTables();
    addRule(t, 0, 1, [], [apply(out(2)), write(out(3)), goto(4)]);
    const r = xlatePipeline(env(t), flowOf(fp, {}, 1));
    expect(describeActions(r.actions)).toBe(`output:${DP(2)}`);
    expect(r.trace.text()).toMatch(/table 4: no match and no table-miss rule: drop/);
  });

  it("an empty table 0 is a drop with no actions", () => {
    const r = xlatePipeline(env(realTables()), flowOf(fp, {}, 1));
    expect(r.actions.length).toBe(0);
    expect(r.failed).toBeUndefined();
  });

  it("goto backwards fails closed", () => {
    const t = new FixedTables().set(0, [goto(3)]).set(3, [goto(2)]);
    const r = xlatePipeline(env(t), flowOf(fp, {}, 1));
    expect(r.failed).toMatch(/goto must go forward/);
    expect(r.actions).toEqual(new ActionList().drop(DROP_REASON.XLATE_FAILED).bytes());
  });

  it(`the MAX_DEPTH guard (${MAX_DEPTH}) stops a goto chain longer than it, by name`, () => {
    const t = new FixedTables();
    for (let i = 0; i < 100; i++) t.set(i, [goto(i + 1)]);
    t.set(100, [apply(out(2))]);
    const r = xlatePipeline(env(t), flowOf(fp, {}, 1));
    expect(r.failed).toMatch(/MAX_DEPTH guard/);
    const ok = new FixedTables();
    for (let i = 0; i < 10; i++) ok.set(i, [goto(i + 1)]);
    ok.set(10, [apply(out(2))]);
    expect(xlatePipeline(env(ok), flowOf(fp, {}, 1)).failed).toBeUndefined();
  });

  it(`the MAX_GROUP_DEPTH guard (${MAX_GROUP_DEPTH}) stops a group loop`, () => {
    const g = new Groups()
      .add(1, OFPGT_TYPES.INDIRECT, [{ actions: [grp(2)] }])
      .add(2, OFPGT_TYPES.INDIRECT, [{ actions: [grp(1)] }]);
    const r = xlatePipeline(env(new FixedTables().set(0, [apply(grp(1))]), ports(4), g), flowOf(fp, {}, 1));
    expect(r.failed).toMatch(/MAX_GROUP_DEPTH guard/);
  });

  it("the MAX_RESUBMITS guard bounds ALL-of-ALL fan-out", () => {
    const g = new Groups();
    const fan = (next: number) => Array.from({ length: 8 }, () => ({ actions: [grp(next)] }));
    for (let i = 1; i <= 6; i++) g.add(i, OFPGT_TYPES.ALL, fan(i + 1));
    g.add(7, OFPGT_TYPES.ALL, [{ actions: [out(2)] }]);
    const r = xlatePipeline(env(new FixedTables().set(0, [apply(grp(1))]), ports(4), g), flowOf(fp, {}, 1));
    expect(r.failed).toMatch(/MAX_RESUBMITS guard/);
  });
});

describe("a Faucet-style pipeline: vlan → eth_src → eth_dst → flood", () => {
  // Ports 1, 2 access VLAN 100; port 3 a trunk carrying 100 tagged.
  function faucet() {
    const t = realTables();
    const vlan100 = [apply(pushVlan(), setf("vlan_vid", 0x1000 | 100)), meta(100n, 0xfffn), goto(1)];
    addRule(t, 0, 10, [m("in_port", 1), m("vlan_vid", 0)], vlan100);
    addRule(t, 0, 10, [m("in_port", 2), m("vlan_vid", 0)], vlan100);
    addRule(t, 0, 10, [m("in_port", 3), m("vlan_vid", 0x1000 | 100)], [meta(100n, 0xfffn), goto(1)]);
    // eth_src: known hosts go on; unknown ones are sent to the controller too.
    addRule(t, 1, 20, [m("metadata", 100n, 0xfffn), m("eth_src", macBytes(H1))], [goto(2)]);
    addRule(t, 1, 0, [], [apply(out(OFPP.CONTROLLER, 128)), goto(2)]);
    // eth_dst: H1 is learned on port 1.
    addRule(t, 2, 20, [m("vlan_vid", 0x1000 | 100), m("eth_dst", macBytes(H1))], [apply(popVlan, out(1))]);
    addRule(t, 2, 0, [], [goto(3)]);
    // flood: access ports untagged, the trunk tagged.
    addRule(t, 3, 10, [m("metadata", 100n, 0xfffn)], [apply(out(3), popVlan, out(1), out(2))]);
    return t;
  }

  it("unknown destination floods: trunk tagged first, then access ports untagged, never the ingress", () => {
    const r = xlatePipeline(env(faucet()), flowOf(fp, { src: H1, dst: H2 }, 1));
    expect(r.failed).toBeUndefined();
    expect(describeActions(r.actions)).toBe(
      `push_vlan(tpid=0x8100,vid=100,pcp=0),output:${DP(3)},pop_vlan,output:${DP(2)}`,
    );
    expect(r.rules.map((x) => x.tableId)).toEqual([0, 1, 2, 3]);
    expect(r.trace.text()).toMatch(/write_metadata:0x64\/0xfff → metadata 0x64/);
  });

  it("a known destination is forwarded; an unknown source also goes to the controller", () => {
    const r = xlatePipeline(env(faucet()), flowOf(fp, { src: H2, dst: H1 }, 2));
    expect(describeActions(r.actions)).toMatch(
      /^push_vlan\(tpid=0x8100,vid=100,pcp=0\),userspace\(\d+\),pop_vlan,output:11$/,
    );
  });

  it("trunk input stays tagged to nobody else but access ports; ingress excluded", () => {
    const r = xlatePipeline(env(faucet()), flowOf(fp, { src: H1, dst: H2, vlans: [{ vid: 100 }] }, 3));
    expect(describeActions(r.actions)).toBe(`pop_vlan,output:${DP(1)},output:${DP(2)}`);
  });
});

describe("groups", () => {
  const t0 = (groupId: number) => new FixedTables().set(0, [apply(grp(groupId))]);

  it("SELECT picks a bucket by a stable hash, in proportion to weights, and un-wildcards what it hashed", () => {
    const g = new Groups().add(1, OFPGT_TYPES.SELECT, [
      { weight: 1, actions: [out(2)] },
      { weight: 3, actions: [out(3)] },
      { weight: 0, actions: [out(4)] },
    ]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const f = {
        src: `02:00:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`,
        sport: 1000 + i,
      };
      const a = xlatePipeline(env(t0(1), ports(4), g), flowOf(fp, f, 1));
      const b = xlatePipeline(env(t0(1), ports(4), g), flowOf(fp, f, 1));
      expect(a.actions).toEqual(b.actions);
      const k = describeActions(a.actions);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      expect(a.mask.slice(8, 20).every((x) => x === 0xff)).toBe(true); // both MACs
      expect(a.mask[64]).toBe(0xff); // UDP ports
    }
    expect(counts.get(`output:${DP(4)}`)).toBeUndefined();
    const two = counts.get(`output:${DP(2)}`) ?? 0;
    expect(two).toBeGreaterThan(60);
    expect(two).toBeLessThan(140);
  });

  it("FAST_FAILOVER uses the first bucket whose watch port is live", () => {
    const g = new Groups().add(1, OFPGT_TYPES.FF, [
      { watchPort: 2, actions: [out(2)] },
      { watchPort: 3, actions: [out(3)] },
    ]);
    expect(describeActions(xlatePipeline(env(t0(1), ports(4), g), flowOf(fp, {}, 1)).actions)).toBe(`output:${DP(2)}`);
    const down = ports(4, { 2: { live: false } });
    expect(describeActions(xlatePipeline(env(t0(1), down, g), flowOf(fp, {}, 1)).actions)).toBe(`output:${DP(3)}`);
    const allDown = ports(4, { 2: { live: false }, 3: { live: false } });
    const r = xlatePipeline(env(t0(1), allDown, g), flowOf(fp, {}, 1));
    expect(r.actions.length).toBe(0);
    expect(r.trace.text()).toMatch(/no live bucket/);
  });

  it("a missing group sends nothing and is reported for revalidation", () => {
    const r = xlatePipeline(env(t0(9)), flowOf(fp, {}, 1));
    expect(r.actions.length).toBe(0);
    expect(r.groupIds).toEqual([9]);
  });
});

describe("packet-out", () => {
  it("output:TABLE runs the pipeline from table 0; in a rule's actions it is ignored", () => {
    const t = new FixedTables().set(0, [apply(out(3), out(OFPP.TABLE))]);
    const r = xlatePacketOut(env(t), flowOf(fp, {}, 1), [setf("eth_dst", macBytes(H1)), out(OFPP.TABLE)]);
    expect(describeActions(r.actions)).toBe(`set_eth_dst:${H1},output:${DP(3)}`);
    expect(r.trace.text()).toMatch(/output:TABLE: only valid in a packet-out/);
  });
});
