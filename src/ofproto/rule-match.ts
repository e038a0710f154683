// Rule selection: how FLOW_MOD and flow-stats requests pick rules — match normalization,
// identity (strict), the non-strict "at least as specific" test, overlap, and the cookie and
// out_port/out_group filters (OpenFlow 1.3.5 §6.4, §7.3.4.1, §7.3.5.2).
//
// What: normalizeMatch, matchKey and ruleIdentity (strict identity), matchCovers (non-strict), matchesOverlap
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

/** matchKey's scratch: the longest key is every field once, masked (well under 1 KiB). */
const keyScratch = Buffer.alloc(1024);
/** matchKey's scratch for the field order: indices into the match, sorted by field number. */
const keyOrder: number[] = [];

/** Writes `v` as `n` big-endian bytes at `at` (v is the field's type: oxm-fields.ts). */
function putValue(out: Buffer, at: number, n: number, v: OxmValue): number {
  if (typeof v === "number") {
    for (let i = n - 1; i >= 0; i--, v >>>= 8) out[at + i] = v & 0xff;
  } else if (typeof v === "bigint") {
    for (let i = n - 1; i >= 0; i--, v >>= 8n) out[at + i] = Number(v & 0xffn);
  } else out.set(v, at);
  return at + n;
}

/**
 * A canonical string of a normalized match: equal strings, identical matches. Binary, one
 * latin1 character per byte (V8 keeps it one byte per character): per field in field-number
 * order, its number ×2 + has-mask, its value in the field's wire size, then its mask if any.
 * Fields have fixed sizes, so the string reads back one way only. Not cached: the only caller
 * keeps the result as a Map key for the rule's lifetime (rule-table.ts identity).
 */
export function matchKey(match: readonly OxmBasic[]): string {
  return keyOf(match, -1);
}

/** A rule's identity in its table (priority + match, as OFPFC_*_STRICT compare them): the
 *  priority as two bytes, then matchKey's bytes. */
export function ruleIdentity(match: readonly OxmBasic[], priority: number): string {
  return keyOf(match, priority);
}

function keyOf(match: readonly OxmBasic[], priority: number): string {
  const order = keyOrder;
  order.length = 0;
  for (let i = 0; i < match.length; i++) {
    const f = oxmFieldByName(match[i].name).field;
    let j = order.length;
    while (j > 0 && oxmFieldByName(match[order[j - 1]].name).field > f) j--;
    order.splice(j, 0, i);
  }
  const out = keyScratch;
  let at = 0;
  if (priority >= 0) {
    out[at++] = priority >>> 8;
    out[at++] = priority & 0xff;
  }
  for (const i of order) {
    const o = match[i];
    const info = oxmFieldByName(o.name);
    out[at++] = info.field * 2 + (o.mask === undefined ? 0 : 1);
    at = putValue(out, at, info.bytes, o.value);
    if (o.mask !== undefined) at = putValue(out, at, info.bytes, o.mask);
  }
  return out.toString("latin1", 0, at);
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
