// Split virtqueue (virtio 1.x), device side: the one ring walker every virtio user shares.
//
// What: queue records for up to MAX_QUEUES queues; pop a chain head from the available ring;
//   walk a chain (chained and indirect descriptors) calling a segment callback; push used
//   elements; publish the used index; decide whether the driver wants a notification (with
//   and without VIRTIO_F_EVENT_IDX); write avail_event.
// Design: one walker, many users (Snabb's virtq_device). `vqWalk(q, head, cb, ctx)` calls
//   `cb(hostAddr, len, writable, ctx)` for each non-empty buffer of the chain; cb returns false
//   to stop early. net-rx and net-tx are callbacks over the same walker; `ctx` points at a
//   static record carrying their state (no closures, no allocation; cb is a call_indirect).
//   Ring addresses are translated and bounds-checked once, at vqSetup; buffer addresses on
//   every descriptor. The used index is written back once per burst (vqPublish), so a burst
//   that has to roll back (rx out of buffers) only rewinds the shadow indices.
// Invariants: a queue is usable iff size != 0. Every guest address is checked against the
//   queue's memory table before use, so a malformed ring never traps: errors are counted
//   (virtio.bad_descriptor / bad_address / chain_loop / bad_avail_idx) and the chain rejected.
//   A walk visits at most size direct descriptors plus the entries of one indirect table
//   (≤ MAX_QUEUE_SIZE), so it always ends.
// Threading: a queue belongs to one datapath thread. The guest runs concurrently: on x86
//   (TSO) plain stores reach the guest in program order; weakly ordered hosts need the used
//   index written with a release store and a full fence before reading used_event (WASM
//   threads feature, not enabled in this build). See README.md.
//
//  queue record (64 bytes at vqRecord(q)):
//   0 u32 desc table host addr    4 u32 avail ring host addr   8 u32 used ring host addr
//  12 u16 size (0 = disabled)    14 u16 mask (size - 1)
//  16 u16 last_avail_idx         18 u16 used shadow idx       20 u16 used idx at last signal
//  22 u8 flags (VQ_F_*)          23 u8 memory table           24 u8 net header length
//  25 u8 signalled_valid

import { Counter, count } from "../counters/counters";
import { MEM_TABLES, gmTranslate } from "./guest-memory";

@inline export const MAX_QUEUES: u32 = 256;
@inline export const MAX_QUEUE_SIZE: u32 = 32768;
@inline const RECORD_SIZE: u32 = 64;

// Descriptor flags (virtio 1.x §2.7.5 "The Virtqueue Descriptor Table").
@inline export const VIRTQ_DESC_F_NEXT: u16 = 1;
@inline export const VIRTQ_DESC_F_WRITE: u16 = 2;
@inline export const VIRTQ_DESC_F_INDIRECT: u16 = 4;
@inline export const VIRTQ_AVAIL_F_NO_INTERRUPT: u16 = 1;
@inline export const VIRTQ_USED_F_NO_NOTIFY: u16 = 1;

// Queue feature flags (vqSetup's `features`).
@inline export const VQ_F_EVENT_IDX: u8 = 1;
@inline export const VQ_F_MRG_RXBUF: u8 = 2;
@inline export const VQ_F_VERSION_1: u8 = 4;

// vqWalk results.
@inline export const WALK_DONE: i32 = 0;
@inline export const WALK_STOPPED: i32 = 1;
@inline export const WALK_BAD_DESCRIPTOR: i32 = -1;
@inline export const WALK_BAD_ADDRESS: i32 = -2;
@inline export const WALK_LOOP: i32 = -3;

// vqPop result when nothing (usable) is available.
@inline export const POP_EMPTY: i32 = -1;
@inline export const POP_BAD: i32 = -2;

/** A chain segment callback: host address and length of one buffer, whether the device may
 *  write it, and the caller's context. Return false to stop the walk. */
export type SegmentFn = (addr: usize, len: u32, writable: bool, ctx: usize) => bool;

const records: usize = memory.data(<i32>(MAX_QUEUES * RECORD_SIZE), 16);

@inline export function vqRecord(q: u32): usize {
  return records + <usize>q * RECORD_SIZE;
}
@inline function descHost(r: usize): usize {
  return load<u32>(r, 0);
}
@inline function availHost(r: usize): usize {
  return load<u32>(r, 4);
}
@inline function usedHost(r: usize): usize {
  return load<u32>(r, 8);
}
@inline export function vqSize(q: u32): u32 {
  return load<u16>(vqRecord(q), 12);
}
/** True if q names a queue that is set up. */
@inline export function vqReady(q: u32): bool {
  return q < MAX_QUEUES && load<u16>(vqRecord(q), 12) != 0;
}
@inline export function vqFlags(q: u32): u8 {
  return load<u8>(vqRecord(q), 22);
}
@inline export function vqHeaderLength(q: u32): u32 {
  return load<u8>(vqRecord(q), 24);
}
@inline export function vqLastAvail(q: u32): u16 {
  return load<u16>(vqRecord(q), 16);
}
@inline export function vqSetLastAvail(q: u32, idx: u16): void {
  store<u16>(vqRecord(q), idx, 16);
}
@inline export function vqUsedShadow(q: u32): u16 {
  return load<u16>(vqRecord(q), 18);
}
@inline export function vqSetUsedShadow(q: u32, idx: u16): void {
  store<u16>(vqRecord(q), idx, 18);
}

