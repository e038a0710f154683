// OpenFlow port config bits (PORT_MOD) in translation: PORT_DOWN / NO_RECV drop what the port
// receives before table 0, NO_FWD keeps the port out of outputs and floods, NO_PACKET_IN drops
// CONTROLLER outputs for packets received on the port — each with the exact actions and mask
// (nothing beyond in_port is read for the decision, which every translation masks anyway).

import { beforeAll, describe, expect, it } from "vitest";
import { OFPP } from "../../../../openflow/constants.ts";
import { OFPPC } from "../../../../openflow/messages/port.ts";
import { ActionList, DROP_REASON, describeActions } from "../../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath } from "../../../../src/datapath/fastpath-module.ts";
import { KeyMask, PRESENT } from "../../../../src/datapath/flow-key.ts";
import { type XlateResult, xlatePipeline } from "../../../../src/ofproto/xlate/xlate.ts";
import { apply, DP, env, FixedTables, flowOf, out, ports } from "./xlate-harness.ts";

let fp: FastPath;
beforeAll(async () => {
  fp = await createFastPath({ buffers: 64 });
});

const base = () => new KeyMask().inPort().presentBits(PRESENT.ETH);

function expectXlate(r: XlateResult, list: ActionList): void {
  expect(r.failed).toBeUndefined();
  expect(describeActions(r.actions)).toBe(describeActions(list.bytes()));
  expect(r.mask).toEqual(base().bytes);
}

describe("input config", () => {
  it.each([
    ["PORT_DOWN", OFPPC.PORT_DOWN, /is down/],
    ["NO_RECV", OFPPC.NO_RECV, /has no-receive/],
  ])("%s on in_port drops before table 0 (no rule is matched)", (_n, config, why) => {
    const t = new FixedTables().set(0, [apply(out(2))]);
    const r = xlatePipeline(env(t, ports(3, { 1: { config } })), flowOf(fp, {}, 1));
    expectXlate(r, new ActionList().drop(DROP_REASON.ADMIN_DOWN));
    expect(r.rules).toEqual([]);
    expect(r.trace.text()).toMatch(why);
  });

  it("NO_FWD or NO_PACKET_IN on in_port does not stop input", () => {
    const t = new FixedTables().set(0, [apply(out(2))]);
    const pm = ports(3, { 1: { config: OFPPC.NO_FWD | OFPPC.NO_PACKET_IN } });
    expectXlate(xlatePipeline(env(t, pm), flowOf(fp, {}, 1)), new ActionList().output(DP(2)));
  });
});

describe("NO_FWD", () => {
  it("output:N to a NO_FWD port is skipped; other outputs stand", () => {
    const t = new FixedTables().set(0, [apply(out(2), out(3))]);
    const r = xlatePipeline(env(t, ports(3, { 2: { config: OFPPC.NO_FWD } })), flowOf(fp, {}, 1));
    expectXlate(r, new ActionList().output(DP(3)));
    expect(r.trace.text()).toMatch(/output:2: port has no-forward; skipped/);
  });

  it("output:IN_PORT to a NO_FWD in_port is skipped too", () => {
    const t = new FixedTables().set(0, [apply(out(OFPP.IN_PORT), out(2))]);
    const r = xlatePipeline(env(t, ports(3, { 1: { config: OFPPC.NO_FWD } })), flowOf(fp, {}, 1));
    expectXlate(r, new ActionList().output(DP(2)));
  });

  it("FLOOD and ALL leave NO_FWD ports out", () => {
    const pm = ports(4, { 3: { config: OFPPC.NO_FWD } });
    for (const port of [OFPP.FLOOD, OFPP.ALL]) {
      const t = new FixedTables().set(0, [apply(out(port))]);
      expectXlate(xlatePipeline(env(t, pm), flowOf(fp, {}, 1)), new ActionList().output(DP(2)).output(DP(4)));
    }
  });
});

describe("NO_PACKET_IN", () => {
  it("drops CONTROLLER outputs for packets received on the port, keeps the rest", () => {
    const t = new FixedTables().set(0, [apply(out(OFPP.CONTROLLER, 128), out(2))]);
    const r = xlatePipeline(env(t, ports(3, { 1: { config: OFPPC.NO_PACKET_IN } })), flowOf(fp, {}, 1));
    expectXlate(r, new ActionList().output(DP(2)));
    expect(r.trace.text()).toMatch(/no-packet-in; dropped/);
    // The same rule for a packet from another port still goes to the controller.
    const r2 = xlatePipeline(env(t, ports(3, { 1: { config: OFPPC.NO_PACKET_IN } })), flowOf(fp, {}, 3));
    expect(describeActions(r2.actions)).toMatch(/userspace/);
  });
});
