// `wasmvs trace`: what the switch does with a packet and why, as `ovs-appctl ofproto/trace`
// answers it for Open vSwitch.
//
// What: runTrace(target, input) takes a flow in ovs-ofctl field syntax (`in_port=1,tcp,tp_dst=80`)
//   or a whole frame plus its in_port, and returns a TraceReport: the flow as parsed, every
//   translation step (tables and the rule matched, instructions, actions, groups and buckets,
//   NORMAL's decisions, set-fields, guards), the final flow, the megaflow that would be
//   installed (text, key and mask) and the datapath actions. traceText renders it for people.
// Design: the input becomes a frame (flow-compose.ts for a flow), the frame becomes a key through
//   the fast path's own parser (target.parseKey), and the key goes through target.translate —
//   Ofproto.traceTranslate, the translation a miss runs, except that CONTROLLER userdata is
//   encoded without being interned (a trace installs nothing, so it must not grow that table)
//   — so the trace cannot drift from the datapath (a property test holds it to what the real
//   fast path installs). Without `generate` the translation does not learn, so a trace
//   changes nothing; with it, NORMAL learns the source as a real packet would; neither
//   installs, executes, credits counters or sends packet-ins.
//   The report is plain JSON data (version TRACE_REPORT_VERSION; schema in src/api/trace.ts):
//   steps keep their depth (goto_table, groups, buckets, NORMAL), set-field steps their field
//   with the value before and after, output:NORMAL its decision. traceText indents by depth
//   and, with `names`, replaces every port number by its name.
//   Input errors are TraceInputError with a message naming the token as the user typed it.
// Invariants: the report's megaflow key/mask/actions are byte for byte what onMiss would hand
//   the datapath for the same packet and state.
// Threading: main thread.

import { OFPP } from "../../../openflow/constants.ts";
import { validateMatch } from "../../../openflow/match/match.ts";
import { formatMatch, parseMatch } from "../../../openflow/match/match-format.ts";
import type { OxmName, OxmValue } from "../../../openflow/match/oxm-fields.ts";
import { describeActions } from "../../datapath/datapath-actions.ts";
import { KEY_SIZE } from "../../datapath/flow-key.ts";
import type { NormalDecision } from "../normal/xlate-normal.ts";
import { PipelineFlow } from "../pipeline-flow.ts";
import type { XlateResult } from "../xlate/xlate.ts";
import type { XlateStep } from "../xlate/xlate-trace.ts";
import { composeFrame } from "./flow-compose.ts";
import { flowText, megaflowText } from "./flow-text.ts";

/** A bad trace request: the message names the token at fault. */
export class TraceInputError extends Error {}

export interface TracePort {
  ofPort: number;
  dpPort: number;
  name: string;
}

/** What a trace needs of a bridge (src/bridge/live-dataplane.ts provides it). */
export interface TraceTarget {
  readonly bridge: string;
  ports(): TracePort[];
  /** The datapath key of `frame` received on `dpPort`, by the fast path's parser. */
  parseKey(frame: Uint8Array, dpPort: number): Promise<Uint8Array>;
  /** Ofproto.translate for this bridge. */
  translate(dpPort: number, key: Uint8Array, generate: boolean): XlateResult;
}

export interface TraceInput {
  /** Flow in ovs-ofctl field syntax; exactly one of flow / packet. */
  flow?: string;
  /** A whole Ethernet frame. */
  packet?: Uint8Array;
  /** Port number or name; required with packet, overrides nothing (a flow's in_port wins). */
  inPort?: string;
  generate?: boolean;
}

/** The JSON document's version: bumped when a field changes meaning or goes away. */
export const TRACE_REPORT_VERSION = 2;

export interface TraceStep {
  kind: string;
  /** Nesting: tables reached by goto_table, groups, buckets, NORMAL's lines, re-runs. */
  depth: number;
  text: string;
  tableId?: number;
  rule?: { priority: number; cookie: string; match: string };
  /** A set-field's OXM field, and its value before and after, as ovs-ofctl writes values. */
  field?: string;
  from?: string;
  to?: string;
  /** What output:NORMAL decided. */
  normal?: NormalDecision;
  port?: number;
  groupId?: number;
}

