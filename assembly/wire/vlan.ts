// 802.1Q / 802.1ad VLAN tag: the 4 bytes after a TPID of 0x8100 or 0x88a8.
//
// The length check happens once, in the parser, before any accessor is called: accessors
// are unchecked. Offsets are from the start of the tag's TCI (the TPID is the preceding
// type field, read as an ethertype).
//
//   TPID (2, already read)   0         2
//                            ┌─────────┬──────────┐
//                            │ TCI     │ next type│   TCI = PCP(3) | DEI(1) | VID(12)
//                            └─────────┴──────────┘

import { ETHERTYPE_QINQ, ETHERTYPE_VLAN } from "./ethernet";

@inline export const VLAN_TCI: u32 = 0;
@inline export const VLAN_NEXT_TYPE: u32 = 2;
@inline export const VLAN_TAG_LEN: u32 = 4;
@inline export const VLAN_VID_MASK: u16 = 0x0fff;

/** True when a type field names a VLAN tag (802.1Q or 802.1ad). */
@inline export function isVlanTpid(t: u32): bool {
  return t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ;
}
