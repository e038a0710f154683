// Header-rewriting actions: set_field, push/pop VLAN, dec/set NW TTL, and the PBB/experimenter
// actions the datapath cannot do (MPLS and the TTL copies: xlate-mpls.ts).
//
// What: xlateSetField / xlatePushVlan / xlatePopVlan / xlateDecNwTtl / xlateSetNwTtl change a
//   Branch (the packet as the pipeline sees it); packet-state.ts's commit emits the datapath
//   records later, before the packet is observed.
// Design: a rewrite reads only what it must and un-wildcards what it reads: setting ipv4_src
//   asks "is this IPv4?" (PRESENT.IPV4 and eth_type), a TCP port or an ICMP type asks its
//   PRESENT bit and ip_proto, a VLAN action reads the whole tag stack. As in Open vSwitch, a
//   set_field whose layer the packet lacks is skipped (and says so in the trace). Settable:
//     pipeline registers: metadata, tunnel_id (no tunnel ports exist: tunnel_id is a register
//                         the pipeline can set and match, never put on a wire)
//     VLAN tag:           vlan_vid, vlan_pcp
//     datapath records:   eth_src/dst, ipv4_src/dst, ipv6_src/dst, ip_dscp, ip_ecn,
//                         tcp/udp/sctp src/dst, icmpv4/icmpv6 type/code, arp_op/spa/tpa/sha/tha,
//                         ipv6_flabel, ipv6_nd_target/sll/tll
//     MPLS:               mpls_label/tc/bos go to xlate-mpls.ts (not lazy: one record each);
//                         after pop_mpls, any field beneath Ethernet fails closed
//   Read-only, as in Open vSwitch: eth_type, ip_proto (and in_port, in_phy_port, ipv6_exthdr);
//   FLOW_MOD refuses them (action-checks.ts), so a set_field reaching translation with one of
//   them — or with any field not listed — fails the translation closed (drop megaflow).
//   set_nw_ttl is the datapath's A_SET_TTL (IPv4 TTL with its checksum, IPv6 hop limit), any
//   value; a dec_nw_ttl after it in the same branch folds into the set value (it is known), and
//   at a set value <= 1 fails closed (the datapath would have to expire a TTL it wrote itself).
//   dec_nw_ttl is A_DEC_TTL: at TTL <= 1 the datapath stops and upcalls with reason TTL and the
//   record's userdata (the rule's table and cookie), which the control plane turns into an
//   OFPR_INVALID_TTL packet-in. It reads nothing (the datapath decides), so it un-wildcards
//   nothing.
//   push_vlan copies the outer tag's TCI (or uses 0), per OpenFlow 1.3.5 §5.12.1.
// Invariants: at most two VLAN tags (the key's depth); a third push fails closed.
// Threading: main thread.

import type { Action } from "../../../openflow/actions/actions.ts";
import type { OxmBasic } from "../../../openflow/match/match.ts";
import type { OxmName } from "../../../openflow/match/oxm-fields.ts";
import { KEY, PRESENT } from "../../datapath/flow-key.ts";
import { type Branch, DP_FIELDS, type DpField } from "./packet-state.ts";
import type { ActionOrigin, XlateContext } from "./xlate-context.ts";
import { beneathUnknownReason, MPLS_FIELDS, type MplsField, ttlUserdata, xlateSetMplsField } from "./xlate-mpls.ts";

const IP = PRESENT.IPV4 | PRESENT.IPV6;

interface SettableField {
  dp: DpField;
  /** PRESENT bits the packet must carry (0: every Ethernet frame). */
  layer: number;
  /** Also un-wildcard ip_proto (L4 fields). */
  l4?: boolean;
}

