// Packet state during translation: what the pipeline has made of the packet (Branch) versus
// what the datapath's working packet holds at this point of the action list (DatapathState),
// and `commit`, which emits the records that bring the second to the first before an output.
//
// What: Branch = the PipelineFlow plus which datapath-settable fields the pipeline changed, its
//   VLAN stack (once any VLAN action touched it) and its pending TTL decrements. commit(ctx, b)
//   appends set/push/pop/dec_ttl records so the datapath packet equals the branch, and records
//   in ctx.wc every ingress field whose value it had to read to do so.
// Design: Open vSwitch's commit_odp_actions. Modifications are lazy: set_field only changes the
//   branch; records are emitted just before something observes the packet (output, controller,
//   NORMAL), and only for fields whose datapath value differs. The datapath applies records
//   cumulatively to one working packet, so a group bucket or a TABLE re-run that starts from an
//   earlier branch (a clone) gets its fields *restored*: a field the branch never changed but
//   the datapath did is set back to its ingress value, which means reading that value — so the
//   field is un-wildcarded. A dirty field is written unconditionally (its ingress value was
//   never read, so it must not be compared).
//   VLAN stacks are tracked as tag lists (outer first). The first VLAN action materialises the
//   ingress stack and un-wildcards all of it (presence, TPID, both TCIs): push/pop/set then act
//   on known tags, and the commit emits the shortest pop/push/set_vid/set_pcp sequence.
//   MPLS actions are not lazy (xlate-mpls.ts): each commits the branch, emits its record at
//   once and appends an op to both the branch's and the datapath's MPLS history; commit
//   requires the two histories to be the same, because an MPLS push, pop or label change
//   cannot be undone for another copy of the packet (a group bucket or TABLE re-run forked
//   before it). Each pending TTL decrement carries the userdata of the rule that asked for it
//   (the table and cookie of its INVALID_TTL packet-in).
// Invariants: a Branch's flow.key always reflects its VLAN stack (top two tags) so later table
//   lookups see the rewritten packet. The datapath cannot raise a TTL, restore an ingress
//   inner tag of unknown TPID or undo an MPLS action: commit returns an error string then and
//   translation fails closed.
// Threading: main thread; one translation owns its states.

import { A, type ActionList } from "../../datapath/datapath-actions.ts";
import { KEY, type KeyMask, PRESENT } from "../../datapath/flow-key.ts";
import type { PipelineFlow } from "../pipeline-flow.ts";

/** One 802.1Q/802.1ad tag; tpid 0 = "as received" (the key does not record an inner TPID). */
export interface VlanTag {
  tpid: number;
  tci: number;
}

export type DpField =
  | "eth_src"
  | "eth_dst"
  | "ipv4_src"
  | "ipv4_dst"
  | "ipv6_src"
  | "ipv6_dst"
  | "dscp"
  | "tp_src"
  | "tp_dst"
  | "ecn"
  | "arp_op"
  | "arp_spa"
  | "arp_tpa"
  | "arp_sha"
  | "arp_tha"
  | "icmp4_type"
  | "icmp4_code"
  | "icmp6_type"
  | "icmp6_code"
  | "ipv6_label"
  | "nd_target"
  | "nd_sll"
  | "nd_tll"
  | "ttl";

interface FieldLayout {
  off: number;
  len: number;
  emit(list: ActionList, v: Uint8Array): void;
}

/** Where each datapath-settable field lives in the key, and its record. dscp's value is one
 *  byte holding the 6-bit DSCP, ecn's one byte holding the 2-bit ECN (the key byte is TOS =
 *  DSCP<<2 | ECN). Fields of different layers may share key bytes (ipv4_src / arp_spa, tp_src /
 *  icmp type, arp_sha / nd_sll): a packet has one of the layers, and set_field checks which. arp_op
 *  is the key's low opcode byte (set_field refuses opcodes above 255, as Open vSwitch does).
 *  ttl comes last: commit emits it after the pending dec_ttl records (see commit). */
