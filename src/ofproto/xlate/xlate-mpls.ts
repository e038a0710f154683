// MPLS actions in translation: push_mpls, pop_mpls, set_mpls_ttl, dec_mpls_ttl, copy_ttl_in,
// copy_ttl_out, and set_field on mpls_label / mpls_tc / mpls_bos.
//
// What: one function per action, each turning it into its datapath record (action-format.ts,
//   types 21..26) and changing the Branch's flow so later tables see the packet as the parser
//   would have seen it had it arrived that way.
// Design: MPLS actions change where the headers are, so they are not lazy like set_field
//   (packet-state.ts): each commits the branch first (pending rewrites and TTL decrements land
//   on the packet before the stack changes under them), emits its record at once, and appends
//   an op token to the branch's and the datapath's MPLS history. A group bucket or TABLE re-run
//   forked before an MPLS action cannot undo it: commit then fails the translation closed.
//   The flow after each action, as OVS's flow_push_mpls / flow_pop_mpls leave it:
//     push_mpls  eth_type = the push's; the IP/ARP/L4 fields and their PRESENT bits are gone
//                (the parser does not look beneath MPLS), PRESENT.MPLS set, MPLS_LSE = the new
//                top entry: a copy of the old top with bos clear, else label 0 (2 for IPv6),
//                tc = DSCP & 7, bos, ttl = the IP TTL (64 if not IP) — what mpls-ops.ts puts
//                on the wire. The translator reads presence, eth_type, the old top entry's
//                label/tc/bos bytes and the DSCP's low 3 bits, and un-wildcards them; the TTL
//                it copies is never matched on (OpenFlow 1.3 has no mpls_ttl field), so it is
//                not read as a decision and not un-wildcarded.
//     pop_mpls   eth_type = the pop's; what lies beneath the popped entry (the next entry, or
//                an IP header) is not in the key. OVS recirculates here and parses it again;
//                this datapath cannot, so the branch is marked `beneathUnknown` and whatever
//                would need those headers fails closed with a reason: a later table lookup, an
//                IP/L4 set_field, dec_nw_ttl, set_nw_ttl, push_mpls. Outputs, L2 rewrites and
//                further MPLS pops/TTL actions (decided in the datapath) still work, so the
//                common `mpls,mpls_label=N actions=pop_mpls:0x0800,output:P` is exact.
//     set_field  mpls_label/tc/bos: one A_SET_MPLS_LSE with the field's bits as the mask.
//     TTLs       set/dec_mpls_ttl and the copies are decided in the datapath (dec: at <= 1 an
//                INVALID_TTL upcall with the rule's table and cookie in its userdata).
//   An MPLS action on a packet without MPLS does nothing (as in OVS), except push_mpls; the
//   TTL copies between two IP headers (IP-in-IP) are not supported: they do nothing too.
// Invariants: the branch's MPLS history equals the datapath's after every action here.
// Threading: main thread.

import { KEY, KEY_SIZE, PRESENT } from "../../datapath/flow-key.ts";
import { PACKET_IN_REASON } from "./controller-userdata.ts";
import { type Branch, commit, type DpField } from "./packet-state.ts";
import type { ActionOrigin, XlateContext } from "./xlate-context.ts";

export const MPLS_FIELDS = ["mpls_label", "mpls_tc", "mpls_bos"] as const;
export type MplsField = (typeof MPLS_FIELDS)[number];

/** Where each field sits in the host-order entry (label 20 | tc 3 | bos 1 | ttl 8). */
const FIELD_BITS: Record<MplsField, { shift: number; bits: number }> = {
  mpls_label: { shift: 12, bits: 20 },
  mpls_tc: { shift: 9, bits: 3 },
  mpls_bos: { shift: 8, bits: 1 },
};

const BOS = 0x100;
const TTL_MASK = 0xff;
const NON_IP_TTL = 64;
/** OFPCML_NO_BUFFER: an INVALID_TTL packet-in asks for the whole frame (miss_send_len caps it). */
const NO_BUFFER = 0xffff;

/** PRESENT bits of the layers the parser finds beneath Ethernet: all gone once MPLS is on top. */
const BENEATH =
  PRESENT.ARP |
  PRESENT.IPV4 |
  PRESENT.IPV6 |
  PRESENT.TCP |
  PRESENT.UDP |
  PRESENT.SCTP |
  PRESENT.ICMP4 |
  PRESENT.ICMP6 |
  PRESENT.ND |
  PRESENT.IP_OPTIONS;

