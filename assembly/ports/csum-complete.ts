// Finishing the TCP/UDP checksum of a frame the kernel handed over "checksum partial".
//
// What: `csumComplete(p, len)` computes the L4 checksum of an IPv4/IPv6 TCP or UDP frame at
//   p whose checksum field holds only the pseudo-header sum, as Linux leaves it for offload.
// Design: a namespace's stack sending over a veth leaves the checksum to "hardware"
//   (CHECKSUM_PARTIAL); AF_PACKET then marks the frame TP_STATUS_CSUMNOTREADY and the field
//   holds fold(pseudo-header). Forwarded as is, the frame arrives with a wrong checksum and
//   the receiver drops it (ICMP passes, TCP/UDP silently fail). The device would have summed
//   [L4 start, end) including that field and stored the complement — this does the same, so
//   no pseudo-header is rebuilt here. The L4 length comes from the IP header (frames may be
//   padded). Only what veths and TAPs produce is handled: up to two VLAN tags, IPv4 with
//   options, IPv6 with TCP/UDP as the first next header; anything else is counted
//   (ports.csum_unsupported) and left alone.
// Invariants: every offset is checked against len before it is read.
// Threading: pure function over this instance's memory.

import { Counter, count } from "../counters/counters";
import { csumFull } from "../actions/checksum";

@inline function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

/** Completes the checksum in place; false (counted) when the frame is not one we handle. */
export function csumComplete(p: usize, len: u32): bool {
  let l3: u32 = 14;
  if (len < l3) return unsupported();
  let type = be16(p + 12);
  for (let tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
    if (len < l3 + 4) return unsupported();
    type = be16(p + l3 + 2);
    l3 += 4;
  }
  let l4: u32 = 0;
  let proto: u32 = 0;
  let end: u32 = 0;
  if (type == 0x0800) {
    if (len < l3 + 20) return unsupported();
    l4 = l3 + (<u32>(load<u8>(p + l3) & 0xf) << 2);
    proto = load<u8>(p + l3 + 9);
    end = l3 + be16(p + l3 + 2);
  } else if (type == 0x86dd) {
    if (len < l3 + 40) return unsupported();
    l4 = l3 + 40;
    proto = load<u8>(p + l3 + 6);
    end = l4 + be16(p + l3 + 4);
  } else {
    return unsupported();
  }
  const field: u32 = proto == 6 ? 16 : proto == 17 ? 6 : 0;
  if (field == 0 || end > len || l4 + field + 2 > end) return unsupported();
  store<u16>(p + l4 + field, csumFull(p + l4, end - l4, 0));
  count(Counter.PORTS_CSUM_COMPLETED);
  return true;
}

function unsupported(): bool {
  count(Counter.PORTS_CSUM_UNSUPPORTED);
  return false;
}