export const DP_FIELDS: Record<DpField, FieldLayout> = {
  eth_src: { off: KEY.ETH_SRC, len: 6, emit: (l, v) => l.setEthSrc(v) },
  eth_dst: { off: KEY.ETH_DST, len: 6, emit: (l, v) => l.setEthDst(v) },
  ipv4_src: { off: KEY.NW_SRC, len: 4, emit: (l, v) => l.setIpv4Src(v) },
  ipv4_dst: { off: KEY.NW_DST, len: 4, emit: (l, v) => l.setIpv4Dst(v) },
  ipv6_src: { off: KEY.NW_SRC, len: 16, emit: (l, v) => l.setIpv6Src(v) },
  ipv6_dst: { off: KEY.NW_DST, len: 16, emit: (l, v) => l.setIpv6Dst(v) },
  dscp: { off: KEY.IP_TOS, len: 1, emit: (l, v) => l.setDscp(v[0]) },
  tp_src: { off: KEY.TP_SRC, len: 2, emit: (l, v) => l.setTpSrc((v[0] << 8) | v[1]) },
  tp_dst: { off: KEY.TP_DST, len: 2, emit: (l, v) => l.setTpDst((v[0] << 8) | v[1]) },
  ecn: { off: KEY.IP_TOS, len: 1, emit: (l, v) => l.setByte(A.SET_ECN, v[0]) },
  arp_op: { off: KEY.IP_PROTO, len: 1, emit: (l, v) => l.setArpOp(v[0]) },
  arp_spa: { off: KEY.NW_SRC, len: 4, emit: (l, v) => l.setAddr(A.SET_ARP_SPA, v) },
  arp_tpa: { off: KEY.NW_DST, len: 4, emit: (l, v) => l.setAddr(A.SET_ARP_TPA, v) },
  arp_sha: { off: KEY.ARP_SHA, len: 6, emit: (l, v) => l.setAddr(A.SET_ARP_SHA, v) },
  arp_tha: { off: KEY.ARP_THA, len: 6, emit: (l, v) => l.setAddr(A.SET_ARP_THA, v) },
  icmp4_type: { off: KEY.TP_SRC + 1, len: 1, emit: (l, v) => l.setByte(A.SET_ICMP4_TYPE, v[0]) },
  icmp4_code: { off: KEY.TP_DST + 1, len: 1, emit: (l, v) => l.setByte(A.SET_ICMP4_CODE, v[0]) },
  icmp6_type: { off: KEY.TP_SRC + 1, len: 1, emit: (l, v) => l.setByte(A.SET_ICMP6_TYPE, v[0]) },
  icmp6_code: { off: KEY.TP_DST + 1, len: 1, emit: (l, v) => l.setByte(A.SET_ICMP6_CODE, v[0]) },
  ipv6_label: {
    off: KEY.IPV6_LABEL,
    len: 4,
    emit: (l, v) => l.setIpv6Label(((v[1] & 0x0f) << 16) | (v[2] << 8) | v[3]),
  },
  nd_target: { off: KEY.ND_TARGET, len: 16, emit: (l, v) => l.setAddr(A.SET_ND_TARGET, v) },
  nd_sll: { off: KEY.ARP_SHA, len: 6, emit: (l, v) => l.setAddr(A.SET_ND_SLL, v) },
  nd_tll: { off: KEY.ARP_THA, len: 6, emit: (l, v) => l.setAddr(A.SET_ND_TLL, v) },
  ttl: { off: KEY.IP_TTL, len: 1, emit: (l, v) => l.setByte(A.SET_TTL, v[0]) },
};

