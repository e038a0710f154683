// Packet buffer pool: a fixed set of buffers in linear memory, with exact ownership.
//
// What: `poolInit(n, dataRoom)` carves n buffers of HEADROOM + dataRoom bytes (2048 by
//   default, 9216+ for jumbo frames) and one 16-byte metadata record per buffer.
// Design: buffers are named by index (u32), never by pointer, so ownership is easy to audit.
//   A free stack hands them out in O(1). Every buffer carries an OWNER tag naming the one place
//   that holds it:
//     FREE   on the free stack
//     APP    held by the caller of an export (filled by a port backend, in an rx batch, a
//            miss waiting for its upcall to be handled)
//     TX     in exactly one per-port transmit batch
//     UPCALL in the upcall queue (a userspace/sample action's copy)
//   `poolAudit()` (exported for tests) walks the free stack, the tx batches and the upcall
//   queue and checks each buffer is in exactly the place its tag names.
// Invariants: packet bytes live at [base + off, base + off + len) inside the buffer;
//   HEADROOM bytes in front of a fresh packet leave room for VLAN pushes. Freeing a FREE
//   buffer or an out-of-range index counts (pool.double_free / pool.bad_id) and does nothing.
//
//  buffer i:   base(i) = poolMem + i * stride,  stride = HEADROOM + dataRoom
//  ┌──────────────┬───────────────────────────────────────────┐
//  │ HEADROOM 128 │ data room (packet starts at off=HEADROOM)  │
//  └──────────────┴───────────────────────────────────────────┘
//
//  metadata record i (16 bytes at metaMem + i*16):
//   0 u32 off     packet start, from buffer base     8 u16 inPort
//   4 u32 len     packet length in bytes            10 u16 l3 offset from packet start (0=none)
//  12 u16 l4 offset from packet start (0=none)      14 u8 owner   15 u8 (zero)

import { Counter, count } from "../counters/counters";

@inline export const HEADROOM: u32 = 128;
@inline export const DEFAULT_DATA_ROOM: u32 = 2048;
@inline const META_SIZE: u32 = 16;

@inline export const OWNER_FREE: u8 = 0;
@inline export const OWNER_APP: u8 = 1;
@inline export const OWNER_TX: u8 = 2;
@inline export const OWNER_UPCALL: u8 = 3;

let poolMem: usize = 0;
let metaMem: usize = 0;
let freeStack: usize = 0; // u32[nBufs]
let freeTop: u32 = 0;
let nBufs: u32 = 0;
let stride: u32 = 0;
let dataRoom: u32 = 0;

/** (Re)creates the pool; all previous buffers are forgotten. Returns false if out of memory. */
export function poolInit(n: u32, room: u32): bool {
  if (poolMem != 0) {
    heap.free(poolMem);
    heap.free(metaMem);
    heap.free(freeStack);
  }
  nBufs = n;
  dataRoom = room;
  stride = (HEADROOM + room + 63) & ~63;
  poolMem = heap.alloc(<usize>n * stride);
  metaMem = heap.alloc(<usize>n * META_SIZE);
  freeStack = heap.alloc(<usize>n << 2);
  memory.fill(metaMem, 0, <usize>n * META_SIZE);
  // Lowest indices on top, so a fresh pool hands out 0, 1, 2, ...
  for (let i: u32 = 0; i < n; i++) store<u32>(freeStack + (<usize>i << 2), n - 1 - i);
  freeTop = n;
  return true;
}

@inline function meta(id: u32): usize {
  return metaMem + <usize>id * META_SIZE;
}

@inline export function poolSize(): u32 {
  return nBufs;
}
@inline export function poolFreeCount(): u32 {
  return freeTop;
}
@inline export function poolDataRoom(): u32 {
  return dataRoom;
}
@inline export function poolValid(id: u32): bool {
  return id < nBufs;
}

/** Takes a buffer off the free stack, owned by APP, empty, packet at HEADROOM. -1 if none. */
export function poolAlloc(): i32 {
  if (freeTop == 0) {
    count(Counter.POOL_EXHAUSTED);
    return -1;
  }
  freeTop--;
  const id = load<u32>(freeStack + (<usize>freeTop << 2));
  const m = meta(id);
  store<u32>(m, HEADROOM, 0);
  store<u32>(m, 0, 4);
  store<u64>(m, 0, 8);
  store<u8>(m, OWNER_APP, 14);
  return <i32>id;
}

