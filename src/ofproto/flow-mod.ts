// FLOW_MOD applied to the rule tables, as OpenFlow 1.3.5 §6.4 and §7.3.4.1 prescribe.
//
// What: applyFlowMod(tables, flowMod, now, opts) validates a decoded FLOW_MOD, changes the
//   tables, and returns what changed — added, replaced, modified and removed rules — so the
//   switch can send FLOW_REMOVED (removed rules with OFPFF_SEND_FLOW_REM; reason DELETE) and
//   revalidate megaflows. Errors are thrown as OfpError with the spec's type and code.
// Design: everything is checked before anything changes, so a failed FLOW_MOD changes nothing.
//   Order of checks: command (FLOW_MOD_FAILED/BAD_COMMAND), table id (BAD_TABLE_ID; OFPTT_ALL
//   only for deletes), flags (BAD_FLAGS for bits beyond NO_BYT_COUNTS), the match
//   (validateMatch: OFPET_BAD_MATCH/*; a field the key cannot carry: BAD_FIELD, see
//   action-checks.ts), then for ADD and MODIFY the instructions
//   (validateInstructions, goto_table forward and < N_TABLES: BAD_INSTRUCTION/BAD_TABLE_ID,
//   output ports and group ids that cannot exist: BAD_ACTION/BAD_OUT_PORT, BAD_OUT_GROUP; what
//   the datapath cannot do: BAD_TYPE, BAD_EXPERIMENTER, BAD_SET_TYPE/ARGUMENT,
//   BAD_INSTRUCTION/BAD_EXPERIMENTER; a set_field the match does not make consistent:
//   MATCH_INCONSISTENT — all in action-checks.ts), then
//   the caller's checks of ports, groups and meters through opts.checkInstructions, meters
//   through opts.meterExists: METER_MOD_FAILED/UNKNOWN_METER), then
//   CHECK_OVERLAP and capacity (TABLE_FULL).
//   Semantics:
//   - ADD: a rule with the identical (normalized) match and priority is replaced: its counters
//     carry over unless RESET_COUNTS, its duration restarts, and no FLOW_REMOVED is due
//     (`replaced`). CHECK_OVERLAP refuses the add if any rule of equal priority could match a
//     packet the new one matches — the identical rule included, as in OVS. cookie_mask,
//     out_port and out_group are ignored.
//   - MODIFY / MODIFY_STRICT: replace the instructions of the selected rules (non-strict:
//     rules at least as specific as the match; strict: identical match and priority), filtered
//     by cookie/cookie_mask. Cookie, timeouts, flags, counters and duration stay, counters
//     are zeroed with RESET_COUNTS. Nothing selected: no change and no error (1.3 does not add).
//   - DELETE / DELETE_STRICT: same selection over one table or all (OFPTT_ALL), also filtered
//     by out_port / out_group: the rule's own actions (apply and write) must output to that
//     port / use that group.
//   OFPFMFC_BAD_TIMEOUT is never raised: every 16-bit idle and hard timeout is supported.
//   buffer_id is the channel's business (it replies BUFFER_UNKNOWN; we keep no buffers).
// Invariants: on throw, tables and generation are unchanged.
// Threading: main thread.

import { type Action, validateActions } from "../../openflow/actions/actions.ts";
import { OFPG_MAX, OFPP, OFPTT_ALL } from "../../openflow/constants.ts";
import {
  BAD_ACTION,
  BAD_INSTRUCTION,
  FLOW_MOD_FAILED,
  METER_MOD_FAILED,
  OFPET,
  OfpError,
} from "../../openflow/errors.ts";
import { type Instruction, validateInstructions } from "../../openflow/instructions.ts";
import { validateMatch } from "../../openflow/match/match.ts";
import { type FlowModMessage, OFPFC, OFPFF } from "../../openflow/messages/flow-mod.ts";
import { OFPRR } from "../../openflow/messages/flow-removed.ts";
import {
  checkActionsSupported,
  checkInstructionConsistency,
  checkInstructionsSupported,
  checkMatchSupported,
} from "./action-checks.ts";
import { cookieSelects, matchCovers, matchesOverlap, normalizeMatch, outputsTo, usesGroup } from "./rule-match.ts";
import { isValidTableId, N_TABLES, type Rule, type RuleTables } from "./rule-table.ts";

/** The fields of a FLOW_MOD that matter here (a decoded FlowModMessage fits). */
export type FlowModRequest = Omit<FlowModMessage, "kind" | "xid" | "bufferId"> & { bufferId?: number };

export const OFPFF_KNOWN =
  OFPFF.SEND_FLOW_REM | OFPFF.CHECK_OVERLAP | OFPFF.RESET_COUNTS | OFPFF.NO_PKT_COUNTS | OFPFF.NO_BYT_COUNTS;

