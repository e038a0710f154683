// OpenFlow pipeline translation: a missed packet in, datapath actions + the exact megaflow mask
// + a trace out (OpenFlow 1.3.5 §5: tables, instructions, action set, groups).
//
// What: xlatePipeline(env, flow) walks the tables from table 0 for a PipelineFlow (the missed
//   packet's key and its OpenFlow in_port) and returns XlateResult; xlatePacketOut(env, flow,
//   actions) runs a PACKET_OUT's action list (where output:TABLE re-enters the pipeline).
//
//     flow ─► table 0 ─lookup─► rule ─► instructions in spec order:
//               ▲                        meter (METER record) → apply-actions (now) → clear-actions →
//               │                        write-actions (action set) → write-metadata → goto
//               └──── goto (forward only) ◄─┘        no goto: execute the action set
//
// Design: Open vSwitch's ofproto-dpif-xlate, reduced to what our datapath can do. The tables
//   un-wildcard what their lookups read; this module and the ones it calls un-wildcard every
//   other field they read (in_port always: outputs compare with it). Rewrites are lazy
//   (packet-state.ts): records are emitted before each output, for what changed. A failure —
//   an action the datapath cannot express, a guard tripping, a backward goto — makes the
//   whole result a drop megaflow (A_DROP with DROP_REASON.XLATE_FAILED) whose mask is the bits
//   read so far: every packet that agrees on them walks the same path to the same failure.
//   A packet from an in_port with OFPPC_PORT_DOWN or NO_RECV is dropped before table 0, and so
//   is an IP fragment when the bridge's frag mode is DROP (SET_CONFIG; env.fragDrop).
//   A table miss with no table-miss rule drops (OpenFlow 1.3), recorded in the trace; the
//   action set is not executed then, but outputs already made by apply-actions stand.
//   Every lookup, matched or missed, is recorded in order (tableVisits, interned by
//   table-visits.ts): the table counters are credited from it per packet, never here.
//   In the trace, a table reached by goto_table nests one level under the goto (as
//   ofproto/trace indents). When NORMAL decided a drop and nothing else sends the packet,
//   the list is A_DROP with NORMAL's reason (VLAN_MISMATCH, NO_PORTS, ...) so the fast path
//   counts the drop by reason (one record per packet of that megaflow).
// Invariants: the result's mask covers every key bit the translation read (soundness: any
//   packet equal to this one under the mask translates to the same actions); the input flow
//   is not modified (the walk works on a clone).
// Threading: main thread; synchronous; the providers must not change during a call.

import type { Action } from "../../../openflow/actions/actions.ts";
import type { Instruction } from "../../../openflow/instructions.ts";
import { formatMatch } from "../../../openflow/match/match-format.ts";
import { OFPPC } from "../../../openflow/messages/port.ts";
import { A, ActionList, DROP_REASON } from "../../datapath/datapath-actions.ts";
import { FRAG, KEY, PRESENT } from "../../datapath/flow-key.ts";
import type { PipelineFlow } from "../pipeline-flow.ts";
import { inputBlocked } from "../port-state.ts";
import { internTableVisits, type TableVisits, tableVisit } from "../table-visits.ts";
import { ActionSet } from "./action-set.ts";
import { Branch } from "./packet-state.ts";
import { executeActions } from "./xlate-actions.ts";
import {
  type ActionOrigin,
  type GroupHitRecord,
  type NormalOutcome,
  XlateContext,
  type XlateEnv,
  type XlateRule,
} from "./xlate-context.ts";
import { xlateMeter } from "./xlate-meter.ts";
import { beneathUnknownReason } from "./xlate-mpls.ts";
import { formatActions, type XlateTrace } from "./xlate-trace.ts";

export interface XlateResult {
  /** Datapath action list (datapath-actions.ts); empty = drop. */
  actions: Uint8Array;
  /** Megaflow mask (KEY_SIZE bytes). */
  mask: Uint8Array;
  trace: XlateTrace;
  /** Why translation failed closed (then `actions` is a counted drop). */
  failed?: string;
  /** Rules matched, in order, with their tables (for stats and revalidation). */
  rules: Array<{ tableId: number; rule: XlateRule }>;
  /** Every table lookup and whether it matched (table stats; shared, frozen: table-visits.ts). */
  tableVisits: TableVisits;
  /** Groups consulted (a GROUP_MOD of any of them makes this result stale). */
  groupIds: number[];
  /** Groups entered and buckets run (for group stats). */
  groupHits: GroupHitRecord[];
  /** What each output:NORMAL depended on and learned. */
  normal: NormalOutcome[];
  /** The packet as the pipeline left it (its rewrites applied; groups' buckets work on copies). */
  final: PipelineFlow;
}

