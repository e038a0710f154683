// MPLS actions over one packet buffer: push, pop, set the top label stack entry, decrement its
// TTL, and copy a TTL outwards or inwards between the top entry and what lies beneath it.
//
// What: the executor calls these with a pool buffer id (record layouts in action-format.ts);
//   they edit the frame in place.
// Design: as vlan-ops.ts, the packet bytes say what the frame is, not the flow key, because
//   earlier records of the same list change it. The label stack starts right after the last
//   VLAN tag (at most two tags are walked, as the parser does): OVS's datapath position.
//   A push moves the MAC and tag bytes 4 bytes left into the headroom and writes the new
//   ethertype and entry behind them; a pop moves them 4 bytes right over the top entry.
//
//   push:   before   [dst][src][tags..][type 2][payload...]                 off
//           after    [dst][src][tags..][type 2][lse 4][payload...]          off - 4
//
//   The new entry of a push is what OVS's flow_push_mpls composes: a copy of the old top entry
//   with bos clear when the frame already is MPLS; otherwise label 0 (2, IPv6 explicit null,
//   for IPv6), tc = the low 3 bits of the DSCP, bos set, ttl = the IP TTL / hop limit — or
//   label 0, tc 0, ttl 64 for a frame that is not IP. "Is IP" is the buffer's l3 offset: the
//   parser sets it only for an intact IP header, as the flow key's PRESENT bits the translator
//   reads.
//   Beneath the bottom entry nothing says what follows; the TTL copies look at the IP version
//   nibble (4 or 6, with a header long enough) as label-switching routers do.
// Invariants: after a push the l3/l4 offsets are cleared (the IP header is no longer the
//   packet's L3: IP rewrites after it are no-ops, as the translator expects), and a pop leaves
//   them cleared. A frame whose stack is cut short, or that is not MPLS, is left alone by
//   every operation but the push. Only the IPv4 header checksum covers a TTL; it is updated
//   incrementally.
// Threading: none (pure functions over one buffer).

import { bufData, bufLen, bufL3, bufOff, bufSetLayers, bufSetLen, bufSetOff } from "../buffers/pool";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETH_TYPE, ethTypeAt } from "../wire/ethernet";
import { MPLS_BOS, MPLS_LABEL_SHIFT, MPLS_LSE_LEN, MPLS_TC_SHIFT, isMplsType, mplsLseAt, mplsLseStore } from "../wire/mpls";
import { VLAN_TAG_LEN, isVlanTpid } from "../wire/vlan";
import { csumReplace16 } from "./checksum";

/** Result of mplsPush / mplsDecTtl. */
@inline export const MPLS_OK: i32 = 0;
@inline export const MPLS_NO_HEADROOM: i32 = 1;
@inline export const MPLS_TTL_EXPIRED: i32 = 2;

/** TTL of the entry a push composes for a frame that is not IP (OVS's default). */
@inline const NON_IP_TTL: u32 = 64;

/** Offset of the type field behind the VLAN tags (12, 16 or 20), or 0 when the frame is too
 *  short to hold it whole. */
function typeAt(id: u32): u32 {
  const len = bufLen(id);
  if (len < 14) return 0;
  const p = bufData(id);
  let at = ETH_TYPE;
  for (let i = 0; i < 2; i++) {
    if (!isVlanTpid(ethTypeAt(p, at))) return at;
    if (at + VLAN_TAG_LEN + 2 > len) return 0;
    at += VLAN_TAG_LEN;
  }
  return at;
}

/** Offset of the top label stack entry, or 0 when the frame is not MPLS or the entry is cut. */
function topAt(id: u32): u32 {
  const at = typeAt(id);
  if (at == 0 || !isMplsType(ethTypeAt(bufData(id), at))) return 0;
  return at + 2 + MPLS_LSE_LEN <= bufLen(id) ? at + 2 : 0;
}

/** The entry a push puts on top of the frame whose type field is at `at`. */
function newTopLse(id: u32, at: u32): u32 {
  const p = bufData(id);
  const t = ethTypeAt(p, at);
  const next = at + 2;
  if (isMplsType(t)) {
    if (next + MPLS_LSE_LEN <= bufLen(id)) return mplsLseAt(p + next) & ~MPLS_BOS;
    return MPLS_BOS | NON_IP_TTL;
  }
  if (bufL3(id) != next) return MPLS_BOS | NON_IP_TTL;
  const ip = p + next;
  if (t == ETHERTYPE_IPV4) {
    const tc = (<u32>load<u8>(ip, 1) >> 2) & 7;
    return (tc << MPLS_TC_SHIFT) | MPLS_BOS | <u32>load<u8>(ip, 8);
  }
  if (t == ETHERTYPE_IPV6) {
    const tclass = ((<u32>load<u8>(ip) & 0x0f) << 4) | (<u32>load<u8>(ip, 1) >> 4);
    return (2 << MPLS_LABEL_SHIFT) | (((tclass >> 2) & 7) << MPLS_TC_SHIFT) | MPLS_BOS | <u32>load<u8>(ip, 7);
  }
  return MPLS_BOS | NON_IP_TTL;
}

