// Set-field actions over one packet buffer: Ethernet addresses, IPv4/IPv6 addresses, DSCP,
// TTL / hop limit, and TCP/UDP/SCTP ports, each keeping every checksum that covers it right.
//
// What: one function per action type; the executor hands over the buffer id, the ingress
//   flow key and a pointer to the record's payload (layout in action-format.ts).
// Design: which layers exist comes from the key's PRESENT bits (L3/L4 type never changes
//   during an action list) plus the buffer's l3/l4 offsets, which VLAN push/pop keep current;
//   every access is bounds-checked against the packet length first, so a packet the parser
//   found truncated is left alone where its bytes end. Checksums are updated incrementally
//   (checksum.ts), never recomputed, except SCTP's CRC32c, which has no incremental form:
//
//     field              checksums updated
//     -----------------  -------------------------------------------------------------
//     IPv4 src/dst       IPv4 header; TCP / UDP pseudo-header (ICMPv4 has none)
//     IPv6 src/dst       TCP / UDP / ICMPv6 pseudo-header
//     IPv4 DSCP, TTL     IPv4 header          (IPv6 traffic class / hop limit: none)
//   (ECN, set TTL, flow label: set-field-ip.ts; ARP: set-field-arp.ts; ICMP and ND:
//   set-field-icmp.ts — they use the layer guards exported here.)
//     TCP/UDP port       TCP / UDP
//     SCTP port          CRC32c over the SCTP packet, as OVS does: new = stored ^ crc(old)
//                        ^ crc(new), so a correct CRC stays correct and a wrong one stays
//                        wrong. Skipped on IP fragments (the CRC covers bytes we do not have).
//
// Invariants: an L4 checksum is touched only when the L4 header is there: not on later
//   fragments (key IP_FRAG has FRAG_LATER), not when the header is cut short. A UDP checksum
//   of 0 means "none" (IPv4; tolerated for IPv6 too) and stays 0; a UDP result of 0 is sent
//   as 0xFFFF. A set on a layer the packet does not have does nothing.
//   Known gap: an IPv6 Routing header with segments left makes the pseudo-header use the
//   final destination, not the dst field; we update as if it did not exist (as OVS does
//   when it cannot tell).
// Threading: none.

import { bufData, bufL3, bufL4, bufLen } from "../buffers/pool";
import {
  FRAG_ANY,
  FRAG_LATER,
  K_IP_FRAG,
  K_PRESENT,
  P_ICMP6,
  P_IPV4,
  P_IPV6,
  P_SCTP,
  P_TCP,
  P_UDP,
} from "../key/flow-key";
import { crc32c, csumReplace128, csumReplace16, csumReplace32 } from "./checksum";

@inline export function present(key: usize): u32 {
  return load<u32>(key + K_PRESENT);
}

/** Offset (from the packet start) of the IPv4 header, or 0 when the packet has none intact. */
@inline export function ipv4At(id: u32, key: usize): u32 {
  if ((present(key) & P_IPV4) == 0) return 0;
  const l3 = bufL3(id);
  return l3 != 0 && l3 + 20 <= bufLen(id) ? l3 : 0;
}

/** Offset of the IPv6 header, or 0. */
@inline export function ipv6At(id: u32, key: usize): u32 {
  if ((present(key) & P_IPV6) == 0) return 0;
  const l3 = bufL3(id);
  return l3 != 0 && l3 + 40 <= bufLen(id) ? l3 : 0;
}

/** Offset of the L4 checksum field an address change must update, or 0 for none: TCP, UDP
 *  (unless its checksum is 0) and, when icmp6 is set, ICMPv6. */
function l4CsumAt(id: u32, key: usize, icmp6: bool): u32 {
  if ((load<u8>(key + K_IP_FRAG) & FRAG_LATER) != 0) return 0;
  const l4 = bufL4(id);
  if (l4 == 0) return 0;
  const len = bufLen(id);
  const pr = present(key);
  if ((pr & P_TCP) != 0) return l4 + 18 <= len ? l4 + 16 : 0;
  if ((pr & P_UDP) != 0) {
    if (l4 + 8 > len || load<u16>(bufData(id) + l4 + 6) == 0) return 0;
    return l4 + 6;
  }
  if (icmp6 && (pr & P_ICMP6) != 0) return l4 + 4 <= len ? l4 + 2 : 0;
  return 0;
}

