// The set-field action as text: `set_field:VALUE[/MASK]->FIELD`, as ovs-ofctl(8) reads it and
// `ovs-ofctl -O OpenFlow13 dump-flows` prints it.
//
// What: formatSetField(oxm) and parseSetField(arg, ctx) for the argument after `set_field:`;
//   oxmValueText / parseOxmValue give one field's value in its text style (also used by the
//   mod_* shorthands in action-format.ts).
// Design: field names print as Open vSwitch names its fields (ovs-fields(7)): the OXM name,
//   except tun_id, ip_src/ip_dst, nw_ecn, nw_proto, ipv6_label, nd_target/nd_sll/nd_tll and
//   icmp_type/icmp_code (ICMPv4). Parsing accepts those, the OXM names, and the match aliases
//   (dl_src, nw_dst...); tp_src/tp_dst resolve to tcp/udp/sctp from the match's ip_proto, and
//   nw_tos (the DSCP bits in place) becomes ip_dscp. Values print in the field's style: MAC,
//   dotted IPv4, RFC 5952 IPv6, hex for tun_id, metadata, ipv6_label, eth_type, pbb_isid and
//   ipv6_exthdr, port names for in_port, decimal otherwise. vlan_vid is the OXM value, with
//   OFPVID_PRESENT (4096) included, as OVS prints it. A /MASK is kept (1.3 forbids a masked
//   set-field: the switch answers BAD_ACTION/BAD_SET_ARGUMENT, not this parser).
// Invariants: parseSetField(formatSetField(o)) = o for every basic-class OXM.

import type { Oxm, OxmBasic } from "../match/match.ts";
import { OXM_FIELDS, type OxmName, type OxmValue, oxmFieldByName } from "../match/oxm-fields.ts";
import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from "../match/text-addresses.ts";
import { formatPort, hexText, parsePort, parseU64, parseUint } from "../port-format.ts";

/** What a field name may depend on: the match's ip_proto picks tcp/udp/sctp for tp_src/tp_dst. */
export interface FieldContext {
  ipProto?: number;
}

const PRINT_NAME: Partial<Record<OxmName, string>> = {
  tunnel_id: "tun_id",
  ipv4_src: "ip_src",
  ipv4_dst: "ip_dst",
  ip_ecn: "nw_ecn",
  ip_proto: "nw_proto",
  ipv6_flabel: "ipv6_label",
  ipv6_nd_target: "nd_target",
  ipv6_nd_sll: "nd_sll",
  ipv6_nd_tll: "nd_tll",
  icmpv4_type: "icmp_type",
  icmpv4_code: "icmp_code",
};

const BY_NAME = new Map<string, OxmName>();
for (const f of OXM_FIELDS) BY_NAME.set(f.name, f.name);
for (const [oxm, ovs] of Object.entries(PRINT_NAME)) BY_NAME.set(ovs, oxm as OxmName);
for (const [alias, oxm] of Object.entries({
  dl_src: "eth_src",
  dl_dst: "eth_dst",
  dl_type: "eth_type",
  nw_src: "ipv4_src",
  nw_dst: "ipv4_dst",
  ip_proto: "ip_proto",
  ip_ecn: "ip_ecn",
} as Record<string, OxmName>))
  BY_NAME.set(alias, oxm);

type Style = "mac" | "ipv4" | "ipv6" | "hex" | "port" | "dec";
const HEX_FIELDS = new Set<OxmName>(["tunnel_id", "metadata", "ipv6_flabel", "eth_type", "pbb_isid", "ipv6_exthdr"]);
const IPV4_FIELDS = new Set<OxmName>(["ipv4_src", "ipv4_dst", "arp_spa", "arp_tpa"]);

function styleOf(name: OxmName): Style {
  const bytes = oxmFieldByName(name).bytes;
  if (bytes === 6) return "mac";
  if (bytes === 16) return "ipv6";
  if (IPV4_FIELDS.has(name)) return "ipv4";
  if (name === "in_port" || name === "in_phy_port") return "port";
  return HEX_FIELDS.has(name) ? "hex" : "dec";
}

export function fieldPrintName(name: OxmName): string {
  return PRINT_NAME[name] ?? name;
}

