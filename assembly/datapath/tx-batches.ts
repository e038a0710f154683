// Per-port transmit batches: where action execution leaves packets for the port backends.
//
// What: for each datapath port p < MAX_PORTS a linear array of up to TX_BATCH_MAX buffer ids.
// Design: linear, not a ring: the runtime drains every batch after each rx batch it processes,
//   so the ids of one port sit contiguously at txBatchIds(p) and can be handed to a sendmmsg
//   iovec builder as they are. A full batch drops the packet (tx.queue_full) and frees it;
//   it never throws.
// Ownership: txEnqueue takes a buffer from the executor and tags it TX; txDrain(p) returns
//   every buffer of p's batch to the pool once the backend has sent (or failed to send) them.

import { Counter, count } from "../counters/counters";
import { OWNER_TX, bufSetOwner, poolAuditMark, poolFree } from "../buffers/pool";
import { CAPTURE_COMPILED, CAP_OUT, captureFlags, captureTxBatch } from "../capture/capture";

@inline export const MAX_PORTS: u32 = 1024;
@inline export const TX_BATCH_MAX: u32 = 256;

let txIds: usize = 0; // u32[MAX_PORTS][TX_BATCH_MAX]
let txCounts: usize = 0; // u32[MAX_PORTS]
/** Bitmap of ports whose batch is non-empty, so draining skips idle ports. */
let txDirty: usize = 0; // u32[MAX_PORTS / 32]

export function txInit(): void {
  if (txIds == 0) {
    txIds = heap.alloc(<usize>MAX_PORTS * TX_BATCH_MAX * 4);
    txCounts = heap.alloc(<usize>MAX_PORTS * 4);
    txDirty = heap.alloc(<usize>MAX_PORTS / 8);
  }
  memory.fill(txCounts, 0, <usize>MAX_PORTS * 4);
  memory.fill(txDirty, 0, <usize>MAX_PORTS / 8);
}

/** Appends buffer id to port's batch. Port must be < MAX_PORTS (the executor checks). */
@inline export function txEnqueue(port: u32, id: u32): void {
  const cp = txCounts + (<usize>port << 2);
  const n = load<u32>(cp);
  if (n >= TX_BATCH_MAX) {
    count(Counter.TX_QUEUE_FULL);
    poolFree(id);
    return;
  }
  bufSetOwner(id, OWNER_TX);
  store<u32>(txIds + ((<usize>port * TX_BATCH_MAX + n) << 2), id);
  store<u32>(cp, n + 1);
  if (n == 0) {
    const w = txDirty + (<usize>(port >> 5) << 2);
    store<u32>(w, load<u32>(w) | (1 << (port & 31)));
  }
  count(Counter.TX_PACKETS);
}

export function txCount(port: u32): u32 {
  return port < MAX_PORTS ? load<u32>(txCounts + (<usize>port << 2)) : 0;
}

/** Address of port's id array (u32 ids, txCount(port) of them). */
export function txBatchIds(port: u32): usize {
  return txIds + ((<usize>port * TX_BATCH_MAX) << 2);
}

/** Next port >= from whose batch is non-empty, or -1. */
export function txNextPort(from: u32): i32 {
  for (let w = from >> 5; w < MAX_PORTS >> 5; w++) {
    let bits = load<u32>(txDirty + (<usize>w << 2));
    if (w == from >> 5) bits &= ~0 << (from & 31);
    if (bits != 0) return <i32>((w << 5) + ctz(bits));
  }
  return -1;
}

/** Frees every buffer in port's batch (copying them to the capture area first when the port
 *  is captured) and empties it. */
export function txDrain(port: u32): void {
  if (port >= MAX_PORTS) return;
  const n = load<u32>(txCounts + (<usize>port << 2));
  const ids = txBatchIds(port);
  // Port capture: one flag load per port batch; frames as transmitted, after every action.
  if (CAPTURE_COMPILED && (captureFlags(port) & CAP_OUT) != 0) captureTxBatch(port, ids, n);
  for (let i: u32 = 0; i < n; i++) poolFree(load<u32>(ids + (<usize>i << 2)));
  store<u32>(txCounts + (<usize>port << 2), 0);
  const w = txDirty + (<usize>(port >> 5) << 2);
  store<u32>(w, load<u32>(w) & ~(1 << (port & 31)));
}

/** Drains every port. */
export function txDrainAll(): void {
  let p = txNextPort(0);
  while (p >= 0) {
    txDrain(<u32>p);
    p = txNextPort(<u32>p + 1);
  }
}

/** Reports every queued buffer to the pool audit. */
export function txAudit(): void {
  for (let p: u32 = 0; p < MAX_PORTS; p++) {
    const n = load<u32>(txCounts + (<usize>p << 2));
    const ids = txBatchIds(p);
    for (let i: u32 = 0; i < n; i++) poolAuditMark(load<u32>(ids + (<usize>i << 2)), OWNER_TX);
  }
}