/** The lazily-set fields that live beneath MPLS: a push hides them from the datapath. */
const IP_FIELDS: readonly DpField[] = ["ipv4_src", "ipv4_dst", "ipv6_src", "ipv6_dst", "dscp", "tp_src", "tp_dst"];

export function isMplsType(t: number): boolean {
  return t === 0x8847 || t === 0x8848;
}

function setKeyU16(key: Uint8Array, off: number, v: number): void {
  key[off] = (v >>> 8) & 0xff;
  key[off + 1] = v & 0xff;
}

function setPresent(b: Branch, v: number): void {
  new DataView(b.flow.key.buffer, b.flow.key.byteOffset + KEY.PRESENT, 4).setUint32(0, v >>> 0, true);
}

function lse(b: Branch): number {
  const k = b.flow.key;
  const o = KEY.MPLS_LSE;
  return ((k[o] << 24) | (k[o + 1] << 16) | (k[o + 2] << 8) | k[o + 3]) >>> 0;
}

function setLse(b: Branch, v: number): void {
  new DataView(b.flow.key.buffer, b.flow.key.byteOffset + KEY.MPLS_LSE, 4).setUint32(0, v >>> 0);
}

/** Is the packet MPLS now? Read from the ingress key (and un-wildcarded) until an MPLS action
 *  has run; after one, the branch's own state says it. */
function isMpls(ctx: XlateContext, b: Branch): boolean {
  if (b.mpls.length === 0) ctx.wc.presentBits(PRESENT.MPLS).field(KEY.ETH_TYPE, 2);
  return (b.flow.present & PRESENT.MPLS) !== 0;
}

/** Commits the branch and emits one MPLS record, recording it in both histories. */
function emit(ctx: XlateContext, b: Branch, record: () => void): boolean {
  const err = commit(ctx, b);
  if (err !== undefined) {
    ctx.fail(err);
    return false;
  }
  record();
  b.mpls = [...b.mpls, {}];
  ctx.dp.mpls = b.mpls;
  return true;
}

/** The reason a step that needs the headers beneath a popped MPLS entry fails. */
export function beneathUnknownReason(what: string): string {
  return `${what} after pop_mpls: the headers beneath the popped entry are not in the flow key (Open vSwitch recirculates to parse them again; this datapath has no recirculation)`;
}

export function xlatePushMpls(ctx: XlateContext, b: Branch, ethertype: number): void {
  const text = `push_mpls:0x${ethertype.toString(16).padStart(4, "0")}`;
  if (b.beneathUnknown) {
    ctx.fail(beneathUnknownReason(text));
    return;
  }
  const fresh = b.mpls.length === 0;
  const wasMpls = isMpls(ctx, b);
  let top: number;
  if (wasMpls) {
    if (fresh) ctx.wc.field(KEY.MPLS_LSE, 3); // label, tc, bos (not the TTL byte)
    top = (lse(b) & ~BOS) >>> 0;
  } else {
    if (fresh) ctx.wc.presentBits(PRESENT.IPV4 | PRESENT.IPV6);
    const pr = b.flow.present;
    if (pr & (PRESENT.IPV4 | PRESENT.IPV6)) {
      ctx.wc.bytes[KEY.IP_TOS] |= 0x1c; // the DSCP's low 3 bits become the tc
      const tc = (b.flow.key[KEY.IP_TOS] >> 2) & 7;
      const label = pr & PRESENT.IPV6 ? 2 : 0;
      top = ((label << 12) | (tc << 9) | BOS | b.flow.key[KEY.IP_TTL]) >>> 0;
    } else {
      top = BOS | NON_IP_TTL;
    }
  }
  if (!emit(ctx, b, () => ctx.out.pushMpls(ethertype))) return;
  // The flow as the parser sees an MPLS frame: nothing beneath the stack.
  const k = b.flow.key;
  k.fill(0, KEY.IP_PROTO, KEY_SIZE);
  setKeyU16(k, KEY.ETH_TYPE, ethertype);
  setPresent(b, (b.flow.present & ~BENEATH) | PRESENT.MPLS);
  setLse(b, top);
  for (const f of IP_FIELDS) {
    b.dirty.delete(f);
    ctx.dp.values.delete(f);
  }
  ctx.note("action", `${text} (label ${top >>> 12}, tc ${(top >>> 9) & 7}, bos ${(top >>> 8) & 1})`);
}

