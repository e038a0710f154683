// OXM fields ↔ the pipeline key: where each OpenFlow match field lives in a PipelineFlow, how to
// read, test, write and un-wildcard it, and how a whole match compiles to a key mask/value.
//
// What: readField(flow, name), fieldMatches(flow, oxm), writeField(flow, {name, value}),
//   unwildcardField(wc, name, mask?) and compileMatch(match) for every field of oxm-fields.ts.
// Design: a field is a bit span of the pipeline key (pipeline-flow.ts) — `bits` bits at `shift`
//   inside a big-endian integer of `bytes` bytes at `offset` — plus the PRESENT bits saying the
//   packet carries the field's layer. A field "exists" in a flow when any of its layer bits is
//   set; a masked match on it requires that (a TCP port match never matches a later fragment or
//   a truncated header, whose key bytes are zero). vlan_vid is the one special case: its
//   OFPVID_PRESENT bit (bit 12) *is* PRESENT.VLAN and its low 12 bits are the TCI's VID, so
//   vlan_vid=NONE matches exactly untagged frames and 0x1000/0x1000 any tagged one.
//   Spans that only exist in the pipeline (in_port, metadata, tunnel_id) un-wildcard as: in_port
//   → KEY.IN_PORT (the OpenFlow port is a function of the datapath port); metadata, tunnel_id →
//   nothing (they are computed from rules already matched; see pipeline-flow.ts).
//   mpls_label/tc/bos are bit spans of the top label stack entry (KEY.MPLS_LSE, layer
//   PRESENT.MPLS); deeper entries are not in the key (OpenFlow 1.3 matches only the top one).
//   Fields the key does not carry — pbb_isid, ipv6_exthdr (our parser does not parse PBB or
//   record extension headers): FLOW_MOD refuses a rule constraining them with
//   OFPBMC_BAD_FIELD (action-checks.ts, through fieldInKey), and TABLE_FEATURES does not list
//   them; readField returns undefined, writeField false.
//   arp_op is the key's 16-bit ARP_OP (IP_PROTO also holds its low byte, as OVS's nw_proto).
//   A zero mask is no constraint at all (not even the layer's presence).
// Invariants (the un-wildcarding contract): the bits unwildcardField records cover every key bit
//   that readField/fieldMatches/compileMatch consult for that field — extra bits are safe,
//   missing bits are bugs. compileMatch(m) accepts a flow iff every OXM of m fieldMatches it,
//   for flows whose PRESENT bits agree with ETH_TYPE (IPV4 ⇒ 0x0800, IPV6 ⇒ 0x86dd), which is
//   what the parser produces.
// Threading: pure functions; main thread.

import type { OxmBasic } from "../../openflow/match/match.ts";
import {
  ETH_TYPE_IPV4,
  ETH_TYPE_IPV6,
  OFPVID_PRESENT,
  type OxmName,
  type OxmValue,
  oxmFieldByName,
  oxmValueKind,
} from "../../openflow/match/oxm-fields.ts";
import { KEY, type KeyMask, PRESENT } from "../datapath/flow-key.ts";
import { PIPE, PIPELINE_KEY_SIZE, type PipelineFlow } from "./pipeline-flow.ts";

interface Span {
  offset: number;
  bytes: number;
  shift: number;
  bits: number;
}

interface FieldMap {
  /** Where the value lives; undefined when the key does not carry the field. */
  span?: Span;
  /** PRESENT bits: the packet carries the field when any is set; 0 = every packet. */
  layer: number;
}

const IP_LAYER = PRESENT.IPV4 | PRESENT.IPV6;
const span = (offset: number, bytes: number, shift = 0, bits = bytes * 8): Span => ({ offset, bytes, shift, bits });
const at = (s: Span, layer = 0): FieldMap => ({ span: s, layer });
const ABSENT: FieldMap = { layer: 0 };