export interface TraceReport {
  version: number;
  bridge: string;
  generate: boolean;
  inPort: { ofPort: number; name: string };
  /** The frame traced, hex. */
  packet: string;
  flow: string;
  steps: TraceStep[];
  finalFlow: string;
  megaflow: { match: string; key: string; mask: string };
  datapathActions: string;
  /** Why translation failed closed (the datapath then drops), if it did. */
  failed?: string;
  /** The bridge's ports (OpenFlow number, datapath number, name), for rendering with names. */
  ports: TracePort[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function portName(p: TracePort, bridge: string): string {
  return p.ofPort === OFPP.LOCAL ? bridge : p.name;
}

/** A port by OpenFlow number, reserved name (LOCAL) or port name. */
function resolvePort(target: TraceTarget, token: string): TracePort {
  const ports = target.ports();
  const t = token.trim();
  let found: TracePort | undefined;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) found = ports.find((p) => p.ofPort === Number(t));
  else if (t.toUpperCase() === "LOCAL") found = ports.find((p) => p.ofPort === OFPP.LOCAL);
  else found = ports.find((p) => p.name === t || (p.ofPort === OFPP.LOCAL && t === target.bridge));
  if (!found) throw new TraceInputError(`in_port=${t}: no such port on bridge ${target.bridge}`);
  return found;
}

/** Splits out in_port (which may be a name) from the rest of a flow's fields. */
function splitInPort(flow: string): { inPort?: string; rest: string } {
  let inPort: string | undefined;
  const rest: string[] = [];
  for (const tok of flow.split(",")) {
    const m = /^\s*in_port\s*=\s*(.*)$/i.exec(tok);
    if (m) {
      if (inPort !== undefined) throw new TraceInputError("in_port given twice");
      inPort = m[1].trim();
    } else rest.push(tok);
  }
  return { inPort, rest: rest.join(",") };
}

function parseFlow(text: string): ReturnType<typeof composeFrame> {
  let match: ReturnType<typeof parseMatch>;
  try {
    match = parseMatch(text);
    validateMatch(match);
  } catch (e) {
    throw new TraceInputError(`flow "${text}": ${(e as Error).message}`);
  }
  try {
    return composeFrame(match.filter((o) => o.name !== "opaque") as Parameters<typeof composeFrame>[0]);
  } catch (e) {
    // composeFrame names the OXM field ("ipv4_dst: ..."); say it as the user typed it.
    const msg = (e as Error).message;
    const name = /^([a-z0-9_]+):/.exec(msg)?.[1];
    const typed = name === undefined ? undefined : typedTokens(text).get(name);
    throw new TraceInputError(typed === undefined ? msg : `${typed}${msg.slice(name?.length)}`);
  }
}

/** OXM field name → the token of `text` that set it (`nw_dst=10.0.0.0/8` for ipv4_dst). */
function typedTokens(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const tok of text.split(",")) {
    const t = tok.trim();
    if (!t.includes("=")) continue;
    try {
      for (const f of parseMatch(t)) if (f.name !== "opaque") out.set(f.name, t);
    } catch {
      // a token parseMatch refuses alone was accepted in context: keep the OXM name
    }
  }
  return out;
}

export async function runTrace(target: TraceTarget, input: TraceInput): Promise<TraceReport> {
  if ((input.flow === undefined) === (input.packet === undefined)) {
    throw new TraceInputError("give either a flow or a packet, not both and not neither");
  }
  let frame: Uint8Array;
  let portToken: string | undefined = input.inPort;
  if (input.flow !== undefined) {
    const { inPort, rest } = splitInPort(input.flow);
    portToken = inPort ?? portToken;
    frame = parseFlow(rest).frame;
  } else {
    frame = input.packet as Uint8Array;
    if (frame.length < 14)
      throw new TraceInputError(`packet of ${frame.length} bytes: an Ethernet frame is at least 14`);
  }
  if (portToken === undefined || portToken === "") {
    throw new TraceInputError("no in_port: give in_port=PORT in the flow or an input port");
  }
  const port = resolvePort(target, portToken);
  const key = await target.parseKey(frame, port.dpPort);
  if (key.length !== KEY_SIZE) throw new Error(`parser returned a ${key.length}-byte key`);
  const generate = input.generate ?? false;
  const r = target.translate(port.dpPort, key, generate);
  const ports = target
    .ports()
    .map((p) => ({ ofPort: p.ofPort, dpPort: p.dpPort, name: portName(p, target.bridge) }))
    .sort((a, b) => a.ofPort - b.ofPort);
  return {
    version: TRACE_REPORT_VERSION,
    bridge: target.bridge,
    generate,
    inPort: { ofPort: port.ofPort, name: portName(port, target.bridge) },
    packet: hex(frame),
    flow: flowText(PipelineFlow.fromKey(key, port.ofPort)),
    steps: r.trace.steps.map(stepView),
    finalFlow: flowText(r.final),
    megaflow: { match: megaflowText(key, r.mask, port.ofPort), key: hex(key), mask: hex(r.mask) },
    datapathActions: r.actions.length === 0 ? "drop" : describeActions(r.actions),
    ...(r.failed === undefined ? {} : { failed: r.failed }),
    ports,
  };
}

