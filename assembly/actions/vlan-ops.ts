// VLAN actions over one packet buffer: push, pop, set VID, set PCP on the outer tag.
//
// What: the executor calls these with a pool buffer id; they edit the frame in place.
// Design: whether a frame is tagged is read from the packet bytes (ethertype at offset 12 is
//   0x8100 or 0x88a8), not from the flow key, because earlier pushes and pops in the same
//   action list change it. A push moves the 12 MAC bytes 4 bytes left into the headroom and
//   writes the tag behind them; a pop moves them 4 bytes right. Neither touches the payload,
//   so neither touches a checksum.
//
//   push:   before   [dst 6][src 6][type 2][payload...]          off
//           after    [dst 6][src 6][tpid 2][tci 2][type 2]...    off - 4
//
// Invariants: l3/l4 offsets (bufL3/bufL4, relative to the packet start) move with the payload:
//   +4 on push, -4 on pop; an offset of 0 ("absent") stays 0.
//   set VID / set PCP on an untagged frame do nothing (OVS's datapath set on an absent tag is a
//   no-op too; the OpenFlow layer is expected to push a tag first). A frame shorter than a
//   full Ethernet header (14 bytes) is left alone by every operation here.
// Threading: none (pure functions over one buffer).

import {
  bufData,
  bufL3,
  bufL4,
  bufLen,
  bufOff,
  bufSetLayers,
  bufSetLen,
  bufSetOff,
} from "../buffers/pool";

@inline export const TPID_8021Q: u16 = 0x8100;
@inline export const TPID_8021AD: u16 = 0x88a8;

/** Result of vlanPush. */
@inline export const VLAN_OK: i32 = 0;
@inline export const VLAN_NO_HEADROOM: i32 = 1;

/** True when the frame's outer ethertype is a VLAN TPID and the whole tag is present. */
@inline export function vlanTagged(id: u32): bool {
  if (bufLen(id) < 18) return false;
  const t = bswap<u16>(load<u16>(bufData(id), 12));
  return t == TPID_8021Q || t == TPID_8021AD;
}

/** Pushes an outer tag (host-order tpid, tci). VLAN_NO_HEADROOM when there is no room in
 *  front of the packet (the caller drops it); frames shorter than 14 bytes are left alone. */
export function vlanPush(id: u32, tpid: u16, tci: u16): i32 {
  const len = bufLen(id);
  if (len < 14) return VLAN_OK;
  const off = bufOff(id);
  if (off < 4) return VLAN_NO_HEADROOM;
  const old = bufData(id);
  const p = old - 4;
  // 12 MAC bytes, 4 bytes left: overlapping regions, memory.copy is memmove.
  memory.copy(p, old, 12);
  store<u16>(p, bswap<u16>(tpid), 12);
  store<u16>(p, bswap<u16>(tci), 14);
  bufSetOff(id, off - 4);
  bufSetLen(id, len + 4);
  const l3 = bufL3(id);
  const l4 = bufL4(id);
  bufSetLayers(id, l3 != 0 ? l3 + 4 : 0, l4 != 0 ? l4 + 4 : 0);
  return VLAN_OK;
}

/** Pops the outer tag if the frame has one; otherwise does nothing. */
export function vlanPop(id: u32): void {
  if (!vlanTagged(id)) return;
  const p = bufData(id);
  memory.copy(p + 4, p, 12);
  bufSetOff(id, bufOff(id) + 4);
  bufSetLen(id, bufLen(id) - 4);
  const l3 = bufL3(id);
  const l4 = bufL4(id);
  // A parsed L3 offset always lies behind the tag (>= 18), so -4 keeps it inside the frame.
  bufSetLayers(id, l3 >= 4 ? l3 - 4 : 0, l4 >= 4 ? l4 - 4 : 0);
}

/** Sets the VID (low 12 bits of the outer TCI); no-op when untagged. */
export function vlanSetVid(id: u32, vid: u16): void {
  if (!vlanTagged(id)) return;
  const p = bufData(id) + 14;
  const tci = bswap<u16>(load<u16>(p));
  store<u16>(p, bswap<u16>((tci & 0xf000) | (vid & 0x0fff)));
}

/** Sets the PCP (top 3 bits of the outer TCI); no-op when untagged. */
export function vlanSetPcp(id: u32, pcp: u8): void {
  if (!vlanTagged(id)) return;
  const p = bufData(id) + 14;
  const tci = bswap<u16>(load<u16>(p));
  store<u16>(p, bswap<u16>((tci & 0x1fff) | ((<u16>pcp & 7) << 13)));
}