const SETTABLE: Partial<Record<OxmName, SettableField>> = {
  eth_src: { dp: "eth_src", layer: 0 },
  eth_dst: { dp: "eth_dst", layer: 0 },
  ipv4_src: { dp: "ipv4_src", layer: PRESENT.IPV4 },
  ipv4_dst: { dp: "ipv4_dst", layer: PRESENT.IPV4 },
  ipv6_src: { dp: "ipv6_src", layer: PRESENT.IPV6 },
  ipv6_dst: { dp: "ipv6_dst", layer: PRESENT.IPV6 },
  ip_dscp: { dp: "dscp", layer: IP },
  tcp_src: { dp: "tp_src", layer: PRESENT.TCP, l4: true },
  tcp_dst: { dp: "tp_dst", layer: PRESENT.TCP, l4: true },
  udp_src: { dp: "tp_src", layer: PRESENT.UDP, l4: true },
  udp_dst: { dp: "tp_dst", layer: PRESENT.UDP, l4: true },
  sctp_src: { dp: "tp_src", layer: PRESENT.SCTP, l4: true },
  sctp_dst: { dp: "tp_dst", layer: PRESENT.SCTP, l4: true },
  ip_ecn: { dp: "ecn", layer: IP },
  icmpv4_type: { dp: "icmp4_type", layer: PRESENT.ICMP4, l4: true },
  icmpv4_code: { dp: "icmp4_code", layer: PRESENT.ICMP4, l4: true },
  icmpv6_type: { dp: "icmp6_type", layer: PRESENT.ICMP6, l4: true },
  icmpv6_code: { dp: "icmp6_code", layer: PRESENT.ICMP6, l4: true },
  arp_op: { dp: "arp_op", layer: PRESENT.ARP },
  arp_spa: { dp: "arp_spa", layer: PRESENT.ARP },
  arp_tpa: { dp: "arp_tpa", layer: PRESENT.ARP },
  arp_sha: { dp: "arp_sha", layer: PRESENT.ARP },
  arp_tha: { dp: "arp_tha", layer: PRESENT.ARP },
  ipv6_flabel: { dp: "ipv6_label", layer: PRESENT.IPV6 },
  ipv6_nd_target: { dp: "nd_target", layer: PRESENT.ND, l4: true },
  ipv6_nd_sll: { dp: "nd_sll", layer: PRESENT.ND, l4: true },
  ipv6_nd_tll: { dp: "nd_tll", layer: PRESENT.ND, l4: true },
};

/** Every field set_field can write, in the order TABLE_FEATURES lists them: the pipeline
 *  registers and the VLAN tag (handled case by case below), the datapath-rewritable ones, then
 *  the MPLS ones (xlate-mpls.ts). */
export const SET_FIELD_WRITABLE: readonly OxmName[] = [
  "metadata",
  "tunnel_id",
  "vlan_vid",
  "vlan_pcp",
  ...(Object.keys(SETTABLE) as OxmName[]),
  ...MPLS_FIELDS,
];

/** "Does the packet carry `layer`?" — recorded in the mask, as every read must be. */
function hasLayer(ctx: XlateContext, b: Branch, layer: number, l4 = false): boolean {
  if (layer === 0) return true;
  ctx.wc.presentBits(layer).field(KEY.ETH_TYPE, 2);
  if (l4) ctx.wc.field(KEY.IP_PROTO, 1);
  return (b.flow.present & layer) !== 0;
}