/** Returns a buffer to the free stack, whoever held it. */
export function poolFree(id: u32): void {
  if (id >= nBufs) {
    count(Counter.POOL_BAD_ID);
    return;
  }
  const m = meta(id);
  if (load<u8>(m, 14) == OWNER_FREE) {
    count(Counter.POOL_DOUBLE_FREE);
    return;
  }
  store<u8>(m, OWNER_FREE, 14);
  store<u32>(freeStack + (<usize>freeTop << 2), id);
  freeTop++;
}

/** Copies packet id (bytes and metadata) into a new APP buffer; -1 when the pool is empty. */
export function poolClone(id: u32): i32 {
  const c = poolAlloc();
  if (c < 0) return -1;
  const src = meta(id);
  const dst = meta(<u32>c);
  const off = load<u32>(src, 0);
  const len = load<u32>(src, 4);
  memory.copy(bufBase(<u32>c) + off, bufBase(id) + off, len);
  store<u32>(dst, off, 0);
  store<u32>(dst, len, 4);
  store<u64>(dst, load<u64>(src, 8) & 0x00ff_ffff_ffff_ffff, 8); // inPort, l3, l4; owner kept
  return c;
}

@inline export function bufBase(id: u32): usize {
  return poolMem + <usize>id * stride;
}
/** Pointer to the first byte of the packet. */
@inline export function bufData(id: u32): usize {
  return bufBase(id) + load<u32>(meta(id), 0);
}
@inline export function bufOff(id: u32): u32 {
  return load<u32>(meta(id), 0);
}
@inline export function bufSetOff(id: u32, off: u32): void {
  store<u32>(meta(id), off, 0);
}
@inline export function bufLen(id: u32): u32 {
  return load<u32>(meta(id), 4);
}
@inline export function bufSetLen(id: u32, len: u32): void {
  store<u32>(meta(id), len, 4);
}
/** Bytes available from the packet start to the end of the buffer. */
@inline export function bufRoom(id: u32): u32 {
  return stride - load<u32>(meta(id), 0);
}
@inline export function bufInPort(id: u32): u32 {
  return load<u16>(meta(id), 8);
}
@inline export function bufSetInPort(id: u32, port: u32): void {
  store<u16>(meta(id), <u16>port, 8);
}
@inline export function bufL3(id: u32): u32 {
  return load<u16>(meta(id), 10);
}
@inline export function bufL4(id: u32): u32 {
  return load<u16>(meta(id), 12);
}
@inline export function bufSetLayers(id: u32, l3: u32, l4: u32): void {
  store<u16>(meta(id), <u16>l3, 10);
  store<u16>(meta(id), <u16>l4, 12);
}
@inline export function bufOwner(id: u32): u8 {
  return load<u8>(meta(id), 14);
}
@inline export function bufSetOwner(id: u32, owner: u8): void {
  store<u8>(meta(id), owner, 14);
}

/** Scratch used by poolAudit: one byte per buffer counting the places that hold it. */
let auditMem: usize = 0;
let auditSize: u32 = 0;

/** Starts an audit and marks the free stack. The datapath then marks its tx batches and upcall
 *  queue, the caller its APP buffers, and poolAuditFinish checks the result. */
export function poolAuditBegin(): void {
  if (auditSize < nBufs) {
    if (auditMem != 0) heap.free(auditMem);
    auditMem = heap.alloc(nBufs);
    auditSize = nBufs;
  }
  memory.fill(auditMem, 0, nBufs);
  for (let i: u32 = 0; i < freeTop; i++) {
    poolAuditMark(load<u32>(freeStack + (<usize>i << 2)), OWNER_FREE);
  }
}

let auditErrors: u32 = 0;

/** Records that `place` (an OWNER_* value) holds buffer id. */
export function poolAuditMark(id: u32, place: u8): void {
  if (id >= nBufs || bufOwner(id) != place) {
    auditErrors++;
    return;
  }
  const p = auditMem + id;
  store<u8>(p, load<u8>(p) + 1);
}

/** Returns the number of violations: a buffer reported by a place its tag does not name, or
 *  held by no place or by two. APP buffers are reported by the caller (only it knows which it
 *  holds) through poolAuditMark(id, OWNER_APP). Resets the count. */
export function poolAuditFinish(): u32 {
  let errors = auditErrors;
  auditErrors = 0;
  for (let i: u32 = 0; i < nBufs; i++) {
    const n = load<u8>(auditMem + i);
    if (n != 1) errors++;
  }
  return errors;
}