/** Sets up queue q over memory table `table`. size must be a power of two ≤ 32768; the three
 *  ring parts must each lie wholly inside one guest region (else counted virtio.bad_address).
 *  last_avail and used indices start at 0 (vqSetBase changes them). Returns false and leaves
 *  the queue disabled on any error. */
export function vqSetup(
  q: u32,
  table: u32,
  size: u32,
  descAddr: u64,
  availAddr: u64,
  usedAddr: u64,
  features: u32,
): bool {
  if (q >= MAX_QUEUES) return false;
  const r = vqRecord(q);
  memory.fill(r, 0, RECORD_SIZE);
  if (table >= MEM_TABLES || size == 0 || size > MAX_QUEUE_SIZE || (size & (size - 1)) != 0) {
    count(Counter.VIRTIO_BAD_QUEUE);
    return false;
  }
  // Sizes from the split-ring table: desc 16*n, avail 6+2*n, used 6+8*n bytes.
  // Stop at the first bad part, so a rejected setup counts once.
  const d = gmTranslate(table, descAddr, size << 4);
  if (d == 0) return false;
  const a = gmTranslate(table, availAddr, 6 + (size << 1));
  if (a == 0) return false;
  const u = gmTranslate(table, usedAddr, 6 + (size << 3));
  if (u == 0) return false;
  store<u32>(r, <u32>d, 0);
  store<u32>(r, <u32>a, 4);
  store<u32>(r, <u32>u, 8);
  store<u16>(r, <u16>(size - 1), 14);
  store<u8>(r, <u8>features & (VQ_F_EVENT_IDX | VQ_F_MRG_RXBUF | VQ_F_VERSION_1), 22);
  store<u8>(r, <u8>table, 23);
  // virtio_net_hdr is 12 bytes (with num_buffers) for VERSION_1 or MRG_RXBUF, else 10.
  store<u8>(r, (features & (VQ_F_MRG_RXBUF | VQ_F_VERSION_1)) != 0 ? 12 : 10, 24);
  store<u16>(r, <u16>size, 12); // last: marks the queue ready
  return true;
}

/** Disables queue q (vhost-user GET_VRING_BASE / reset). */
export function vqDisable(q: u32): void {
  if (q < MAX_QUEUES) store<u16>(vqRecord(q), 0, 12);
}

/** Disables every queue that uses memory table `table` (its regions changed). */
export function vqDisableTable(table: u32): void {
  for (let q: u32 = 0; q < MAX_QUEUES; q++) {
    if (load<u8>(vqRecord(q), 23) == <u8>table) vqDisable(q);
  }
}

/** Sets the next available index to read and the used index to write (vhost-user
 *  SET_VRING_BASE gives one value for both on a split ring). */
export function vqSetBase(q: u32, idx: u16): void {
  const r = vqRecord(q);
  store<u16>(r, idx, 16);
  store<u16>(r, idx, 18);
  store<u16>(r, idx, 20);
  store<u8>(r, 0, 25);
}

/** Number of chains the driver has made available and the device has not popped; counts
 *  virtio.bad_avail_idx and returns 0 if the driver's index is more than size ahead. */
export function vqAvailCount(q: u32): u32 {
  const r = vqRecord(q);
  const n = <u32>(<u16>(load<u16>(availHost(r), 2) - load<u16>(r, 16)));
  if (n > <u32>load<u16>(r, 12)) {
    count(Counter.VIRTIO_BAD_AVAIL_IDX);
    return 0;
  }
  return n;
}

/** Pops the next chain head from the available ring. POP_EMPTY when none; POP_BAD (counted
 *  virtio.bad_descriptor, entry consumed) when the ring names a descriptor ≥ size. The caller
 *  knows q is ready and has checked vqAvailCount. */
export function vqPop(q: u32): i32 {
  const r = vqRecord(q);
  const last = load<u16>(r, 16);
  if (load<u16>(availHost(r), 2) == last) return POP_EMPTY;
  const mask = load<u16>(r, 14);
  const head = load<u16>(availHost(r) + 4 + (<usize>(last & mask) << 1));
  store<u16>(r, last + 1, 16);
  if (head > mask) {
    count(Counter.VIRTIO_BAD_DESCRIPTOR);
    return POP_BAD;
  }
  return head;
}

/** Walks the chain starting at descriptor `head` of queue q, calling cb for each buffer with
 *  a non-zero length. Returns WALK_DONE, WALK_STOPPED (cb returned false) or a negative
 *  WALK_* error, already counted. Buffers cb saw before an error stay seen. */
