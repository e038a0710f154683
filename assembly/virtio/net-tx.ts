// virtio-net transmit, device side: guest → switch.
//
// What: `netTxBurst(q, idsOut, max, inPort)` takes up to `max` chains off a guest's transmit
//   queue, gathers each chain's device-readable bytes, skips the virtio_net_hdr and copies the
//   frame into a fresh pool buffer; the used ring gets {head, 0} for every chain (the device
//   writes nothing into a transmit buffer).
// Design: the gather is a SegmentFn over the shared walker (virtqueue.ts); its state lives in
//   the static TxCtx record, so the hot loop allocates nothing. The header is skipped, not
//   parsed: no offloads are negotiated, so every header is a plain GSO_NONE header. A buffer is
//   taken from the pool before a chain is popped, so pool exhaustion leaves the chain in the
//   ring for the next burst instead of losing it.
// Invariants: every popped chain is pushed to the used ring exactly once, whatever happens to
//   its frame. Drops are counted: virtio.tx_empty (no bytes after the header),
//   virtio.tx_too_big (frame longer than a buffer's room), walker errors. Ownership: the
//   returned buffer ids are APP buffers held by the caller.
// Threading: see virtqueue.ts.

import { Counter, count } from "../counters/counters";
import { HEADROOM, bufData, bufRoom, bufSetInPort, bufSetLen, bufSetOff, poolAlloc, poolFree } from "../buffers/pool";
import { WALK_DONE, WALK_STOPPED, vqAvailCount, vqHeaderLength, vqPop, vqPublish, vqPush, vqReady, vqWalk } from "./virtqueue";

//  TxCtx (static, 16 bytes):
//   0 u32 destination (packet start in the pool buffer)   4 u32 room
//   8 u32 header bytes still to skip                      12 u32 frame bytes written
const txCtx: usize = memory.data(16, 16);

/** SegmentFn: appends a readable segment to the frame, skipping the header first. Writable
 *  segments are not part of a transmit frame and are ignored. Stops (false) on overflow,
 *  recording it as written > room. */
function txGather(addr: usize, len: u32, writable: bool, ctx: usize): bool {
  if (writable) return true;
  let skip = load<u32>(ctx, 8);
  if (skip >= len) {
    store<u32>(ctx, skip - len, 8);
    return true;
  }
  addr += skip;
  len -= skip;
  store<u32>(ctx, 0, 8);
  const written = load<u32>(ctx, 12);
  const room = load<u32>(ctx, 4);
  if (len > room - written) {
    store<u32>(ctx, room + 1, 12);
    return false;
  }
  memory.copy(<usize>load<u32>(ctx, 0) + written, addr, len);
  store<u32>(ctx, written + len, 12);
  return true;
}

/** Moves up to `max` frames from transmit queue q into new pool buffers whose ids are written
 *  to idsOut (u32 each), with inPort set. Returns how many; publishes the used index. The
 *  caller then asks vqShouldNotify. */
export function netTxBurst(q: u32, idsOut: usize, max: u32, inPort: u32): u32 {
  if (!vqReady(q)) {
    count(Counter.VIRTIO_QUEUE_NOT_READY);
    return 0;
  }
  let avail = vqAvailCount(q);
  if (avail == 0) return 0;
  const hdrLen = vqHeaderLength(q);
  let n: u32 = 0;
  let popped = false;
  while (n < max && avail > 0) {
    const id = poolAlloc();
    if (id < 0) break; // counted pool.exhausted; the chain waits for the next burst
    avail--;
    const head = vqPop(q);
    if (head < 0) {
      poolFree(<u32>id);
      continue;
    }
    popped = true;
    const bid = <u32>id;
    bufSetOff(bid, HEADROOM);
    const room = bufRoom(bid);
    store<u32>(txCtx, <u32>bufData(bid), 0);
    store<u32>(txCtx, room, 4);
    store<u32>(txCtx, hdrLen, 8);
    store<u32>(txCtx, 0, 12);
    const res = vqWalk(q, <u32>head, txGather, txCtx);
    vqPush(q, <u32>head, 0);
    const written = load<u32>(txCtx, 12);
    if (res != WALK_DONE || written == 0) {
      // Walker errors are counted by the walker; STOPPED means the frame overflowed the room.
      if (res == WALK_STOPPED) count(Counter.VIRTIO_TX_TOO_BIG);
      else if (res == WALK_DONE) count(Counter.VIRTIO_TX_EMPTY);
      poolFree(bid);
      continue;
    }
    bufSetLen(bid, written);
    bufSetInPort(bid, inPort);
    store<u32>(idsOut + (<usize>n << 2), bid);
    n++;
  }
  if (popped) vqPublish(q);
  if (n != 0) count(Counter.VIRTIO_TX_PACKETS, n);
  return n;
}
