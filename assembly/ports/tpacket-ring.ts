// TPACKET_V3 receive rings mapped inside this memory, and the walker that empties them.
//
// What: `ringCreate(blockSize, blockCount)` reserves a page-aligned range of linear memory for
//   a ring (the control plane then mmaps the AF_PACKET socket's ring over it with MAP_FIXED);
//   `ringReceive(ring, ids, maxN)` copies up to maxN frames from retired blocks into fresh pool
//   buffers, writes their ids at `ids`, and gives each emptied block back to the kernel.
// Design: the kernel fills one block at a time and retires it (block_status = TP_STATUS_USER)
//   when full or after the retire timeout; blocks are handed back in ring order, which is the
//   order the kernel reuses them. The walker remembers where it stopped inside a block, so a
//   batch can end mid-block and the next call resumes there. A frame's 802.1Q tag, stripped
//   by the kernel, is written back while copying (vlan-restore.ts), and a checksum it left
//   unfinished (TP_STATUS_CSUMNOTREADY) is completed (csum-complete.ts). Copying (rather than
//   handing out ring slots) keeps the pool the single owner of packet memory and lets a block
//   go back to the kernel as soon as it is walked.
//
//   ring (blockCount blocks of blockSize bytes, at ringBase(r), page-aligned):
//   ┌──────── block 0 ────────┬──────── block 1 ────────┬─ ... ─┐
//   │ desc │ frame │ frame ...│ desc │ frame ...        │       │
//   └─────────────────────────┴──────────────────────────┴───────┘
//   block desc:  0 u32 version  4 u32 offset_to_priv  8 u32 block_status  12 u32 num_pkts
//                16 u32 offset_to_first_pkt  20 u32 blk_len  24 u64 seq_num  32.. timestamps
//   tpacket3_hdr: 0 u32 tp_next_offset  12 u32 tp_snaplen  16 u32 tp_len  20 u32 tp_status
//                24 u16 tp_mac  26 u16 tp_net  28 u32 rxhash  32 u32 tp_vlan_tci
//                36 u16 tp_vlan_tpid
//
//   ring record (64 bytes): 0 u32 raw alloc  4 u32 base  8 u32 blockSize  12 u32 blockCount
//     16 u32 current block  20 u32 next frame offset  24 u32 frames left in block
//     32 u64 rx packets  40 u64 rx bytes  48 u64 drops  56 u64 vlan tags restored
// Invariants: every offset read from the ring is checked against the block before use (the
//   kernel is trusted, but a torn mapping must count, not trap); a block with a bad frame is
//   abandoned and handed back (ports.ring_bad_frame). A frame that cannot be delivered (no
//   buffer, larger than a buffer, truncated by the ring) is dropped and counted, never stalls
//   the ring. Ordering: frame bytes are read before block_status is written back; on a
//   non-shared memory WASM has no fence, and x86-64 (TSO) never moves a store before earlier
//   loads — on weaker hardware this walker would need atomics over a shared memory.
// Threading: a ring belongs to the datapath thread whose instance holds it.

import { Counter, count } from "../counters/counters";
import { bufData, bufRoom, bufSetLen, poolAlloc, poolFree } from "../buffers/pool";
import { csumComplete } from "./csum-complete";
import { ETH_ADDRS_LEN, VLAN_TAG_BYTES, vlanCopyTagged } from "./vlan-restore";

@inline export const MAX_RINGS: u32 = 1024;
@inline export const RING_PAGE: u32 = 4096;
@inline const RECORD_SIZE: u32 = 64;

@inline export const TP_STATUS_KERNEL: u32 = 0;
@inline export const TP_STATUS_USER: u32 = 1;
@inline export const TP_STATUS_CSUMNOTREADY: u32 = 0x8;
@inline export const TP_STATUS_VLAN_VALID: u32 = 0x10;
@inline export const TP_STATUS_VLAN_TPID_VALID: u32 = 0x40;

