// OXM match fields of class OFPXMC_OPENFLOW_BASIC (0x8000): one table, one row per field.
//
// What: OXM_FIELDS lists every OpenFlow 1.3 basic field (OpenFlow 1.3.5 §7.2.3.7, Table 12) with
//   its field number, wire size, value range in bits, whether it may carry a mask, whether a
//   set-field action may write it, and its prerequisite. The match codec, validateMatch, the
//   set-field action and match-format all read this table; nothing else repeats these facts.
// Design: a field's value type follows from its wire size — 1..4 bytes: number, 8 bytes: bigint,
//   6 (MAC) and 16 (IPv6) bytes: Uint8Array — so a match is plain data that deep-equals after a
//   round trip. A prerequisite is data too: "field F is present, unmasked, with one of these
//   values", or for vlan_pcp "vlan_vid is present with OFPVID_PRESENT set" (§7.2.3.8).
// Invariants: names are the spec's OXM_OF_* names in lower case; `bits` <= 8 * `bytes`.
//
// OXM TLV header (§7.2.3.2), 32 bits:
//   31            16 15        9  8  7            0
//  +----------------+-----------+---+--------------+
//  |   oxm_class    | oxm_field |HM |  oxm_length  |   then value[length] (value‖mask if HM)
//  +----------------+-----------+---+--------------+

export const OFPXMC_NXM_0 = 0x0000;
export const OFPXMC_NXM_1 = 0x0001;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPXMC_EXPERIMENTER = 0xffff;

/** OFPVID_PRESENT: bit 12 of vlan_vid says "a VLAN tag is present" (§7.2.3.8, Table 13). */
export const OFPVID_PRESENT = 0x1000;
export const OFPVID_NONE = 0x0000;

export const ETH_TYPE_IPV4 = 0x0800;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_IPV6 = 0x86dd;
export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;
export const ETH_TYPE_PBB = 0x88e7;
export const IP_PROTO_ICMP = 1;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
export const IP_PROTO_ICMPV6 = 58;
export const IP_PROTO_SCTP = 132;

export type OxmName =
  | "in_port"
  | "in_phy_port"
  | "metadata"
  | "eth_dst"
  | "eth_src"
  | "eth_type"
  | "vlan_vid"
  | "vlan_pcp"
  | "ip_dscp"
  | "ip_ecn"
  | "ip_proto"
  | "ipv4_src"
  | "ipv4_dst"
  | "tcp_src"
  | "tcp_dst"
  | "udp_src"
  | "udp_dst"
  | "sctp_src"
  | "sctp_dst"
  | "icmpv4_type"
  | "icmpv4_code"
  | "arp_op"
  | "arp_spa"
  | "arp_tpa"
  | "arp_sha"
  | "arp_tha"
  | "ipv6_src"
  | "ipv6_dst"
  | "ipv6_flabel"
  | "icmpv6_type"
  | "icmpv6_code"
  | "ipv6_nd_target"
  | "ipv6_nd_sll"
  | "ipv6_nd_tll"
  | "mpls_label"
  | "mpls_tc"
  | "mpls_bos"
  | "pbb_isid"
  | "tunnel_id"
  | "ipv6_exthdr";

/**
 * "This field requires `field` in the match": matched exactly on one of `anyOf` when given, or
 * for vlan_pcp, vlan_vid with OFPVID_PRESENT set in its value (and in its mask, if masked).
 */
export interface OxmPrereq {
  field: OxmName;
  anyOf?: readonly number[];
  vidPresent?: true;
}

export interface OxmFieldInfo {
  name: OxmName;
  /** oxm_field number within OFPXMC_OPENFLOW_BASIC. */
  field: number;
  /** Size of the value on the wire, in bytes. */
  bytes: number;
  /** Meaningful low bits of the value; a value with higher bits set is OFPBMC_BAD_VALUE. */
  bits: number;
  maskable: boolean;
  /** May be written by OFPAT_SET_FIELD. */
  settable: boolean;
  prereq?: OxmPrereq;
}

const IP_ANY = [ETH_TYPE_IPV4, ETH_TYPE_IPV6] as const;
const MPLS_ANY = [ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST] as const;
const eth = (...anyOf: number[]): OxmPrereq => ({ field: "eth_type", anyOf });
const proto = (p: number): OxmPrereq => ({ field: "ip_proto", anyOf: [p] });
const icmp6 = (...anyOf: number[]): OxmPrereq => ({ field: "icmpv6_type", anyOf });

