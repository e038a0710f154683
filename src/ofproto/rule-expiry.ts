// Rule lifetimes: OpenFlow idle and hard timeouts (OpenFlow 1.3.5 §5.5), checked on the ofproto
// tick.
//
// What: expiryReason(rule, now) says whether and why a rule has expired; expireRules(tables,
//   now) removes every expired rule of a bridge's tables and returns them with their OFPRR_*
//   reason, for FLOW_REMOVED (rule-stats.ts flowRemovedMessages) and revalidation (ofproto.ts).
// Design: time is the caller's clock in milliseconds (Ofproto.now()), the clock applyFlowMod
//   stamps `created` with and creditRule advances `lastUsed` with. A rule is hard-expired when
//   now - created >= hard_timeout s and idle-expired when now - lastUsed >= idle_timeout s;
//   when both hold HARD_TIMEOUT is the reason (Open vSwitch checks it first). Only rules with a
//   timeout are looked at: RuleTables keeps them in `timed`, so a tick over 100k permanent rules
//   costs nothing. The tick runs once a second (as in Open vSwitch), so a rule outlives its
//   timeout by less than a second.
//   Idle honesty: lastUsed moves when megaflow statistics credit the rule, and the datapath
//   worker reports them every 500 ms (datapath-worker.ts STATS_INTERVAL_MS, Open vSwitch's
//   revalidator period), so a rule carrying fast-path traffic is at most ~0.5 s behind — less
//   than the shortest idle timeout (1 s). A hard-expired rule's FLOW_REMOVED counts what was
//   reported up to that moment: traffic of the last report period may be missing.
// Invariants: expireRules removes exactly what it returns; a rule without timeouts never
//   expires.
// Threading: main thread.

import { OFPRR } from "../../openflow/messages/flow-removed.ts";
import type { RemovedRule } from "./flow-mod.ts";
import type { Rule, RuleTables } from "./rule-table.ts";

/** The reason `rule` has expired at `now` (OFPRR_HARD_TIMEOUT / OFPRR_IDLE_TIMEOUT), or undefined. */
export function expiryReason(rule: Rule, now: number): number | undefined {
  if (rule.hardTimeout !== 0 && now - rule.created >= rule.hardTimeout * 1000) return OFPRR.HARD_TIMEOUT;
  if (rule.idleTimeout !== 0 && now - rule.lastUsed >= rule.idleTimeout * 1000) return OFPRR.IDLE_TIMEOUT;
  return undefined;
}

/**
 * Removes every rule whose idle or hard timeout has passed at `now`, and returns them in table
 * then insertion order.
 */
export function expireRules(tables: RuleTables, now: number): RemovedRule[] {
  if (tables.timed.size === 0) return [];
  const gone: RemovedRule[] = [];
  for (const rule of tables.timed) {
    const reason = expiryReason(rule, now);
    if (reason !== undefined) gone.push({ rule, reason });
  }
  gone.sort((a, b) => a.rule.tableId - b.rule.tableId || a.rule.id - b.rule.id);
  for (const g of gone) tables.remove(g.rule);
  return gone;
}
