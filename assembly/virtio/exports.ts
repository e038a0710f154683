// virtio exports: guest memory tables, split virtqueues, virtio-net rx/tx bursts.
// See README.md in this folder for the ring layout and the call sequence a port follows.
//
// Ownership: virtioNetTxBurst hands new APP buffers to the caller; virtioNetRxBurst takes
// every buffer it is given (delivered or dropped, each is freed). Nothing else here touches
// packet buffers. Queue ids are < 256, memory table ids < 64.

import { gmClear, gmSetRegion, gmUserToGuest, MEM_TABLES } from "./guest-memory";
import { netRxBurst } from "./net-rx";
import { netTxBurst } from "./net-tx";
import {
  MAX_QUEUES,
  POP_EMPTY,
  SegmentFn,
  vqAvailCount,
  vqDisable,
  vqDisableTable,
  vqLastAvail,
  vqPop,
  vqPublish,
  vqPush,
  vqReady,
  vqSetBase,
  vqSetNoNotify,
  vqSetup,
  vqShouldNotify,
  vqUsedShadow,
  vqWalk,
} from "./virtqueue";

export const virtioAbiVersion: i32 = 2;

// ── guest memory ────────────────────────────────────────────────────────────────────────────

/** Registers region `slot` (< 8) of memory table `table`: guest-physical [guestAddr,
 *  guestAddr + size) is at hostAddr in this memory; userAddr is the front-end's virtual
 *  address of it. Disables the table's queues. false if rejected (see guest-memory.ts). */
export function virtioMemSetRegion(
  table: u32,
  slot: u32,
  guestAddr: u64,
  size: u64,
  userAddr: u64,
  hostAddr: usize,
): bool {
  if (table >= MEM_TABLES) return false;
  vqDisableTable(table);
  return gmSetRegion(table, slot, guestAddr, size, userAddr, hostAddr);
}

/** Forgets every region of `table` and disables its queues. */
export function virtioMemClear(table: u32): void {
  if (table >= MEM_TABLES) return;
  vqDisableTable(table);
  gmClear(table);
}

/** Guest-physical address of a front-end virtual address (vhost-user SET_VRING_ADDR), or
 *  0xffff_ffff_ffff_ffff if no region of `table` holds [userAddr, userAddr + len). */
export function virtioMemUserToGuest(table: u32, userAddr: u64, len: u32): u64 {
  return gmUserToGuest(table, userAddr, len);
}

// ── queues ──────────────────────────────────────────────────────────────────────────────────

/** Sets up queue q (< 256) on memory table `table` with `size` entries (power of two ≤ 32768)
 *  and guest-physical ring addresses. features: 1 EVENT_IDX, 2 MRG_RXBUF, 4 VERSION_1 (the
 *  last two select the 12-byte virtio-net header). Indices start at 0. false if rejected
 *  (counted virtio.bad_queue or virtio.bad_address); the queue is then disabled. */
export function virtioQueueSetup(
  q: u32,
  table: u32,
  size: u32,
  descAddr: u64,
  availAddr: u64,
  usedAddr: u64,
  features: u32,
): bool {
  return vqSetup(q, table, size, descAddr, availAddr, usedAddr, features);
}

/** Sets last_avail_idx and the used index (vhost-user SET_VRING_BASE). */
export function virtioQueueSetBase(q: u32, idx: u32): void {
  if (q < MAX_QUEUES) vqSetBase(q, <u16>idx);
}

/** Next available index the device will read (vhost-user GET_VRING_BASE); 0 if q invalid. */
export function virtioQueueLastAvail(q: u32): u32 {
  return q < MAX_QUEUES ? vqLastAvail(q) : 0;
}

/** Next used index the device will write (published or not). */
export function virtioQueueUsedIdx(q: u32): u32 {
  return q < MAX_QUEUES ? vqUsedShadow(q) : 0;
}

export function virtioQueueDisable(q: u32): void {
  vqDisable(q);
}

export function virtioQueueReady(q: u32): bool {
  return vqReady(q);
}

/** Chains available to the device now (0 if q is not ready or its avail idx is corrupt). */
export function virtioQueueAvailCount(q: u32): u32 {
  return vqReady(q) ? vqAvailCount(q) : 0;
}