/** Stores an updated L4 checksum, applying UDP's "0 is sent as 0xFFFF". */
@inline function storeL4Csum(pkt: usize, at: u32, key: usize, c: u16): void {
  if (c == 0 && (present(key) & P_UDP) != 0) c = 0xffff;
  store<u16>(pkt + at, c);
}

/** A_SET_ETH_SRC / A_SET_ETH_DST: fieldOff 6 (src) or 0 (dst). */
export function setEthAddr(id: u32, fieldOff: u32, payload: usize): void {
  if (bufLen(id) < 14) return;
  const p = bufData(id) + fieldOff;
  store<u32>(p, load<u32>(payload));
  store<u16>(p, load<u16>(payload, 4), 4);
}

/** A_SET_IPV4_SRC / _DST: fieldOff 12 (src) or 16 (dst) from the IPv4 header. */
export function setIpv4Addr(id: u32, key: usize, fieldOff: u32, payload: usize): void {
  const l3 = ipv4At(id, key);
  if (l3 == 0) return;
  const pkt = bufData(id);
  const ip = pkt + l3;
  const old = load<u32>(ip + fieldOff);
  const nw = load<u32>(payload);
  if (old == nw) return;
  store<u16>(ip, csumReplace32(load<u16>(ip, 10), old, nw), 10);
  store<u32>(ip + fieldOff, nw);
  const at = l4CsumAt(id, key, false);
  if (at != 0) storeL4Csum(pkt, at, key, csumReplace32(load<u16>(pkt + at), old, nw));
}

/** A_SET_IPV6_SRC / _DST: fieldOff 8 (src) or 24 (dst) from the IPv6 header. */
export function setIpv6Addr(id: u32, key: usize, fieldOff: u32, payload: usize): void {
  const l3 = ipv6At(id, key);
  if (l3 == 0) return;
  const pkt = bufData(id);
  const addr = pkt + l3 + fieldOff;
  const at = l4CsumAt(id, key, true);
  if (at != 0) storeL4Csum(pkt, at, key, csumReplace128(load<u16>(pkt + at), addr, payload));
  v128.store(addr, v128.load(payload));
}

/** The packet's DSCP (IPv4 TOS / IPv6 traffic class, high 6 bits), or -1 when it has no intact
 *  IP header (meters' DSCP_REMARK reads it before raising its drop precedence). */
export function getDscp(id: u32, key: usize): i32 {
  let l3 = ipv4At(id, key);
  if (l3 != 0) return <i32>(load<u8>(bufData(id) + l3, 1) >> 2);
  l3 = ipv6At(id, key);
  if (l3 == 0) return -1;
  const ip = bufData(id) + l3;
  return <i32>((((<u32>load<u8>(ip) & 0x0f) << 4) | (<u32>load<u8>(ip, 1) >> 4)) >> 2);
}

/** A_SET_DSCP: IPv4 TOS (header checksum updated) or IPv6 traffic class; ECN bits kept. */
export function setDscp(id: u32, key: usize, dscp: u8): void {
  const d = <u32>(dscp & 0x3f) << 2;
  let l3 = ipv4At(id, key);
  if (l3 != 0) {
    const ip = bufData(id) + l3;
    const w = load<u16>(ip); // byte 0: version/IHL, byte 1: TOS
    const nw = <u16>((w & 0x03ff) | (d << 8));
    if (nw == w) return;
    store<u16>(ip, csumReplace16(load<u16>(ip, 10), w, nw), 10);
    store<u16>(ip, nw);
    return;
  }
  l3 = ipv6At(id, key);
  if (l3 == 0) return;
  // Traffic class straddles bytes 0 and 1: [ver 4 | tc 8 | flow label 20].
  const ip = bufData(id) + l3;
  const b0 = load<u8>(ip);
  const b1 = load<u8>(ip, 1);
  const tc = ((<u32>b0 & 0x0f) << 4) | (<u32>b1 >> 4);
  const ntc = d | (tc & 3);
  store<u8>(ip, <u8>((b0 & 0xf0) | (ntc >> 4)));
  store<u8>(ip, <u8>((b1 & 0x0f) | ((ntc & 0x0f) << 4)), 1);
}

