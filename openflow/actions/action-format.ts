// Action lists as text, in the syntax ovs-ofctl(8) reads and `ovs-ofctl -O OpenFlow13
// dump-flows` prints (checked against ovs-ofctl 3.1).
//
// What: formatActions(list) → `pop_vlan,output:2,CONTROLLER:65535`; parseActions(text, state)
//   reads a comma-separated list (nested parentheses kept whole) into Action[].
// Design: printing follows OVS: `output:N` for ports, the name alone for reserved ports,
//   `CONTROLLER:MAX_LEN`, `mod_nw_ttl:N` for set_nw_ttl, `set_mpls_ttl(N)`, `dec_ttl`,
//   `pop_mpls:0x0800` (4 hex digits), every set-field as `set_field:V->F` (set-field-format.ts).
//   copy_ttl_in/out, push_pbb/pop_pbb are printed under their OpenFlow names (OVS has none).
//   Parsing also takes ovs-ofctl's shorthands: a bare port number, in_port/normal/flood/all/
//   local/controller[:N]/controller(max_len=N), strip_vlan, set_nw_ttl, and the mod_* forms,
//   mapped to 1.3 actions as ovs-ofctl maps them (mod_vlan_vid → set_field of vlan_vid with
//   OFPVID_PRESENT; mod_nw_tos → ip_dscp; mod_tp_* → tcp/udp/sctp from the match). Like
//   ovs-ofctl, mod_vlan_vid and mod_vlan_pcp push an 802.1Q tag first when the packet has none
//   at that point: ActionState.tagged follows the match and the push/pop actions before.
//   `drop` (no actions) is the instruction parser's business.
// Invariants: parseActions(formatActions(l)) = l for every list of non-experimenter actions
//   whose outputs to non-CONTROLLER ports carry max_len 0 (OVS prints no max_len for them).
//   Errors name the offending action text and what was expected.

import { OFPCML_NO_BUFFER, OFPP } from "../constants.ts";
import { OFPVID_PRESENT } from "../match/oxm-fields.ts";
import { formatPort, parsePort, parseUint } from "../port-format.ts";
import type { Action } from "./actions.ts";
import { type FieldContext, formatSetField, parseOxmValue, parseSetField } from "./set-field-format.ts";

/** What parsing needs to know about the packet at this point of the list. */
export interface ActionState extends FieldContext {
  /** The packet carries an 802.1Q tag here (from the match, or pushed before). */
  tagged: boolean;
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

export function formatAction(a: Action): string {
  switch (a.type) {
    case "output":
      if (a.port >>> 0 === OFPP.CONTROLLER) return `CONTROLLER:${a.maxLen}`;
      return a.port >>> 0 < OFPP.MAX ? `output:${a.port >>> 0}` : formatPort(a.port);
    case "group":
      return `group:${a.groupId >>> 0}`;
    case "set_queue":
      return `set_queue:${a.queueId >>> 0}`;
    case "set_mpls_ttl":
      return `set_mpls_ttl(${a.ttl})`;
    case "set_nw_ttl":
      return `mod_nw_ttl:${a.ttl}`;
    case "dec_nw_ttl":
      return "dec_ttl";
    case "push_vlan":
    case "push_mpls":
    case "push_pbb":
      return `${a.type}:0x${a.ethertype.toString(16)}`;
    case "pop_mpls":
      return `pop_mpls:${hex4(a.ethertype)}`;
    case "set_field":
      return `set_field:${formatSetField(a.field)}`;
    case "experimenter": {
      const hex = Array.from(a.data, (b) => b.toString(16).padStart(2, "0")).join("");
      return `experimenter(0x${a.experimenter.toString(16)},${hex})`;
    }
    default:
      return a.type;
  }
}

export function formatActions(list: readonly Action[]): string {
  return list.map(formatAction).join(",");
}

/** Splits on commas outside parentheses; empty pieces are dropped. */
export function splitTopLevel(text: string, sep = /,/): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") {
      if (--depth < 0) throw new Error(`unbalanced ")" in "${text}"`);
    } else if (depth === 0 && sep.test(c)) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new Error(`unbalanced "(" in "${text}"`);
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

/** `key:arg` or `key(arg)` → [key, arg]; a bare word → [word, undefined]. */
export function splitKeyword(token: string): [string, string | undefined] {
  const m = /^([a-z_0-9]+)\s*(?::(.*)|\((.*)\))?$/is.exec(token);
  if (!m) return [token, undefined];
  return [m[1].toLowerCase(), m[2] ?? m[3]];
}

const BARE_PORTS: Record<string, number> = {
  in_port: OFPP.IN_PORT,
  normal: OFPP.NORMAL,
  flood: OFPP.FLOOD,
  all: OFPP.ALL,
  local: OFPP.LOCAL,
  table: OFPP.TABLE,
  any: OFPP.ANY,
};

const NO_ARG: Record<string, Action["type"]> = {
  pop_vlan: "pop_vlan",
  strip_vlan: "pop_vlan",
  dec_ttl: "dec_nw_ttl",
  dec_nw_ttl: "dec_nw_ttl",
  dec_mpls_ttl: "dec_mpls_ttl",
  copy_ttl_in: "copy_ttl_in",
  copy_ttl_out: "copy_ttl_out",
  pop_pbb: "pop_pbb",
};

const VLAN_ETHERTYPES = [0x8100, 0x88a8];

