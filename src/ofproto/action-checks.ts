// What this switch can do with an action list, checked before a FLOW_MOD, GROUP_MOD or
// PACKET_OUT is accepted: the one answer TABLE_FEATURES and GROUP_FEATURES also give.
//
// What: SUPPORTED_ACTION_TYPES / SUPPORTED_SET_FIELDS / matchFieldSupported (what TABLE_FEATURES
//   lists); checkActionsSupported(list) and checkInstructionsSupported(ins) refuse what the
//   datapath cannot do; checkConsistency(list, facts) refuses a set_field whose prerequisites
//   the packets it will see do not have (OFPBAC_MATCH_INCONSISTENT); factsOfMatch(match) and
//   factsOfKey(key) give those facts for a FLOW_MOD match and for a PACKET_OUT's packet.
// Design:
//   - Unsupported actions (OpenFlow 1.3.5 §7.4.3 / Table 21 error codes):
//       push_pbb, pop_pbb      OFPBAC_BAD_TYPE         (no PBB in the datapath)
//       experimenter action    OFPBAC_BAD_EXPERIMENTER (we implement no experimenter)
//       experimenter instr.    OFPBIC_BAD_EXPERIMENTER
//       set_field of a field the switch does not write:
//         eth_type, ip_proto   OFPBAC_BAD_SET_ARGUMENT — read-only in Open vSwitch, which
//                              answers BAD_SET_ARGUMENT for a non-writable field (the spec
//                              lists no writability, so we do what OVS does)
//         any other (pbb_isid, and mpls_* until the datapath has MPLS)  OFPBAC_BAD_SET_TYPE
//       set_field arp_op > 255 OFPBAC_BAD_SET_ARGUMENT (OVS keeps 8 bits of the opcode and
//                              refuses larger values the same way)
//     Everything else in ACTION_CODES is supported, MPLS and TTL-copy actions included.
//     set_field's writable list is the translator's (xlate-rewrites.ts SET_FIELD_WRITABLE).
//   - Consistency, as Open vSwitch's ofpacts_check: the facts are what a packet reaching the
//     list is known to be — eth_type, ip_proto, icmp type and VLAN presence, each 0 / false when
//     the match does not pin it (OVS checks against the match's flow, whose unmatched fields
//     are 0). Actions update them in order: push_vlan makes a tag present, pop_vlan leaves none
//     (the match cannot describe an inner tag), push_mpls / pop_mpls set eth_type to their
//     ethertype (so IP fields are unavailable after push_mpls). A set_field needs its field's
//     prerequisite chain from oxm-fields.ts (tcp_src → ip_proto 6 → eth_type IPv4/IPv6);
//     vlan_vid needs a tag already present, as in OVS. write_actions is checked in list order
//     from the facts apply_actions left, as OVS does.
//     FLOW_MOD: facts from the match. PACKET_OUT: facts from the packet itself, as OVS checks
//     a packet-out against flow_extract of its data. GROUP_MOD: buckets have no match, and
//     Open vSwitch does not check their prerequisites; neither do we (a set_field whose layer
//     the packet lacks is skipped at translation).
//   - Match fields the flow key does not carry (pbb_isid, ipv6_exthdr; see oxm-key-map.ts)
//     are refused OFPBMC_BAD_FIELD instead of being accepted and never matching.
// Invariants: pure functions of their arguments; they throw OfpError, never change anything.
// Threading: main thread.

import type { Action, ActionType } from "../../openflow/actions/actions.ts";
import { ACTION_CODES } from "../../openflow/actions/actions.ts";
import { BAD_ACTION, BAD_INSTRUCTION, BAD_MATCH, OFPET, OfpError } from "../../openflow/errors.ts";
import type { Instruction } from "../../openflow/instructions.ts";
import type { Match } from "../../openflow/match/match.ts";
import {
  OFPVID_PRESENT,
  OXM_FIELDS,
  type OxmName,
  type OxmPrereq,
  oxmFieldByName,
} from "../../openflow/match/oxm-fields.ts";
import { KEY, PRESENT } from "../datapath/flow-key.ts";
import { fieldInKey, oxmBits } from "./oxm-key-map.ts";
import { SET_FIELD_WRITABLE } from "./xlate/xlate-rewrites.ts";

