// Rule selection: how FLOW_MOD and flow-stats requests pick rules — match normalization,
// identity (strict), the non-strict "at least as specific" test, overlap, and the cookie and
// out_port/out_group filters (OpenFlow 1.3.5 §6.4, §7.3.4.1, §7.3.5.2).
//
// What: normalizeMatch, matchKey (identity), matchCovers (non-strict), matchesOverlap
//   (CHECK_OVERLAP), cookieSelects, outputsTo, usesGroup.
// Design: matches are compared as OpenFlow data, not in key space, so MPLS or PBB fields the
//   datapath cannot see still select and overlap as the spec says. A normalized match drops
//   fields with an all-zero mask (they constrain nothing) and turns an all-ones mask into no
//   mask, as Open vSwitch does, so "eth_dst=X" and "eth_dst=X/ff:ff:ff:ff:ff:ff" are one rule;
//   field order is kept (the controller's order comes back in stats).
// Invariants: matchKey(a) = matchKey(b) iff normalized a and b constrain the same fields with
//   the same masks and masked values. Inputs are validated (validateMatch) basic OXMs.
// Threading: pure functions; main thread.

import type { Action } from "../../openflow/actions/actions.ts";
import { OFPG_ANY, OFPP } from "../../openflow/constants.ts";
import type { Instruction } from "../../openflow/instructions.ts";
import type { Match, OxmBasic } from "../../openflow/match/match.ts";
import { type OxmName, type OxmValue, oxmFieldByName } from "../../openflow/match/oxm-fields.ts";
import { fullMask, oxmBits, oxmValueOf } from "./oxm-key-map.ts";

/** Drops zero-mask fields, unmasks full masks, clears value bits outside the mask. */
export function normalizeMatch(match: Match): OxmBasic[] {
  const out: OxmBasic[] = [];
  for (const oxm of match) {
    if (oxm.name === "opaque") throw new Error("normalizeMatch: opaque OXM (validateMatch first)");
    if (oxm.mask === undefined) {
      out.push(oxm);
      continue;
    }
    const full = fullMask(oxm.name);
    const m = oxmBits(oxm.mask) & full;
    if (m === 0n) continue;
    if (m === full) out.push({ name: oxm.name, value: oxmValueOf(oxm.name, oxmBits(oxm.value) & m) });
    else out.push({ name: oxm.name, value: oxmValueOf(oxm.name, oxmBits(oxm.value) & m), mask: oxm.mask });
  }
  return out;
}

interface Bits {
  v: bigint;
  m: bigint;
}

function fieldBits(match: readonly OxmBasic[]): Map<OxmName, Bits> {
  const out = new Map<OxmName, Bits>();
  for (const o of match) {
    const m = o.mask === undefined ? fullMask(o.name) : oxmBits(o.mask);
    out.set(o.name, { v: oxmBits(o.value) & m, m });
  }
  return out;
}

function valueText(v: OxmValue): string {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString("hex");
  return v.toString(16);
}

/**
 * A canonical string of a normalized match: equal strings, identical matches. Not cached: the
 * only caller keeps the result as a Map key for the rule's lifetime (rule-table.ts identity),
 * and a cache would keep a second copy of it per rule (~130 B with its WeakMap entry).
 */
export function matchKey(match: readonly OxmBasic[]): string {
  const parts: string[] = [];
  for (const o of match) {
    const mask = o.mask === undefined ? "" : `/${valueText(o.mask)}`;
    parts.push(`${oxmFieldByName(o.name).field}=${valueText(o.value)}${mask}`);
  }
  return parts.sort().join(",");
}

/**
 * Non-strict selection: is `rule` at least as specific as `request`? Every field the request
 * constrains, the rule constrains with a superset mask and the same value under the request's
 * mask. A field the request omits is a wildcard.
 */
export function matchCovers(rule: readonly OxmBasic[], request: readonly OxmBasic[]): boolean {
  if (request.length === 0) return true;
  const r = fieldBits(rule);
  for (const [name, q] of fieldBits(request)) {
    const b = r.get(name);
    if (!b || (b.m & q.m) !== q.m || (b.v & q.m) !== q.v) return false;
  }
  return true;
}

/** Could one packet match both? (Fields in both agree wherever both masks are set.) */
export function matchesOverlap(a: readonly OxmBasic[], b: readonly OxmBasic[]): boolean {
  const bb = fieldBits(b);
  for (const [name, x] of fieldBits(a)) {
    const y = bb.get(name);
    if (y && ((x.v ^ y.v) & x.m & y.m) !== 0n) return false;
  }
  return true;
}

/** cookie/cookie_mask filter: a zero mask selects every rule. */
export function cookieSelects(ruleCookie: bigint, cookie: bigint, cookieMask: bigint): boolean {
  return ((ruleCookie ^ cookie) & cookieMask) === 0n;
}

function* ruleActions(instructions: readonly Instruction[]): Generator<Action> {
  for (const ins of instructions) {
    if (ins.type === "apply_actions" || ins.type === "write_actions") yield* ins.actions;
  }
}

/** out_port filter: OFPP_ANY, or an output to `port` among the rule's own actions. */
export function outputsTo(instructions: readonly Instruction[], port: number): boolean {
  if (port === OFPP.ANY) return true;
  for (const a of ruleActions(instructions)) if (a.type === "output" && a.port === port) return true;
  return false;
}

/** out_group filter: OFPG_ANY, or a group action to `group` among the rule's own actions. */
export function usesGroup(instructions: readonly Instruction[], group: number): boolean {
  if (group === OFPG_ANY) return true;
  for (const a of ruleActions(instructions)) if (a.type === "group" && a.groupId === group) return true;
  return false;
}
