// A fast-path megaflow as `ovs-appctl dpctl/dump-flows` prints one, so operators can read
// wasmvs's datapath with OVS habits:
//
//   recirc_id(0),in_port(2),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),
//   ipv4(dst=10.0.0.1/255.255.255.0,frag=no), packets:3, bytes:294, used:0.512s, age:3.201s,
//   hits:emc=2/classifier=1, emc:1, actions:3
//
// What: formatMegaflowMatch(key, mask) renders the match; formatMegaflow(flow, now) adds the
//   stats and actions (describeActions, datapath port numbers as OVS prints them).
// Design: only fields with mask bits are printed, as dpctl/dump-flows does without
//   --verbose; a field whose mask is all ones prints its value, a partial mask prints
//   value/mask. A group (eth(), ipv4(), tcp() …) appears when one of its fields is matched; a
//   tagged flow wraps the inner headers in encap(…) after vlan(vid=…,pcp=…), like OVS. wasmvs
//   has no recirculation, so recirc_id is always 0. Extra, not in OVS: `age:` (since install),
//   `hits:emc=E/classifier=C` (which cache found its packets) and `emc:N`, the number of
//   exact-match cache entries serving the flow at dump time (megaflow-dump.ts).
// Invariants: pure functions of the bytes given.
// Threading: any.

import { formatIpv6 } from "../../openflow/match/text-addresses.ts";
import { describeActions } from "../datapath/datapath-actions.ts";
import { KEY, KEY_SIZE, macToString, PRESENT } from "../datapath/flow-key.ts";
import type { DumpedMegaflow } from "../datapath/runtime/megaflow-dump.ts";

const FRAG_ANY = 1;
const FRAG_LATER = 2;

class Masked {
  private readonly kv: DataView;
  private readonly mv: DataView;

  constructor(
    readonly key: Uint8Array,
    readonly mask: Uint8Array,
  ) {
    if (key.length !== KEY_SIZE || mask.length !== KEY_SIZE) throw new Error(`key and mask are ${KEY_SIZE} bytes`);
    this.kv = new DataView(key.buffer, key.byteOffset, KEY_SIZE);
    this.mv = new DataView(mask.buffer, mask.byteOffset, KEY_SIZE);
  }

  any(off: number, len: number): boolean {
    for (let i = off; i < off + len; i++) if (this.mask[i] !== 0) return true;
    return false;
  }
  full(off: number, len: number): boolean {
    for (let i = off; i < off + len; i++) if (this.mask[i] !== 0xff) return false;
    return true;
  }
  present(bit: number): boolean {
    return (this.kv.getUint32(KEY.PRESENT, true) & this.mv.getUint32(KEY.PRESENT, true) & bit) !== 0;
  }
  u8(off: number): [number, number] {
    return [this.key[off] & this.mask[off], this.mask[off]];
  }
  u16(off: number): [number, number] {
    return [this.kv.getUint16(off) & this.mv.getUint16(off), this.mv.getUint16(off)];
  }
  u32(off: number): [number, number] {
    return [(this.kv.getUint32(off) & this.mv.getUint32(off)) >>> 0, this.mv.getUint32(off)];
  }
  bytes(off: number, len: number): [Uint8Array, Uint8Array] {
    const v = this.key.slice(off, off + len);
    const m = this.mask.subarray(off, off + len);
    for (let i = 0; i < len; i++) v[i] &= m[i];
    return [v, m];
  }
}

