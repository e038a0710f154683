// Which tables one translation looked up, and whether each lookup matched: what the OpenFlow
// table counters (TABLE stats lookup_count / matched_count) are credited from.
//
// What: tableVisit(tableId, matched) encodes one lookup as a number; internTableVisits(list)
//   turns the lookups of one translation into a shared, frozen TableVisits; creditTableVisits
//   adds `packets` to the counters of every table visited.
// Design: translation records every lookup (xlate.ts runPipeline) and the megaflow it installs
//   handles every later packet of that flow the same way, so the visits are kept per megaflow
//   next to the rules it credits (Ofproto's `credits`) and credited per packet from the
//   megaflow statistics the fast path reports — traffic handled entirely in the fast path
//   counts, as in Open vSwitch. Few distinct visit patterns exist (they follow the pipeline's
//   shape, not the traffic), so equal patterns share one frozen array: a megaflow pays one
//   pointer. Interning stops at MAX_PATTERNS distinct patterns (an adversarial rule set could
//   make many); later patterns get a private frozen array — correct, just not shared.
//   Encoding: tableId * 2 + (matched ? 1 : 0).
// Invariants: a TableVisits is frozen and never changes; the empty pattern is one shared array.
// Threading: main thread.

/** The lookups of one translation, in order (see tableVisit). */
export type TableVisits = readonly number[];

/** Table counters to credit (RuleTables.creditLookups). */
export interface TableCounters {
  creditLookups(tableId: number, packets: number, matched: boolean): void;
}

export const NO_TABLE_VISITS: TableVisits = Object.freeze([]);

/** Distinct patterns shared before interning stops. */
export const MAX_PATTERNS = 4096;

const patterns = new Map<string, TableVisits>();

/** One lookup of `tableId`, matched (a rule was found) or missed. */
export function tableVisit(tableId: number, matched: boolean): number {
  return tableId * 2 + (matched ? 1 : 0);
}

/** The table a visit looked up, and whether it matched. */
export function decodeTableVisit(visit: number): { tableId: number; matched: boolean } {
  return { tableId: visit >>> 1, matched: (visit & 1) === 1 };
}

/** A frozen TableVisits equal to `visits`, shared with every equal pattern seen before. */
export function internTableVisits(visits: readonly number[]): TableVisits {
  if (visits.length === 0) return NO_TABLE_VISITS;
  const k = visits.join(",");
  const seen = patterns.get(k);
  if (seen) return seen;
  const frozen = Object.freeze([...visits]);
  if (patterns.size < MAX_PATTERNS) patterns.set(k, frozen);
  return frozen;
}

/** Credits `packets` lookups (and matches) to each table `visits` names. */
export function creditTableVisits(tables: TableCounters, visits: TableVisits, packets: number): void {
  if (packets <= 0) return;
  for (const v of visits) tables.creditLookups(v >>> 1, packets, (v & 1) === 1);
}
