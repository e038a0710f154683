// Putting back the 802.1Q tag the kernel took out of a received frame.
//
// What: `vlanCopyTagged` copies a frame while inserting a tag after the MAC addresses;
//   `vlanInsertInPlace` inserts one into a frame already in a pool buffer, using its headroom.
// Design: AF_PACKET reports a VLAN tag that a NIC or veth stripped (hardware acceleration)
//   out of band — tp_vlan_tci / tp_vlan_tpid in a TPACKET_V3 header or PACKET_AUXDATA — and
//   hands over the frame without it. Frames inside the switch carry their tag, so a system
//   port must restore it or trunks silently break. When copying out of a ring the tag is
//   written on the way (no extra move). In place, the 12 address bytes move 4 bytes into the
//   headroom (12 bytes moved, not the whole frame):
//
//     before:  [ headroom ........ | dst6 src6 | type ... ]             off
//     after:   [ headroom .... | dst6 src6 | TPID TCI | type ... ]      off - 4
// Invariants: TPID and TCI are written in network byte order; a TPID of 0 means 0x8100 (the
//   kernel reports a TPID only when TP_STATUS_VLAN_TPID_VALID is set).
// Threading: pure functions over this instance's memory.

import { Counter, count } from "../counters/counters";
import { bufData, bufLen, bufOff, bufSetLen, bufSetOff } from "../buffers/pool";

@inline export const ETH_ADDRS_LEN: u32 = 12;
@inline export const VLAN_TAG_BYTES: u32 = 4;
@inline export const DEFAULT_TPID: u32 = 0x8100;

@inline function storeBe16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

/** Copies a frame of len bytes (len >= 12) from src to dst with tag (tpid, tci) inserted after
 *  the addresses; dst must have room for len + 4 bytes. */
@inline export function vlanCopyTagged(dst: usize, src: usize, len: u32, tpid: u32, tci: u32): void {
  memory.copy(dst, src, ETH_ADDRS_LEN);
  storeBe16(dst + ETH_ADDRS_LEN, tpid == 0 ? DEFAULT_TPID : tpid);
  storeBe16(dst + ETH_ADDRS_LEN + 2, tci);
  memory.copy(dst + ETH_ADDRS_LEN + VLAN_TAG_BYTES, src + ETH_ADDRS_LEN, len - ETH_ADDRS_LEN);
}

/** Inserts tag (tpid, tci) into buffer id's frame. false (counted) if the frame is shorter
 *  than the addresses or the headroom has no 4 bytes left. */
export function vlanInsertInPlace(id: u32, tpid: u32, tci: u32): bool {
  const off = bufOff(id);
  const len = bufLen(id);
  if (len < ETH_ADDRS_LEN || off < VLAN_TAG_BYTES) {
    count(Counter.PORTS_VLAN_NO_ROOM);
    return false;
  }
  const p = bufData(id);
  memory.copy(p - VLAN_TAG_BYTES, p, ETH_ADDRS_LEN);
  storeBe16(p - VLAN_TAG_BYTES + ETH_ADDRS_LEN, tpid == 0 ? DEFAULT_TPID : tpid);
  storeBe16(p - VLAN_TAG_BYTES + ETH_ADDRS_LEN + 2, tci);
  bufSetOff(id, off - VLAN_TAG_BYTES);
  bufSetLen(id, len + VLAN_TAG_BYTES);
  count(Counter.PORTS_VLAN_RESTORED);
  return true;
}
