// Rule expiry on its own, with a hand-driven clock: idle timeouts move with use, hard timeouts
// do not, HARD wins when both are due, only rules with timeouts are looked at, and the
// FLOW_REMOVED messages built from what expired carry reason, duration, timeouts and counters
// (and exist only for SEND_FLOW_REM rules).

import { describe, expect, it } from "vitest";
import { OFPTT_ALL } from "../../../openflow/constants.ts";
import type { Match } from "../../../openflow/match/match.ts";
import { OFPFC, OFPFF } from "../../../openflow/messages/flow-mod.ts";
import { OFPRR } from "../../../openflow/messages/flow-removed.ts";
import { applyFlowMod } from "../../../src/ofproto/flow-mod.ts";
import { expireRules, expiryReason } from "../../../src/ofproto/rule-expiry.ts";
import { creditRule, flowRemovedMessages } from "../../../src/ofproto/rule-stats.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";
import { flowMod, ip4 } from "./flow-fixtures.ts";

const IP: Match = [{ name: "eth_type", value: 0x0800 }];
const host = (d: number): Match => [...IP, { name: "ipv4_dst", value: ip4(10, 0, 0, d) }];

function tables() {
  const t = new RuleTables();
  const add = (d: number, idleTimeout: number, hardTimeout: number, flags = OFPFF.SEND_FLOW_REM, tableId = 0) =>
    applyFlowMod(t, flowMod({ match: host(d), idleTimeout, hardTimeout, flags, tableId }), 1000).added[0];
  return {
    t,
    idle: add(1, 10, 0),
    hard: add(2, 0, 20),
    both: add(3, 5, 5),
    quiet: add(4, 10, 0, 0),
    forever: add(5, 0, 0),
    add,
  };
}

describe("expiryReason", () => {
  it("is due exactly at the timeout, measured from created (hard) or last use (idle)", () => {
    const { idle, hard, forever } = tables();
    expect(expiryReason(idle, 10_999)).toBeUndefined();
    expect(expiryReason(idle, 11_000)).toBe(OFPRR.IDLE_TIMEOUT);
    creditRule(idle, 1, 60, 5_000);
    expect(expiryReason(idle, 14_999)).toBeUndefined();
    expect(expiryReason(idle, 15_000)).toBe(OFPRR.IDLE_TIMEOUT);
    creditRule(hard, 1, 60, 20_000); // use does not extend a hard timeout
    expect(expiryReason(hard, 21_000)).toBe(OFPRR.HARD_TIMEOUT);
    expect(expiryReason(forever, 1e12)).toBeUndefined();
  });
});

describe("expireRules", () => {
  it("expires idle rules unless used, hard rules regardless, HARD first when both are due", () => {
    const { t, idle, hard, both, quiet } = tables();
    creditRule(idle, 1, 60, 9_000);
    expect(expireRules(t, 5_999)).toEqual([]);
    expect(expireRules(t, 6_000).map((g) => [g.rule, g.reason])).toEqual([[both, OFPRR.HARD_TIMEOUT]]);
    expect(expireRules(t, 10_999)).toEqual([]);
    expect(expireRules(t, 11_000).map((g) => [g.rule, g.reason])).toEqual([[quiet, OFPRR.IDLE_TIMEOUT]]);
    expect(expireRules(t, 19_000).map((g) => [g.rule, g.reason])).toEqual([[idle, OFPRR.IDLE_TIMEOUT]]);
    expect(expireRules(t, 21_000).map((g) => [g.rule, g.reason])).toEqual([[hard, OFPRR.HARD_TIMEOUT]]);
    expect(t.table(0).size).toBe(1);
    expect(expireRules(t, 1e12)).toEqual([]);
  });
  it("tracks only rules with a timeout, and forgets rules deleted or replaced", () => {
    const { t, add } = tables();
    expect(t.timed.size).toBe(4);
    applyFlowMod(t, flowMod({ command: OFPFC.DELETE_STRICT, match: host(1) }), 2000);
    expect(t.timed.size).toBe(3);
    add(2, 0, 0); // replaces the hard-timeout rule with a permanent one
    expect(t.timed.size).toBe(2);
    expect(expireRules(t, 1e12).map((g) => g.rule.match)).toEqual([host(3), host(4)]);
    expect(t.timed.size).toBe(0);
  });
  it("returns expired rules in table then insertion order", () => {
    const { t, add } = tables();
    const late = add(9, 1, 0, 0, 3);
    const early = add(8, 1, 0, 0, 1);
    const gone = expireRules(t, 1e12).map((g) => g.rule);
    expect(gone.indexOf(early)).toBeLessThan(gone.indexOf(late));
    expect(gone.slice(-2)).toEqual([early, late]);
  });
});

describe("FLOW_REMOVED for expired rules", () => {
  it("only for SEND_FLOW_REM rules, with reason, duration and counters", () => {
    const { t, both } = tables();
    creditRule(both, 2, 128, 2000);
    const msgs = flowRemovedMessages(expireRules(t, 6_500), 6_500);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({
      kind: "flow-removed",
      reason: OFPRR.HARD_TIMEOUT,
      priority: both.priority,
      tableId: 0,
      durationSec: 5,
      durationNsec: 500_000_000,
      idleTimeout: 5,
      hardTimeout: 5,
      packetCount: 2n,
      byteCount: 128n,
      match: both.match,
    });
    const del = applyFlowMod(t, flowMod({ command: OFPFC.DELETE, tableId: OFPTT_ALL }), 7_000);
    expect(del.removed).toHaveLength(4);
    const reasons = flowRemovedMessages(del.removed, 7_000).map((m) => m.reason);
    expect(reasons).toEqual([OFPRR.DELETE, OFPRR.DELETE, OFPRR.DELETE]); // not the quiet one
  });
});