export interface RemovedRule {
  rule: Rule;
  /** OFPRR_*: DELETE here; IDLE_TIMEOUT / HARD_TIMEOUT from rule-stats.ts expiry. */
  reason: number;
}

export interface FlowModResult {
  /** New rules (ADD). */
  added: Rule[];
  /** Rules an ADD replaced (identical match and priority): gone, but no FLOW_REMOVED is due. */
  replaced: Rule[];
  /** Rules whose instructions (and, with RESET_COUNTS, counters) changed. */
  modified: Rule[];
  /** Rules deleted; send FLOW_REMOVED for those with OFPFF_SEND_FLOW_REM. */
  removed: RemovedRule[];
}

export interface FlowModOptions {
  /**
   * Switch-state checks of the instructions (ports, groups, meters exist): throw the OfpError
   * the spec prescribes (BAD_ACTION/BAD_OUT_PORT, BAD_OUT_GROUP, METER_MOD_FAILED/UNKNOWN_METER...).
   */
  checkInstructions?: (instructions: readonly Instruction[], tableId: number) => void;
  /**
   * Whether the bridge has meter `meterId`: a meter instruction naming one it has not is
   * METER_MOD_FAILED/UNKNOWN_METER, as Open vSwitch answers. Absent: meters are not checked.
   */
  meterExists?: (meterId: number) => boolean;
}

function failed(code: number, detail: string): OfpError {
  return new OfpError(OFPET.FLOW_MOD_FAILED, code, detail);
}

const RESERVED_OUTPUT_PORTS = new Set<number>([
  OFPP.IN_PORT,
  OFPP.TABLE,
  OFPP.NORMAL,
  OFPP.FLOOD,
  OFPP.ALL,
  OFPP.CONTROLLER,
  OFPP.LOCAL,
]);

function checkAction(a: Action): void {
  if (a.type === "output") {
    const p = a.port >>> 0;
    if (p === 0 || (p > OFPP.MAX && !RESERVED_OUTPUT_PORTS.has(p))) {
      throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_PORT, `output to port 0x${p.toString(16)}`);
    }
  } else if (a.type === "group" && a.groupId >>> 0 > OFPG_MAX) {
    throw new OfpError(OFPET.BAD_ACTION, BAD_ACTION.BAD_OUT_GROUP, `group 0x${a.groupId.toString(16)}`);
  }
}

/**
 * An action list's stateless checks, as a FLOW_MOD's (group buckets and PACKET_OUT use it too):
 * arguments (validateActions), output ports and group ids that cannot exist, and what the
 * datapath supports (action-checks.ts).
 */
export function checkActionList(actions: readonly Action[]): void {
  validateActions(actions);
  for (const a of actions) checkAction(a);
  checkActionsSupported(actions);
}

/** Stateless instruction checks that depend on the table the rule goes into. */
export function checkRuleInstructions(instructions: readonly Instruction[], tableId: number): void {
  validateInstructions(instructions);
  for (const ins of instructions) {
    if (ins.type === "goto_table" && (ins.tableId <= tableId || ins.tableId >= N_TABLES)) {
      throw new OfpError(
        OFPET.BAD_INSTRUCTION,
        BAD_INSTRUCTION.BAD_TABLE_ID,
        `goto_table ${ins.tableId} from table ${tableId} (must go forward, below ${N_TABLES})`,
      );
    }
    if (ins.type === "apply_actions" || ins.type === "write_actions") for (const a of ins.actions) checkAction(a);
  }
  checkInstructionsSupported(instructions);
}

function checkMeters(instructions: readonly Instruction[], exists: (meterId: number) => boolean): void {
  for (const ins of instructions) {
    if (ins.type === "meter" && !exists(ins.meterId >>> 0)) {
      throw new OfpError(OFPET.METER_MOD_FAILED, METER_MOD_FAILED.UNKNOWN_METER, `meter ${ins.meterId >>> 0}`);
    }
  }
}

function validate(fm: FlowModRequest, opts: FlowModOptions): void {
  const isDelete = fm.command === OFPFC.DELETE || fm.command === OFPFC.DELETE_STRICT;
  if (!Number.isInteger(fm.command) || fm.command < OFPFC.ADD || fm.command > OFPFC.DELETE_STRICT) {
    throw failed(FLOW_MOD_FAILED.BAD_COMMAND, `command ${fm.command}`);
  }
  if (fm.tableId === OFPTT_ALL ? !isDelete : !isValidTableId(fm.tableId)) {
    throw failed(FLOW_MOD_FAILED.BAD_TABLE_ID, `table ${fm.tableId} (tables are 0..${N_TABLES - 1}, ALL for delete)`);
  }
  if ((fm.flags & ~OFPFF_KNOWN) !== 0) {
    throw failed(FLOW_MOD_FAILED.BAD_FLAGS, `unknown flag bits 0x${(fm.flags & ~OFPFF_KNOWN).toString(16)}`);
  }
  validateMatch(fm.match);
  checkMatchSupported(fm.match);
  if (!isDelete) {
    checkRuleInstructions(fm.instructions, fm.tableId);
    checkInstructionConsistency(fm.instructions, fm.match);
    opts.checkInstructions?.(fm.instructions, fm.tableId);
    if (opts.meterExists) checkMeters(fm.instructions, opts.meterExists);
  }
}

