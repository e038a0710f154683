// Set-field records on the IP header beyond addresses and DSCP: ECN, TTL / hop limit set to a
// value, and the IPv6 flow label (record layouts in action-format.ts).
//
// What: setEcn (A_SET_ECN), setTtl (A_SET_TTL), setFlowLabel (A_SET_IPV6_LABEL).
// Design: the same guards as set-field.ts (ipv4At / ipv6At: the key says the layer is there
//   and the header is within the packet); the IPv4 header checksum is updated incrementally
//   over the 16-bit word that holds the changed byte. IPv6 has no header checksum and none of
//   these fields is in an L4 pseudo-header.
// Invariants: a packet without the header is left alone; DSCP is kept by setEcn, the protocol
//   byte by setTtl, the version and traffic class by setFlowLabel.
// Threading: none.

import { bufData } from "../buffers/pool";
import { csumReplace16 } from "./checksum";
import { ipv4At, ipv6At } from "./set-field";

/** A_SET_ECN: the low two bits of the IPv4 TOS (checksum updated) or the IPv6 traffic class. */
export function setEcn(id: u32, key: usize, ecn: u8): void {
  const e = <u32>(ecn & 3);
  let l3 = ipv4At(id, key);
  if (l3 != 0) {
    const ip = bufData(id) + l3;
    const w = load<u16>(ip); // byte 0: version/IHL, byte 1: TOS (raw LE load: TOS is the high byte)
    const nw = <u16>((w & 0xfcff) | (e << 8));
    if (nw == w) return;
    store<u16>(ip, csumReplace16(load<u16>(ip, 10), w, nw), 10);
    store<u16>(ip, nw);
    return;
  }
  l3 = ipv6At(id, key);
  if (l3 == 0) return;
  // [ver 4 | tc 8 | flow label 20]: the TC's low two bits are bits 4..5 of byte 1.
  const ip = bufData(id) + l3;
  const b1 = <u32>load<u8>(ip, 1);
  store<u8>(ip, <u8>((b1 & 0xcf) | (e << 4)), 1);
}

/** A_SET_TTL: IPv4 TTL (checksum updated) or IPv6 hop limit, to any value (0 included). */
export function setTtl(id: u32, key: usize, ttl: u8): void {
  let l3 = ipv4At(id, key);
  if (l3 != 0) {
    const ip = bufData(id) + l3;
    const w = load<u16>(ip, 8); // byte 8: TTL (low in the LE load), byte 9: protocol
    const nw = <u16>((w & 0xff00) | <u16>ttl);
    if (nw == w) return;
    store<u16>(ip, csumReplace16(load<u16>(ip, 10), w, nw), 10);
    store<u16>(ip, nw, 8);
    return;
  }
  l3 = ipv6At(id, key);
  if (l3 != 0) store<u8>(bufData(id) + l3, ttl, 7);
}

/** A_SET_IPV6_LABEL: the 20-bit flow label (bytes 1..3 below the traffic class). */
export function setFlowLabel(id: u32, key: usize, label: u32): void {
  const l3 = ipv6At(id, key);
  if (l3 == 0) return;
  const ip = bufData(id) + l3;
  const w = bswap<u32>(load<u32>(ip));
  store<u32>(ip, bswap<u32>((w & 0xfff00000) | (label & 0xfffff)));
}
