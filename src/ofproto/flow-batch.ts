// A batch of FLOW_MODs applied all-or-nothing: every one is checked before the first changes
// the bridge (REST `POST /v1/bridges/{name}/flows`, `wasmvs flow add --file`).
//
// What: applyFlowBatch(bridge, mods) → one FlowModResult per mod, or throws FlowBatchError
//   (the index of the refused mod and its OfpError) with the bridge unchanged.
// Design: two checks, then the changes. (1) A dry run of the whole batch on scratch tables
//   (applyFlowMod on an empty RuleTables with the same capacity, and the bridge's own checks that
//   named groups and meters exist) finds every refusal that does not depend on the rules already
//   installed — command, table, flags, match, instructions, group and meter references —
//   and those between mods of the batch (CHECK_OVERLAP, TABLE_FULL), with the exact OpenFlow
//   error. (2) The batch's ADDs are checked against the live tables for the two refusals that
//   do: CHECK_OVERLAP with an installed rule, TABLE_FULL counting the rules the batch adds
//   rather than replaces. Then each mod goes through bridge.flowMod as a FLOW_MOD from a
//   controller would (revalidation included); the caller fences the datapath afterwards.
// Invariants: when applyFlowBatch throws, the bridge's tables are as they were.
// Threading: main thread; runs to completion without yielding, so no FLOW_MOD interleaves.

import { FLOW_MOD_FAILED, OFPET, OfpError } from "../../openflow/errors.ts";
import { OFPFC, OFPFF } from "../../openflow/messages/flow-mod.ts";
import { applyFlowMod, type FlowModRequest, type FlowModResult } from "./flow-mod.ts";
import type { OfBridge } from "./of-handlers/handler-context.ts";
import { matchesOverlap, matchKey, normalizeMatch } from "./rule-match.ts";
import { RuleTables } from "./rule-table.ts";

export class FlowBatchError extends Error {
  constructor(
    /** Index of the refused mod in the batch (0-based). */
    readonly index: number,
    override readonly cause: OfpError,
  ) {
    super(cause.message);
    this.name = "FlowBatchError";
  }
}

function checkAgainstLive(bridge: OfBridge, mods: readonly FlowModRequest[]): void {
  const live = bridge.tables();
  const added = new Map<number, Set<string>>(); // table → identities the batch adds
  mods.forEach((fm, index) => {
    if (fm.command !== OFPFC.ADD) return;
    const match = normalizeMatch(fm.match);
    const table = live.table(fm.tableId);
    if (fm.flags & OFPFF.CHECK_OVERLAP) {
      for (const r of table.rules()) {
        if (r.priority === fm.priority && matchesOverlap(r.match, match)) {
          const e = new OfpError(
            OFPET.FLOW_MOD_FAILED,
            FLOW_MOD_FAILED.OVERLAP,
            `overlaps rule ${r.id} at priority ${r.priority} in table ${fm.tableId}`,
          );
          throw new FlowBatchError(index, e);
        }
      }
    }
    if (!table.findStrict(match, fm.priority)) {
      const ids = added.get(fm.tableId) ?? new Set<string>();
      ids.add(`${fm.priority}/${matchKey(match)}`);
      added.set(fm.tableId, ids);
      if (table.size + ids.size > live.maxRulesPerTable) {
        const e = new OfpError(OFPET.FLOW_MOD_FAILED, FLOW_MOD_FAILED.TABLE_FULL, `table ${fm.tableId} is full`);
        throw new FlowBatchError(index, e);
      }
    }
  });
}

/** Applies `mods` in order if every one is acceptable; otherwise throws and changes nothing. */
export function applyFlowBatch(bridge: OfBridge, mods: readonly FlowModRequest[]): FlowModResult[] {
  const scratch = new RuleTables({ maxRulesPerTable: bridge.tables().maxRulesPerTable });
  const now = bridge.now();
  const checks = bridge.flowModChecks?.() ?? {};
  mods.forEach((fm, index) => {
    try {
      applyFlowMod(scratch, fm, now, checks);
    } catch (e) {
      if (e instanceof OfpError) throw new FlowBatchError(index, e);
      throw e;
    }
  });
  checkAgainstLive(bridge, mods);
  return mods.map((fm, index) => {
    try {
      return bridge.flowMod(fm);
    } catch (e) {
      // Unreachable after the checks above; reported with its line all the same.
      if (e instanceof OfpError) throw new FlowBatchError(index, e);
      throw e;
    }
  });
}
