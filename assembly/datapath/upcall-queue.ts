// Upcall queue: packets that actions send to userspace (A_USERSPACE, A_SAMPLE, an expired
// TTL), each with the flow key it was parsed to at ingress.
//
// What: a linear array of UPCALL_QUEUE_MAX records, drained by the control plane after each
//   batch (misses do not come here: they stay at the front of the rx batch, as in OVS).
// Design: a record is 128 bytes so the key inside is 16-byte aligned:
//    0 u32 buffer id   4 u32 reason (UPCALL_*)   8 u32 userdata   12 u32 (zero)
//   16 flow key (112 bytes, as parsed at ingress: IN_PORT, PRESENT, ...)
//   The buffer holds the packet's bytes at the point the action ran (after any earlier
//   modifications in the same action list, as OVS sends them to the controller).
// Ownership: upcallPush takes a buffer (tag UPCALL); upcallClear frees all queued buffers.
//   A full queue drops (upcall.queue_full) and frees; it never throws.

import { Counter, count } from "../counters/counters";
import { OWNER_UPCALL, bufSetOwner, poolAuditMark, poolFree } from "../buffers/pool";
import { keyCopy } from "../key/flow-key";

@inline export const UPCALL_QUEUE_MAX: u32 = 256;
@inline export const UPCALL_RECORD_SIZE: u32 = 128;

@inline export const UPCALL_ACTION: u32 = 1;
@inline export const UPCALL_SAMPLE: u32 = 2;
@inline export const UPCALL_TTL: u32 = 3;

let records: usize = 0;
let n: u32 = 0;

export function upcallInit(): void {
  if (records == 0) records = heap.alloc(<usize>UPCALL_QUEUE_MAX * UPCALL_RECORD_SIZE + 16);
  records = (records + 15) & ~15;
  n = 0;
}

export function upcallPush(id: u32, reason: u32, userdata: u32, key: usize): void {
  if (n >= UPCALL_QUEUE_MAX) {
    count(Counter.UPCALL_QUEUE_FULL);
    poolFree(id);
    return;
  }
  const r = records + <usize>n * UPCALL_RECORD_SIZE;
  bufSetOwner(id, OWNER_UPCALL);
  store<u32>(r, id, 0);
  store<u32>(r, reason, 4);
  store<u32>(r, userdata, 8);
  store<u32>(r, 0, 12);
  keyCopy(r + 16, key);
  n++;
  count(Counter.UPCALL_ACTION);
}

export function upcallCount(): u32 {
  return n;
}

/** Address of record i (see layout above). */
export function upcallRecord(i: u32): usize {
  return records + <usize>i * UPCALL_RECORD_SIZE;
}

/** Frees every queued buffer and empties the queue. */
export function upcallClear(): void {
  for (let i: u32 = 0; i < n; i++) poolFree(load<u32>(records + <usize>i * UPCALL_RECORD_SIZE));
  n = 0;
}

export function upcallAudit(): void {
  for (let i: u32 = 0; i < n; i++) {
    poolAuditMark(load<u32>(records + <usize>i * UPCALL_RECORD_SIZE), OWNER_UPCALL);
  }
}