/** Table id and cookie a PACKET_OUT's CONTROLLER output reports (as Open vSwitch does). */
export const PACKET_OUT_ORIGIN: ActionOrigin = {
  tableId: 0xff,
  cookie: 0xffffffffffffffffn,
  tableMiss: false,
  packetOut: true,
};

const INSTRUCTION_ORDER: Record<Instruction["type"], number> = {
  meter: 0,
  apply_actions: 1,
  clear_actions: 2,
  write_actions: 3,
  write_metadata: 4,
  goto_table: 5,
  experimenter: 6,
};

function start(env: XlateEnv, flow: PipelineFlow): { ctx: XlateContext; b: Branch } {
  const ctx = new XlateContext(env, flow.key.slice());
  ctx.wc.inPort().presentBits(PRESENT.ETH);
  return { ctx, b: new Branch(flow.clone()) };
}

/** Translates a missed packet through the pipeline from table 0. */
export function xlatePipeline(env: XlateEnv, flow: PipelineFlow): XlateResult {
  const { ctx, b } = start(env, flow);
  const inConfig = env.ports.portConfig?.(flow.inPort) ?? 0;
  if (inputBlocked(inConfig)) {
    // OFPPC_PORT_DOWN / NO_RECV: received packets never enter the pipeline (in_port is masked).
    const why = inConfig & OFPPC.PORT_DOWN ? "is down" : "has no-receive";
    ctx.note("drop", `in_port ${flow.inPort} ${why}: dropped before table 0`);
    ctx.out.drop(DROP_REASON.ADMIN_DOWN);
    return finish(ctx, b);
  }
  if (fragmentDropped(ctx, b)) {
    ctx.out.drop(DROP_REASON.FRAG_DROP);
    return finish(ctx, b);
  }
  ctx.rerun = (again) => rerun(ctx, again);
  runPipeline(ctx, b, 0);
  return finish(ctx, b);
}

/**
 * SET_CONFIG frag mode DROP (Open vSwitch: "drop" drops every IP fragment before the tables):
 * true when the packet is an IP fragment and the bridge drops them. In that mode the answer
 * depends on the key's FRAG_ANY bit for every packet, so it is un-wildcarded for every packet
 * (a non-IP packet has IP_FRAG 0, so the megaflow stays exact for fragments and non-fragments).
 */
function fragmentDropped(ctx: XlateContext, b: Branch): boolean {
  if (!ctx.env.fragDrop) return false;
  ctx.wc.bytes[KEY.IP_FRAG] |= FRAG.ANY;
  if ((b.flow.key[KEY.IP_FRAG] & FRAG.ANY) === 0) return false;
  ctx.note("drop", "IP fragment and frag mode is drop: dropped before table 0");
  return true;
}

/** Translates a PACKET_OUT's actions for `flow` (its in_port may be CONTROLLER). */
export function xlatePacketOut(env: XlateEnv, flow: PipelineFlow, actions: readonly Action[]): XlateResult {
  const { ctx, b } = start(env, flow);
  ctx.rerun = (again) => rerun(ctx, again);
  ctx.note("action", `packet-out actions: ${formatActions(actions)}`);
  executeActions(ctx, b, actions, PACKET_OUT_ORIGIN);
  return finish(ctx, b);
}

function rerun(ctx: XlateContext, b: Branch): void {
  if (fragmentDropped(ctx, b)) return; // output:TABLE enters the tables like a received packet
  if (!ctx.enter("group")) return; // a re-run nests like a group (depth and indentation)
  try {
    runPipeline(ctx, b, 0);
  } finally {
    ctx.leave("group");
  }
}

function ruleLine(tableId: number, priority: number, cookie: bigint, match: XlateRule["match"]): string {
  const c = cookie === 0n ? "" : `, cookie 0x${cookie.toString(16)}`;
  return `table ${tableId}: priority ${priority}${c}, ${formatMatch(match) || "(match anything)"}`;
}