/** A field's value as ovs-ofctl writes it (dl_dst=02:..., nw_dst=10.0.0.1): the part after "=". */
function valueText(name: OxmName, value: OxmValue): string {
  if (name === "ip_dscp") return String(value); // formatMatch writes it as nw_tos (dscp << 2)
  const text = formatMatch([{ name, value }]);
  const last = text.slice(text.lastIndexOf(",") + 1);
  return last.slice(last.indexOf("=") + 1);
}

/** A translation step as plain JSON data (no bigint, no bytes). */
function stepView(s: XlateStep): TraceStep {
  const field = s.field as OxmName | undefined;
  return {
    kind: s.kind,
    depth: s.depth,
    text: s.text,
    ...(s.tableId === undefined ? {} : { tableId: s.tableId }),
    ...(s.rule === undefined
      ? {}
      : { rule: { priority: s.rule.priority, cookie: `0x${s.rule.cookie.toString(16)}`, match: s.rule.match } }),
    ...(field === undefined ? {} : { field }),
    ...(field === undefined || s.from === undefined ? {} : { from: valueText(field, s.from) }),
    ...(field === undefined || s.to === undefined ? {} : { to: valueText(field, s.to) }),
    ...(s.normal === undefined ? {} : { normal: { ...s.normal, ports: [...s.normal.ports] } }),
    ...(s.port === undefined ? {} : { port: s.port }),
    ...(s.groupId === undefined ? {} : { groupId: s.groupId }),
  };
}

export interface TraceTextOptions {
  /** Show port names instead of numbers wherever a port number appears. */
  names?: boolean;
}

/**
 * Port numbers → names in one line of trace text. OpenFlow port numbers appear as in_port=N,
 * "in_port N" and output:N (rules, actions, steps); datapath port numbers as "datapath port N"
 * and, in the datapath actions, output:N.
 */
function namer(r: TraceReport): { of: (s: string) => string; dp: (s: string) => string } {
  const byOf = new Map(r.ports.map((p) => [String(p.ofPort), p.name]));
  const byDp = new Map(r.ports.map((p) => [String(p.dpPort), p.name]));
  byOf.set("LOCAL", r.ports.find((p) => p.ofPort === OFPP.LOCAL)?.name ?? r.bridge);
  const name = (m: Map<string, string>, n: string) => m.get(n) ?? n;
  return {
    of: (s) =>
      s
        .replace(/\bin_port([= ])(\d+|LOCAL)\b/g, (_, sep: string, n: string) => `in_port${sep}${name(byOf, n)}`)
        .replace(/\boutput:(\d+|LOCAL)\b/g, (_, n: string) => `output:${name(byOf, n)}`)
        .replace(/\bdatapath port (\d+)\b/g, (_, n: string) => `datapath port ${name(byDp, n)}`),
    dp: (s) => s.replace(/\boutput:(\d+)\b/g, (_, n: string) => `output:${name(byDp, n)}`),
  };
}

/** The report as people read it (the layout of ovs-appctl ofproto/trace). */
export function traceText(r: TraceReport, opts: TraceTextOptions = {}): string {
  const identity = (s: string) => s;
  const names = opts.names ? namer(r) : { of: identity, dp: identity };
  const title = `bridge("${r.bridge}")`;
  const lines = [
    `Flow: ${names.of(r.flow)}`,
    "",
    title,
    "-".repeat(title.length),
    // A table line starts its block; what the rule does is indented under it (OVS's layout),
    // and a table reached by goto_table is one level deeper than the goto.
    ...r.steps.map((s) => `${"    ".repeat(s.depth)}${s.kind === "table" ? "" : "    "}${names.of(s.text)}`),
    "",
    `Final flow: ${r.finalFlow === r.flow ? "unchanged" : names.of(r.finalFlow)}`,
    `Megaflow: ${names.of(r.megaflow.match)}`,
    `Datapath actions: ${names.dp(r.datapathActions)}`,
  ];
  if (r.failed !== undefined) lines.push(`Translation failed: ${names.of(r.failed)}`);
  if (r.generate) lines.push("(--generate: side effects such as MAC learning were applied)");
  return `${lines.join("\n")}\n`;
}
