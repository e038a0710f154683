// What a translation reads (XlateEnv: tables, groups, ports, NORMAL, controller userdata) and
// the state one translation carries (XlateContext: mask, datapath actions, trace, guards).
//
// What: the provider interfaces the translator is written against, and the per-translation
//   context the modules xlate.ts, xlate-actions.ts and xlate-groups.ts share.
// Design: providers are interfaces, so tests can pass small stubs and the bridge passes the
//   real RuleTables / group table / port map. Failure is a state, not an exception: fail(why)
//   records the first reason, every loop checks `failed` and unwinds, and xlate.ts turns it
//   into a drop megaflow. Guards (each named in the trace when it trips):
//     MAX_DEPTH        nesting of tables, TABLE re-runs and groups (64, as OVS's MAX_DEPTH)
//     MAX_GROUP_DEPTH  groups within groups (32)
//     MAX_RESUBMITS    total table lookups + bucket executions in one translation (4096),
//                      which bounds fan-out such as ALL groups of ALL groups
// Invariants: `wc` only ever gains bits; `out` only grows; after fail() nothing is emitted
//   that matters (the result is a drop).
// Threading: main thread.

import type { Instruction } from "../../../openflow/instructions.ts";
import type { Match } from "../../../openflow/match/match.ts";
import type { Bucket } from "../../../openflow/messages/group-buckets.ts";
import { ActionList } from "../../datapath/datapath-actions.ts";
import { KeyMask } from "../../datapath/flow-key.ts";
import type { NormalBridge, NormalResult } from "../normal/xlate-normal.ts";
import type { PipelineFlow } from "../pipeline-flow.ts";
import type { UserdataEncoder } from "./controller-userdata.ts";
import { type Branch, DatapathState } from "./packet-state.ts";
import type { PortMap } from "./port-map.ts";
import type { MeterSource } from "./xlate-meter.ts";
import { type Deferred, type PendingStep, type XlateStep, XlateTrace } from "./xlate-trace.ts";

export const MAX_DEPTH = 64;
export const MAX_GROUP_DEPTH = 32;
export const MAX_RESUBMITS = 4096;

/** What the translator needs of a rule (src/ofproto/rule-table.ts's Rule has these). */
export interface XlateRule {
  priority: number;
  cookie: bigint;
  match: Match;
  instructions: Instruction[];
}

/** The rule tables: lookup un-wildcards into `wc` every bit it consults. */
export interface RuleSource {
  lookup(tableId: number, flow: PipelineFlow, wc: KeyMask): XlateRule | undefined;
}

export interface XlateGroup {
  groupId: number;
  /** OFPGT_*: 0 ALL, 1 SELECT, 2 INDIRECT, 3 FAST_FAILOVER. */
  groupType: number;
  buckets: Bucket[];
}

/** One group entered (bucket undefined) or one of its buckets run. */
export interface GroupHitRecord {
  group: XlateGroup;
  bucket?: number;
}

export interface GroupSource {
  get(groupId: number): XlateGroup | undefined;
}

export interface XlateEnv {
  tables: RuleSource;
  groups?: GroupSource;
  /** The meter instruction's meters (xlate-meter.ts). Absent: meters are accepted, not applied. */
  meters?: MeterSource;
  ports: PortMap;
  controller: UserdataEncoder;
  /** SET_CONFIG OFPC_FRAG_DROP: IP fragments are dropped before table 0 (xlate.ts). */
  fragDrop?: boolean;
  /** output:NORMAL: the bridge's L2 state, whether to learn, and the clock. Absent: NORMAL drops. */
  normal?: { bridge: NormalBridge; learn: boolean; now: number };
}

/** The rule whose actions are running: a CONTROLLER output reports it in the packet-in. */
export interface ActionOrigin {
  tableId: number;
  cookie: bigint;
  /** The rule is a table-miss entry (priority 0, empty match): packet-in reason NO_MATCH. */
  tableMiss: boolean;
  /** The actions are a PACKET_OUT's own (only there is output:TABLE allowed). */
  packetOut?: boolean;
}

export interface NormalOutcome {
  dependsOn?: NormalResult["dependsOn"];
  source?: NormalResult["source"];
}

export class XlateContext {
  readonly wc = new KeyMask();
  readonly out = new ActionList();
  readonly trace = new XlateTrace();
  readonly dp = new DatapathState();
  /** Rules matched, in order (their counters are fed from the megaflow's stats). */
  readonly rules: Array<{ tableId: number; rule: XlateRule }> = [];
  /** Every table lookup, matched or not, in order (table-visits.ts tableVisit codes). */
  readonly visits: number[] = [];
  readonly groupIds = new Set<number>();
  /** Groups entered (no bucket) and buckets run, in order (group stats are fed from these). */
  readonly groupHits: GroupHitRecord[] = [];
  readonly normal: NormalOutcome[] = [];
  /** Guard depth: tables in the current chain + TABLE re-runs + groups. */
  depth = 0;
  groupDepth = 0;
  /** Trace nesting (tables reached by goto, groups, buckets, re-runs), for rendering. */
  indent = 0;
  /** The first drop reason output:NORMAL decided (DROP_REASON); when nothing else is
   *  emitted the result is an A_DROP with it, so the fast path counts drops by reason. */
  normalDrop: number | undefined;
  resubmits = 0;
  failed: string | undefined;
  /** output:TABLE in a packet-out: runs the pipeline from table 0 (set by xlate.ts). */
  rerun: ((b: Branch) => void) | undefined;

  constructor(
    readonly env: XlateEnv,
    /** The ingress key (a copy; never modified). */
    readonly ingress: Uint8Array,
  ) {}

  /** Adds a trace step; `text` may be a function rendering it only if the trace is read. */
  note(
    kind: XlateStep["kind"],
    text: Deferred<string>,
    extra: Omit<PendingStep, "kind" | "text" | "depth"> = {},
  ): void {
    this.trace.add({ kind, text, depth: this.indent, ...extra });
  }

  fail(why: string): void {
    if (this.failed !== undefined) return;
    this.failed = why;
    this.note("fail", `translation failed: ${why}`);
  }

  /** Counts one lookup or bucket against MAX_RESUBMITS; false (and failed) past it. */
  spend(): boolean {
    if (this.failed !== undefined) return false;
    if (++this.resubmits > MAX_RESUBMITS) {
      this.fail(`MAX_RESUBMITS guard: more than ${MAX_RESUBMITS} lookups and buckets`);
      return false;
    }
    return true;
  }

  /** Enters a table or group: counts it against the guards; false (and failed) when one trips. */
  enter(what: "table" | "group"): boolean {
    if (what === "table" ? !this.spend() : this.failed !== undefined) return false;
    if (this.depth + 1 > MAX_DEPTH) {
      this.fail(`MAX_DEPTH guard: ${what} nesting deeper than ${MAX_DEPTH}`);
      return false;
    }
    if (what === "group" && this.groupDepth + 1 > MAX_GROUP_DEPTH) {
      this.fail(`MAX_GROUP_DEPTH guard: groups nested deeper than ${MAX_GROUP_DEPTH}`);
      return false;
    }
    this.depth++;
    if (what === "group") {
      this.groupDepth++;
      this.indent++;
    }
    return true;
  }

  leave(what: "table" | "group"): void {
    this.depth--;
    if (what === "group") {
      this.groupDepth--;
      this.indent--;
    }
  }
}