/** Actions the datapath cannot execute, and the error each gets. */
const UNSUPPORTED_ACTIONS: Partial<Record<ActionType, number>> = {
  push_pbb: BAD_ACTION.BAD_TYPE,
  pop_pbb: BAD_ACTION.BAD_TYPE,
  experimenter: BAD_ACTION.BAD_EXPERIMENTER,
};

/** Every action type this switch executes, in wire-code order (TABLE_FEATURES, GROUP_FEATURES). */
export const SUPPORTED_ACTION_TYPES: readonly ActionType[] = (Object.keys(ACTION_CODES) as ActionType[])
  .filter((t) => UNSUPPORTED_ACTIONS[t] === undefined)
  .sort((a, b) => ACTION_CODES[a] - ACTION_CODES[b]);

/** Fields set_field can write (the translator's list). */
export const SUPPORTED_SET_FIELDS: readonly OxmName[] = SET_FIELD_WRITABLE;
const WRITABLE = new Set<OxmName>(SET_FIELD_WRITABLE);

/** Fields Open vSwitch documents as read-only although the spec's table lets them be set. */
const READ_ONLY = new Set<OxmName>(["eth_type", "ip_proto"]);

/** Match fields a rule may constrain: those the flow key carries (TABLE_FEATURES MATCH). */
export function matchFieldSupported(name: OxmName): boolean {
  return fieldInKey(name);
}

/** The match fields TABLE_FEATURES lists, in oxm-fields.ts order. */
export const SUPPORTED_MATCH_FIELDS: readonly OxmName[] = OXM_FIELDS.map((f) => f.name).filter(matchFieldSupported);

const actionError = (code: number, detail: string) => new OfpError(OFPET.BAD_ACTION, code, detail);

/** Refuses match fields the key does not carry: OFPBMC_BAD_FIELD. */
export function checkMatchSupported(match: Match): void {
  for (const oxm of match) {
    if (oxm.name !== "opaque" && !matchFieldSupported(oxm.name)) {
      throw new OfpError(OFPET.BAD_MATCH, BAD_MATCH.BAD_FIELD, `${oxm.name}: this switch cannot match on it`);
    }
  }
}

/** Refuses actions the datapath cannot execute (codes in the design comment). */
export function checkActionsSupported(list: readonly Action[]): void {
  for (const a of list) {
    const code = UNSUPPORTED_ACTIONS[a.type];
    if (code !== undefined) {
      const what = a.type === "experimenter" ? `experimenter action 0x${a.experimenter.toString(16)}` : a.type;
      throw actionError(code, `${what} is not supported by this switch`);
    }
    if (a.type !== "set_field" || a.field.name === "opaque") continue;
    const name = a.field.name;
    if (READ_ONLY.has(name))
      throw actionError(BAD_ACTION.BAD_SET_ARGUMENT, `set_field ${name}: the field is read-only`);
    if (!WRITABLE.has(name)) throw actionError(BAD_ACTION.BAD_SET_TYPE, `set_field ${name} is not supported`);
    if (name === "arp_op" && oxmBits(a.field.value) > 0xffn) {
      throw actionError(BAD_ACTION.BAD_SET_ARGUMENT, `set_field arp_op ${oxmBits(a.field.value)}: above 255`);
    }
  }
}

/** checkActionsSupported over every action list of an instruction set, plus experimenter
 *  instructions (OFPBIC_BAD_EXPERIMENTER). */
export function checkInstructionsSupported(instructions: readonly Instruction[]): void {
  for (const ins of instructions) {
    if (ins.type === "experimenter") {
      throw new OfpError(
        OFPET.BAD_INSTRUCTION,
        BAD_INSTRUCTION.BAD_EXPERIMENTER,
        `experimenter instruction 0x${ins.experimenter.toString(16)} is not supported by this switch`,
      );
    }
    if (ins.type === "apply_actions" || ins.type === "write_actions") checkActionsSupported(ins.actions);
  }
}

// --- consistency ------------------------------------------------------------------------------

/** What a packet reaching an action list is known to be (0 / false: not pinned). */
export interface PacketFacts {
  ethType: number;
  ipProto: number;
  icmpType: number;
  vlan: boolean;
}

/** Facts a FLOW_MOD match pins: exact (unmasked or all-ones) eth_type, ip_proto, icmp types,
 *  and vlan_vid with OFPVID_PRESENT in value and mask. */