/** One pipeline run: tables from `first` until no goto, then the action set. */
function runPipeline(ctx: XlateContext, b: Branch, first: number): void {
  const set = new ActionSet();
  let tableId = first;
  let entered = 0;
  let origin: ActionOrigin | undefined;
  const indent = ctx.indent;
  try {
    for (;;) {
      // A table reached by goto_table nests under it in the trace (as ofproto/trace does).
      ctx.indent = indent + entered;
      if (!ctx.enter("table")) return;
      entered++;
      if (b.beneathUnknown) {
        ctx.fail(beneathUnknownReason(`table ${tableId}`));
        return;
      }
      const rule = ctx.env.tables.lookup(tableId, b.flow, ctx.wc);
      ctx.visits.push(tableVisit(tableId, rule !== undefined));
      if (!rule) {
        ctx.note("table", `table ${tableId}: no match and no table-miss rule: drop`, { tableId });
        return;
      }
      ctx.rules.push({ tableId, rule });
      origin = { tableId, cookie: rule.cookie, tableMiss: rule.priority === 0 && rule.match.length === 0 };
      // Rendered only if the trace is read: a rule's priority and match never change, its
      // cookie is copied here.
      const { priority, cookie, match } = rule;
      const t = tableId;
      ctx.note("table", () => ruleLine(t, priority, cookie, match), {
        tableId,
        rule: () => ({ priority, cookie, match: formatMatch(match) }),
      });
      const next = runInstructions(ctx, b, rule, set, origin);
      if (ctx.failed !== undefined) return;
      if (next === undefined) break;
      tableId = next;
    }
    if (set.size === 0) {
      ctx.note("action-set", "action set: empty");
      return;
    }
    const ordered = set.ordered();
    ctx.note("action-set", () => `action set: ${formatActions(ordered)}`);
    executeActions(ctx, b, ordered, origin as ActionOrigin);
  } finally {
    for (let i = 0; i < entered; i++) ctx.leave("table");
    ctx.indent = indent;
  }
}

/** Runs a rule's instructions in the spec's order; returns the goto target, if any. */
function runInstructions(
  ctx: XlateContext,
  b: Branch,
  rule: XlateRule,
  set: ActionSet,
  origin: ActionOrigin,
): number | undefined {
  const tableId = origin.tableId;
  let next: number | undefined;
  const ordered = [...rule.instructions].sort((x, y) => INSTRUCTION_ORDER[x.type] - INSTRUCTION_ORDER[y.type]);
  for (const ins of ordered) {
    if (ctx.failed !== undefined) return undefined;
    switch (ins.type) {
      case "meter":
        xlateMeter(ctx, b, ins.meterId);
        break;
      case "apply_actions":
        ctx.note("instruction", () => `apply_actions: ${formatActions(ins.actions)}`);
        executeActions(ctx, b, ins.actions, origin);
        break;
      case "clear_actions":
        set.clear();
        ctx.note("instruction", "clear_actions");
        break;
      case "write_actions":
        set.write(ins.actions);
        ctx.note("instruction", () => `write_actions: ${formatActions(ins.actions)}`);
        break;
      case "write_metadata":
        b.flow.writeMetadata(ins.metadata, ins.mask);
        {
          const now = b.flow.metadata; // the metadata changes later: render this value
          ctx.note(
            "instruction",
            () =>
              `write_metadata:0x${ins.metadata.toString(16)}/0x${ins.mask.toString(16)} → metadata 0x${now.toString(16)}`,
          );
        }
        break;
      case "goto_table":
        if (ins.tableId <= tableId) {
          ctx.fail(`goto_table:${ins.tableId} from table ${tableId}: goto must go forward`);
          return undefined;
        }
        ctx.note("instruction", `goto_table:${ins.tableId}`);
        next = ins.tableId;
        break;
      case "experimenter":
        ctx.fail(`experimenter instruction 0x${ins.experimenter.toString(16)} is not supported`);
        return undefined;
    }
  }
  return next;
}

/** Record types that send the packet somewhere (or up): a list without any is a drop. */
const EMITTING = new Set<number>([A.OUTPUT, A.OUTPUT_SET, A.USERSPACE, A.SAMPLE, A.DEC_TTL, A.DROP]);

function emits(list: Uint8Array): boolean {
  for (let off = 0; off + 4 <= list.length; ) {
    if (EMITTING.has(list[off] | (list[off + 1] << 8))) return true;
    off += list[off + 2] | (list[off + 3] << 8) || 4;
  }
  return false;
}

function finish(ctx: XlateContext, b: Branch): XlateResult {
  let actions: Uint8Array;
  if (ctx.failed !== undefined) {
    actions = new ActionList().drop(DROP_REASON.XLATE_FAILED).bytes();
    ctx.trace.add({ kind: "drop", depth: 0, text: "result: drop megaflow (translation failed)" });
  } else {
    // NORMAL decided a drop and nothing else was emitted: say why, so the fast path counts it.
    if (ctx.normalDrop !== undefined && ctx.normalDrop !== DROP_REASON.NONE && !emits(ctx.out.bytes())) {
      ctx.out.drop(ctx.normalDrop);
    }
    actions = ctx.out.bytes();
    if (actions.length === 0)
      ctx.trace.add({ kind: "drop", depth: 0, text: "result: no outputs, the packet is dropped" });
  }
  return {
    actions,
    mask: ctx.wc.bytes,
    trace: ctx.trace,
    failed: ctx.failed,
    rules: ctx.rules,
    tableVisits: internTableVisits(ctx.visits),
    groupIds: [...ctx.groupIds],
    groupHits: ctx.groupHits,
    normal: ctx.normal,
    final: b.flow,
  };
}