function emptyResult(): FlowModResult {
  return { added: [], replaced: [], modified: [], removed: [] };
}

/** Applies one FLOW_MOD at time `now` (ms, the tables' clock). Throws OfpError on refusal. */
export function applyFlowMod(
  tables: RuleTables,
  fm: FlowModRequest,
  now: number,
  opts: FlowModOptions = {},
): FlowModResult {
  validate(fm, opts);
  const match = normalizeMatch(fm.match);
  switch (fm.command) {
    case OFPFC.ADD:
      return add(tables, fm, match, now);
    case OFPFC.MODIFY:
    case OFPFC.MODIFY_STRICT:
      return modify(tables, fm, match, fm.command === OFPFC.MODIFY_STRICT);
    default:
      return del(tables, fm, match, fm.command === OFPFC.DELETE_STRICT);
  }
}

function add(tables: RuleTables, fm: FlowModRequest, match: Rule["match"], now: number): FlowModResult {
  const table = tables.table(fm.tableId);
  const existing = table.findStrict(match, fm.priority);
  if (fm.flags & OFPFF.CHECK_OVERLAP) {
    for (const r of table.rules()) {
      if (r.priority === fm.priority && matchesOverlap(r.match, match)) {
        throw failed(FLOW_MOD_FAILED.OVERLAP, `overlaps rule ${r.id} at priority ${r.priority} in table ${fm.tableId}`);
      }
    }
  }
  if (!existing && table.size >= tables.maxRulesPerTable) {
    throw failed(FLOW_MOD_FAILED.TABLE_FULL, `table ${fm.tableId} holds ${table.size} rules`);
  }
  const result = emptyResult();
  const keep = existing && (fm.flags & OFPFF.RESET_COUNTS) === 0;
  if (existing) {
    tables.remove(existing);
    result.replaced.push(existing);
  }
  const rule = tables.insert(
    {
      tableId: fm.tableId,
      priority: fm.priority,
      match,
      instructions: fm.instructions,
      cookie: fm.cookie,
      flags: fm.flags,
      idleTimeout: fm.idleTimeout,
      hardTimeout: fm.hardTimeout,
      packetCount: keep ? existing.packetCount : 0n,
      byteCount: keep ? existing.byteCount : 0n,
    },
    now,
  );
  result.added.push(rule);
  return result;
}

/** The rules a MODIFY/DELETE selects in one table (before out_port/out_group filters). */
function select(
  tables: RuleTables,
  tableId: number,
  fm: FlowModRequest,
  match: Rule["match"],
  strict: boolean,
): Rule[] {
  const table = tables.table(tableId);
  const picked: Rule[] = [];
  if (strict) {
    const r = table.findStrict(match, fm.priority);
    if (r && cookieSelects(r.cookie, fm.cookie, fm.cookieMask)) picked.push(r);
    return picked;
  }
  for (const r of table.rules()) {
    if (cookieSelects(r.cookie, fm.cookie, fm.cookieMask) && matchCovers(r.match, match)) picked.push(r);
  }
  return picked;
}

function modify(tables: RuleTables, fm: FlowModRequest, match: Rule["match"], strict: boolean): FlowModResult {
  const result = emptyResult();
  for (const r of select(tables, fm.tableId, fm, match, strict)) {
    tables.setInstructions(r, fm.instructions);
    if (fm.flags & OFPFF.RESET_COUNTS) {
      r.packetCount = 0n;
      r.byteCount = 0n;
    }
    result.modified.push(r);
  }
  return result;
}

function del(tables: RuleTables, fm: FlowModRequest, match: Rule["match"], strict: boolean): FlowModResult {
  const result = emptyResult();
  const ids = fm.tableId === OFPTT_ALL ? tables.tables.map((t) => t.id) : [fm.tableId];
  for (const tableId of ids) {
    if (tables.tables[tableId].size === 0) continue;
    for (const r of select(tables, tableId, fm, match, strict)) {
      if (!outputsTo(r.instructions, fm.outPort >>> 0) || !usesGroup(r.instructions, fm.outGroup >>> 0)) continue;
      tables.remove(r);
      result.removed.push({ rule: r, reason: OFPRR.DELETE });
    }
  }
  return result;
}