export function factsOfMatch(match: Match): PacketFacts {
  const facts: PacketFacts = { ethType: 0, ipProto: 0, icmpType: 0, vlan: false };
  for (const oxm of match) {
    if (oxm.name === "opaque") continue;
    const v = Number(oxmBits(oxm.value));
    const full = oxm.mask === undefined || oxmBits(oxm.mask) === (1n << BigInt(oxmFieldByName(oxm.name).bits)) - 1n;
    switch (oxm.name) {
      case "eth_type":
        if (full) facts.ethType = v;
        break;
      case "ip_proto":
        if (full) facts.ipProto = v;
        break;
      case "icmpv4_type":
      case "icmpv6_type":
        if (full) facts.icmpType = v;
        break;
      case "vlan_vid": {
        const m = oxm.mask === undefined ? OFPVID_PRESENT : Number(oxmBits(oxm.mask));
        facts.vlan = (m & OFPVID_PRESENT) !== 0 && (v & OFPVID_PRESENT) !== 0;
        break;
      }
    }
  }
  return facts;
}

/** Facts of one packet, from its datapath flow key (PACKET_OUT). */
export function factsOfKey(key: Uint8Array): PacketFacts {
  const present = (key[4] | (key[5] << 8) | (key[6] << 16) | (key[7] << 24)) >>> 0;
  const ip = (present & (PRESENT.IPV4 | PRESENT.IPV6)) !== 0;
  return {
    ethType: present & PRESENT.ETH ? (key[KEY.ETH_TYPE] << 8) | key[KEY.ETH_TYPE + 1] : 0,
    ipProto: ip ? key[KEY.IP_PROTO] : 0,
    icmpType: present & (PRESENT.ICMP4 | PRESENT.ICMP6) ? key[KEY.TP_SRC + 1] : 0,
    vlan: (present & PRESENT.VLAN) !== 0,
  };
}

function prereqHolds(p: OxmPrereq, facts: PacketFacts): boolean {
  if (p.vidPresent) return facts.vlan;
  const value =
    p.field === "eth_type"
      ? facts.ethType
      : p.field === "ip_proto"
        ? facts.ipProto
        : p.field === "icmpv6_type" || p.field === "icmpv4_type"
          ? facts.icmpType
          : undefined;
  if (value === undefined || (p.anyOf && !p.anyOf.includes(value))) return false;
  const next = oxmFieldByName(p.field).prereq;
  return next === undefined || prereqHolds(next, facts);
}

/** True when `name`'s prerequisite chain holds for `facts` (vlan_vid: a tag is present). */
export function setFieldPrereqsHold(name: OxmName, facts: PacketFacts): boolean {
  if (name === "vlan_vid") return facts.vlan;
  const p = oxmFieldByName(name).prereq;
  return p === undefined || prereqHolds(p, facts);
}

/** Walks `list` from `facts` (updated in place, as the actions change the packet) and throws
 *  OFPBAC_MATCH_INCONSISTENT at the first set_field whose prerequisites do not hold. */
export function checkConsistency(list: readonly Action[], facts: PacketFacts): void {
  for (const a of list) {
    switch (a.type) {
      case "push_vlan":
        facts.vlan = true;
        break;
      case "pop_vlan":
        facts.vlan = false;
        break;
      case "push_mpls":
      case "pop_mpls":
        facts.ethType = a.ethertype;
        facts.ipProto = 0;
        facts.icmpType = 0;
        break;
      case "set_field":
        if (a.field.name !== "opaque" && !setFieldPrereqsHold(a.field.name, facts)) {
          throw actionError(
            BAD_ACTION.MATCH_INCONSISTENT,
            `set_field ${a.field.name}: the match does not guarantee its prerequisites`,
          );
        }
        break;
    }
  }
}

/** A FLOW_MOD's instructions against its match: apply_actions, then write_actions. */
export function checkInstructionConsistency(instructions: readonly Instruction[], match: Match): void {
  const facts = factsOfMatch(match);
  const apply = instructions.find((i) => i.type === "apply_actions");
  const write = instructions.find((i) => i.type === "write_actions");
  if (apply?.type === "apply_actions") checkConsistency(apply.actions, facts);
  if (write?.type === "write_actions") checkConsistency(write.actions, facts);
}
