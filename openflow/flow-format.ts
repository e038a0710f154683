// A whole flow line as text, in ovs-ofctl's flow syntax (ovs-ofctl(8) "Flow Syntax"), and the
// lines `ovs-ofctl -O OpenFlow13 dump-flows` prints.
//
// What: parseFlow(text, command) → FlowSpec (for add, modify[_strict], delete[_strict], or a
//   dump filter); formatFlow(spec, command) writes a FlowSpec back in the same syntax;
//   flowModOf(spec, command) is the FLOW_MOD body it stands for; formatFlowStats(fs) is one
//   dump-flows line; flowFileLines(text) splits an add-flows file into flow lines.
// Design: as ovs-ofctl does, everything after `actions=` is the instruction text
//   (instruction-format.ts); the rest is key=value or bare keywords separated by commas or
//   blanks: table, priority, cookie, idle_timeout, hard_timeout, the flag words, out_port,
//   out_group, the stats words dump-flows prints (ignored, so its output can be fed back), and
//   anything else is the match (match/match-format.ts). Which keys a command takes follows
//   ovs-ofctl: add and modify take actions (required), timeouts, priority and flags; delete and
//   dump take out_port/out_group, strict delete also priority. Defaults follow what
//   `ovs-ofctl -O OpenFlow13` sends: table 0 for add and modify, OFPTT_ALL for delete and dump,
//   priority 32768; cookie=V on add sets the cookie, cookie=V/MASK on the others selects by
//   cookie (cookie=V on modify is ignored: a 1.3 modify cannot change a cookie; on delete it is
//   an error, as in ovs-ofctl). `importance` is OpenFlow 1.4 and refused.
//   The dump line: ` cookie=0x0, duration=1.234s, table=0, n_packets=0, n_bytes=0,
//   [idle_timeout=N, ][hard_timeout=N, ][flag ...]priority=P,MATCH actions=...`, with priority
//   omitted when 32768 and `?` for a counter the switch does not keep (all ones).
// Invariants: parseFlow(formatFlow(s, c), c) = s for every FlowSpec whose fields the command
//   takes and whose match and instructions round-trip on their own. Errors are Errors naming the
//   offending token and what was expected.

import { OFPG_ANY, OFPP, OFPTT_ALL } from "./constants.ts";
import { formatInstructions, parseInstructions } from "./instruction-format.ts";
import type { Instruction } from "./instructions.ts";
import type { Match } from "./match/match.ts";
import { formatMatch, parseMatch } from "./match/match-format.ts";
import { type FlowModMessage, OFP_DEFAULT_PRIORITY, OFPFC, OFPFF } from "./messages/flow-mod.ts";
import type { FlowStats } from "./messages/flow-stats.ts";
import { formatPort, parsePort, parseU64, parseUint } from "./port-format.ts";

export type FlowCommand = "add" | "modify" | "modify_strict" | "delete" | "delete_strict" | "dump";

export interface FlowSpec {
  tableId: number;
  priority: number;
  cookie: bigint;
  cookieMask: bigint;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  outPort: number;
  outGroup: number;
  match: Match;
  instructions: Instruction[];
}

/** Flag words in the order dump-flows prints them. */
export const FLAG_WORDS: Array<[string, number]> = [
  ["send_flow_rem", OFPFF.SEND_FLOW_REM],
  ["check_overlap", OFPFF.CHECK_OVERLAP],
  ["reset_counts", OFPFF.RESET_COUNTS],
  ["no_packet_counts", OFPFF.NO_PKT_COUNTS],
  ["no_byte_counts", OFPFF.NO_BYT_COUNTS],
];
const FLAG_BY_WORD = new Map(FLAG_WORDS);
const STATS_WORDS = new Set(["duration", "n_packets", "n_bytes", "idle_age", "hard_age"]);

type Field = "actions" | "timeouts" | "priority" | "flags" | "out";
const FIELDS: Record<FlowCommand, ReadonlySet<Field>> = {
  add: new Set(["actions", "timeouts", "priority", "flags"]),
  modify: new Set(["actions", "timeouts", "priority", "flags"]),
  modify_strict: new Set(["actions", "timeouts", "priority", "flags"]),
  delete: new Set(["out"]),
  delete_strict: new Set(["out", "priority"]),
  dump: new Set(["out"]),
};

const takesActions = (c: FlowCommand) => FIELDS[c].has("actions");
const defaultTable = (c: FlowCommand) => (takesActions(c) ? 0 : OFPTT_ALL);

export function emptyFlowSpec(command: FlowCommand): FlowSpec {
  return {
    tableId: defaultTable(command),
    priority: OFP_DEFAULT_PRIORITY,
    cookie: 0n,
    cookieMask: 0n,
    idleTimeout: 0,
    hardTimeout: 0,
    flags: 0,
    outPort: OFPP.ANY,
    outGroup: OFPG_ANY,
    match: [],
    instructions: [],
  };
}