/** A_DEC_TTL result. */
@inline export const TTL_OK: i32 = 0;
@inline export const TTL_EXPIRED: i32 = 1;

/** A_DEC_TTL: TTL_EXPIRED (packet untouched) when the TTL / hop limit is <= 1; non-IP: no-op. */
export function decTtl(id: u32, key: usize): i32 {
  let l3 = ipv4At(id, key);
  if (l3 != 0) {
    const ip = bufData(id) + l3;
    const w = load<u16>(ip, 8); // byte 8: TTL, byte 9: protocol
    if ((w & 0xff) <= 1) return TTL_EXPIRED;
    const nw = <u16>(w - 1);
    store<u16>(ip, csumReplace16(load<u16>(ip, 10), w, nw), 10);
    store<u16>(ip, nw, 8);
    return TTL_OK;
  }
  l3 = ipv6At(id, key);
  if (l3 == 0) return TTL_OK;
  const hp = bufData(id) + l3 + 7;
  const h = load<u8>(hp);
  if (h <= 1) return TTL_EXPIRED;
  store<u8>(hp, h - 1);
  return TTL_OK;
}

/** End of the L3 payload (offset from packet start), clamped to the packet length. */
export function l3End(id: u32, key: usize): u32 {
  const len = bufLen(id);
  const pkt = bufData(id);
  let end: u32 = len;
  let l3 = ipv4At(id, key);
  if (l3 != 0) {
    end = l3 + <u32>bswap<u16>(load<u16>(pkt + l3, 2));
  } else {
    l3 = ipv6At(id, key);
    if (l3 != 0) end = l3 + 40 + <u32>bswap<u16>(load<u16>(pkt + l3, 4));
  }
  return end < len ? end : len;
}

/** A_SET_TP_SRC / _DST: fieldOff 0 (src) or 2 (dst) from the L4 header; port in host order. */
export function setTpPort(id: u32, key: usize, fieldOff: u32, port: u16): void {
  const pr = present(key);
  if ((pr & (P_TCP | P_UDP | P_SCTP)) == 0) return;
  const frag = load<u8>(key + K_IP_FRAG);
  if ((frag & FRAG_LATER) != 0) return;
  const l4 = bufL4(id);
  if (l4 == 0) return;
  const len = bufLen(id);
  const pkt = bufData(id);
  const fp = pkt + l4 + fieldOff;
  const nw = bswap<u16>(port);
  if ((pr & P_TCP) != 0) {
    if (l4 + 18 > len) return;
    const old = load<u16>(fp);
    store<u16>(pkt + l4 + 16, csumReplace16(load<u16>(pkt + l4 + 16), old, nw));
    store<u16>(fp, nw);
  } else if ((pr & P_UDP) != 0) {
    if (l4 + 8 > len) return;
    const old = load<u16>(fp);
    const c = load<u16>(pkt + l4 + 6);
    if (c != 0) {
      const n = csumReplace16(c, old, nw);
      store<u16>(pkt + l4 + 6, n == 0 ? 0xffff : n);
    }
    store<u16>(fp, nw);
  } else {
    if (l4 + 12 > len) return;
    if ((frag & FRAG_ANY) != 0) {
      store<u16>(fp, nw);
      return;
    }
    const end = l3End(id, key);
    if (end < l4 + 12) {
      store<u16>(fp, nw);
      return;
    }
    const sh = pkt + l4;
    const n = end - l4;
    const stored = load<u32>(sh, 8);
    store<u32>(sh, 0, 8);
    const before = crc32c(sh, n);
    store<u16>(fp, nw);
    const after = crc32c(sh, n);
    store<u32>(sh, stored ^ before ^ after, 8);
  }
}
