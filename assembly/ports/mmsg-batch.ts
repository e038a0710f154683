// recvmmsg/sendmmsg message vectors in this memory, pointing at pool buffers.
//
// What: an mmsg batch is the arrays one recvmmsg/sendmmsg call needs — mmsghdr, iovec and (for
//   PACKET_AUXDATA) control buffers — laid out in linear memory with native addresses, so the
//   kernel reads and writes frames straight into pool buffers. `mmsgRxPrepare` allocates
//   buffers and aims one iovec at each; `mmsgRxFinish` sets lengths from msg_len, restores
//   VLAN tags and finishes partial checksums (auxdata), frees the unused buffers and lists
//   the received ids; `mmsgTxPrepare` aims iovecs at the frames of a tx batch.
// Design: the control plane passes the memory's native base address once (mmsgCreate); every
//   pointer inside the headers is base + an offset here, written once at create time. A
//   receive is then prepare (1 WASM call) → recvmmsg (1 syscall) → finish (1 WASM call),
//   with no per-packet JS. The same prepare/finish pair serves a TAP fd, whose owner issues
//   one read() per message and stores each length in msg_len itself.
//
//   batch record (64 bytes): 0 u32 maxN  4 u32 hdrs  8 u32 iovs  12 u32 ids  16 u32 ctrl (0=none)
//     20 u32 prepared  24 u64 native base  32 u64 rx packets  40 u64 rx bytes  48 u64 drops
//   mmsghdr (64): 0 u64 name  8 u32 namelen  16 u64 iov  24 u64 iovlen  32 u64 control
//     40 u64 controllen  48 i32 flags  56 u32 msg_len
//   iovec (16): 0 u64 base  8 u64 len          control (48): cmsghdr 16 + tpacket_auxdata 20
//   tpacket_auxdata: 0 u32 status  4 u32 len  8 u32 snaplen  12 u16 mac  14 u16 net
//     16 u16 vlan_tci  18 u16 vlan_tpid
// Ownership: between RxPrepare and RxFinish the prepared buffers are APP buffers held by the
//   batch; RxFinish hands the received ones to the caller (their ids in `out`) and frees the
//   rest. TxPrepare only reads the caller's ids; it takes no ownership.
// Threading: a batch belongs to the datapath thread whose instance holds it.

import { Counter, count } from "../counters/counters";
import { bufData, bufLen, bufRoom, bufSetLen, poolAlloc, poolFree, poolValid } from "../buffers/pool";
import { TP_STATUS_CSUMNOTREADY, TP_STATUS_VLAN_TPID_VALID, TP_STATUS_VLAN_VALID } from "./tpacket-ring";
import { csumComplete } from "./csum-complete";
import { vlanInsertInPlace } from "./vlan-restore";

@inline const REC_SIZE: u32 = 64;
@inline const HDR_SIZE: u32 = 64;
@inline const IOV_SIZE: u32 = 16;
@inline const CTRL_SIZE: u32 = 48;
@inline const MSG_TRUNC: i32 = 0x20;
@inline const SOL_PACKET: i32 = 263;
@inline const PACKET_AUXDATA: i32 = 8;
@inline export const MMSG_MAX: u32 = 1024;

@inline function hdrAt(mm: usize, i: u32): usize {
  return <usize>load<u32>(mm, 4) + <usize>i * HDR_SIZE;
}

/** A batch of up to maxN messages; withAux adds a PACKET_AUXDATA control buffer to each.
 *  base is the native address of this memory's offset 0. Returns the batch, 0 if maxN is bad. */
export function mmsgCreate(maxN: u32, withAux: bool, base: u64): usize {
  if (maxN == 0 || maxN > MMSG_MAX) return 0;
  const mm = heap.alloc(REC_SIZE);
  memory.fill(mm, 0, REC_SIZE);
  const hdrs = heap.alloc(<usize>maxN * HDR_SIZE);
  const iovs = heap.alloc(<usize>maxN * IOV_SIZE);
  const ids = heap.alloc(<usize>maxN << 2);
  const ctrl: usize = withAux ? heap.alloc(<usize>maxN * CTRL_SIZE) : 0;
  memory.fill(hdrs, 0, <usize>maxN * HDR_SIZE);
  memory.fill(iovs, 0, <usize>maxN * IOV_SIZE);
  store<u32>(mm, maxN, 0);
  store<u32>(mm, <u32>hdrs, 4);
  store<u32>(mm, <u32>iovs, 8);
  store<u32>(mm, <u32>ids, 12);
  store<u32>(mm, <u32>ctrl, 16);
  store<u64>(mm, base, 24);
  for (let i: u32 = 0; i < maxN; i++) {
    const h = hdrs + <usize>i * HDR_SIZE;
    store<u64>(h, base + <u64>(iovs + <usize>i * IOV_SIZE), 16);
    store<u64>(h, 1, 24);
    if (ctrl != 0) store<u64>(h, base + <u64>(ctrl + <usize>i * CTRL_SIZE), 32);
  }
  return mm;
}

/** Frees a batch (and any buffers still prepared in it). */
export function mmsgDestroy(mm: usize): void {
  if (mm == 0) return;
  mmsgRxFinish(mm, 0, 0);
  heap.free(<usize>load<u32>(mm, 4));
  heap.free(<usize>load<u32>(mm, 8));
  heap.free(<usize>load<u32>(mm, 12));
  if (load<u32>(mm, 16) != 0) heap.free(<usize>load<u32>(mm, 16));
  heap.free(mm);
}

/** Offset of the mmsghdr array (pass base + this to recvmmsg/sendmmsg). */
export function mmsgHeaders(mm: usize): usize {
  return <usize>load<u32>(mm, 4);
}
/** Offset of the batch's own u32 id array (maxN slots): the ids RxPrepare allocated, or a
 *  place for the caller to stage tx ids that are not already in this memory. */