@inline const BD_STATUS: u32 = 8;
@inline const BD_NUM_PKTS: u32 = 12;
@inline const BD_FIRST_PKT: u32 = 16;
@inline const TP_HDR_MIN: u32 = 48;

@inline export const RING_STAT_PACKETS: u32 = 0;
@inline export const RING_STAT_BYTES: u32 = 1;
@inline export const RING_STAT_DROPS: u32 = 2;
@inline export const RING_STAT_VLAN: u32 = 3;

const rings: usize = memory.data(<i32>(MAX_RINGS * 4), 16); // u32 record pointer per ring id

@inline function rec(r: u32): usize {
  return load<u32>(rings + (<usize>r << 2));
}

/** Reserves a ring of blockCount blocks of blockSize bytes (a multiple of RING_PAGE). Returns
 *  the ring id, or -1 for bad sizes or no free id. */
export function ringCreate(blockSize: u32, blockCount: u32): i32 {
  if (blockSize == 0 || blockSize % RING_PAGE != 0 || blockCount == 0) return -1;
  const size = <u64>blockSize * blockCount;
  if (size > 0x3ff0_0000) return -1; // just under 1 GiB: the largest block the heap hands out
  for (let r: u32 = 0; r < MAX_RINGS; r++) {
    if (rec(r) != 0) continue;
    const raw = heap.alloc(<usize>size + RING_PAGE);
    const base = (raw + RING_PAGE - 1) & ~(<usize>RING_PAGE - 1);
    const m = heap.alloc(RECORD_SIZE);
    memory.fill(m, 0, RECORD_SIZE);
    store<u32>(m, <u32>raw, 0);
    store<u32>(m, <u32>base, 4);
    store<u32>(m, blockSize, 8);
    store<u32>(m, blockCount, 12);
    // Zeroed blocks read as TP_STATUS_KERNEL until the kernel's ring is mapped over them.
    memory.fill(base, 0, <usize>size);
    store<u32>(rings + (<usize>r << 2), <u32>m);
    return <i32>r;
  }
  return -1;
}

/** Frees ring r's memory. The control plane must have unmapped the kernel ring first. */
export function ringDestroy(r: u32): void {
  if (r >= MAX_RINGS || rec(r) == 0) return;
  const m = rec(r);
  heap.free(<usize>load<u32>(m, 0));
  heap.free(m);
  store<u32>(rings + (<usize>r << 2), 0);
}

export function ringBase(r: u32): usize {
  return r < MAX_RINGS && rec(r) != 0 ? <usize>load<u32>(rec(r), 4) : 0;
}

export function ringSize(r: u32): u32 {
  if (r >= MAX_RINGS || rec(r) == 0) return 0;
  const m = rec(r);
  return load<u32>(m, 8) * load<u32>(m, 12);
}

export function ringStat(r: u32, which: u32): u64 {
  if (r >= MAX_RINGS || rec(r) == 0 || which > RING_STAT_VLAN) return 0;
  return load<u64>(rec(r) + 32 + (<usize>which << 3));
}

@inline function addStat(m: usize, which: u32, n: u64): void {
  const p = m + 32 + (<usize>which << 3);
  store<u64>(p, load<u64>(p) + n);
}

/** Hands block b of ring m back to the kernel and moves on to the next block. */
@inline function releaseBlock(m: usize, blk: usize): void {
  store<u32>(blk, TP_STATUS_KERNEL, BD_STATUS);
  const next = load<u32>(m, 16) + 1;
  store<u32>(m, next == load<u32>(m, 12) ? 0 : next, 16);
  store<u32>(m, 0, 24);
  count(Counter.PORTS_RING_BLOCKS);
}

/** Copies the frame at hdr (inside a block with `avail` bytes from hdr to the block end) into a
 *  new pool buffer. Returns its id, -1 if dropped (counted), -2 if the header is malformed. */