/** The field's value as commit compares and emits it. */
export function dpFieldValue(key: Uint8Array, f: DpField): Uint8Array {
  const { off, len } = DP_FIELDS[f];
  if (f === "dscp") return Uint8Array.of(key[off] >>> 2);
  if (f === "ecn") return Uint8Array.of(key[off] & 3);
  return key.slice(off, off + len);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameTag(a: VlanTag, b: VlanTag): boolean {
  return a.tpid === b.tpid && a.tci === b.tci;
}

function keyPresent(key: Uint8Array): number {
  return (key[4] | (key[5] << 8) | (key[6] << 16) | (key[7] << 24)) >>> 0;
}

function setKeyPresent(key: Uint8Array, v: number): void {
  key[4] = v & 0xff;
  key[5] = (v >>> 8) & 0xff;
  key[6] = (v >>> 16) & 0xff;
  key[7] = (v >>> 24) & 0xff;
}

/** The ingress VLAN stack, read from the key — so all of it is un-wildcarded. */
export function ingressVlans(ingress: Uint8Array, wc: KeyMask): VlanTag[] {
  wc.vlan().presentBits(PRESENT.VLAN2).field(KEY.VLAN2_TCI, 2);
  const present = keyPresent(ingress);
  const tags: VlanTag[] = [];
  const u16 = (o: number) => (ingress[o] << 8) | ingress[o + 1];
  if (present & PRESENT.VLAN) tags.push({ tpid: u16(KEY.VLAN_TPID), tci: u16(KEY.VLAN_TCI) });
  if (present & PRESENT.VLAN2) tags.push({ tpid: 0, tci: u16(KEY.VLAN2_TCI) });
  return tags;
}

export class Branch {
  constructor(
    readonly flow: PipelineFlow,
    readonly dirty = new Set<DpField>(),
    /** undefined: the ingress stack, untouched (and possibly unread). */
    public vlans: VlanTag[] | undefined = undefined,
    /** TTL decrements the datapath must have applied for this branch. */
    public ttlDecs = 0,
  ) {}

  /** Userdata of each TTL decrement (index = decrement number): its INVALID_TTL packet-in. */
  ttlUserdata: number[] = [];
  /** MPLS actions applied to this branch, in order (identity tokens; see commit). */
  mpls: readonly object[] = [];
  /** After pop_mpls: the headers beneath the popped entry are unknown to the key (xlate-mpls.ts). */
  beneathUnknown = false;

  clone(): Branch {
    const c = new Branch(
      this.flow.clone(),
      new Set(this.dirty),
      this.vlans?.map((t) => ({ ...t })),
      this.ttlDecs,
    );
    c.ttlUserdata = [...this.ttlUserdata];
    c.mpls = this.mpls;
    c.beneathUnknown = this.beneathUnknown;
    return c;
  }

  /** One more TTL decrement, whose expiry reports `userdata`. */
  addTtlDec(userdata: number): void {
    this.ttlUserdata[this.ttlDecs] = userdata;
    this.ttlDecs++;
  }

  /** The VLAN stack, materialised from the ingress key on first use. */
  vlanStack(ingress: Uint8Array, wc: KeyMask): VlanTag[] {
    this.vlans ??= ingressVlans(ingress, wc);
    return this.vlans;
  }

  /** Replaces the VLAN stack and mirrors its top two tags into the flow key. */
  setVlans(tags: VlanTag[]): void {
    this.vlans = tags;
    const key = this.flow.key;
    let present = keyPresent(key) & ~(PRESENT.VLAN | PRESENT.VLAN2);
    const put = (o: number, v: number) => {
      key[o] = (v >>> 8) & 0xff;
      key[o + 1] = v & 0xff;
    };
    put(KEY.VLAN_TCI, tags[0]?.tci ?? 0);
    put(KEY.VLAN_TPID, tags.length > 0 ? tags[0].tpid || 0x8100 : 0);
    put(KEY.VLAN2_TCI, tags[1]?.tci ?? 0);
    if (tags.length > 0) present |= PRESENT.VLAN;
    if (tags.length > 1) present |= PRESENT.VLAN2;
    setKeyPresent(key, present);
  }

  /** Writes a datapath field's new value into the key (dscp: the 6-bit DSCP) and marks it. */
  setDpField(f: DpField, v: Uint8Array): void {
    const { off } = DP_FIELDS[f];
    if (f === "dscp") this.flow.key[off] = ((v[0] & 0x3f) << 2) | (this.flow.key[off] & 3);
    else if (f === "ecn") this.flow.key[off] = (this.flow.key[off] & 0xfc) | (v[0] & 3);
    else this.flow.key.set(v, off);
    this.dirty.add(f);
  }
}

export class DatapathState {
  /** Fields the emitted records changed, with the value they now hold. */
  readonly values = new Map<DpField, Uint8Array>();
  /** undefined: the packet still has its ingress stack. */
  vlans: VlanTag[] | undefined = undefined;
  ttlDecs = 0;
  /** MPLS actions emitted so far (the Branch's history when it emitted them). */
  mpls: readonly object[] = [];
}

function sameHistory(a: readonly object[], b: readonly object[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface CommitContext {
  ingress: Uint8Array;
  wc: KeyMask;
  out: ActionList;
  dp: DatapathState;
}

/** Emits what makes the datapath packet equal `b`; returns an error when it cannot. */
export function commit(ctx: CommitContext, b: Branch): string | undefined {
  const { dp, out, wc } = ctx;
  if (!sameHistory(dp.mpls, b.mpls)) {
    return "the datapath cannot undo an MPLS action for another copy of the packet (a group bucket or TABLE re-run forked before it)";
  }
  for (const f of Object.keys(DP_FIELDS) as DpField[]) {
    if (f === "ttl") continue; // after the dec_ttl records, below
    const have = dp.values.get(f);
    if (!b.dirty.has(f)) {
      if (have === undefined) continue;
      // The datapath changed a field this branch never did: restore the ingress value.
      const { off, len } = DP_FIELDS[f];
      wc.field(off, len);
      const v = dpFieldValue(ctx.ingress, f);
      if (!sameBytes(v, have)) DP_FIELDS[f].emit(out, v);
      dp.values.delete(f);
      continue;
    }
    const want = dpFieldValue(b.flow.key, f);
    if (have !== undefined && sameBytes(have, want)) continue;
    DP_FIELDS[f].emit(out, want);
    dp.values.set(f, want);
  }
  if (b.vlans !== undefined || dp.vlans !== undefined) {
    const want = b.vlanStack(ctx.ingress, wc);
    dp.vlans ??= ingressVlans(ctx.ingress, wc);
    const err = commitVlans(dp.vlans, want, out);
    if (err) return err;
    dp.vlans = want.map((t) => ({ ...t }));
  }
  return commitTtl(ctx, b);
}

/** TTL: the branch's pending decrements (each checks expiry in the datapath), then its set, if
 *  it has one — b.ttlDecs counts only the decrements made before the set (later ones are folded
 *  into the set value by xlateDecNwTtl). A TTL the datapath set but the branch did not is put
 *  back to its ingress value (read, so un-wildcarded) and the branch's decrements redone. */
function commitTtl(ctx: CommitContext, b: Branch): string | undefined {
  const { dp, out, wc } = ctx;
  const have = dp.values.get("ttl");
  if (!b.dirty.has("ttl") && have !== undefined) {
    wc.field(KEY.IP_TTL, 1);
    const v = dpFieldValue(ctx.ingress, "ttl");
    if (!sameBytes(v, have)) DP_FIELDS.ttl.emit(out, v);
    dp.values.delete("ttl");
    dp.ttlDecs = 0;
  }
  const set = b.dirty.has("ttl");
  // Extra decrements the datapath made are harmless when the branch overwrites the TTL anyway.
  if (dp.ttlDecs > b.ttlDecs && !set) {
    return "the datapath cannot undo a TTL decrement for a later clone of the packet";
  }
  for (; dp.ttlDecs < b.ttlDecs; dp.ttlDecs++) out.decTtl(b.ttlUserdata[dp.ttlDecs] ?? 0);
  if (set) {
    const want = dpFieldValue(b.flow.key, "ttl");
    if (have === undefined || !sameBytes(have, want)) {
      DP_FIELDS.ttl.emit(out, want);
      dp.values.set("ttl", want);
    }
  }
  return undefined;
}

/** The pop/push/set records turning stack `cur` into `want` (both outer first). */
export function commitVlans(cur: VlanTag[], want: VlanTag[], out: ActionList): string | undefined {
  const n = cur.length;
  if (n === want.length && n > 0 && cur.slice(1).every((t, i) => sameTag(t, want[i + 1]))) {
    const [c, w] = [cur[0], want[0]];
    if (c.tpid === w.tpid && (c.tci & 0x1000) === (w.tci & 0x1000)) {
      if ((c.tci & 0xfff) !== (w.tci & 0xfff)) out.setVlanVid(w.tci & 0xfff);
      if (c.tci >>> 13 !== w.tci >>> 13) out.setVlanPcp(w.tci >>> 13);
      return undefined;
    }
  }
  let common = 0;
  while (common < Math.min(n, want.length) && sameTag(cur[n - 1 - common], want[want.length - 1 - common])) common++;
  for (let i = 0; i < n - common; i++) out.popVlan();
  for (let i = want.length - common - 1; i >= 0; i--) {
    if (want[i].tpid === 0) return "cannot re-push an inner VLAN tag whose TPID the key does not record";
    out.pushVlan(want[i].tpid, want[i].tci);
  }
  return undefined;
}