export function mmsgIds(mm: usize): usize {
  return <usize>load<u32>(mm, 12);
}
/** Offset of the iovec array. */
export function mmsgIovecs(mm: usize): usize {
  return <usize>load<u32>(mm, 8);
}

export function mmsgStat(mm: usize, which: u32): u64 {
  return which < 3 ? load<u64>(mm + 32 + (<usize>which << 3)) : 0;
}

/** Allocates up to n (≤ maxN) buffers and aims message i's iovec at buffer i's data room.
 *  Returns how many were prepared (fewer when the pool runs short). */
export function mmsgRxPrepare(mm: usize, n: u32): u32 {
  const maxN = load<u32>(mm, 0);
  if (n > maxN) n = maxN;
  const base = load<u64>(mm, 24);
  const ids = <usize>load<u32>(mm, 12);
  const iovs = <usize>load<u32>(mm, 8);
  const withCtrl = load<u32>(mm, 16) != 0;
  let k: u32 = 0;
  for (; k < n; k++) {
    const id = poolAlloc();
    if (id < 0) break;
    store<u32>(ids + (<usize>k << 2), <u32>id);
    const iov = iovs + <usize>k * IOV_SIZE;
    store<u64>(iov, base + <u64>bufData(<u32>id), 0);
    store<u64>(iov, bufRoom(<u32>id), 8);
    const h = hdrAt(mm, k);
    store<u64>(h, withCtrl ? CTRL_SIZE : 0, 40);
    store<i32>(h, 0, 48);
    store<u32>(h, 0, 56);
  }
  store<u32>(mm, k, 20);
  return k;
}

/** Applies what a PACKET_AUXDATA cmsg reports for message h: restores a stripped VLAN tag
 *  and completes a checksum left partial. */
@inline function rxApplyAux(mm: usize, h: usize, i: u32, id: u32): void {
  const ctrlLen = load<u64>(h, 40);
  if (ctrlLen < 36) return;
  const c = <usize>load<u32>(mm, 16) + <usize>i * CTRL_SIZE;
  if (load<i32>(c, 8) != SOL_PACKET || load<i32>(c, 12) != PACKET_AUXDATA) return;
  const status = load<u32>(c, 16);
  if ((status & TP_STATUS_VLAN_VALID) != 0) {
    const tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ? <u32>load<u16>(c, 34) : 0;
    vlanInsertInPlace(id, tpid, <u32>load<u16>(c, 32));
  }
  if ((status & TP_STATUS_CSUMNOTREADY) != 0) csumComplete(bufData(id), bufLen(id));
}

/** Finishes a receive of `got` messages: sets lengths (msg_len), restores VLAN tags and
 *  completes partial checksums (PACKET_AUXDATA), writes
 *  the delivered ids to out[0..n) and frees every other prepared buffer. Returns n. */
export function mmsgRxFinish(mm: usize, got: u32, out: usize): u32 {
  const prepared = load<u32>(mm, 20);
  if (got > prepared) got = prepared;
  const ids = <usize>load<u32>(mm, 12);
  const withCtrl = load<u32>(mm, 16) != 0;
  let n: u32 = 0;
  let bytes: u64 = 0;
  for (let i: u32 = 0; i < got; i++) {
    const id = load<u32>(ids + (<usize>i << 2));
    const h = hdrAt(mm, i);
    const len = load<u32>(h, 56);
    if ((load<i32>(h, 48) & MSG_TRUNC) != 0 || len > bufRoom(id) || len == 0) {
      count(Counter.PORTS_MMSG_TRUNCATED);
      store<u64>(mm, load<u64>(mm, 48) + 1, 48);
      poolFree(id);
      continue;
    }
    bufSetLen(id, len);
    if (withCtrl) rxApplyAux(mm, h, i, id);
    bytes += bufLen(id);
    store<u32>(out + (<usize>n << 2), id);
    n++;
  }
  for (let i = got; i < prepared; i++) poolFree(load<u32>(ids + (<usize>i << 2)));
  store<u32>(mm, 0, 20);
  store<u64>(mm, load<u64>(mm, 32) + n, 32);
  store<u64>(mm, load<u64>(mm, 40) + bytes, 40);
  count(Counter.PORTS_MMSG_RX, n);
  return n;
}

/** Aims the iovecs of messages [0, n) at the frames of ids[0..n) (n ≤ maxN, else clamped).
 *  Invalid ids get an empty iovec (the send fails for them alone). Returns n. */
export function mmsgTxPrepare(mm: usize, ids: usize, n: u32): u32 {
  const maxN = load<u32>(mm, 0);
  if (n > maxN) n = maxN;
  const base = load<u64>(mm, 24);
  const iovs = <usize>load<u32>(mm, 8);
  for (let i: u32 = 0; i < n; i++) {
    const id = load<u32>(ids + (<usize>i << 2));
    const iov = iovs + <usize>i * IOV_SIZE;
    const ok = poolValid(id);
    store<u64>(iov, ok ? base + <u64>bufData(id) : 0, 0);
    store<u64>(iov, ok ? bufLen(id) : 0, 8);
    const h = hdrAt(mm, i);
    store<u64>(h, 0, 40);
    store<i32>(h, 0, 48);
    store<u32>(h, 0, 56);
  }
  return n;
}

/** Sum of msg_len over messages [from, to): the bytes a sendmmsg sent. */
export function mmsgSentBytes(mm: usize, from: u32, to: u32): u64 {
  let bytes: u64 = 0;
  for (let i = from; i < to; i++) bytes += load<u32>(hdrAt(mm, i), 56);
  return bytes;
}