export function vqWalk(q: u32, head: u32, cb: SegmentFn, ctx: usize): i32 {
  const r = vqRecord(q);
  const table = <u32>load<u8>(r, 23);
  let descs = descHost(r);
  let entries = <u32>load<u16>(r, 12);
  let idx = head;
  let seen: u32 = 0;
  let indirect = false;
  while (true) {
    if (idx >= entries) {
      count(Counter.VIRTIO_BAD_DESCRIPTOR);
      return WALK_BAD_DESCRIPTOR;
    }
    // Each descriptor index is < entries, so more than `entries` steps revisit one: a loop.
    if (++seen > entries) {
      count(Counter.VIRTIO_CHAIN_LOOP);
      return WALK_LOOP;
    }
    const d = descs + (<usize>idx << 4);
    const flags = load<u16>(d, 12);
    const len = load<u32>(d, 8);
    if (flags & VIRTQ_DESC_F_INDIRECT) {
      // One table per chain, never both INDIRECT and NEXT, whole 16-byte entries only.
      if (indirect || (flags & VIRTQ_DESC_F_NEXT) != 0 || len == 0 || (len & 15) != 0 || len > MAX_QUEUE_SIZE << 4) {
        count(Counter.VIRTIO_BAD_DESCRIPTOR);
        return WALK_BAD_DESCRIPTOR;
      }
      const t = gmTranslate(table, load<u64>(d, 0), len);
      if (t == 0) return WALK_BAD_ADDRESS;
      descs = t;
      entries = len >> 4;
      idx = 0;
      seen = 0;
      indirect = true;
      continue;
    }
    if (len != 0) {
      const a = gmTranslate(table, load<u64>(d, 0), len);
      if (a == 0) return WALK_BAD_ADDRESS;
      if (!cb(a, len, (flags & VIRTQ_DESC_F_WRITE) != 0, ctx)) return WALK_STOPPED;
    }
    if ((flags & VIRTQ_DESC_F_NEXT) == 0) return WALK_DONE;
    idx = load<u16>(d, 14);
  }
  return WALK_DONE; // not reached
}

/** Writes used element {head, len} at the used shadow index and advances it. The driver sees
 *  it after vqPublish. */
export function vqPush(q: u32, head: u32, len: u32): void {
  const r = vqRecord(q);
  const shadow = load<u16>(r, 18);
  const e = usedHost(r) + 4 + (<usize>(shadow & load<u16>(r, 14)) << 3);
  store<u32>(e, head, 0);
  store<u32>(e, len, 4);
  store<u16>(r, shadow + 1, 18);
}

/** Sets the len of every element pushed since shadow index `from` to 0: a request the device
 *  abandons still goes back to the driver, but carries nothing. */
export function vqAbandonSince(q: u32, from: u16): void {
  const r = vqRecord(q);
  const mask = load<u16>(r, 14);
  const u = usedHost(r) + 4;
  const end = load<u16>(r, 18);
  for (let i = from; i != end; i++) store<u32>(u + (<usize>(i & mask) << 3), 0, 4);
}

/** Makes every pushed element visible (used->idx = shadow) and, with event idx, asks to be
 *  notified when the driver makes the next chain available (avail_event = last_avail). */
export function vqPublish(q: u32): void {
  const r = vqRecord(q);
  const u = usedHost(r);
  store<u16>(u, load<u16>(r, 18), 2);
  if (load<u8>(r, 22) & VQ_F_EVENT_IDX) {
    store<u16>(u + 4 + (<usize>load<u16>(r, 12) << 3), load<u16>(r, 16)); // used->ring[size]
  }
}

/** vring_need_event: with the driver's event index, moving the used index from old to new
 *  crossed it. All arithmetic is mod 2^16. */
@inline export function vringNeedEvent(eventIdx: u16, newIdx: u16, oldIdx: u16): bool {
  return <u16>(newIdx - eventIdx - 1) < <u16>(newIdx - oldIdx);
}

/** Whether the driver wants a used-buffer notification for what was published since the last
 *  call, and records the current used index as signalled. With event idx: vring_need_event
 *  against used_event (avail->ring[size]); without: avail->flags lacks NO_INTERRUPT and
 *  something new was used. The caller kicks the driver (callfd) when true. */
export function vqShouldNotify(q: u32): bool {
  const r = vqRecord(q);
  const a = availHost(r);
  const newIdx = load<u16>(r, 18);
  const oldIdx = load<u16>(r, 20);
  const valid = load<u8>(r, 25) != 0;
  store<u16>(r, newIdx, 20);
  store<u8>(r, 1, 25);
  if (load<u8>(r, 22) & VQ_F_EVENT_IDX) {
    // Before the first signal there is no old index to compare: notify if anything was used.
    if (!valid) return newIdx != oldIdx;
    const usedEvent = load<u16>(a + 4 + (<usize>load<u16>(r, 12) << 1));
    return vringNeedEvent(usedEvent, newIdx, oldIdx);
  }
  return newIdx != oldIdx && (load<u16>(a, 0) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
}

/** Sets or clears VIRTQ_USED_F_NO_NOTIFY (ignored with event idx, where flags stay 0). */
export function vqSetNoNotify(q: u32, on: bool): void {
  const r = vqRecord(q);
  if (load<u8>(r, 22) & VQ_F_EVENT_IDX) return;
  store<u16>(usedHost(r), on ? VIRTQ_USED_F_NO_NOTIFY : 0, 0);
}