const dotted = (v: number) => [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join(".");

/** name=value or name=value/mask; nothing when the field is wildcarded. */
function field(
  name: string,
  m: Masked,
  off: number,
  len: number,
  fmt: "mac" | "ip4" | "ip6" | "dec" | "hex",
): string[] {
  if (!m.any(off, len)) return [];
  const full = m.full(off, len);
  if (fmt === "mac") {
    const [v, mk] = m.bytes(off, len);
    return [`${name}=${macToString(v)}${full ? "" : `/${macToString(mk)}`}`];
  }
  if (fmt === "ip4") {
    const [v, mk] = m.u32(off);
    return [`${name}=${dotted(v)}${full ? "" : `/${dotted(mk)}`}`];
  }
  if (fmt === "ip6") {
    const [v, mk] = m.bytes(off, len);
    return [`${name}=${full ? formatIpv6(v) : formatIpv6(v, mk)}`];
  }
  const [v, mk] = len === 1 ? m.u8(off) : len === 2 ? m.u16(off) : m.u32(off);
  const value = fmt === "hex" ? `0x${v.toString(16)}` : String(v);
  return [`${name}=${value}${full ? "" : `/0x${mk.toString(16)}`}`];
}

function group(name: string, parts: string[]): string[] {
  return parts.length === 0 ? [] : [`${name}(${parts.join(",")})`];
}

function fragText(m: Masked): string[] {
  if (!m.any(KEY.IP_FRAG, 1)) return [];
  const [v] = m.u8(KEY.IP_FRAG);
  return [`frag=${(v & FRAG_ANY) === 0 ? "no" : (v & FRAG_LATER) !== 0 ? "later" : "first"}`];
}

/** The L3 and L4 groups (what sits inside encap() for a tagged flow). */
function innerGroups(m: Masked): string[] {
  const out: string[] = [];
  if (m.any(KEY.ETH_TYPE, 2)) {
    const [t, tm] = m.u16(KEY.ETH_TYPE);
    out.push(`eth_type(0x${t.toString(16).padStart(4, "0")}${tm === 0xffff ? "" : `/0x${tm.toString(16)}`})`);
  }
  const [ethType] = m.u16(KEY.ETH_TYPE);
  const proto = m.u8(KEY.IP_PROTO)[0];
  if (ethType === 0x8847 || ethType === 0x8848 || m.present(PRESENT.MPLS)) {
    // The top label stack entry, as OVS prints it: mpls(label=L,tc=T,ttl=N,bos=B).
    const [v, mk] = m.u32(KEY.MPLS_LSE);
    const parts: string[] = [];
    for (const [name, shift, bits] of [
      ["label", 12, 20],
      ["tc", 9, 3],
      ["ttl", 0, 8],
      ["bos", 8, 1],
    ] as const) {
      const all = (1 << bits) - 1;
      const fm = (mk >>> shift) & all;
      if (fm !== 0) parts.push(`${name}=${(v >>> shift) & all}${fm === all ? "" : `/0x${fm.toString(16)}`}`);
    }
    out.push(...group("mpls", parts));
    return out;
  }
  if (ethType === 0x0800 || m.present(PRESENT.IPV4)) {
    out.push(
      ...group("ipv4", [
        ...field("src", m, KEY.NW_SRC, 4, "ip4"),
        ...field("dst", m, KEY.NW_DST, 4, "ip4"),
        ...field("proto", m, KEY.IP_PROTO, 1, "dec"),
        ...field("tos", m, KEY.IP_TOS, 1, "hex"),
        ...field("ttl", m, KEY.IP_TTL, 1, "dec"),
        ...fragText(m),
      ]),
    );
  } else if (ethType === 0x86dd || m.present(PRESENT.IPV6)) {
    out.push(
      ...group("ipv6", [
        ...field("src", m, KEY.NW_SRC, 16, "ip6"),
        ...field("dst", m, KEY.NW_DST, 16, "ip6"),
        ...field("label", m, KEY.IPV6_LABEL, 4, "hex"),
        ...field("proto", m, KEY.IP_PROTO, 1, "dec"),
        ...field("tclass", m, KEY.IP_TOS, 1, "hex"),
        ...field("hlimit", m, KEY.IP_TTL, 1, "dec"),
        ...fragText(m),
      ]),
    );
  } else if (ethType === 0x0806 || m.present(PRESENT.ARP)) {
    out.push(
      ...group("arp", [
        ...field("sip", m, KEY.NW_SRC, 4, "ip4"),
        ...field("tip", m, KEY.NW_DST, 4, "ip4"),
        ...field("op", m, KEY.ARP_OP, 2, "dec"),
        ...field("sha", m, KEY.ARP_SHA, 6, "mac"),
        ...field("tha", m, KEY.ARP_THA, 6, "mac"),
      ]),
    );
    return out;
  }
  const ports = () => [...field("src", m, KEY.TP_SRC, 2, "dec"), ...field("dst", m, KEY.TP_DST, 2, "dec")];
  const icmp = () => [...field("type", m, KEY.TP_SRC + 1, 1, "dec"), ...field("code", m, KEY.TP_DST + 1, 1, "dec")];
  if (proto === 6) {
    out.push(...group("tcp", ports()));
    if (m.any(KEY.TCP_FLAGS, 2)) {
      const [f, fm] = m.u16(KEY.TCP_FLAGS);
      out.push(`tcp_flags(0x${f.toString(16)}${fm === 0xffff ? "" : `/0x${fm.toString(16)}`})`);
    }
  } else if (proto === 17) out.push(...group("udp", ports()));
  else if (proto === 132) out.push(...group("sctp", ports()));
  else if (proto === 1 && ethType === 0x0800) out.push(...group("icmp", icmp()));
  else if (proto === 58 && ethType === 0x86dd) {
    out.push(...group("icmpv6", icmp()));
    out.push(
      ...group("nd", [
        ...field("target", m, KEY.ND_TARGET, 16, "ip6"),
        ...field("sll", m, KEY.ARP_SHA, 6, "mac"),
        ...field("tll", m, KEY.ARP_THA, 6, "mac"),
      ]),
    );
  }
  return out;
}

/** The match part of a dump-flows line. */
export function formatMegaflowMatch(key: Uint8Array, mask: Uint8Array): string {
  const m = new Masked(key, mask);
  const out = ["recirc_id(0)"];
  if (m.any(KEY.IN_PORT, 4))
    out.push(`in_port(${new DataView(key.buffer, key.byteOffset).getUint32(KEY.IN_PORT, true)})`);
  out.push(...group("eth", [...field("src", m, KEY.ETH_SRC, 6, "mac"), ...field("dst", m, KEY.ETH_DST, 6, "mac")]));
  const vlanMatched = m.any(KEY.VLAN_TCI, 2) || m.any(KEY.VLAN_TPID, 2);
  if (vlanMatched && m.present(PRESENT.VLAN)) {
    const [tci, tciMask] = m.u16(KEY.VLAN_TCI);
    const [tpid] = m.u16(KEY.VLAN_TPID);
    const vid = (tciMask & 0x0fff) === 0 ? [] : [`vid=${tci & 0x0fff}`];
    const pcp = (tciMask & 0xe000) === 0 ? [] : [`pcp=${tci >>> 13}`];
    out.push(`eth_type(0x${(tpid || 0x8100).toString(16)})`, ...group("vlan", [...vid, ...pcp]));
    const inner = innerGroups(m);
    out.push(`encap(${inner.join(",")})`);
    return out.join(",");
  }
  // Untagged and the tag matched: OVS writes the absence of a tag this way too (eth_type only).
  out.push(...innerGroups(m));
  return out.join(",");
}

const TCP_FLAG_NAMES: Array<[number, string]> = [
  [0x02, "S"],
  [0x01, "F"],
  [0x04, "R"],
  [0x08, "P"],
  [0x20, "U"],
  [0x40, "E"],
  [0x80, "C"],
];

/** OVS's compact TCP flags ("S.", "F.", "P.") — "." is ACK. */
export function formatTcpFlags(flags: number): string {
  let s = "";
  for (const [bit, ch] of TCP_FLAG_NAMES) if (flags & bit) s += ch;
  if (flags & 0x10) s += ".";
  return s;
}

/** Seconds since last use as dpctl prints it: "0.512s", or "never". */
export function formatUsed(flow: Pick<DumpedMegaflow, "packets" | "used">, now: number): string {
  if (flow.packets === 0) return "never";
  return `${(((now - flow.used) >>> 0) / 1000).toFixed(3)}s`;
}

/** Seconds since the megaflow was installed, as dpctl prints times ("3.201s"). OVS's dpctl
 *  has no age; wasmvs adds it after used: so a flow re-installed by revalidation shows young. */
export function formatAge(flow: Pick<DumpedMegaflow, "installed">, now: number): string {
  return `${(((now - flow.installed) >>> 0) / 1000).toFixed(3)}s`;
}

/** One dump-flows line. */
export function formatMegaflow(flow: DumpedMegaflow, now: number): string {
  const parts = [
    formatMegaflowMatch(flow.key, flow.mask),
    `packets:${flow.packets}`,
    `bytes:${flow.bytes}`,
    `used:${formatUsed(flow, now)}`,
    `age:${formatAge(flow, now)}`,
  ];
  if (flow.tcpFlags !== 0) parts.push(`flags:${formatTcpFlags(flow.tcpFlags)}`);
  const emcHits = Math.max(0, flow.packets - flow.classifierHits);
  parts.push(
    `hits:emc=${emcHits}/classifier=${flow.classifierHits}`,
    `emc:${flow.emc}`,
    `actions:${describeActions(flow.actions)}`,
  );
  return parts.join(", ");
}
