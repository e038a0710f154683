// A flow's instructions as the text after `actions=`, as ovs-ofctl(8) reads it and
// `ovs-ofctl -O OpenFlow13 dump-flows` prints it.
//
// What: formatInstructions(list) → `meter:2,pop_vlan,output:1,write_metadata:0x5/0xff,goto_table:3`;
//   parseInstructions(text, match) reads that back into Instruction[].
// Design: Open vSwitch prints instructions in one fixed order whatever their order on the wire —
//   meter, apply-actions (the bare action list), clear_actions, write_actions(...),
//   write_metadata, goto_table — and so does formatInstructions; nothing at all prints `drop`.
//   write_metadata omits an all-ones mask. parseInstructions accepts the instructions in any
//   order (ovs-ofctl insists on its own), gathers every bare action into one apply-actions, and
//   returns them in that same fixed order. `drop` must stand alone, and an instruction given
//   twice is an error, as in ovs-ofctl. The match seeds the action parser's state: whether the
//   packet is VLAN-tagged (for mod_vlan_*) and its ip_proto (for mod_tp_*).
// Invariants: parseInstructions(formatInstructions(l)) = l for every list in that order with
//   no empty apply-actions and no experimenter instruction (and actions as action-format.ts
//   requires).

import { type ActionState, formatActions, parseActions, splitKeyword, splitTopLevel } from "./actions/action-format.ts";
import type { Instruction, InstructionType } from "./instructions.ts";
import type { Match } from "./match/match.ts";
import { OFPVID_PRESENT } from "./match/oxm-fields.ts";
import { hexText, parseU64, parseUint } from "./port-format.ts";

const ORDER: InstructionType[] = [
  "meter",
  "apply_actions",
  "clear_actions",
  "write_actions",
  "write_metadata",
  "goto_table",
  "experimenter",
];
const ALL_ONES = (1n << 64n) - 1n;

function formatOne(ins: Instruction): string {
  switch (ins.type) {
    case "meter":
      return `meter:${ins.meterId >>> 0}`;
    case "apply_actions":
      return formatActions(ins.actions);
    case "clear_actions":
      return "clear_actions";
    case "write_actions":
      return `write_actions(${ins.actions.length === 0 ? "drop" : formatActions(ins.actions)})`;
    case "write_metadata":
      return `write_metadata:${hexText(ins.metadata)}${ins.mask === ALL_ONES ? "" : `/${hexText(ins.mask)}`}`;
    case "goto_table":
      return `goto_table:${ins.tableId}`;
    case "experimenter": {
      const hex = Array.from(ins.data, (b) => b.toString(16).padStart(2, "0")).join("");
      return `experimenter(0x${ins.experimenter.toString(16)},${hex})`;
    }
  }
}

/** The text after `actions=`; `drop` when nothing would be printed. */
export function formatInstructions(list: readonly Instruction[]): string {
  const sorted = [...list].sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type));
  const parts = sorted.map(formatOne).filter((s) => s !== "");
  return parts.length === 0 ? "drop" : parts.join(",");
}

/** The action parser's starting state for a flow with `match`. */
export function actionStateOf(match: Match): ActionState {
  const vid = match.find((o) => o.name === "vlan_vid");
  const proto = match.find((o) => o.name === "ip_proto");
  const tagged =
    vid !== undefined &&
    vid.name !== "opaque" &&
    ((vid.value as number) & OFPVID_PRESENT) !== 0 &&
    (vid.mask === undefined || ((vid.mask as number) & OFPVID_PRESENT) !== 0);
  const ipProto = proto && proto.name !== "opaque" && proto.mask === undefined ? (proto.value as number) : undefined;
  return { tagged, ipProto };
}

/** Parses the text after `actions=` for a flow with `match`. */
export function parseInstructions(text: string, match: Match): Instruction[] {
  const state = actionStateOf(match);
  const tokens = splitTopLevel(text);
  const found = new Map<InstructionType, Instruction>();
  const put = (ins: Instruction, token: string) => {
    if (found.has(ins.type)) throw new Error(`"${token}": duplicate ${ins.type} instruction`);
    found.set(ins.type, ins);
  };
  const apply: string[] = [];
  let writeText: [string, string] | undefined;
  for (const token of tokens) {
    const [key, arg] = splitKeyword(token);
    if (key === "drop" && arg === undefined) {
      if (tokens.length > 1) throw new Error(`"drop" must not be accompanied by any other action or instruction`);
      return [];
    }
    try {
      switch (key) {
        case "meter":
          put({ type: "meter", meterId: parseUint(arg ?? "", 32, "a meter id") }, token);
          break;
        case "clear_actions":
          if (arg !== undefined) throw new Error("clear_actions takes no argument");
          put({ type: "clear_actions" }, token);
          break;
        case "write_actions": {
          if (arg === undefined) throw new Error("expected write_actions(ACTIONS)");
          put({ type: "write_actions", actions: [] }, token);
          writeText = [arg, token];
          break;
        }
        case "write_metadata": {
          const [v, m] = (arg ?? "").split("/");
          const metadata = parseU64(v, "a metadata value");
          put({ type: "write_metadata", metadata, mask: m === undefined ? ALL_ONES : parseU64(m, "a mask") }, token);
          break;
        }
        case "goto_table":
          put({ type: "goto_table", tableId: parseUint(arg ?? "", 8, "a table id (0..254)") }, token);
          break;
        default:
          apply.push(token);
      }
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.includes(token) ? msg : `"${token}": ${msg}`);
    }
  }
  // The action set is written after the apply-actions ran: parse it with their effect on the state.
  if (apply.length > 0)
    found.set("apply_actions", { type: "apply_actions", actions: parseActions(apply.join(","), state) });
  if (writeText) {
    const [arg, token] = writeText;
    try {
      const actions = arg.trim() === "drop" ? [] : parseActions(arg, state);
      found.set("write_actions", { type: "write_actions", actions });
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.includes(token) ? msg : `"${token}": ${msg}`);
    }
  }
  return ORDER.flatMap((t) => {
    const ins = found.get(t);
    return ins ? [ins] : [];
  });
}