/** The OXM field a set_field name stands for (throws naming it when unknown). */
export function fieldByText(text: string, ctx: FieldContext): OxmName {
  const key = text.trim().toLowerCase();
  if (key === "tp_src" || key === "tp_dst") {
    const l4 = ctx.ipProto === 6 ? "tcp" : ctx.ipProto === 17 ? "udp" : ctx.ipProto === 132 ? "sctp" : undefined;
    if (!l4) throw new Error(`"${text}" needs a match on tcp, udp or sctp`);
    return `${l4}_${key.slice(3)}` as OxmName;
  }
  const name = BY_NAME.get(key);
  if (!name) throw new Error(`"${text}" is not an OpenFlow 1.3 field`);
  return name;
}

/** One value (or value/mask) of field `name` in its text style. */
export function oxmValueText(name: OxmName, value: OxmValue, mask?: OxmValue): string {
  switch (styleOf(name)) {
    case "mac":
      return formatMac(value as Uint8Array) + (mask === undefined ? "" : `/${formatMac(mask as Uint8Array)}`);
    case "ipv4":
      return formatIpv4(value as number, mask as number | undefined);
    case "ipv6":
      return formatIpv6(value as Uint8Array, mask as Uint8Array | undefined);
    case "port":
      return formatPort(value as number) + (mask === undefined ? "" : `/${hexText(mask as number)}`);
    case "hex":
      return hexText(value as number | bigint) + (mask === undefined ? "" : `/${hexText(mask as number | bigint)}`);
    default:
      return String(value) + (mask === undefined ? "" : `/${hexText(mask as number)}`);
  }
}

/** Parses `text` (value or value/mask) as a value of field `name`. */
export function parseOxmValue(name: OxmName, text: string): OxmBasic {
  const info = oxmFieldByName(name);
  const style = styleOf(name);
  const slash = text.indexOf("/");
  const [vs, ms] = slash < 0 ? [text, undefined] : [text.slice(0, slash), text.slice(slash + 1)];
  const withMask = (value: OxmValue, mask: OxmValue | undefined): OxmBasic =>
    mask === undefined ? { name, value } : { name, value, mask };
  const what = `a value for ${fieldPrintName(name)}`;
  switch (style) {
    case "mac":
      return withMask(parseMac(vs), ms === undefined ? undefined : parseMac(ms));
    case "ipv4": {
      const [v, m] = parseIpv4(text);
      return withMask(v, m);
    }
    case "ipv6": {
      const [v, m] = parseIpv6(text);
      return withMask(v, m);
    }
    case "port":
      return withMask(parsePort(vs), ms === undefined ? undefined : parseUint(ms, 32, what));
    default:
      if (info.bytes === 8) return withMask(parseU64(vs, what), ms === undefined ? undefined : parseU64(ms, what));
      return withMask(
        parseUint(vs, info.bytes * 8, what),
        ms === undefined ? undefined : parseUint(ms, info.bytes * 8),
      );
  }
}

/** `VALUE[/MASK]->FIELD` of a set-field action. */
export function formatSetField(oxm: Oxm): string {
  if (oxm.name === "opaque") {
    const hex = Array.from(oxm.payload, (b) => b.toString(16).padStart(2, "0")).join("");
    return `0x${hex}->oxm(0x${oxm.oxmClass.toString(16)}:${oxm.field})`;
  }
  return `${oxmValueText(oxm.name, oxm.value, oxm.mask)}->${fieldPrintName(oxm.name)}`;
}

/** Parses the argument of `set_field:` (`VALUE[/MASK]->FIELD`). */
export function parseSetField(arg: string, ctx: FieldContext): OxmBasic {
  const arrow = arg.lastIndexOf("->");
  if (arrow < 0) throw new Error(`set_field:${arg} needs the form set_field:VALUE->FIELD`);
  const fieldText = arg.slice(arrow + 2);
  const valueText = arg.slice(0, arrow).trim();
  if (fieldText.trim().toLowerCase() === "nw_tos") {
    const tos = parseUint(valueText, 8, "a TOS value");
    if (tos & 3) throw new Error(`set_field:${arg}: ${tos} is not a valid TOS (the low 2 bits are ECN)`);
    return { name: "ip_dscp", value: tos >> 2 };
  }
  return parseOxmValue(fieldByText(fieldText, ctx), valueText);
}