/** Splits off the instruction text after `actions=` (or `action=`). */
function splitActions(text: string): [string, string | undefined] {
  const m = /(^|[\s,])actions?\s*=/i.exec(text);
  if (!m) return [text, undefined];
  return [text.slice(0, m.index), text.slice(m.index + m[0].length).trim()];
}

function notFor(key: string, command: FlowCommand): Error {
  const hint = key === "priority" && command === "delete" ? " (a strict delete takes it)" : "";
  return new Error(`"${key}" is not allowed in a ${command.replace("_", " ")} flow${hint}`);
}

/** Parses one flow line for `command`. */
export function parseFlow(text: string, command: FlowCommand): FlowSpec {
  const spec = emptyFlowSpec(command);
  const fields = FIELDS[command];
  const [head, actionText] = splitActions(text);
  if (actionText !== undefined && !fields.has("actions")) throw new Error(`a ${command} flow takes no actions`);
  if (actionText === undefined && fields.has("actions")) throw new Error(`missing "actions=" (e.g. actions=drop)`);
  if (actionText === "") throw new Error(`"actions=" is empty (use actions=drop for none)`);
  const matchTokens: string[] = [];
  for (const token of head.split(/[\s,]+/).filter((t) => t !== "")) {
    const eq = token.indexOf("=");
    const key = (eq < 0 ? token : token.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : token.slice(eq + 1);
    const val = () => {
      if (value === undefined || value === "") throw new Error(`"${token}": ${key} needs a value (${key}=...)`);
      return value;
    };
    const check = (f: Field) => {
      if (!fields.has(f)) throw notFor(key, command);
    };
    try {
      if (FLAG_BY_WORD.has(key) && value === undefined) {
        check("flags");
        spec.flags |= FLAG_BY_WORD.get(key) ?? 0;
      } else if (STATS_WORDS.has(key)) {
        // dump-flows output fed back: ignored, as ovs-ofctl does
      } else if (key === "table") {
        const v = val();
        spec.tableId = v.toLowerCase() === "all" ? OFPTT_ALL : parseUint(v, 8, "a table id (0..254)");
      } else if (key === "priority") {
        check("priority");
        spec.priority = parseUint(val(), 16, "a priority (0..65535)");
      } else if (key === "idle_timeout" || key === "hard_timeout") {
        check("timeouts");
        const n = parseUint(val(), 16, "a timeout in seconds (0..65535)");
        if (key === "idle_timeout") spec.idleTimeout = n;
        else spec.hardTimeout = n;
      } else if (key === "out_port") {
        check("out");
        spec.outPort = parsePort(val());
      } else if (key === "out_group") {
        check("out");
        const v = val();
        spec.outGroup = v.toLowerCase() === "any" ? OFPG_ANY : parseUint(v, 32, "a group id");
      } else if (key === "importance") {
        throw new Error(`"${token}": importance is OpenFlow 1.4, not supported over 1.3`);
      } else if (key === "cookie") {
        parseCookie(spec, val(), command);
      } else {
        matchTokens.push(token);
      }
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.includes(token) || msg.includes(`"${key}"`) ? msg : `"${token}": ${msg}`);
    }
  }
  try {
    spec.match = parseMatch(matchTokens.join(","));
  } catch (e) {
    throw new Error(`match: ${(e as Error).message}`);
  }
  if (actionText !== undefined) {
    try {
      spec.instructions = parseInstructions(actionText, spec.match);
    } catch (e) {
      throw new Error(`actions: ${(e as Error).message}`);
    }
  }
  return spec;
}

function parseCookie(spec: FlowSpec, value: string, command: FlowCommand): void {
  const slash = value.indexOf("/");
  if (slash >= 0) {
    if (command === "add") throw new Error(`"cookie=${value}": an add cannot use a cookie mask`);
    spec.cookie = parseU64(value.slice(0, slash), "a cookie");
    spec.cookieMask = parseU64(value.slice(slash + 1), "a cookie mask");
    return;
  }
  const cookie = parseU64(value, "a cookie");
  if (command === "add") spec.cookie = cookie;
  else if (!takesActions(command)) {
    throw new Error(`"cookie=${value}": cannot set a cookie here; select with cookie=VALUE/MASK (e.g. /-1)`);
  }
  // modify: OpenFlow 1.3 cannot change a flow's cookie; ovs-ofctl ignores it too
}

