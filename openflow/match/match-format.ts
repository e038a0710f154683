// A match as text, in the syntax of `ovs-ofctl -O OpenFlow13 dump-flows` (ovs-fields(7)).
//
// What: formatMatch(match) renders `tcp,in_port=1,dl_vlan=10,dl_src=...,tp_dst=80`;
//   parseMatch(text) reads that syntax back (for `wasmvs flow add` and tests).
// Design: the output follows Open vSwitch's order and spelling (checked against ovs-ofctl 3.1's
//   own printing of the same OXM bytes): a protocol shorthand (ip, tcp, udp6, arp, mpls...) that
//   stands for eth_type/ip_proto, then tun_id, metadata, in_port, VLAN, dl_src, dl_dst, L3, L4.
//   OVS names are used where OVS has the field; the three OXM fields OVS lacks print under their
//   OXM names (in_phy_port, pbb_isid, ipv6_exthdr). Two deliberate departures keep
//   parseMatch(formatMatch(m)) = m: a mask is printed even when all-ones (OVS drops it), and an
//   opaque OXM prints as `oxm(0xCLASS:FIELD)=hex` (readable, not parseable).
//   VLAN (OXM vlan_vid carries OFPVID_PRESENT in bit 12): 0 → vlan_tci=0x0000/0x1fff (no tag),
//   0x1000|vid → dl_vlan=vid, 0x1000/0x1000 → implied by dl_vlan_pcp or vlan_tci=0x1000/0x1000.
// Invariants: parseMatch returns fields in OXM field-number order, which satisfies the spec's
//   prerequisite ordering; parseMatch(formatMatch(m)) deep-equals m for every valid m in that
//   order whose masked vlan_vid mask is not 0x1fff (that one prints as an exact dl_vlan).

import type { Match, Oxm, OxmBasic } from "./match.ts";
import { OFPVID_PRESENT, OXM_FIELDS, type OxmName, type OxmValue, oxmFieldByName } from "./oxm-fields.ts";
import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from "./text-addresses.ts";

const RESERVED_PORTS: Record<string, number> = {
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
};
const PORT_NAMES = new Map(Object.entries(RESERVED_PORTS).map(([k, v]) => [v, k]));

/** Shorthand → [eth_type, ip_proto?] (ovs-fields(7) "Shorthand notation"). */
const SHORTHANDS: Record<string, [number, number?]> = {
  ip: [0x0800],
  ipv6: [0x86dd],
  arp: [0x0806],
  rarp: [0x8035],
  mpls: [0x8847],
  mplsm: [0x8848],
  tcp: [0x0800, 6],
  udp: [0x0800, 17],
  sctp: [0x0800, 132],
  icmp: [0x0800, 1],
  tcp6: [0x86dd, 6],
  udp6: [0x86dd, 17],
  sctp6: [0x86dd, 132],
  icmp6: [0x86dd, 58],
};

