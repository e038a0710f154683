// Set-field records on ICMPv4 / ICMPv6 headers and IPv6 neighbour discovery messages: type,
// code, ND target and the source / target link-layer address options (record layouts in
// action-format.ts).
//
// What: setIcmpByte (A_SET_ICMP4/6_TYPE/CODE), setNdTarget (A_SET_ND_TARGET), setNdLladdr
//   (A_SET_ND_SLL / A_SET_ND_TLL).
// Design: the ICMP checksum (ICMPv4: over the message; ICMPv6: over the message and the IPv6
//   pseudo-header) is updated incrementally (RFC 1624, checksum.ts): none of these fields is
//   in the pseudo-header, and each starts at an even offset from the ICMP header, so the
//   16-bit words replaced are the checksum's own words. As in Open vSwitch (packet_set_nd),
//   SLL/TLL rewrite the first option of that type whose length is one unit (8 bytes, an
//   Ethernet address); a message without one is left unchanged — no option is added.
//
//   ICMP:  0 type │ 1 code │ 2 checksum │ 4 ...
//   NS/NA: 0 type │ 1 code │ 2 checksum │ 4 reserved/flags │ 8 target (16) │ 24 options
//          option: 0 type (1 SLL, 2 TLL) │ 1 len (units of 8 bytes) │ 2 link-layer address
//
// Invariants: acts only when the key has the layer (P_ICMP4 / P_ICMP6 / P_ND), the packet is
//   not a later fragment, and the bytes are within the packet (options: within the IPv6
//   payload too); otherwise the packet is left alone.
// Threading: none.

import { bufData, bufL4, bufLen } from "../buffers/pool";
import { FRAG_LATER, K_IP_FRAG, K_PRESENT, P_ND } from "../key/flow-key";
import { csumReplace128, csumReplace16 } from "./checksum";
import { l3End } from "./set-field";

@inline const ND_TARGET_OFF: u32 = 8;
@inline const ND_OPTIONS_OFF: u32 = 24;
@inline export const ND_OPT_SLL: u8 = 1;
@inline export const ND_OPT_TLL: u8 = 2;

/** Offset of the ICMP header when the key has `layer` and 4 bytes of it are there, else 0. */
@inline function icmpAt(id: u32, key: usize, layer: u32): u32 {
  if ((load<u32>(key + K_PRESENT) & layer) == 0) return 0;
  if ((load<u8>(key + K_IP_FRAG) & FRAG_LATER) != 0) return 0;
  const l4 = bufL4(id);
  return l4 != 0 && l4 + 4 <= bufLen(id) ? l4 : 0;
}

/** A_SET_ICMP4/6_TYPE (byteOff 0) or _CODE (byteOff 1); `layer` is P_ICMP4 or P_ICMP6. */
export function setIcmpByte(id: u32, key: usize, layer: u32, byteOff: u32, v: u8): void {
  const l4 = icmpAt(id, key, layer);
  if (l4 == 0) return;
  const h = bufData(id) + l4;
  const w = load<u16>(h);
  const nw = byteOff == 0 ? <u16>((w & 0xff00) | <u16>v) : <u16>((w & 0x00ff) | (<u16>v << 8));
  if (nw == w) return;
  store<u16>(h, csumReplace16(load<u16>(h, 2), w, nw), 2);
  store<u16>(h, nw);
}

/** Offset of an NS/NA message with its 24-byte fixed part in the packet, else 0. */
@inline function ndAt(id: u32, key: usize): u32 {
  const l4 = icmpAt(id, key, P_ND);
  return l4 != 0 && l4 + ND_OPTIONS_OFF <= bufLen(id) ? l4 : 0;
}

/** A_SET_ND_TARGET: the 16-byte target address. */
export function setNdTarget(id: u32, key: usize, payload: usize): void {
  const l4 = ndAt(id, key);
  if (l4 == 0) return;
  const h = bufData(id) + l4;
  store<u16>(h, csumReplace128(load<u16>(h, 2), h + ND_TARGET_OFF, payload), 2);
  v128.store(h + ND_TARGET_OFF, v128.load(payload));
}

/** A_SET_ND_SLL / _TLL (optType ND_OPT_SLL / ND_OPT_TLL): rewrites the first such option. */
export function setNdLladdr(id: u32, key: usize, optType: u8, payload: usize): void {
  const l4 = ndAt(id, key);
  if (l4 == 0) return;
  const pkt = bufData(id);
  const end = l3End(id, key);
  let o = l4 + ND_OPTIONS_OFF;
  while (o + 8 <= end) {
    const olen = <u32>load<u8>(pkt + o, 1) << 3;
    if (olen == 0 || olen > end - o) return; // malformed: leave the message alone
    if (load<u8>(pkt + o) == optType && olen == 8) {
      const h = pkt + l4;
      const a = pkt + o + 2;
      let c = load<u16>(h, 2);
      for (let i: u32 = 0; i < 6; i += 2) {
        const old = load<u16>(a + i);
        const nw = load<u16>(payload + i);
        c = csumReplace16(c, old, nw);
        store<u16>(a + i, nw);
      }
      store<u16>(h, c, 2);
      return;
    }
    o += olen;
  }
}