// name, field, bytes, bits, maskable, settable, prerequisite (OpenFlow 1.3.5 Table 12).
type Row = [OxmName, number, number, number, boolean, boolean, OxmPrereq?];
const ROWS: Row[] = [
  ["in_port", 0, 4, 32, false, false],
  ["in_phy_port", 1, 4, 32, false, false, { field: "in_port" }],
  ["metadata", 2, 8, 64, true, true],
  ["eth_dst", 3, 6, 48, true, true],
  ["eth_src", 4, 6, 48, true, true],
  ["eth_type", 5, 2, 16, false, true],
  ["vlan_vid", 6, 2, 13, true, true],
  ["vlan_pcp", 7, 1, 3, false, true, { field: "vlan_vid", vidPresent: true }],
  ["ip_dscp", 8, 1, 6, false, true, eth(...IP_ANY)],
  ["ip_ecn", 9, 1, 2, false, true, eth(...IP_ANY)],
  ["ip_proto", 10, 1, 8, false, true, eth(...IP_ANY)],
  ["ipv4_src", 11, 4, 32, true, true, eth(ETH_TYPE_IPV4)],
  ["ipv4_dst", 12, 4, 32, true, true, eth(ETH_TYPE_IPV4)],
  ["tcp_src", 13, 2, 16, false, true, proto(IP_PROTO_TCP)],
  ["tcp_dst", 14, 2, 16, false, true, proto(IP_PROTO_TCP)],
  ["udp_src", 15, 2, 16, false, true, proto(IP_PROTO_UDP)],
  ["udp_dst", 16, 2, 16, false, true, proto(IP_PROTO_UDP)],
  ["sctp_src", 17, 2, 16, false, true, proto(IP_PROTO_SCTP)],
  ["sctp_dst", 18, 2, 16, false, true, proto(IP_PROTO_SCTP)],
  ["icmpv4_type", 19, 1, 8, false, true, proto(IP_PROTO_ICMP)],
  ["icmpv4_code", 20, 1, 8, false, true, proto(IP_PROTO_ICMP)],
  ["arp_op", 21, 2, 16, false, true, eth(ETH_TYPE_ARP)],
  ["arp_spa", 22, 4, 32, true, true, eth(ETH_TYPE_ARP)],
  ["arp_tpa", 23, 4, 32, true, true, eth(ETH_TYPE_ARP)],
  ["arp_sha", 24, 6, 48, true, true, eth(ETH_TYPE_ARP)],
  ["arp_tha", 25, 6, 48, true, true, eth(ETH_TYPE_ARP)],
  ["ipv6_src", 26, 16, 128, true, true, eth(ETH_TYPE_IPV6)],
  ["ipv6_dst", 27, 16, 128, true, true, eth(ETH_TYPE_IPV6)],
  ["ipv6_flabel", 28, 4, 20, true, true, eth(ETH_TYPE_IPV6)],
  ["icmpv6_type", 29, 1, 8, false, true, proto(IP_PROTO_ICMPV6)],
  ["icmpv6_code", 30, 1, 8, false, true, proto(IP_PROTO_ICMPV6)],
  ["ipv6_nd_target", 31, 16, 128, false, true, icmp6(135, 136)],
  ["ipv6_nd_sll", 32, 6, 48, false, true, icmp6(135)],
  ["ipv6_nd_tll", 33, 6, 48, false, true, icmp6(136)],
  ["mpls_label", 34, 4, 20, false, true, eth(...MPLS_ANY)],
  ["mpls_tc", 35, 1, 3, false, true, eth(...MPLS_ANY)],
  ["mpls_bos", 36, 1, 1, false, true, eth(...MPLS_ANY)],
  ["pbb_isid", 37, 3, 24, true, true, eth(ETH_TYPE_PBB)],
  ["tunnel_id", 38, 8, 64, true, true],
  ["ipv6_exthdr", 39, 2, 9, true, false, eth(ETH_TYPE_IPV6)],
];

export const OXM_FIELDS: readonly OxmFieldInfo[] = ROWS.map(
  ([name, field, bytes, bits, maskable, settable, prereq]) => ({
    name,
    field,
    bytes,
    bits,
    maskable,
    settable,
    prereq,
  }),
);

const BY_NAME = new Map(OXM_FIELDS.map((f) => [f.name, f]));
const BY_NUMBER = new Map(OXM_FIELDS.map((f) => [f.field, f]));

export function oxmFieldByName(name: OxmName): OxmFieldInfo {
  const f = BY_NAME.get(name);
  if (!f) throw new Error(`unknown OXM field ${name}`);
  return f;
}

/** The basic-class field with oxm_field `n`, or undefined (an unknown field: BAD_FIELD). */
export function oxmFieldByNumber(n: number): OxmFieldInfo | undefined {
  return BY_NUMBER.get(n);
}

export function isOxmName(s: string): s is OxmName {
  return BY_NAME.has(s as OxmName);
}

/** A field value: number (1..4 bytes), bigint (8 bytes) or bytes (MAC, IPv6). */
export type OxmValue = number | bigint | Uint8Array;

export type OxmValueKind = "number" | "bigint" | "bytes";

export function oxmValueKind(info: OxmFieldInfo): OxmValueKind {
  if (info.bytes <= 4) return "number";
  if (info.bytes === 8) return "bigint";
  return "bytes";
}