function ringTakeFrame(m: usize, hdr: usize, avail: u32): i32 {
  if (avail < TP_HDR_MIN) return -2;
  const mac = <u32>load<u16>(hdr, 24);
  const snap = load<u32>(hdr, 12);
  if (mac > avail || snap > avail - mac) return -2;
  if (snap < load<u32>(hdr, 16)) {
    count(Counter.PORTS_RING_TRUNCATED);
    addStat(m, RING_STAT_DROPS, 1);
    return -1;
  }
  const status = load<u32>(hdr, 20);
    const tagged = (status & TP_STATUS_VLAN_VALID) != 0 && snap >= ETH_ADDRS_LEN;
  const len = tagged ? snap + VLAN_TAG_BYTES : snap;
  const id = poolAlloc();
  if (id < 0) {
    count(Counter.PORTS_RING_NO_BUFFER);
    addStat(m, RING_STAT_DROPS, 1);
    return -1;
  }
  if (len > bufRoom(<u32>id)) {
    poolFree(<u32>id);
    count(Counter.PORTS_RING_TOO_BIG);
    addStat(m, RING_STAT_DROPS, 1);
    return -1;
  }
  const dst = bufData(<u32>id);
  if (tagged) {
    const tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? <u32>load<u16>(hdr, 36) : 0;
    vlanCopyTagged(dst, hdr + mac, snap, tpid, load<u32>(hdr, 32) & 0xffff);
    addStat(m, RING_STAT_VLAN, 1);
    count(Counter.PORTS_VLAN_RESTORED);
  } else {
    memory.copy(dst, hdr + mac, snap);
  }
  bufSetLen(<u32>id, len);
  if ((status & TP_STATUS_CSUMNOTREADY) != 0) csumComplete(dst, len);
  addStat(m, RING_STAT_PACKETS, 1);
  addStat(m, RING_STAT_BYTES, len);
  return id;
}

/** Receives up to maxN frames from ring r into new APP buffers whose ids go to ids[0..n).
 *  Returns n; 0 when no retired block is waiting. Never blocks. */
export function ringReceive(r: u32, ids: usize, maxN: u32): u32 {
  if (r >= MAX_RINGS || rec(r) == 0) return 0;
  const m = rec(r);
  const base = <usize>load<u32>(m, 4);
  const blockSize = load<u32>(m, 8);
  const blockCount = load<u32>(m, 12);
  let n: u32 = 0;
  let emptyBlocks: u32 = 0;
  while (n < maxN) {
    const blk = base + <usize>load<u32>(m, 16) * blockSize;
    let left = load<u32>(m, 24);
    let off = load<u32>(m, 20);
    if (left == 0) {
      if ((load<u32>(blk, BD_STATUS) & TP_STATUS_USER) == 0) break;
      left = load<u32>(blk, BD_NUM_PKTS);
      off = load<u32>(blk, BD_FIRST_PKT);
      if (left == 0) {
        // A retired empty block: give it back; bounded so a corrupt ring cannot spin us.
        releaseBlock(m, blk);
        if (++emptyBlocks >= blockCount) break;
        continue;
      }
    }
    if (off >= blockSize) {
      count(Counter.PORTS_RING_BAD_FRAME);
      releaseBlock(m, blk);
      continue;
    }
    const hdr = blk + off;
    const id = ringTakeFrame(m, hdr, blockSize - off);
    if (id == -2) {
      count(Counter.PORTS_RING_BAD_FRAME);
      releaseBlock(m, blk);
      continue;
    }
    if (id >= 0) {
      store<u32>(ids + (<usize>n << 2), <u32>id);
      n++;
    }
    left--;
    if (left == 0) {
      releaseBlock(m, blk);
      continue;
    }
    const next = load<u32>(hdr, 0);
    if (next == 0 || next > blockSize - off) {
      count(Counter.PORTS_RING_BAD_FRAME);
      releaseBlock(m, blk);
      continue;
    }
    store<u32>(m, off + next, 20);
    store<u32>(m, left, 24);
  }
  count(Counter.PORTS_RING_RX, n);
  return n;
}