const MAP: Record<OxmName, FieldMap> = {
  in_port: at(span(PIPE.OF_IN_PORT, 4)),
  in_phy_port: at(span(PIPE.OF_IN_PORT, 4)),
  metadata: at(span(PIPE.METADATA, 8)),
  eth_dst: at(span(KEY.ETH_DST, 6), PRESENT.ETH),
  eth_src: at(span(KEY.ETH_SRC, 6), PRESENT.ETH),
  eth_type: at(span(KEY.ETH_TYPE, 2), PRESENT.ETH),
  vlan_vid: at(span(KEY.VLAN_TCI, 2, 0, 12)), // + PRESENT.VLAN as bit 12: special-cased below
  vlan_pcp: at(span(KEY.VLAN_TCI, 2, 13, 3), PRESENT.VLAN),
  ip_dscp: at(span(KEY.IP_TOS, 1, 2, 6), IP_LAYER),
  ip_ecn: at(span(KEY.IP_TOS, 1, 0, 2), IP_LAYER),
  ip_proto: at(span(KEY.IP_PROTO, 1), IP_LAYER),
  ipv4_src: at(span(KEY.NW_SRC, 4), PRESENT.IPV4),
  ipv4_dst: at(span(KEY.NW_DST, 4), PRESENT.IPV4),
  tcp_src: at(span(KEY.TP_SRC, 2), PRESENT.TCP),
  tcp_dst: at(span(KEY.TP_DST, 2), PRESENT.TCP),
  udp_src: at(span(KEY.TP_SRC, 2), PRESENT.UDP),
  udp_dst: at(span(KEY.TP_DST, 2), PRESENT.UDP),
  sctp_src: at(span(KEY.TP_SRC, 2), PRESENT.SCTP),
  sctp_dst: at(span(KEY.TP_DST, 2), PRESENT.SCTP),
  icmpv4_type: at(span(KEY.TP_SRC + 1, 1), PRESENT.ICMP4),
  icmpv4_code: at(span(KEY.TP_DST + 1, 1), PRESENT.ICMP4),
  arp_op: at(span(KEY.ARP_OP, 2), PRESENT.ARP),
  arp_spa: at(span(KEY.NW_SRC, 4), PRESENT.ARP),
  arp_tpa: at(span(KEY.NW_DST, 4), PRESENT.ARP),
  arp_sha: at(span(KEY.ARP_SHA, 6), PRESENT.ARP),
  arp_tha: at(span(KEY.ARP_THA, 6), PRESENT.ARP),
  ipv6_src: at(span(KEY.NW_SRC, 16), PRESENT.IPV6),
  ipv6_dst: at(span(KEY.NW_DST, 16), PRESENT.IPV6),
  ipv6_flabel: at(span(KEY.IPV6_LABEL, 4, 0, 20), PRESENT.IPV6),
  icmpv6_type: at(span(KEY.TP_SRC + 1, 1), PRESENT.ICMP6),
  icmpv6_code: at(span(KEY.TP_DST + 1, 1), PRESENT.ICMP6),
  ipv6_nd_target: at(span(KEY.ND_TARGET, 16), PRESENT.ND),
  ipv6_nd_sll: at(span(KEY.ARP_SHA, 6), PRESENT.ND),
  ipv6_nd_tll: at(span(KEY.ARP_THA, 6), PRESENT.ND),
  mpls_label: at(span(KEY.MPLS_LSE, 4, 12, 20), PRESENT.MPLS),
  mpls_tc: at(span(KEY.MPLS_LSE, 4, 9, 3), PRESENT.MPLS),
  mpls_bos: at(span(KEY.MPLS_LSE, 4, 8, 1), PRESENT.MPLS),
  pbb_isid: ABSENT,
  tunnel_id: at(span(PIPE.TUNNEL_ID, 8)),
  ipv6_exthdr: ABSENT,
};

/** True when the datapath key can carry `name` (false: PBB, IPv6 extension headers). */
export function fieldInKey(name: OxmName): boolean {
  return MAP[name].span !== undefined;
}

// --- value conversions ------------------------------------------------------------------------

/** An OXM value as an unsigned integer. */
export function oxmBits(v: OxmValue): bigint {
  if (typeof v === "number") return BigInt(v >>> 0);
  if (typeof v === "bigint") return v;
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  return n;
}