/** A_PUSH_MPLS: MPLS_NO_HEADROOM when there is no room in front of the packet (the caller
 *  drops it); a frame too short for its type field is left alone. */
export function mplsPush(id: u32, ethertype: u16): i32 {
  const at = typeAt(id);
  if (at == 0) return MPLS_OK;
  const off = bufOff(id);
  if (off < MPLS_LSE_LEN) return MPLS_NO_HEADROOM;
  const lse = newTopLse(id, at);
  const old = bufData(id);
  const p = old - MPLS_LSE_LEN;
  memory.copy(p, old, at); // MACs and tags, 4 bytes left (memmove)
  store<u16>(p + at, bswap<u16>(ethertype));
  mplsLseStore(p + at + 2, lse);
  bufSetOff(id, off - MPLS_LSE_LEN);
  bufSetLen(id, bufLen(id) + MPLS_LSE_LEN);
  bufSetLayers(id, 0, 0);
  return MPLS_OK;
}

/** A_POP_MPLS: removes the top entry and sets the type field; a non-MPLS frame is left alone. */
export function mplsPop(id: u32, ethertype: u16): void {
  const top = topAt(id);
  if (top == 0) return;
  const at = top - 2;
  const p = bufData(id);
  memory.copy(p + MPLS_LSE_LEN, p, at);
  store<u16>(p + MPLS_LSE_LEN + at, bswap<u16>(ethertype));
  bufSetOff(id, bufOff(id) + MPLS_LSE_LEN);
  bufSetLen(id, bufLen(id) - MPLS_LSE_LEN);
  bufSetLayers(id, 0, 0);
}

/** A_SET_MPLS_LSE: top = (top & ~mask) | (value & mask). */
export function mplsSetLse(id: u32, value: u32, mask: u32): void {
  const top = topAt(id);
  if (top == 0) return;
  const q = bufData(id) + top;
  mplsLseStore(q, (mplsLseAt(q) & ~mask) | (value & mask));
}

/** A_DEC_MPLS_TTL: MPLS_TTL_EXPIRED (packet untouched) when the top TTL is <= 1. */
export function mplsDecTtl(id: u32): i32 {
  const top = topAt(id);
  if (top == 0) return MPLS_OK;
  const q = bufData(id) + top;
  const lse = mplsLseAt(q);
  if ((lse & 0xff) <= 1) return MPLS_TTL_EXPIRED;
  mplsLseStore(q, lse - 1);
  return MPLS_OK;
}

/** IP version beneath the bottom entry whose end is at `beneath` (4 or 6 with a header that
 *  fits), else 0. */
function ipBeneath(id: u32, beneath: u32): u32 {
  const len = bufLen(id);
  if (beneath >= len) return 0;
  const v = <u32>load<u8>(bufData(id) + beneath) >> 4;
  if (v == 4 && beneath + 20 <= len) return 4;
  if (v == 6 && beneath + 40 <= len) return 6;
  return 0;
}

/** A_COPY_TTL_OUT: the top entry's TTL = the next entry's, or the IP TTL beneath the bottom. */
export function mplsCopyTtlOut(id: u32): void {
  const top = topAt(id);
  if (top == 0) return;
  const p = bufData(id);
  const lse = mplsLseAt(p + top);
  const next = top + MPLS_LSE_LEN;
  let ttl: u32;
  if ((lse & MPLS_BOS) == 0) {
    if (next + MPLS_LSE_LEN > bufLen(id)) return;
    ttl = mplsLseAt(p + next) & 0xff;
  } else {
    const v = ipBeneath(id, next);
    if (v == 0) return;
    ttl = <u32>load<u8>(p + next + (v == 4 ? 8 : 7));
  }
  mplsLseStore(p + top, (lse & ~0xff) | ttl);
}

/** A_COPY_TTL_IN: the next entry's TTL, or the IP TTL / hop limit beneath the bottom, = the
 *  top entry's TTL (the IPv4 header checksum follows). */
export function mplsCopyTtlIn(id: u32): void {
  const top = topAt(id);
  if (top == 0) return;
  const p = bufData(id);
  const lse = mplsLseAt(p + top);
  const ttl = lse & 0xff;
  const next = top + MPLS_LSE_LEN;
  if ((lse & MPLS_BOS) == 0) {
    if (next + MPLS_LSE_LEN > bufLen(id)) return;
    mplsLseStore(p + next, (mplsLseAt(p + next) & ~0xff) | ttl);
    return;
  }
  const v = ipBeneath(id, next);
  if (v == 6) {
    store<u8>(p + next, <u8>ttl, 7);
  } else if (v == 4) {
    const ip = p + next;
    const w = load<u16>(ip, 8); // byte 8: TTL, byte 9: protocol (little-endian load)
    const nw = <u16>((w & 0xff00) | ttl);
    if (nw == w) return;
    store<u16>(ip, csumReplace16(load<u16>(ip, 10), w, nw), 10);
    store<u16>(ip, nw, 8);
  }
}
