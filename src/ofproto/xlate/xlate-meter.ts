// The meter instruction in translation (OpenFlow 1.3.5 §5.7): a METER datapath record at the
// point of the list where the instruction runs.
//
// What: xlateMeter(ctx, b, meterId) commits the packet's pending rewrites, then emits A_METER
//   with the meter's fast-path slot (env.meters, the bridge's meter table), so the fast path
//   meters — and, with a DSCP_REMARK band, remarks — the packet as the pipeline has made it so
//   far; a DROP band ends the list there (outputs already emitted stand, as apply-actions
//   before the meter instruction of a later table have run).
// Design: the remark depends on the rate, which translation cannot know, so after the record
//   the DSCP the datapath packet holds is unknown: the DSCP is forgotten on both sides (not
//   dirty in the branch, no value in the datapath state) so no later commit sets it back; a
//   later set_field ip_dscp is emitted as usual. This holds for every meter, remark band or
//   not, so a METER_MOD that adds or removes a remark band leaves megaflows valid. Known limit:
//   a later table matching ip_dscp sees the DSCP before any remark.
//   An env without meters (unit tests of other parts) accepts the instruction with no record;
//   a meter the table does not have — FLOW_MOD refuses those and deleting a meter deletes its
//   flows, so only a race can get here — fails the translation closed (drop megaflow).
// Invariants: the record comes after every rewrite the pipeline made before the instruction.
// Threading: main thread.

import type { Branch } from "./packet-state.ts";
import { commit } from "./packet-state.ts";
import type { XlateContext } from "./xlate-context.ts";

/** The bridge's meters as translation sees them: an OpenFlow meter id → fast-path slot. */
export interface MeterSource {
  slotOf(meterId: number): number | undefined;
}

export function xlateMeter(ctx: XlateContext, b: Branch, meterId: number): void {
  const meters = ctx.env.meters;
  if (!meters) {
    ctx.note("instruction", `meter:${meterId} (accepted; this bridge has no meter table)`);
    return;
  }
  const slot = meters.slotOf(meterId);
  if (slot === undefined) {
    ctx.fail(`meter:${meterId} does not exist`);
    return;
  }
  const err = commit(ctx, b);
  if (err !== undefined) {
    ctx.fail(err);
    return;
  }
  ctx.out.meter(slot);
  b.dirty.delete("dscp");
  ctx.dp.values.delete("dscp");
  ctx.note("instruction", `meter:${meterId} → datapath meter ${slot}`);
}