type Style = "dec" | "hex" | "hex64" | "mac" | "ipv4" | "ipv6" | "label" | "port";
// Printing order and OVS name of each field (after the shorthand). Context names (tp_*, icmp_*)
// are resolved on parse from eth_type/ip_proto.
const ORDER: Array<[OxmName, string, Style]> = [
  ["tunnel_id", "tun_id", "hex64"],
  ["metadata", "metadata", "hex64"],
  ["in_port", "in_port", "port"],
  ["in_phy_port", "in_phy_port", "port"],
  ["eth_src", "dl_src", "mac"],
  ["eth_dst", "dl_dst", "mac"],
  ["eth_type", "dl_type", "hex"],
  ["ipv4_src", "nw_src", "ipv4"],
  ["ipv4_dst", "nw_dst", "ipv4"],
  ["ipv6_src", "ipv6_src", "ipv6"],
  ["ipv6_dst", "ipv6_dst", "ipv6"],
  ["ipv6_flabel", "ipv6_label", "label"],
  ["arp_spa", "arp_spa", "ipv4"],
  ["arp_tpa", "arp_tpa", "ipv4"],
  ["arp_op", "arp_op", "dec"],
  ["arp_sha", "arp_sha", "mac"],
  ["arp_tha", "arp_tha", "mac"],
  ["mpls_label", "mpls_label", "dec"],
  ["mpls_tc", "mpls_tc", "dec"],
  ["mpls_bos", "mpls_bos", "dec"],
  ["pbb_isid", "pbb_isid", "hex"],
  ["ip_proto", "nw_proto", "dec"],
  ["ip_dscp", "nw_tos", "dec"],
  ["ip_ecn", "nw_ecn", "dec"],
  ["ipv6_exthdr", "ipv6_exthdr", "hex"],
  ["tcp_src", "tp_src", "dec"],
  ["tcp_dst", "tp_dst", "dec"],
  ["udp_src", "tp_src", "dec"],
  ["udp_dst", "tp_dst", "dec"],
  ["sctp_src", "tp_src", "dec"],
  ["sctp_dst", "tp_dst", "dec"],
  ["icmpv4_type", "icmp_type", "dec"],
  ["icmpv4_code", "icmp_code", "dec"],
  ["icmpv6_type", "icmp_type", "dec"],
  ["icmpv6_code", "icmp_code", "dec"],
  ["ipv6_nd_target", "nd_target", "ipv6"],
  ["ipv6_nd_sll", "nd_sll", "mac"],
  ["ipv6_nd_tll", "nd_tll", "mac"],
];

const hex = (n: number | bigint) => (n === 0 || n === 0n ? "0" : `0x${n.toString(16)}`);