/** `spec` as a flow line `command` accepts (fields at their defaults are left out). */
export function formatFlow(spec: FlowSpec, command: FlowCommand): string {
  const fields = FIELDS[command];
  const parts: string[] = [];
  if (spec.tableId !== defaultTable(command)) parts.push(`table=${spec.tableId === OFPTT_ALL ? "all" : spec.tableId}`);
  if (fields.has("priority") && spec.priority !== OFP_DEFAULT_PRIORITY) parts.push(`priority=${spec.priority}`);
  if (command === "add" && spec.cookie !== 0n) parts.push(`cookie=0x${spec.cookie.toString(16)}`);
  if (command !== "add" && spec.cookieMask !== 0n) {
    parts.push(`cookie=0x${spec.cookie.toString(16)}/0x${spec.cookieMask.toString(16)}`);
  }
  if (fields.has("timeouts")) {
    if (spec.idleTimeout !== 0) parts.push(`idle_timeout=${spec.idleTimeout}`);
    if (spec.hardTimeout !== 0) parts.push(`hard_timeout=${spec.hardTimeout}`);
  }
  if (fields.has("flags")) for (const [word, bit] of FLAG_WORDS) if (spec.flags & bit) parts.push(word);
  if (fields.has("out")) {
    if (spec.outPort >>> 0 !== OFPP.ANY) parts.push(`out_port=${formatPort(spec.outPort)}`);
    if (spec.outGroup >>> 0 !== OFPG_ANY) parts.push(`out_group=${spec.outGroup >>> 0}`);
  }
  const match = formatMatch(spec.match);
  if (match !== "") parts.push(match);
  if (takesActions(command)) parts.push(`actions=${formatInstructions(spec.instructions)}`);
  return parts.join(",");
}

const COMMAND_CODES: Record<Exclude<FlowCommand, "dump">, number> = {
  add: OFPFC.ADD,
  modify: OFPFC.MODIFY,
  modify_strict: OFPFC.MODIFY_STRICT,
  delete: OFPFC.DELETE,
  delete_strict: OFPFC.DELETE_STRICT,
};

/** The FLOW_MOD body a parsed line stands for (buffer_id NO_BUFFER). */
export function flowModOf(spec: FlowSpec, command: Exclude<FlowCommand, "dump">): Omit<FlowModMessage, "kind" | "xid"> {
  return { ...spec, command: COMMAND_CODES[command], bufferId: 0xffffffff };
}

const U64_MAX = (1n << 64n) - 1n;
const counter = (n: bigint) => (n === U64_MAX ? "?" : n.toString());

/** One line of `ovs-ofctl -O OpenFlow13 dump-flows` for a flow-stats entry (leading blank included). */
export function formatFlowStats(fs: FlowStats): string {
  const ms = Math.floor(fs.durationNsec / 1e6);
  const head = [
    `cookie=0x${fs.cookie.toString(16)}`,
    `duration=${fs.durationSec}.${String(ms).padStart(3, "0")}s`,
    `table=${fs.tableId}`,
    `n_packets=${counter(fs.packetCount)}`,
    `n_bytes=${counter(fs.byteCount)}`,
  ];
  if (fs.idleTimeout !== 0) head.push(`idle_timeout=${fs.idleTimeout}`);
  if (fs.hardTimeout !== 0) head.push(`hard_timeout=${fs.hardTimeout}`);
  let line = ` ${head.join(", ")}, `;
  for (const [word, bit] of FLAG_WORDS) if (fs.flags & bit) line += `${word} `;
  const match = [fs.priority !== OFP_DEFAULT_PRIORITY ? `priority=${fs.priority}` : "", formatMatch(fs.match)]
    .filter((s) => s !== "")
    .join(",");
  if (match !== "") line += `${match} `;
  return `${line}actions=${formatInstructions(fs.instructions)}`;
}

/** A flow-stats entry as an add line that re-creates it (`table=1,priority=10,ip,actions=...`). */
export function formatFlowEntry(fs: FlowStats): string {
  return formatFlow(
    {
      ...emptyFlowSpec("add"),
      tableId: fs.tableId,
      priority: fs.priority,
      cookie: fs.cookie,
      idleTimeout: fs.idleTimeout,
      hardTimeout: fs.hardTimeout,
      flags: fs.flags,
      match: fs.match,
      instructions: fs.instructions,
    },
    "add",
  );
}

/**
 * The flow lines of an `ovs-ofctl add-flows` file: `#` starts a comment, blank lines are
 * skipped, a line ending in `\` continues on the next. `line` is where each flow starts (1-based).
 */
export function flowFileLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const lines = text.split(/\r?\n/);
  let pending = "";
  let start = 0;
  lines.forEach((raw, i) => {
    const hash = raw.indexOf("#");
    let body = hash < 0 ? raw : raw.slice(0, hash);
    if (pending === "") start = i + 1;
    const continued = body.trimEnd().endsWith("\\");
    if (continued) body = body.trimEnd().slice(0, -1);
    pending += body;
    if (!continued) {
      if (pending.trim() !== "") out.push({ line: start, text: pending.trim() });
      pending = "";
    }
  });
  if (pending.trim() !== "") out.push({ line: start, text: pending.trim() });
  return out;
}
