// OpenFlow rule tables: the 254 flow tables of a bridge (ids 0..253), their rules, and the
// lookup the translator walks.
//
// What: RuleTables holds one RuleTable per table id. lookup(tableId, flow, wc) returns the
//   highest-priority rule matching a PipelineFlow (ties between overlapping rules of equal
//   priority, which the spec leaves undefined: the earliest added wins) and records into wc the
//   datapath key bits the answer depended on. insert/remove/findStrict/rules are what
//   flow-mod.ts and rule-stats.ts build FLOW_MOD and the stats replies on.
// Design: a rule's match is kept normalized (rule-match.ts) as OpenFlow data and compiled once
//   into a pipeline-key mask/value (oxm-key-map.ts) for the table's Classifier (tuple-space
//   search, classifier.ts). A rule no packet can match (a field the datapath key does not carry,
//   such as mpls_label) stays in the table — stats, FLOW_MOD and FLOW_REMOVED see it — but not
//   in the classifier. Identity (match + priority) is a Map for ADD's replace and *_STRICT.
//   Table-miss is not special: with no rule (including no priority-0 catch-all) lookup returns
//   undefined and the translator drops (OpenFlow 1.3). lookup() does not count: the translator
//   runs it per upcall and on revalidation, so table lookup/matched counters are credited from
//   megaflow statistics through creditLookups() (the lookups each translation made are kept per
//   megaflow: table-visits.ts, Ofproto's credits).
//   `generation` increases on every change, so a revalidator can tell whether tables moved.
// Invariants: every rule in table t has tableId t and appears once in the identity map (which
//   is also `rules`, in insertion order), in the classifier iff `matchable` (its entry kept on
//   the rule), and in `timed` iff it has a timeout. Rule ids are unique and increasing.
// Threading: main thread. Rules are mutable records owned by their table; after removal a rule
//   object is inert (crediting it changes nothing visible).

import type { Instruction } from "../../openflow/instructions.ts";
import type { OxmBasic } from "../../openflow/match/match.ts";
import type { KeyMask } from "../datapath/flow-key.ts";
import { Classifier, type ClassifierEntry } from "./classifier.ts";
import { compileMatch } from "./oxm-key-map.ts";
import { PIPELINE_KEY_SIZE, type PipelineFlow } from "./pipeline-flow.ts";
import { compactInstructions, compactMatch } from "./rule-compact.ts";
import { ruleIdentity } from "./rule-match.ts";

/** Number of flow tables: ids 0..N_TABLES-1 (OFPTT_MAX, 0xfe, is not one of ours). */
export const N_TABLES = 254;

export interface Rule {
  /** Unique, increasing with insertion: the tie-break between equal priorities. */
  readonly id: number;
  readonly tableId: number;
  readonly priority: number;
  /** Normalized (rule-match.ts normalizeMatch): what stats and FLOW_REMOVED report. */
  readonly match: OxmBasic[];
  instructions: Instruction[];
  cookie: bigint;
  flags: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  /** Caller's clock, milliseconds: when added (duration), and last credited with a packet. */
  created: number;
  lastUsed: number;
  /** False when no packet can match (fields the datapath does not parse): never looked up. */
  readonly matchable: boolean;
  /** Its key in the table's identity map (priority + canonical match), computed once: the
   *  same string the map holds, so keeping it costs a pointer, and removal needs no rebuild. */
  readonly identity: string;
  /** Its place in the table's classifier (undefined when not matchable or removed). */
  classified?: ClassifierEntry<Rule>;
}

export interface RuleSpec {
  tableId: number;
  priority: number;
  match: OxmBasic[];
  instructions: Instruction[];
  cookie: bigint;
  flags: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount?: bigint;
  byteCount?: bigint;
}

/** One 0n for every rule's cookie (the usual one). */
const ZERO = 0n;

export class RuleTable {
  /** By identity; Map order is insertion order, and ids increase with insertion, so this is
   *  also the rules in id order (no second map by id). */
  private readonly byIdentity = new Map<string, Rule>();
  readonly classifier = new Classifier<Rule>();
  lookupCount = 0n;
  matchedCount = 0n;

  constructor(readonly id: number) {}

  get size(): number {
    return this.byIdentity.size;
  }

  /** Rules in insertion order. */
  rules(): IterableIterator<Rule> {
    return this.byIdentity.values();
  }

  findStrict(match: readonly OxmBasic[], priority: number): Rule | undefined {
    return this.byIdentity.get(identity(match, priority));
  }

  /** @internal RuleTables.insert's half. */
  add(rule: Rule, compiled: ReturnType<typeof compileMatch>): void {
    // A second rule of one identity (RuleTables.insert does not check; flow-mod.ts removes the
    // first) moves to the end and shadows the first, which stays in the classifier until removed.
    this.byIdentity.delete(rule.identity);
    this.byIdentity.set(rule.identity, rule);
    if (compiled) rule.classified = this.classifier.insert(rule, rule.priority, rule.id, compiled);
  }

