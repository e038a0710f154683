// The translation trace: what `wasmvs trace` prints, step by step, and what tests assert on.
//
// What: XlateTrace collects XlateStep records (structured: kind, nesting depth, table, rule,
//   field, port, group) each with a human sentence; text() renders them indented by depth.
// Design: steps are data first so the CLI and REST can render or filter them (e.g. only the
//   rules hit); the sentence is there so nobody needs a renderer to read one. NORMAL's own
//   trace lines become "normal" steps nested under the output:NORMAL that called it.
//   A step's sentence (and a table step's rule summary) may be added as a function that
//   renders it: a miss translates with nobody reading the trace, and formatting matches and
//   action lists was ~20% of a 3-table miss. `steps` renders them on first read, so readers see
//   plain strings; what a renderer reads must not change after the translation (xlate.ts passes
//   immutable rule parts and copies of mutable values).
// Invariants: steps are in execution order; depth is the nesting of tables reached by
//   goto_table, groups, buckets and pipeline re-runs.
// Threading: main thread.

import type { Action } from "../../../openflow/actions/actions.ts";
import { OFPP } from "../../../openflow/constants.ts";
import type { OxmValue } from "../../../openflow/match/oxm-fields.ts";
import type { NormalDecision } from "../normal/xlate-normal.ts";

export type XlateStepKind =
  | "table" // a lookup and its result (rule or miss)
  | "instruction"
  | "action"
  | "set-field"
  | "output"
  | "group"
  | "bucket"
  | "normal"
  | "controller"
  | "action-set"
  | "drop"
  | "fail"
  | "note";

export interface RuleSummary {
  priority: number;
  cookie: bigint;
  match: string;
}

export interface XlateStep {
  kind: XlateStepKind;
  depth: number;
  text: string;
  tableId?: number;
  rule?: RuleSummary;
  field?: string;
  /** A set-field's value before and after (the packet's own, read from the flow). */
  from?: OxmValue;
  to?: OxmValue;
  /** What output:NORMAL decided. */
  normal?: NormalDecision;
  /** Datapath port for outputs. */
  port?: number;
  groupId?: number;
}

/** A value, or the function that renders it when the trace is read. */
export type Deferred<T> = T | (() => T);

/** A step as added: its sentence and rule summary may still be unrendered. */
export interface PendingStep extends Omit<XlateStep, "text" | "rule"> {
  text: Deferred<string>;
  rule?: Deferred<RuleSummary>;
}

function rendered(p: PendingStep): XlateStep {
  if (typeof p.text === "string" && typeof p.rule !== "function") return p as XlateStep;
  const s = { ...p } as XlateStep;
  if (typeof p.text === "function") s.text = p.text();
  if (typeof p.rule === "function") s.rule = p.rule();
  return s;
}

export class XlateTrace {
  private readonly pending: PendingStep[] = [];
  private done: XlateStep[] | undefined;

  add(step: PendingStep): void {
    this.pending.push(step);
    this.done = undefined;
  }

  /** The steps, rendered (once; again only after another add). */
  get steps(): XlateStep[] {
    if (this.done === undefined) this.done = this.pending.map(rendered);
    return this.done;
  }

  /** The steps of one kind (tests, `trace --rules`). */
  of(kind: XlateStepKind): XlateStep[] {
    return this.steps.filter((s) => s.kind === kind);
  }

  lines(): string[] {
    return this.steps.map((s) => `${"  ".repeat(s.depth)}${s.text}`);
  }

  text(): string {
    return this.lines().join("\n");
  }
}

/** An OpenFlow action list in ovs-ofctl's words ("pop_vlan,output:2"), for trace lines. */
export function formatActions(actions: readonly Action[]): string {
  return actions.map(formatAction).join(",") || "(none)";
}

const PORT_NAMES = new Map<number, string>(Object.entries(OFPP).map(([k, v]) => [v, k]));

function formatValue(v: OxmValue): string {
  if (v instanceof Uint8Array) return Array.from(v, (x) => x.toString(16).padStart(2, "0")).join(":");
  return typeof v === "bigint" ? `0x${v.toString(16)}` : String(v);
}

export function formatAction(a: Action): string {
  switch (a.type) {
    case "output":
      return `output:${PORT_NAMES.get(a.port) ?? a.port}`;
    case "group":
      return `group:${a.groupId}`;
    case "set_queue":
      return `set_queue:${a.queueId}`;
    case "set_mpls_ttl":
    case "set_nw_ttl":
      return `${a.type}:${a.ttl}`;
    case "push_vlan":
    case "push_mpls":
    case "pop_mpls":
    case "push_pbb":
      return `${a.type}:0x${a.ethertype.toString(16)}`;
    case "set_field":
      return a.field.name === "opaque"
        ? `set_field:opaque(${a.field.field})`
        : `set_field:${formatValue(a.field.value)}->${a.field.name}`;
    case "experimenter":
      return `experimenter:0x${a.experimenter.toString(16)}`;
    default:
      return a.type === "dec_nw_ttl" ? "dec_ttl" : a.type;
  }
}