/** After a burst: true if the driver wants a used-buffer notification (the port then writes
 *  the call eventfd). Records the used index as signalled. */
export function virtioQueueShouldNotify(q: u32): bool {
  return vqReady(q) && vqShouldNotify(q);
}

/** Asks the driver not to kick (VIRTQ_USED_F_NO_NOTIFY) or to kick again; no-op with
 *  event idx. */
export function virtioQueueSetNoNotify(q: u32, on: bool): void {
  if (vqReady(q)) vqSetNoNotify(q, on);
}

// Generic chain access, for queues that are not virtio-net data queues (a control queue) and
// for tests of the walker itself.

/** Pops the next chain head: ≥ 0 head, -1 none available, -2 bad entry (counted, consumed),
 *  -3 queue not ready. */
export function virtioQueuePop(q: u32): i32 {
  if (!vqReady(q)) return -3;
  return vqAvailCount(q) == 0 ? POP_EMPTY : vqPop(q);
}

//  segment record written by virtioChainSegments (16 bytes):
//   0 u32 host address   4 u32 length   8 u32 1 if device-writable   12 u32 (zero)
const segOut: usize = memory.data(16, 16); // { out, max, n }

function recordSegment(addr: usize, len: u32, writable: bool, ctx: usize): bool {
  const n = load<u32>(ctx, 8);
  if (n >= load<u32>(ctx, 4)) return false;
  const rec = <usize>load<u32>(ctx, 0) + (<usize>n << 4);
  store<u32>(rec, <u32>addr, 0);
  store<u32>(rec, len, 4);
  store<u32>(rec, writable ? 1 : 0, 8);
  store<u32>(rec, 0, 12);
  store<u32>(ctx, n + 1, 8);
  return true;
}

/** Walks the chain at `head` and writes up to `max` segment records (above) at `out`.
 *  Returns the number of segments, or a negative walk error: -1 bad descriptor, -2 bad
 *  address, -3 loop (each counted), -4 more than max segments, -5 queue not ready. */
export function virtioChainSegments(q: u32, head: u32, out: usize, max: u32): i32 {
  if (!vqReady(q)) return -5;
  store<u32>(segOut, <u32>out, 0);
  store<u32>(segOut, max, 4);
  store<u32>(segOut, 0, 8);
  const cb: SegmentFn = recordSegment;
  const res = vqWalk(q, head, cb, segOut);
  if (res < 0) return res;
  if (res == 1) return -4;
  return <i32>load<u32>(segOut, 8);
}

/** Adds used element {head, len}; visible to the driver after virtioQueuePublish. */
export function virtioQueuePush(q: u32, head: u32, len: u32): void {
  if (vqReady(q)) vqPush(q, head, len);
}

/** Writes the used index (and avail_event with event idx). */
export function virtioQueuePublish(q: u32): void {
  if (vqReady(q)) vqPublish(q);
}

// ── virtio-net ──────────────────────────────────────────────────────────────────────────────

/** Takes up to `max` frames from transmit queue q into new pool buffers (ids written as u32 at
 *  idsOut, in.port set to inPort); returns the count. The buffers are the caller's (APP). */
export function virtioNetTxBurst(q: u32, idsOut: usize, max: u32, inPort: u32): u32 {
  return netTxBurst(q, idsOut, max, inPort);
}

/** Delivers pool buffers ids[0..n) (u32 each) to receive queue q and frees all of them;
 *  returns how many were delivered. */
export function virtioNetRxBurst(q: u32, ids: usize, n: u32): u32 {
  return netRxBurst(q, ids, n);
}

// ── tests ───────────────────────────────────────────────────────────────────────────────────

let arena: usize = 0;
let arenaBytes: u32 = 0;

/** A zeroed heap region of at least `bytes` for tests to use as guest memory; allocated once
 *  and reused (grown if asked for more). May grow the memory: re-create views after it. */
export function virtioTestArena(bytes: u32): usize {
  if (arena == 0 || bytes > arenaBytes) {
    if (arena != 0) heap.free(arena);
    arena = heap.alloc(bytes);
    arenaBytes = bytes;
  }
  memory.fill(arena, 0, arenaBytes);
  return arena;
}