export function xlatePopMpls(ctx: XlateContext, b: Branch, ethertype: number): void {
  const text = `pop_mpls:0x${ethertype.toString(16).padStart(4, "0")}`;
  if (!isMpls(ctx, b)) {
    ctx.note("action", `${text}: skipped, the packet has no MPLS header`);
    return;
  }
  if (!emit(ctx, b, () => ctx.out.popMpls(ethertype))) return;
  setKeyU16(b.flow.key, KEY.ETH_TYPE, ethertype);
  setLse(b, 0);
  if (!isMplsType(ethertype)) setPresent(b, b.flow.present & ~PRESENT.MPLS);
  b.beneathUnknown = true;
  ctx.note("action", `${text} (what lies beneath is not in the flow key: no table lookup or L3 action may follow)`);
}

/** set_field on mpls_label / mpls_tc / mpls_bos. */
export function xlateSetMplsField(ctx: XlateContext, b: Branch, name: MplsField, value: number): void {
  const text = `set_field ${name}=${value}`;
  if (!isMpls(ctx, b)) {
    ctx.note("set-field", `${text}: skipped, the packet has no MPLS header`, { field: name });
    return;
  }
  const { shift, bits } = FIELD_BITS[name];
  const mask = (((1 << bits) - 1) << shift) >>> 0;
  const v = ((value << shift) & mask) >>> 0;
  if (!emit(ctx, b, () => ctx.out.setMplsLse(v, mask))) return;
  setLse(b, ((lse(b) & ~mask) | v) >>> 0);
  ctx.note("set-field", text, { field: name });
}

export function xlateSetMplsTtl(ctx: XlateContext, b: Branch, ttl: number): void {
  if (!isMpls(ctx, b)) {
    ctx.note("action", `set_mpls_ttl:${ttl}: skipped, the packet has no MPLS header`);
    return;
  }
  if (!emit(ctx, b, () => ctx.out.setMplsLse(ttl & TTL_MASK, TTL_MASK))) return;
  setLse(b, ((lse(b) & ~TTL_MASK) | (ttl & TTL_MASK)) >>> 0);
  ctx.note("action", `set_mpls_ttl:${ttl}`);
}

/** The userdata of a dec-TTL record: the INVALID_TTL packet-in's table and cookie. */
export function ttlUserdata(ctx: XlateContext, origin: ActionOrigin): number | undefined {
  return ctx.env.controller.encode({
    reason: PACKET_IN_REASON.INVALID_TTL,
    tableId: origin.tableId,
    cookie: origin.cookie,
    maxLen: NO_BUFFER,
  });
}

export function xlateDecMplsTtl(ctx: XlateContext, b: Branch, origin: ActionOrigin): void {
  if (!isMpls(ctx, b)) {
    ctx.note("action", "dec_mpls_ttl: skipped, the packet has no MPLS header");
    return;
  }
  const ud = ttlUserdata(ctx, origin);
  if (ud === undefined) {
    ctx.fail("dec_mpls_ttl: the controller userdata table is full");
    return;
  }
  if (!emit(ctx, b, () => ctx.out.decMplsTtl(ud))) return;
  const t = lse(b) & TTL_MASK;
  if (t > 1) setLse(b, lse(b) - 1);
  ctx.note("action", "dec_mpls_ttl (datapath; at TTL <= 1 an INVALID_TTL packet-in)");
}

export function xlateCopyTtl(ctx: XlateContext, b: Branch, dir: "copy_ttl_in" | "copy_ttl_out"): void {
  if (!isMpls(ctx, b)) {
    ctx.note("action", `${dir}: skipped, the packet has no MPLS header (IP-in-IP is not parsed)`);
    return;
  }
  if (!emit(ctx, b, () => (dir === "copy_ttl_in" ? ctx.out.copyTtlIn() : ctx.out.copyTtlOut()))) return;
  ctx.note("action", `${dir} (datapath: between the top MPLS entry and the next entry or the IP header)`);
}