function need(arg: string | undefined, token: string, what: string): string {
  if (arg === undefined || arg.trim() === "") throw new Error(`"${token}" needs ${what}`);
  return arg.trim();
}

function output(port: number, maxLen = 0): Action {
  return { type: "output", port, maxLen: port === OFPP.CONTROLLER && maxLen === 0 ? OFPCML_NO_BUFFER : maxLen };
}

function controller(arg: string | undefined, token: string): Action {
  if (arg === undefined) return output(OFPP.CONTROLLER, OFPCML_NO_BUFFER);
  const m = /^\s*max_len\s*=\s*(.+)$/.exec(arg);
  const n = m ? m[1] : arg;
  try {
    return { type: "output", port: OFPP.CONTROLLER, maxLen: parseUint(n, 16, "a max_len") };
  } catch (e) {
    throw new Error(
      `"${token}": ${(e as Error).message} (expected controller, controller:MAX_LEN or controller(max_len=N))`,
    );
  }
}

/** Pushes a VLAN tag first if the packet has none here (mod_vlan_vid / mod_vlan_pcp). */
function vlanSet(state: ActionState, set: Action): Action[] {
  if (state.tagged) return [set];
  state.tagged = true;
  return [{ type: "push_vlan", ethertype: 0x8100 }, set];
}

/** One action token → its actions (mod_vlan_* may add a push_vlan). */
function parseOne(token: string, state: ActionState): Action[] {
  if (/^\d+$/.test(token) || /^0x[0-9a-f]+$/i.test(token)) return [output(parsePort(token))];
  const [key, arg] = splitKeyword(token);
  if (BARE_PORTS[key] !== undefined && arg === undefined) return [output(BARE_PORTS[key])];
  if (NO_ARG[key] !== undefined) {
    if (arg !== undefined) throw new Error(`"${token}": ${key} takes no argument`);
    const type = NO_ARG[key];
    if (type === "pop_vlan") state.tagged = false;
    return [{ type } as Action];
  }
  switch (key) {
    case "output": {
      const port = parsePort(need(arg, token, "a port (output:PORT)"));
      return [output(port)];
    }
    case "controller":
      return [controller(arg, token)];
    case "group":
      return [{ type: "group", groupId: parseUint(need(arg, token, "a group id"), 32, "a group id") }];
    case "set_queue":
      return [{ type: "set_queue", queueId: parseUint(need(arg, token, "a queue id"), 32, "a queue id") }];
    case "push_vlan": {
      const ethertype = parseUint(need(arg, token, "an ethertype (0x8100 or 0x88a8)"), 16, "an ethertype");
      if (!VLAN_ETHERTYPES.includes(ethertype)) throw new Error(`"${token}": not a VLAN ethertype (0x8100, 0x88a8)`);
      state.tagged = true;
      return [{ type: "push_vlan", ethertype }];
    }
    case "push_mpls":
    case "pop_mpls":
    case "push_pbb":
      return [{ type: key, ethertype: parseUint(need(arg, token, "an ethertype"), 16, "an ethertype") }];
    case "set_mpls_ttl":
    case "set_nw_ttl":
    case "mod_nw_ttl": {
      const ttl = parseUint(need(arg, token, "a TTL (0..255)"), 8, "a TTL (0..255)");
      return [{ type: key === "set_mpls_ttl" ? "set_mpls_ttl" : "set_nw_ttl", ttl }];
    }
    case "set_field":
      return [{ type: "set_field", field: parseSetField(need(arg, token, "VALUE->FIELD"), state) }];
    case "mod_vlan_vid": {
      const vid = parseUint(need(arg, token, "a VLAN id (0..4095)"), 12, "a VLAN id (0..4095)");
      return vlanSet(state, { type: "set_field", field: { name: "vlan_vid", value: OFPVID_PRESENT | vid } });
    }
    case "mod_vlan_pcp": {
      const pcp = parseUint(need(arg, token, "a priority (0..7)"), 3, "a VLAN priority (0..7)");
      return vlanSet(state, { type: "set_field", field: { name: "vlan_pcp", value: pcp } });
    }
    case "mod_dl_src":
    case "mod_dl_dst":
      return [
        {
          type: "set_field",
          field: parseOxmValue(key === "mod_dl_src" ? "eth_src" : "eth_dst", need(arg, token, "a MAC")),
        },
      ];
    case "mod_nw_src":
    case "mod_nw_dst":
      return [
        {
          type: "set_field",
          field: parseOxmValue(key === "mod_nw_src" ? "ipv4_src" : "ipv4_dst", need(arg, token, "an IPv4 address")),
        },
      ];
    case "mod_nw_tos":
      return [{ type: "set_field", field: parseSetField(`${need(arg, token, "a TOS value")}->nw_tos`, state) }];
    case "mod_nw_ecn":
      return [{ type: "set_field", field: parseOxmValue("ip_ecn", need(arg, token, "an ECN value (0..3)")) }];
    case "mod_tp_src":
    case "mod_tp_dst":
      return [{ type: "set_field", field: parseSetField(`${need(arg, token, "a port")}->${key.slice(4)}`, state) }];
    default:
      throw new Error(`unknown action "${token}"`);
  }
}

/** Parses a comma-separated action list (`drop` is not an action here). */
export function parseActions(text: string, state: ActionState): Action[] {
  const out: Action[] = [];
  for (const token of splitTopLevel(text)) {
    try {
      out.push(...parseOne(token, state));
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.includes(token) ? msg : `"${token}": ${msg}`);
    }
  }
  return out;
}