/** All-ones over the field's meaningful bits (the implicit mask of an unmasked OXM). */
export function fullMask(name: OxmName): bigint {
  return (1n << BigInt(oxmFieldByName(name).bits)) - 1n;
}

function isZero(x: OxmValue): boolean {
  if (x instanceof Uint8Array) return x.every((b) => b === 0);
  return typeof x === "number" ? x === 0 : x === 0n;
}

/** The implicit mask of an unmasked OXM, per field, in the field's value type. */
const FULL = Object.fromEntries(
  (Object.keys(MAP) as OxmName[]).map((name) => [name, oxmValueOf(name, fullMask(name))]),
) as Record<OxmName, OxmValue>;

/** The integer back in the field's value type (number, bigint or bytes). */
export function oxmValueOf(name: OxmName, n: bigint): OxmValue {
  const info = oxmFieldByName(name);
  const kind = oxmValueKind(info);
  if (kind === "number") return Number(n);
  if (kind === "bigint") return n;
  const out = new Uint8Array(info.bytes);
  for (let i = info.bytes - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function readBE(bytes: Uint8Array, offset: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(bytes[offset + i]);
  return v;
}

function writeBE(bytes: Uint8Array, offset: number, n: number, v: bigint): void {
  for (let i = n - 1; i >= 0; i--, v >>= 8n) bytes[offset + i] = Number(v & 0xffn);
}

function spanRead(bytes: Uint8Array, s: Span): bigint {
  return (readBE(bytes, s.offset, s.bytes) >> BigInt(s.shift)) & ((1n << BigInt(s.bits)) - 1n);
}

/** The span's key bits for field bits `m` (only the bits the span can hold). */
function spanKeyBits(s: Span, m: bigint): bigint {
  return (m & ((1n << BigInt(s.bits)) - 1n)) << BigInt(s.shift);
}

function vlanVid(flow: PipelineFlow): number {
  if ((flow.present & PRESENT.VLAN) === 0) return 0; // OFPVID_NONE
  const vid = ((flow.key[KEY.VLAN_TCI] & 0x0f) << 8) | flow.key[KEY.VLAN_TCI + 1];
  return OFPVID_PRESENT | vid;
}

// --- (a) read, (b) test -------------------------------------------------------------------------

/** The field's value in `flow`, or undefined when the packet does not carry it. */
export function readField(flow: PipelineFlow, name: OxmName): OxmValue | undefined {
  if (name === "vlan_vid") return vlanVid(flow);
  const m = MAP[name];
  if (!m.span) return undefined;
  if (m.layer !== 0 && (flow.present & m.layer) === 0) return undefined;
  return oxmValueOf(name, spanRead(flow.bytes, m.span));
}

/**
 * The bits of `name` in a mask shaped like a pipeline key (a megaflow mask), as an OXM mask:
 * vlan_vid's bit 12 is the PRESENT.VLAN bit. Layers are not consulted (a mask has none);
 * undefined for fields the key does not carry. For `wasmvs trace`'s megaflow line.
 */
export function readFieldMask(mask: PipelineFlow, name: OxmName): bigint | undefined {
  if (name === "vlan_vid") {
    const tci = ((mask.key[KEY.VLAN_TCI] & 0x0f) << 8) | mask.key[KEY.VLAN_TCI + 1];
    return BigInt((mask.present & PRESENT.VLAN ? OFPVID_PRESENT : 0) | tci);
  }
  const m = MAP[name];
  return m.span ? spanRead(mask.bytes, m.span) : undefined;
}

/** Does `flow` satisfy one OXM (value under mask; a zero mask matches every flow)? */
export function fieldMatches(flow: PipelineFlow, oxm: OxmBasic): boolean {
  const mask = oxm.mask === undefined ? fullMask(oxm.name) : oxmBits(oxm.mask);
  if (mask === 0n) return true;
  const v = readField(flow, oxm.name);
  if (v === undefined) return false;
  return ((oxmBits(v) ^ oxmBits(oxm.value)) & mask) === 0n;
}

// --- (c) un-wildcard ------------------------------------------------------------------------------

function orKeyBits(wc: KeyMask, offset: number, n: number, bits: bigint): void {
  if (offset >= PIPE.OF_IN_PORT) {
    if (offset === PIPE.OF_IN_PORT && bits !== 0n) wc.inPort();
    return; // metadata, tunnel_id: pipeline-only, nothing in the datapath key
  }
  for (let i = n - 1; i >= 0; i--, bits >>= 8n) wc.bytes[offset + i] |= Number(bits & 0xffn);
}

/**
 * Records into `wc` the key bits that reading or matching `name` consults: the field's span
 * (only the bits of `mask` when given) and its layer's PRESENT bits.
 */
export function unwildcardField(wc: KeyMask, name: OxmName, mask?: OxmValue): void {
  const m = MAP[name];
  if (!m.span) return;
  const bits = mask === undefined ? fullMask(name) : oxmBits(mask);
  if (bits === 0n) return;
  if (name === "vlan_vid") {
    wc.presentBits(PRESENT.VLAN); // read even for the VID bits: untagged reads as 0
  } else if (m.layer !== 0) {
    wc.presentBits(m.layer);
  }
  orKeyBits(wc, m.span.offset, m.span.bytes, spanKeyBits(m.span, bits));
}

/** ORs a pipeline-key mask (e.g. a classifier subtable's) into a datapath KeyMask. */
export function unwildcardPipelineMask(wc: KeyMask, pipeMask: Uint8Array): void {
  for (let i = 0; i < PIPE.OF_IN_PORT; i++) wc.bytes[i] |= pipeMask[i];
  for (let i = PIPE.OF_IN_PORT; i < PIPE.OF_IN_PORT + 4; i++) {
    if (pipeMask[i] !== 0) {
      wc.inPort();
      break;
    }
  }
}

// --- (d) write (set_field) ------------------------------------------------------------------------

/**
 * set_field: writes `field` into `flow`. Returns false (flow unchanged) when the packet lacks
 * the field's layer (e.g. tcp_src on UDP, vlan_vid on an untagged frame), when the key does not
 * carry the field (PBB) or the field is read-only (in_port, in_phy_port, ipv6_exthdr).
 */
export function writeField(flow: PipelineFlow, field: { name: OxmName | "opaque"; value: OxmValue }): boolean {
  if (field.name === "opaque" || !oxmFieldByName(field.name).settable) return false;
  const m = MAP[field.name];
  if (!m.span) return false;
  const s = m.span;
  let v = oxmBits(field.value);
  if (field.name === "vlan_vid") {
    if ((flow.present & PRESENT.VLAN) === 0) return false;
    v &= 0xfffn; // OFPVID_PRESENT in a set-field value is allowed and means nothing more
  } else if (m.layer !== 0 && (flow.present & m.layer) === 0) {
    return false;
  }
  const keep = readBE(flow.bytes, s.offset, s.bytes) & ~spanKeyBits(s, (1n << BigInt(s.bits)) - 1n);
  writeBE(flow.bytes, s.offset, s.bytes, keep | spanKeyBits(s, v));
  return true;
}

// --- match compilation ------------------------------------------------------------------------

/** A match as a pipeline-key mask and value: a flow matches iff (flow.bytes & mask) = value. */
export interface CompiledMatch {
  mask: Uint8Array;
  value: Uint8Array;
}

/** Merges one key byte into (mask, value); false when it contradicts bits already there. */
function constrainByte(c: CompiledMatch, at: number, mb: number, vb: number): boolean {
  vb &= mb;
  if ((c.mask[at] & mb & (c.value[at] ^ vb)) !== 0) return false;
  c.mask[at] |= mb;
  c.value[at] |= vb;
  return true;
}

/**
 * Merges a field's mask and value into (mask, value) at its span: field bits placed at the
 * span's shift. False when they contradict bits already there, or when the value has 1-bits
 * (under the mask) the span cannot hold.
 */
function constrainSpan(c: CompiledMatch, s: Span, mask: OxmValue, value: OxmValue): boolean {
  if (typeof mask === "number" && typeof value === "number" && s.bytes <= 4) {
    const max = s.bits >= 32 ? 0xffffffff : (1 << s.bits) - 1;
    if ((value & mask & ~max) >>> 0 !== 0) return false;
    let m = ((mask & max) << s.shift) >>> 0;
    let v = ((value & max) << s.shift) >>> 0;
    for (let i = s.bytes - 1; i >= 0; i--, m >>>= 8, v >>>= 8) {
      if (!constrainByte(c, s.offset + i, m & 0xff, v & 0xff)) return false;
    }
    return true;
  }
  if (mask instanceof Uint8Array && value instanceof Uint8Array && s.shift === 0 && s.bits === s.bytes * 8) {
    for (let i = 0; i < s.bytes; i++) if (!constrainByte(c, s.offset + i, mask[i], value[i])) return false;
    return true;
  }
  const mb = oxmBits(mask);
  const vb = oxmBits(value) & mb;
  if ((vb & ~((1n << BigInt(s.bits)) - 1n)) !== 0n) return false;
  let km = spanKeyBits(s, mb);
  let kv = spanKeyBits(s, vb);
  for (let i = s.bytes - 1; i >= 0; i--, km >>= 8n, kv >>= 8n) {
    if (!constrainByte(c, s.offset + i, Number(km & 0xffn), Number(kv & 0xffn))) return false;
  }
  return true;
}

/** PRESENT is a little-endian u32 at KEY.PRESENT: bit b is in byte 4 + (b >> 3). */
function constrainPresent(c: CompiledMatch, bits: number, want: boolean): boolean {
  for (let i = 0; i < 4; i++) {
    const mb = (bits >>> (8 * i)) & 0xff;
    if (mb === 0) continue;
    const vb = want ? mb : 0;
    const at = KEY.PRESENT + i;
    if ((c.mask[at] & mb & (c.value[at] ^ vb)) !== 0) return false;
    c.mask[at] |= mb;
    c.value[at] |= vb;
  }
  return true;
}

/** The one PRESENT bit a multi-layer field needs, given the match's eth_type. */
function layerBit(layer: number, ethType: number | undefined): number {
  if (layer !== IP_LAYER) return layer;
  if (ethType === ETH_TYPE_IPV4) return PRESENT.IPV4;
  if (ethType === ETH_TYPE_IPV6) return PRESENT.IPV6;
  return 0; // no eth_type pinned: validateMatch rejects this; be permissive, not wrong-closed
}

/**
 * Compiles a (validated, basic-only) match into key mask/value, or undefined when no packet can
 * match it (a field the key does not carry, contradictory in_port/in_phy_port).
 * With `into`, that scratch pair is cleared and filled (and returned) instead of allocating.
 */
export function compileMatch(match: readonly OxmBasic[], into?: CompiledMatch): CompiledMatch | undefined {
  let c = into;
  if (c) {
    c.mask.fill(0);
    c.value.fill(0);
  } else c = { mask: new Uint8Array(PIPELINE_KEY_SIZE), value: new Uint8Array(PIPELINE_KEY_SIZE) };
  let ethType: number | undefined;
  for (const oxm of match) if (oxm.name === "eth_type" && oxm.mask === undefined) ethType = oxm.value as number;
  for (const oxm of match) {
    const m = MAP[oxm.name];
    if (oxm.mask !== undefined && isZero(oxm.mask)) continue;
    if (!m.span) return undefined;
    if (oxm.name === "vlan_vid") {
      const vm = oxm.mask === undefined ? OFPVID_PRESENT | 0xfff : (oxm.mask as number);
      if ((vm & OFPVID_PRESENT) !== 0) {
        if (!constrainPresent(c, PRESENT.VLAN, ((oxm.value as number) & OFPVID_PRESENT) !== 0)) return undefined;
      }
      if (!constrainSpan(c, m.span, vm & 0xfff, (oxm.value as number) & 0xfff)) return undefined;
      continue;
    } else {
      const bit = layerBit(m.layer, ethType);
      if (bit !== 0 && !constrainPresent(c, bit, true)) return undefined;
    }
    if (!constrainSpan(c, m.span, oxm.mask ?? FULL[oxm.name], oxm.value)) return undefined;
  }
  return c;
}
