// virtio-net receive, device side: switch → guest.
//
// What: `netRxFrame(q, src, len)` writes a virtio_net_hdr (12 bytes, or 10 for a legacy
//   queue without MRG_RXBUF) followed by the frame into the guest's device-writable buffers.
//   With mergeable rx buffers it uses as many chains as the frame needs and sets num_buffers;
//   without, one chain must hold header and frame or the frame is dropped.
//   `netRxBurst` does that for pool buffers and frees them.
// Design: the scatter is a SegmentFn over the shared walker (virtqueue.ts): the header and the
//   frame form one byte stream poured into writable segments in order, so a header split over
//   several descriptors needs no special case. Each chain's used element carries the bytes
//   written to it; the used index is published once per burst, so a frame that cannot be
//   delivered whole is rolled back by rewinding last_avail and the used shadow — the driver
//   never sees part of a frame. num_buffers (header bytes 10–11) is written last, once the
//   chain count is known; its two bytes' addresses are noted while the header streams out.
// Invariants: the header is all zeros (no offloads: flags 0, gso_type GSO_NONE) except
//   num_buffers = chains used (1 without MRG_RXBUF, as virtio 1.x requires). With MRG_RXBUF
//   every chain but the last is filled to its full writable length (the stream fills segments
//   in order). Outcomes, each counted: delivered (virtio.rx_packets); no chain available
//   (virtio.no_rx_buffer, rolled back); chains too small (virtio.rx_too_small, rolled back, the
//   chains stay for smaller frames); a malformed chain (walker's counter): every chain taken
//   for the frame is returned with used len 0 so a broken chain cannot wedge the queue.
// Threading: see virtqueue.ts.

import { Counter, count } from "../counters/counters";
import { bufData, bufLen, poolFree, poolValid } from "../buffers/pool";
import {
  VQ_F_MRG_RXBUF,
  WALK_DONE,
  WALK_STOPPED,
  vqAbandonSince,
  vqAvailCount,
  vqFlags,
  vqHeaderLength,
  vqLastAvail,
  vqPop,
  vqPublish,
  vqPush,
  vqReady,
  vqSetLastAvail,
  vqSetUsedShadow,
  vqUsedShadow,
  vqWalk,
} from "./virtqueue";

/** Offset of num_buffers in virtio_net_hdr_mrg_rxbuf. */
@inline const NUM_BUFFERS_OFFSET: u32 = 10;

//  RxCtx (static, 32 bytes):
//   0 u32 frame source    4 u32 frame length     8 u32 header length
//  12 u32 stream bytes delivered (header + frame)   16 u32 bytes written to the current chain
//  20 u32 host address of num_buffers byte 0     24 u32 host address of num_buffers byte 1
const rxCtx: usize = memory.data(32, 16);

/** SegmentFn: pours the next part of header+frame into a writable segment. Readable segments
 *  are not the device's to write and are skipped. Stops (false) once the stream is out. */
function rxScatter(addr: usize, len: u32, writable: bool, ctx: usize): bool {
  if (!writable) return true;
  const pos = load<u32>(ctx, 12);
  const hdr = load<u32>(ctx, 8);
  const left = hdr + load<u32>(ctx, 4) - pos;
  const take = len < left ? len : left;
  let h: u32 = 0;
  if (pos < hdr) {
    h = hdr - pos;
    if (h > take) h = take;
    memory.fill(addr, 0, h);
    if (hdr > NUM_BUFFERS_OFFSET) {
      if (pos <= NUM_BUFFERS_OFFSET && NUM_BUFFERS_OFFSET < pos + h) {
        store<u32>(ctx, <u32>addr + NUM_BUFFERS_OFFSET - pos, 20);
      }
      if (pos <= NUM_BUFFERS_OFFSET + 1 && NUM_BUFFERS_OFFSET + 1 < pos + h) {
        store<u32>(ctx, <u32>addr + NUM_BUFFERS_OFFSET + 1 - pos, 24);
      }
    }
  }
  memory.copy(addr + h, <usize>load<u32>(ctx, 0) + (pos + h - hdr), take - h);
  store<u32>(ctx, pos + take, 12);
  store<u32>(ctx, load<u32>(ctx, 16) + take, 16);
  return take < left;
}

/** Rewinds q to before the current frame: the chains it took go back to the driver's side. */
@inline function rollback(q: u32, availStart: u16, usedStart: u16): void {
  vqSetLastAvail(q, availStart);
  vqSetUsedShadow(q, usedStart);
}

/** Delivers one frame [src, src + len) to receive queue q (ready). Returns the number of
 *  chains used (> 0), 0 when the ring ran out of chains (rolled back), -1 when the frame was
 *  dropped. Pushes used elements; the caller publishes. */
export function netRxFrame(q: u32, src: usize, len: u32): i32 {
  const hdr = vqHeaderLength(q);
  const mergeable = (vqFlags(q) & VQ_F_MRG_RXBUF) != 0;
  const total = hdr + len;
  const availStart = vqLastAvail(q);
  const usedStart = vqUsedShadow(q);
  let avail = vqAvailCount(q);
  store<u32>(rxCtx, <u32>src, 0);
  store<u32>(rxCtx, len, 4);
  store<u32>(rxCtx, hdr, 8);
  store<u32>(rxCtx, 0, 12);
  let chains: u32 = 0;
  while (true) {
    if (avail == 0) {
      rollback(q, availStart, usedStart);
      count(Counter.VIRTIO_NO_RX_BUFFER);
      return 0;
    }
    avail--;
    const head = vqPop(q);
    if (head < 0) {
      vqAbandonSince(q, usedStart);
      return -1;
    }
    store<u32>(rxCtx, 0, 16);
    const res = vqWalk(q, <u32>head, rxScatter, rxCtx);
    if (res != WALK_DONE && res != WALK_STOPPED) {
      vqPush(q, <u32>head, 0);
      vqAbandonSince(q, usedStart);
      return -1;
    }
    const pos = load<u32>(rxCtx, 12);
    // Without MRG_RXBUF one chain holds everything; with it the first chain holds the header.
    if (mergeable ? pos < hdr : pos < total) {
      rollback(q, availStart, usedStart);
      count(Counter.VIRTIO_RX_TOO_SMALL);
      return -1;
    }
    vqPush(q, <u32>head, load<u32>(rxCtx, 16));
    chains++;
    if (pos == total) break;
  }
  if (hdr > NUM_BUFFERS_OFFSET) {
    store<u8>(<usize>load<u32>(rxCtx, 20), <u8>chains);
    store<u8>(<usize>load<u32>(rxCtx, 24), <u8>(chains >> 8));
  }
  return <i32>chains;
}

/** Delivers the frames of pool buffers ids[0..n) (u32 each) to receive queue q, in order, and
 *  frees every one of them, delivered or dropped. Returns how many were delivered. Publishes
 *  the used index; the caller then asks vqShouldNotify. */
export function netRxBurst(q: u32, ids: usize, n: u32): u32 {
  const ready = vqReady(q);
  if (!ready) count(Counter.VIRTIO_QUEUE_NOT_READY);
  let delivered: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const id = load<u32>(ids + (<usize>i << 2));
    if (!poolValid(id)) {
      count(Counter.POOL_BAD_ID);
      continue;
    }
    if (!ready) count(Counter.VIRTIO_NO_RX_BUFFER);
    else if (netRxFrame(q, bufData(id), bufLen(id)) > 0) delivered++;
    poolFree(id);
  }
  if (ready) vqPublish(q);
  if (delivered != 0) count(Counter.VIRTIO_RX_PACKETS, delivered);
  return delivered;
}
