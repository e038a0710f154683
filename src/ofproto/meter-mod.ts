// METER_MOD applied to a bridge: its meter table, its flow tables and the datapath's meters.
//
// What: applyMeterMod(tables, meters, meterMod, now, datapath) validates the request
//   (meter-table.ts's plan; OfpError METER_MOD_FAILED/* on refusal), puts the change into the
//   datapath, commits it to the meter table, and for a delete removes every rule whose
//   instructions use a deleted meter, as Open vSwitch does. It returns the change and the
//   removed rules (FLOW_REMOVED with reason DELETE is due for those with SEND_FLOW_REM).
// Design: ADD and MODIFY write DOWN_METER_SET before the table changes; a full ring is
//   METER_MOD_FAILED/UNKNOWN and nothing changed. ADD asks for a fresh slot (counters from
//   zero); MODIFY updates the slot in place (counters kept, buckets refilled to the new burst),
//   so megaflows that name the slot stay right and need no revalidation. DELETE removes the
//   rules first, then `revalidate` (the caller queues the deletion of the bridge's megaflows,
//   which include every one naming the slots), then the DOWN_METER_DEL records on the same
//   ring, so no megaflow runs a freed slot. A DOWN_METER_DEL that does not fit the ring is not retried:
//   the slot keeps a meter no flow uses until an ADD reuses it, fresh.
// Invariants: on throw nothing changed (meter table, rule tables, datapath).
// Threading: main thread.

import { METER_MOD_FAILED, OFPET, OfpError } from "../../openflow/errors.ts";
import type { Instruction } from "../../openflow/instructions.ts";
import { OFPRR } from "../../openflow/messages/flow-removed.ts";
import type { MeterBand } from "../../openflow/messages/meter-bands.ts";
import type { DatapathMeterBand } from "../datapath/runtime/datapath-runtime.ts";
import type { RemovedRule } from "./flow-mod.ts";
import type { MeterChange, MeterModRequest, MeterTable } from "./meter-table.ts";
import type { RuleTables } from "./rule-table.ts";

/** What applyMeterMod needs of the datapath (DatapathRuntime has it). */
export interface MeterDatapath {
  setMeter(slot: number, flags: number, bands: readonly DatapathMeterBand[], fresh: boolean): boolean;
  deleteMeter(slot: number): boolean;
}

export interface MeterModResult {
  change: MeterChange;
  /** Rules removed because a meter they used was deleted (reason DELETE). */
  removed: RemovedRule[];
}

/** Fast-path band types (assembly/meters/meter-table.ts). */
const DP_BAND = { drop: 1, "dscp-remark": 2 } as const;

export function datapathBands(bands: readonly MeterBand[]): DatapathMeterBand[] {
  return bands.map((b) => {
    if (b.type === "experimenter") throw new Error("experimenter bands never reach the datapath");
    return {
      type: DP_BAND[b.type],
      rate: b.rate,
      burstSize: b.burstSize,
      precLevel: b.type === "dscp-remark" ? b.precLevel : 0,
    };
  });
}

/** Whether instructions use one of `meterIds`. */
export function usesMeter(instructions: readonly Instruction[], meterIds: ReadonlySet<number>): boolean {
  return instructions.some((i) => i.type === "meter" && meterIds.has(i.meterId >>> 0));
}

export function applyMeterMod(
  tables: RuleTables,
  meters: MeterTable,
  mm: MeterModRequest,
  now: number,
  datapath?: MeterDatapath,
  /** Called after a delete removed rules and before the datapath's meters go: revalidation. */
  revalidate?: () => void,
): MeterModResult {
  const change = meters.plan(mm, now);
  if (change.kind !== "delete") {
    const m = change.meter;
    if (datapath && !datapath.setMeter(m.slot, m.flags, datapathBands(m.bands), change.kind === "add")) {
      throw new OfpError(OFPET.METER_MOD_FAILED, METER_MOD_FAILED.UNKNOWN, "the datapath's ring is full; try again");
    }
    meters.commit(change);
    return { change, removed: [] };
  }
  const removed: RemovedRule[] = [];
  if (change.meters.length > 0) {
    const ids = new Set(change.meters.map((m) => m.meterId));
    const doomed = [...tables.rules(0xff)].filter((r) => usesMeter(r.instructions, ids));
    for (const rule of doomed) {
      tables.remove(rule);
      removed.push({ rule, reason: OFPRR.DELETE });
    }
  }
  meters.commit(change);
  if (change.meters.length > 0) {
    revalidate?.();
    for (const m of change.meters) datapath?.deleteMeter(m.slot);
  }
  return { change, removed };
}

/** Rules per meter id (a meter's flow_count in METER stats). */
export function meterFlowCounts(tables: RuleTables): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of tables.rules(0xff)) {
    for (const i of r.instructions) {
      if (i.type === "meter") counts.set(i.meterId >>> 0, (counts.get(i.meterId >>> 0) ?? 0) + 1);
    }
  }
  return counts;
}
