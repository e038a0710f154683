// Rule statistics: counters credited from the datapath,
// FLOW_REMOVED messages, and the FLOW, AGGREGATE and TABLE multipart replies' entries.
//
// What: creditRule, flowRemovedMessage(s), flowStats, aggregateStats, tableStats (expiry is
//   rule-expiry.ts).
// Design: time is the caller's clock in milliseconds (Ofproto.now()), the same clock given to
//   applyFlowMod. Counters are u64 bigints on the rule; NO_PKT_COUNTS / NO_BYT_COUNTS rules keep
//   none and report all-ones, the spec's "counter not available" (OpenFlow 1.3.5 §5.8), while
//   their last-used time still advances so idle timeouts work. Stats requests select rules
//   as a non-strict FLOW_MOD does (rule-match.ts), with out_port/out_group filters always on.
// Invariants: FLOW_REMOVED is produced only for rules with OFPFF_SEND_FLOW_REM (the caller also
//   applies the connection's async-config mask).
// Threading: main thread.

import { OFPTT_ALL } from "../../openflow/constants.ts";
import { BAD_REQUEST, OFPET, OfpError } from "../../openflow/errors.ts";
import { validateMatch } from "../../openflow/match/match.ts";
import { OFPFF } from "../../openflow/messages/flow-mod.ts";
import type { FlowRemovedMessage } from "../../openflow/messages/flow-removed.ts";
import type {
  AggregateReply,
  AggregateRequest,
  FlowStats,
  FlowStatsRequest,
} from "../../openflow/messages/flow-stats.ts";
import type { TableStats } from "../../openflow/messages/multipart-stats.ts";
import type { RemovedRule } from "./flow-mod.ts";
import { cookieSelects, matchCovers, normalizeMatch, outputsTo, usesGroup } from "./rule-match.ts";
import { isValidTableId, type Rule, type RuleTables } from "./rule-table.ts";

/** The value of a counter the rule does not keep (OFPFF_NO_PKT_COUNTS / NO_BYT_COUNTS). */
export const COUNTER_UNAVAILABLE = 0xffff_ffff_ffff_ffffn;

const U64 = (1n << 64n) - 1n;

/** Credits traffic to a rule (from megaflow stats): counters wrap at 2^64 as the spec says. */
export function creditRule(rule: Rule, packets: number | bigint, bytes: number | bigint, now: number): void {
  const p = BigInt(packets);
  if (p <= 0n) return;
  if ((rule.flags & OFPFF.NO_PKT_COUNTS) === 0) rule.packetCount = (rule.packetCount + p) & U64;
  if ((rule.flags & OFPFF.NO_BYT_COUNTS) === 0) rule.byteCount = (rule.byteCount + BigInt(bytes)) & U64;
  if (now > rule.lastUsed) rule.lastUsed = now;
}

export function packetCountOf(rule: Rule): bigint {
  return rule.flags & OFPFF.NO_PKT_COUNTS ? COUNTER_UNAVAILABLE : rule.packetCount;
}

export function byteCountOf(rule: Rule): bigint {
  return rule.flags & OFPFF.NO_BYT_COUNTS ? COUNTER_UNAVAILABLE : rule.byteCount;
}

function duration(rule: Rule, now: number): { durationSec: number; durationNsec: number } {
  const ms = Math.max(0, now - rule.created);
  const durationSec = Math.floor(ms / 1000);
  return { durationSec, durationNsec: Math.min(999_999_999, Math.round((ms - durationSec * 1000) * 1e6)) };
}

export function flowRemovedMessage(rule: Rule, reason: number, now: number, xid = 0): FlowRemovedMessage {
  return {
    kind: "flow-removed",
    xid,
    cookie: rule.cookie,
    priority: rule.priority,
    reason,
    tableId: rule.tableId,
    ...duration(rule, now),
    idleTimeout: rule.idleTimeout,
    hardTimeout: rule.hardTimeout,
    packetCount: packetCountOf(rule),
    byteCount: byteCountOf(rule),
    match: rule.match,
  };
}

/** FLOW_REMOVED messages for the removed rules that asked for one (OFPFF_SEND_FLOW_REM). */
export function flowRemovedMessages(removed: readonly RemovedRule[], now: number): FlowRemovedMessage[] {
  return removed
    .filter((r) => (r.rule.flags & OFPFF.SEND_FLOW_REM) !== 0)
    .map((r) => flowRemovedMessage(r.rule, r.reason, now));
}

type StatsFilter = Omit<FlowStatsRequest, "part">;

/** The rules a FLOW or AGGREGATE request selects; BAD_REQUEST/BAD_TABLE_ID, BAD_MATCH/* on errors. */
export function selectForStats(tables: RuleTables, req: StatsFilter): Rule[] {
  if (req.tableId !== OFPTT_ALL && !isValidTableId(req.tableId)) {
    throw new OfpError(OFPET.BAD_REQUEST, BAD_REQUEST.BAD_TABLE_ID, `table ${req.tableId}`);
  }
  validateMatch(req.match);
  const match = normalizeMatch(req.match);
  const out: Rule[] = [];
  for (const r of tables.rules(req.tableId)) {
    if (!cookieSelects(r.cookie, req.cookie, req.cookieMask)) continue;
    if (!outputsTo(r.instructions, req.outPort >>> 0) || !usesGroup(r.instructions, req.outGroup >>> 0)) continue;
    if (matchCovers(r.match, match)) out.push(r);
  }
  return out;
}

export function flowStatsEntry(rule: Rule, now: number): FlowStats {
  return {
    tableId: rule.tableId,
    ...duration(rule, now),
    priority: rule.priority,
    idleTimeout: rule.idleTimeout,
    hardTimeout: rule.hardTimeout,
    flags: rule.flags,
    cookie: rule.cookie,
    packetCount: packetCountOf(rule),
    byteCount: byteCountOf(rule),
    match: rule.match,
    instructions: rule.instructions,
  };
}

/** OFPMP_FLOW: one entry per selected rule, in table then insertion order. */
export function flowStats(tables: RuleTables, req: StatsFilter | FlowStatsRequest, now: number): FlowStats[] {
  return selectForStats(tables, req).map((r) => flowStatsEntry(r, now));
}

/**
 * OFPMP_AGGREGATE: totals over the selected rules. Rules without a counter are left out of its
 * sum; when no selected rule has it, the total is all-ones (unavailable).
 */
export function aggregateStats(tables: RuleTables, req: StatsFilter | AggregateRequest): AggregateReply {
  const rules = selectForStats(tables, req);
  let packets = 0n;
  let bytes = 0n;
  let havePackets = false;
  let haveBytes = false;
  for (const r of rules) {
    if ((r.flags & OFPFF.NO_PKT_COUNTS) === 0) {
      packets = (packets + r.packetCount) & U64;
      havePackets = true;
    }
    if ((r.flags & OFPFF.NO_BYT_COUNTS) === 0) {
      bytes = (bytes + r.byteCount) & U64;
      haveBytes = true;
    }
  }
  const selected = rules.length > 0;
  return {
    part: "aggregate",
    packetCount: !havePackets && selected ? COUNTER_UNAVAILABLE : packets,
    byteCount: !haveBytes && selected ? COUNTER_UNAVAILABLE : bytes,
    flowCount: rules.length,
  };
}

/** OFPMP_TABLE: every table, in id order (1.3 lists all tables, empty ones included). */
export function tableStats(tables: RuleTables): TableStats[] {
  return tables.tables.map((t) => ({
    tableId: t.id,
    activeCount: t.size,
    lookupCount: t.lookupCount,
    matchedCount: t.matchedCount,
  }));
}
