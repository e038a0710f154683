// The meter instruction in translation: an A_METER record with the meter's fast-path slot,
// after the rewrites made before it and before every output; unknown meters fail closed; the
// DSCP a remark band may change is never set back by a later commit.

import { beforeAll, describe, expect, it } from "vitest";
import { ActionList, DROP_REASON, describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { xlatePipeline } from "../../../../src/ofproto/xlate/xlate.ts";
import type { XlateEnv } from "../../../../src/ofproto/xlate/xlate-context.ts";
import { apply, DP, env, FixedTables, flowOf, goto, out, ports, setf } from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const SLOTS = new Map([
  [1, 7],
  [2, 9],
]);

function meterEnv(t: FixedTables): XlateEnv {
  return { ...env(t, ports(4)), meters: { slotOf: (id) => SLOTS.get(id) } };
}

const meter = (meterId: number) => ({ type: "meter" as const, meterId });

describe("meter instruction", () => {
  it("emits A_METER with the slot before the rule's apply-actions", () => {
    const t = new FixedTables().set(0, [apply(out(2)), meter(1)]);
    const r = xlatePipeline(meterEnv(t), flowOf(fp, {}, 1));
    expect(r.failed).toBeUndefined();
    expect(describeActions(r.actions)).toBe(describeActions(new ActionList().meter(7).output(DP(2)).bytes()));
    expect(r.trace.text()).toMatch(/meter:1 → datapath meter 7/);
  });

  it("meters of several tables run in pipeline order, after earlier outputs and rewrites", () => {
    const t = new FixedTables()
      .set(0, [meter(1), apply(setf("ip_dscp", 10), out(3)), goto(1)])
      .set(1, [meter(2), apply(out(2))]);
    const r = xlatePipeline(meterEnv(t), flowOf(fp, { tos: 0 }, 1));
    expect(r.failed).toBeUndefined();
    const want = new ActionList().meter(7).setDscp(10).output(DP(3)).meter(9).output(DP(2));
    expect(describeActions(r.actions)).toBe(describeActions(want.bytes()));
  });

  it("a DSCP set before a meter is not set again after it (the remark stands)", () => {
    const t = new FixedTables()
      .set(0, [meter(1), apply(setf("ip_dscp", 10)), goto(1)])
      .set(1, [meter(2), apply(out(2))]);
    const r = xlatePipeline(meterEnv(t), flowOf(fp, { tos: 0 }, 1));
    // set_dscp is committed before meter 9 runs, and not emitted again before the output.
    const want = new ActionList().meter(7).setDscp(10).meter(9).output(DP(2));
    expect(describeActions(r.actions)).toBe(describeActions(want.bytes()));
  });

  it("a set_field ip_dscp after the meter is emitted even when it equals the ingress value", () => {
    const t = new FixedTables().set(0, [meter(1), apply(setf("ip_dscp", 0), out(2))]);
    const r = xlatePipeline(meterEnv(t), flowOf(fp, { tos: 0 }, 1));
    expect(describeActions(r.actions)).toBe(
      describeActions(new ActionList().meter(7).setDscp(0).output(DP(2)).bytes()),
    );
  });

  it("an unknown meter fails closed", () => {
    const t = new FixedTables().set(0, [meter(5), apply(out(2))]);
    const r = xlatePipeline(meterEnv(t), flowOf(fp, {}, 1));
    expect(r.failed).toMatch(/meter:5 does not exist/);
    expect(r.actions).toEqual(new ActionList().drop(DROP_REASON.XLATE_FAILED).bytes());
  });
});