function formatValue(style: Style, v: OxmValue, mask: OxmValue | undefined): string {
  switch (style) {
    case "mac":
      return formatMac(v as Uint8Array) + (mask ? `/${formatMac(mask as Uint8Array)}` : "");
    case "ipv4":
      return formatIpv4(v as number, mask as number | undefined);
    case "ipv6":
      return formatIpv6(v as Uint8Array, mask as Uint8Array | undefined);
    case "label":
      return `0x${(v as number).toString(16).padStart(5, "0")}${mask === undefined ? "" : `/0x${(mask as number).toString(16).padStart(5, "0")}`}`;
    case "port":
      return PORT_NAMES.get(v as number) ?? String(v);
    case "hex":
    case "hex64":
      return mask === undefined ? hex(v as number) : `${hex(v as number)}/${hex(mask as number)}`;
    default:
      return mask === undefined ? String(v) : `0x${(v as number).toString(16)}/0x${(mask as number).toString(16)}`;
  }
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

/** The shorthand standing for an exact eth_type (and ip_proto), with the fields it replaces. */
function shorthandOf(ethType?: OxmBasic, ipProto?: OxmBasic): [string, OxmName[]] | undefined {
  if (!ethType || ethType.mask !== undefined) return undefined;
  const entries = Object.entries(SHORTHANDS);
  if (ipProto && ipProto.mask === undefined) {
    for (const [name, [et, p]] of entries) {
      if (p !== undefined && et === ethType.value && p === ipProto.value) return [name, ["eth_type", "ip_proto"]];
    }
  }
  for (const [name, [et, p]] of entries) if (p === undefined && et === ethType.value) return [name, ["eth_type"]];
  return undefined;
}

export function formatMatch(match: Match): string {
  const get = (n: OxmName) => match.find((o): o is OxmBasic => o.name === n);
  const parts: string[] = [];
  const ethType = get("eth_type");
  const ipProto = get("ip_proto");
  const shorthand = shorthandOf(ethType, ipProto);
  if (shorthand) parts.push(shorthand[0]);
  const shorthandUsed = new Set<OxmName>(shorthand?.[1] ?? []);
  const vid = get("vlan_vid");
  const pcp = get("vlan_pcp");
  for (const [name, ovsName, style] of ORDER) {
    if (name === "eth_src") {
      // VLAN fields print between in_port and dl_src, as OVS does.
      if (vid) {
        const v = vid.value as number;
        const m = vid.mask as number | undefined;
        if (m === undefined && v === 0) parts.push("vlan_tci=0x0000/0x1fff");
        else if (m === undefined && v & OFPVID_PRESENT) parts.push(`dl_vlan=${v & 0xfff}`);
        else if (m === undefined) parts.push(`vlan_tci=${hex4(v)}/0x1fff`);
        else if (!(v === OFPVID_PRESENT && m === OFPVID_PRESENT && pcp)) parts.push(`vlan_tci=${hex4(v)}/${hex4(m)}`);
      }
      if (pcp) parts.push(`dl_vlan_pcp=${pcp.value}`);
    }
    const o = get(name);
    if (!o || shorthandUsed.has(name)) continue;
    if (name === "ip_dscp") parts.push(`nw_tos=${(o.value as number) << 2}`);
    else parts.push(`${ovsName}=${formatValue(style, o.value, o.mask)}`);
  }
  for (const o of match) {
    if (o.name !== "opaque") continue;
    const body = Array.from(o.payload, (b) => b.toString(16).padStart(2, "0")).join("");
    parts.push(`oxm(0x${o.oxmClass.toString(16)}:${o.field}${o.hasMask ? "/masked" : ""})=${body}`);
  }
  return parts.join(",");
}

// --- parsing ---------------------------------------------------------------------------------

const ALIASES: Record<string, OxmName> = {
  tun_id: "tunnel_id",
  tunnel_id: "tunnel_id",
  dl_src: "eth_src",
  dl_dst: "eth_dst",
  dl_type: "eth_type",
  nw_src: "ipv4_src",
  nw_dst: "ipv4_dst",
  ip_src: "ipv4_src",
  ip_dst: "ipv4_dst",
  nw_proto: "ip_proto",
  ip_proto: "ip_proto",
  nw_ecn: "ip_ecn",
  ip_ecn: "ip_ecn",
  ip_dscp: "ip_dscp",
  ipv6_label: "ipv6_flabel",
  nd_target: "ipv6_nd_target",
  nd_sll: "ipv6_nd_sll",
  nd_tll: "ipv6_nd_tll",
  icmpv6_type: "icmpv6_type",
  icmpv6_code: "icmpv6_code",
};
for (const [name, ovs] of ORDER)
  if (!(ovs in ALIASES) && !["tp_src", "tp_dst", "icmp_type", "icmp_code", "nw_tos"].includes(ovs)) ALIASES[ovs] = name;
// The OXM names themselves (tcp_src, icmpv4_type, eth_src...) are accepted too; vlan_vid is not,
// as OVS's vlan_vid is a bare 12-bit VID without OXM's OFPVID_PRESENT bit.
for (const f of OXM_FIELDS) if (!(f.name in ALIASES) && !f.name.startsWith("vlan_")) ALIASES[f.name] = f.name;

function parseNumber(s: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) throw new Error(`"${s}" is not a number`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new Error(`${s} is out of range`);
  return n;
}

function parseValue(name: OxmName, text: string): OxmBasic {
  const info = oxmFieldByName(name);
  const slash = text.indexOf("/");
  const [vs, ms] = slash < 0 ? [text, undefined] : [text.slice(0, slash), text.slice(slash + 1)];
  if (info.bytes === 6) return withMask(name, parseMac(vs), ms === undefined ? undefined : parseMac(ms));
  if (info.bytes === 16) {
    const [v, m] = parseIpv6(text);
    return withMask(name, v, m);
  }
  if (name === "ipv4_src" || name === "ipv4_dst" || name === "arp_spa" || name === "arp_tpa") {
    const [v, m] = parseIpv4(text);
    return withMask(name, v, m);
  }
  if (info.bytes === 8) return withMask(name, BigInt(vs), ms === undefined ? undefined : BigInt(ms));
  if (name === "in_port" || name === "in_phy_port") return { name, value: RESERVED_PORTS[vs] ?? parseNumber(vs) };
  return withMask(name, parseNumber(vs), ms === undefined ? undefined : parseNumber(ms));
}

function withMask(name: OxmName, value: OxmValue, mask: OxmValue | undefined): OxmBasic {
  return mask === undefined ? { name, value } : { name, value, mask };
}

/** Runs a value parser, naming the `field=value` token in its error. */
function withToken<T>(tok: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${tok}: ${(e as Error).message}`);
  }
}

/** Parses `tcp,in_port=1,nw_src=10.0.0.0/8,...` into a match (throws Error naming the token at fault). */
export function parseMatch(text: string): Match {
  const fields = new Map<OxmName, OxmBasic>();
  const set = (o: OxmBasic) => {
    if (fields.has(o.name)) throw new Error(`${o.name} given twice`);
    fields.set(o.name, o);
  };
  const deferred: Array<[string, string]> = [];
  for (const raw of text.split(",")) {
    const tok = raw.trim();
    if (tok === "") continue;
    const eq = tok.indexOf("=");
    const key = (eq < 0 ? tok : tok.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? "" : tok.slice(eq + 1).trim();
    if (eq < 0) {
      const sh = SHORTHANDS[key];
      if (!sh) throw new Error(`unknown keyword "${key}"`);
      set({ name: "eth_type", value: sh[0] });
      if (sh[1] !== undefined) set({ name: "ip_proto", value: sh[1] });
    } else if (
      [
        "tp_src",
        "tp_dst",
        "icmp_type",
        "icmp_code",
        "dl_vlan",
        "dl_vlan_pcp",
        "vlan_pcp",
        "vlan_tci",
        "nw_tos",
      ].includes(key)
    ) {
      deferred.push([key, val]);
    } else {
      const name = ALIASES[key];
      if (!name) throw new Error(`unknown field "${key}"`);
      set(withToken(tok, () => parseValue(name, val)));
    }
  }
  const proto = fields.get("ip_proto")?.value;
  const v6 = fields.get("eth_type")?.value === 0x86dd;
  for (const [key, val] of deferred) {
    if (key === "tp_src" || key === "tp_dst") {
      const l4 = proto === 6 ? "tcp" : proto === 17 ? "udp" : proto === 132 ? "sctp" : undefined;
      if (!l4) throw new Error(`${key} needs tcp, udp or sctp`);
      set(parseValue(`${l4}_${key.slice(3)}` as OxmName, val));
    } else if (key === "icmp_type" || key === "icmp_code") {
      set(parseValue(`${v6 ? "icmpv6" : "icmpv4"}_${key.slice(5)}` as OxmName, val));
    } else if (key === "nw_tos") {
      set({ name: "ip_dscp", value: parseNumber(val) >> 2 });
    } else if (key === "dl_vlan") {
      const n = parseNumber(val);
      set({ name: "vlan_vid", value: n === 0xffff ? 0 : OFPVID_PRESENT | n });
    } else if (key === "dl_vlan_pcp" || key === "vlan_pcp") {
      set({ name: "vlan_pcp", value: parseNumber(val) });
    } else {
      const [vs, ms] = val.split("/");
      const v = parseNumber(vs);
      const m = ms === undefined ? 0xffff : parseNumber(ms);
      const vm = m & 0x1fff;
      if (vm === 0x1fff && !(v & OFPVID_PRESENT)) set({ name: "vlan_vid", value: 0 });
      else if (vm === 0x1fff) set({ name: "vlan_vid", value: v & 0x1fff });
      else if (vm !== 0) set({ name: "vlan_vid", value: v & vm, mask: vm });
      if ((m & 0xe000) === 0xe000) set({ name: "vlan_pcp", value: v >>> 13 });
    }
  }
  if (fields.has("vlan_pcp") && !fields.has("vlan_vid")) {
    fields.set("vlan_vid", { name: "vlan_vid", value: OFPVID_PRESENT, mask: OFPVID_PRESENT });
  }
  const order = (o: Oxm) => (o.name === "opaque" ? 999 : oxmFieldByName(o.name).field);
  return [...fields.values()].sort((a, b) => order(a) - order(b));
}