  /** @internal RuleTables.remove's half. */
  delete(rule: Rule): boolean {
    let gone = false;
    if (this.byIdentity.get(rule.identity) === rule) {
      this.byIdentity.delete(rule.identity);
      gone = true;
    }
    if (rule.classified) gone = this.classifier.remove(rule.classified) || gone;
    rule.classified = undefined;
    return gone;
  }
}

function identity(match: readonly OxmBasic[], priority: number): string {
  return ruleIdentity(match, priority);
}

export function isValidTableId(tableId: number): boolean {
  return Number.isInteger(tableId) && tableId >= 0 && tableId < N_TABLES;
}

export interface RuleTablesOptions {
  /** Rules per table before ADD fails with FLOW_MOD_FAILED/TABLE_FULL (default: no limit). */
  maxRulesPerTable?: number;
}

export class RuleTables {
  readonly tables: readonly RuleTable[];
  readonly maxRulesPerTable: number;
  /** Increases on every insert, remove and instruction change. */
  generation = 0;
  /** Rules with an idle or hard timeout (rule-expiry.ts looks only at these). */
  readonly timed = new Set<Rule>();
  private nextId = 1;
  /** compileMatch's scratch: the classifier copies what it keeps. */
  private readonly scratch = {
    mask: new Uint8Array(PIPELINE_KEY_SIZE),
    value: new Uint8Array(PIPELINE_KEY_SIZE),
  };

  constructor(opts: RuleTablesOptions = {}) {
    this.tables = Array.from({ length: N_TABLES }, (_, i) => new RuleTable(i));
    this.maxRulesPerTable = opts.maxRulesPerTable ?? Number.POSITIVE_INFINITY;
  }

  table(tableId: number): RuleTable {
    if (!isValidTableId(tableId)) throw new RangeError(`no table ${tableId} (tables are 0..${N_TABLES - 1})`);
    return this.tables[tableId];
  }

  /**
   * The rule of `tableId` that `flow` hits, or undefined (table miss: drop, unless the
   * controller installed a miss rule — which is then simply the rule returned). Records into
   * `wc` every datapath key bit the answer depends on.
   */
  lookup(tableId: number, flow: PipelineFlow, wc: KeyMask): Rule | undefined {
    return this.table(tableId).classifier.lookup(flow.bytes, wc);
  }

  /** Adds a rule (no identity or capacity checks: flow-mod.ts does those; a rule whose
   *  identity is already here shadows the first in rules() and findStrict). */
  insert(spec: RuleSpec, now: number): Rule {
    const t = this.table(spec.tableId);
    const compiled = compileMatch(spec.match, this.scratch);
    const rule: Rule = {
      id: this.nextId++,
      tableId: spec.tableId,
      priority: spec.priority,
      match: compactMatch(spec.match),
      instructions: compactInstructions(spec.instructions),
      cookie: spec.cookie === 0n ? ZERO : spec.cookie, // the decoder's 0n is a BigInt of its own
      flags: spec.flags,
      idleTimeout: spec.idleTimeout,
      hardTimeout: spec.hardTimeout,
      packetCount: spec.packetCount ?? 0n,
      byteCount: spec.byteCount ?? 0n,
      created: now,
      lastUsed: now,
      matchable: compiled !== undefined,
      identity: identity(spec.match, spec.priority),
      classified: undefined,
    };
    t.add(rule, compiled);
    if (rule.idleTimeout !== 0 || rule.hardTimeout !== 0) this.timed.add(rule);
    this.generation++;
    return rule;
  }

  remove(rule: Rule): boolean {
    const gone = this.table(rule.tableId).delete(rule);
    if (gone) {
      this.timed.delete(rule);
      this.generation++;
    }
    return gone;
  }

  /** Replaces a rule's instructions (MODIFY); its place in the classifier does not change. */
  setInstructions(rule: Rule, instructions: Instruction[]): void {
    rule.instructions = compactInstructions(instructions);
    this.generation++;
  }

  findStrict(tableId: number, match: readonly OxmBasic[], priority: number): Rule | undefined {
    return this.table(tableId).findStrict(match, priority);
  }

  /** Rules of one table, or of every table for OFPTT_ALL (0xff), in table then insertion order. */
  *rules(tableId: number): Generator<Rule> {
    if (tableId === 0xff) {
      for (const t of this.tables) yield* t.rules();
    } else yield* this.table(tableId).rules();
  }

  get ruleCount(): number {
    let n = 0;
    for (const t of this.tables) n += t.size;
    return n;
  }

  /** Credits table counters from megaflow statistics: `packets` looked up, matched or missed. */
  creditLookups(tableId: number, packets: number | bigint, matched: boolean): void {
    const t = this.table(tableId);
    const n = BigInt(packets);
    t.lookupCount += n;
    if (matched) t.matchedCount += n;
  }
}