function valueBytes(v: OxmBasic["value"], len: number): Uint8Array {
  if (v instanceof Uint8Array) return v.slice();
  const out = new Uint8Array(len);
  let n = BigInt(v);
  for (let i = len - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function render(v: OxmBasic["value"]): string {
  if (v instanceof Uint8Array)
    return Array.from(v, (x) => x.toString(16).padStart(2, "0")).join(v.length === 6 ? ":" : "");
  return typeof v === "bigint" ? `0x${v.toString(16)}` : String(v);
}

export function xlateSetField(ctx: XlateContext, b: Branch, oxm: Action & { type: "set_field" }): void {
  const f = oxm.field;
  if (f.name === "opaque") {
    ctx.fail(`set_field of an unknown OXM (class 0x${f.oxmClass.toString(16)})`);
    return;
  }
  const text = `set_field ${f.name}=${render(f.value)}`;
  if ((MPLS_FIELDS as readonly string[]).includes(f.name)) {
    xlateSetMplsField(ctx, b, f.name as MplsField, Number(f.value));
    return;
  }
  switch (f.name) {
    case "metadata":
      b.flow.metadata = BigInt(f.value as bigint);
      {
        ctx.note("set-field", text, { field: f.name });
        return;
      }
    case "tunnel_id":
      b.flow.tunnelId = BigInt(f.value as bigint);
      {
        ctx.note("set-field", text, { field: f.name });
        return;
      }
    case "vlan_vid":
    case "vlan_pcp": {
      const tags = b.vlanStack(ctx.ingress, ctx.wc);
      if (tags.length === 0) {
        ctx.note("set-field", `${text}: skipped, the packet has no VLAN tag`, { field: f.name });
        return;
      }
      const v = Number(f.value);
      const top = tags[0];
      const tci = f.name === "vlan_vid" ? (top.tci & 0xf000) | (v & 0xfff) : (top.tci & 0x1fff) | ((v & 7) << 13);
      b.setVlans([{ tpid: top.tpid, tci }, ...tags.slice(1)]);
      ctx.note("set-field", text, { field: f.name });
      return;
    }
  }
  const s = SETTABLE[f.name];
  if (!s) {
    ctx.fail(`set_field ${f.name}: the datapath cannot set this field`);
    return;
  }
  if (b.beneathUnknown && s.layer !== 0) {
    ctx.fail(beneathUnknownReason(`set_field ${f.name}`));
    return;
  }
  if (!hasLayer(ctx, b, s.layer, s.l4)) {
    ctx.note("set-field", `${text}: skipped, the packet has no ${f.name.split("_")[0]} header`, {
      field: f.name,
    });
    return;
  }
  const v =
    s.dp === "dscp"
      ? Uint8Array.of(Number(f.value) & 0x3f)
      : s.dp === "ecn"
        ? Uint8Array.of(Number(f.value) & 3)
        : valueBytes(f.value, DP_FIELDS[s.dp].len);
  b.setDpField(s.dp, v);
  ctx.note("set-field", text, { field: f.name });
}

export function xlatePushVlan(ctx: XlateContext, b: Branch, tpid: number): void {
  const tags = b.vlanStack(ctx.ingress, ctx.wc);
  if (tags.length >= 2) {
    ctx.fail("push_vlan: a third VLAN tag is more than the flow key can describe");
    return;
  }
  const tci = tags[0]?.tci ?? 0;
  b.setVlans([{ tpid, tci }, ...tags]);
  ctx.note("action", `push_vlan:0x${tpid.toString(16)} (vid ${tci & 0xfff}, pcp ${tci >>> 13})`);
}

export function xlatePopVlan(ctx: XlateContext, b: Branch): void {
  const tags = b.vlanStack(ctx.ingress, ctx.wc);
  if (tags.length === 0) {
    ctx.note("action", "pop_vlan: skipped, the packet has no VLAN tag");
    return;
  }
  b.setVlans(tags.slice(1));
  ctx.note("action", `pop_vlan (vid ${tags[0].tci & 0xfff})`);
}

export function xlateDecNwTtl(ctx: XlateContext, b: Branch, origin: ActionOrigin): void {
  if (b.beneathUnknown) {
    ctx.fail(beneathUnknownReason("dec_nw_ttl"));
    return;
  }
  if (b.mpls.length > 0 && (b.flow.present & IP) === 0) {
    // MPLS actions made this an MPLS packet (known without reading the key): no IP TTL to
    // decrement, as OVS skips dec_ttl on a non-IP flow.
    ctx.note("action", "dec_nw_ttl: skipped, the packet is MPLS now");
    return;
  }
  if (b.dirty.has("ttl")) {
    // The branch set the TTL itself: its value is known, so the decrement is a new set value.
    const cur = b.flow.key[KEY.IP_TTL];
    if (cur <= 1) {
      ctx.fail(`dec_nw_ttl after set_nw_ttl:${cur}: the TTL the pipeline set would expire`);
      return;
    }
    b.setDpField("ttl", Uint8Array.of(cur - 1));
    ctx.note("action", `dec_nw_ttl (set_nw_ttl value ${cur} becomes ${cur - 1})`);
    return;
  }
  const ud = ttlUserdata(ctx, origin);
  if (ud === undefined) {
    ctx.fail("dec_nw_ttl: the controller userdata table is full");
    return;
  }
  b.addTtlDec(ud);
  b.flow.key[KEY.IP_TTL] = Math.max(0, b.flow.key[KEY.IP_TTL] - 1);
  ctx.note("action", "dec_nw_ttl (datapath dec_ttl; at TTL <= 1 an INVALID_TTL packet-in)");
}

export function xlateSetNwTtl(ctx: XlateContext, b: Branch, ttl: number): void {
  if (b.beneathUnknown) {
    ctx.fail(beneathUnknownReason(`set_nw_ttl:${ttl}`));
    return;
  }
  if (!hasLayer(ctx, b, IP)) {
    ctx.note("action", `set_nw_ttl:${ttl}: skipped, not an IP packet`);
    return;
  }
  b.setDpField("ttl", Uint8Array.of(ttl & 0xff));
  ctx.note("action", `set_nw_ttl:${ttl}`);
}

/** The actions this datapath has no record for: fail closed with the reason. */
export function xlateUnsupported(ctx: XlateContext, a: Action): void {
  const why =
    a.type === "experimenter"
      ? `experimenter action 0x${a.experimenter.toString(16)} is not supported`
      : "the datapath has no PBB support";
  ctx.fail(`${a.type}: ${why}`);
}
