// Set-field records on an ARP (Ethernet/IPv4) header: opcode, sender/target protocol and
// hardware addresses (record layouts in action-format.ts). ARP has no checksum.
//
// What: setArpOp (A_SET_ARP_OP), setArpBytes (A_SET_ARP_SPA/TPA/SHA/THA).
// Design: the parser marks P_ARP only for an intact 28-byte Ethernet/IPv4 ARP header and
//   records its offset as l3, so one guard (P_ARP, l3 set, 28 bytes in the packet) covers all.
//
//    0      2      4    5    6      8          14     18         24     28
//   │ htype │ ptype │hlen│plen│  op  │   sha    │ spa  │   tha    │ tpa  │
//
// Invariants: a packet that is not ARP is left alone.
// Threading: none.

import { bufData, bufL3, bufLen } from "../buffers/pool";
import { K_PRESENT, P_ARP } from "../key/flow-key";

@inline export const ARP_OP_OFF: u32 = 6;
@inline export const ARP_SHA_OFF: u32 = 8;
@inline export const ARP_SPA_OFF: u32 = 14;
@inline export const ARP_THA_OFF: u32 = 18;
@inline export const ARP_TPA_OFF: u32 = 24;

/** Offset of the ARP header, or 0 when the packet has none intact. */
@inline function arpAt(id: u32, key: usize): u32 {
  if ((load<u32>(key + K_PRESENT) & P_ARP) == 0) return 0;
  const l3 = bufL3(id);
  return l3 != 0 && l3 + 28 <= bufLen(id) ? l3 : 0;
}

/** A_SET_ARP_OP: opcode in host order, stored big-endian. */
export function setArpOp(id: u32, key: usize, op: u16): void {
  const l3 = arpAt(id, key);
  if (l3 != 0) store<u16>(bufData(id) + l3 + ARP_OP_OFF, bswap<u16>(op));
}

/** A_SET_ARP_SPA/TPA (n = 4) and SHA/THA (n = 6): wire bytes copied to fieldOff. */
export function setArpBytes(id: u32, key: usize, fieldOff: u32, n: u32, payload: usize): void {
  const l3 = arpAt(id, key);
  if (l3 != 0) memory.copy(bufData(id) + l3 + fieldOff, payload, n);
}
