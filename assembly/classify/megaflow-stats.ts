// Megaflow stats, idle expiry and dump iteration: the control plane's view of the flow table.
//
// What: readers for a flow's stats (packets, bytes, last used, TCP flags, classifier hits —
//   the packets the EMC did not serve), key and mask; a
//   one-step idle expiry; an id iterator for dumps.
// Design: expiry is one call, megaflowExpireIdle(now, idleMs, outIds, max): it removes up to
//   max flows whose last use is more than idleMs ago (wrapping u32 ms arithmetic, as the
//   datapath clock wraps) and writes their ids. The removed ids' final stats and keys stay
//   readable through the readers below until the next insert, flush or init, so the control
//   plane reads them right after the call (OVS revalidator style: delete, then report).
//   The scan walks ids from 0, so a call that returns max is followed by another call.
// Invariants: readers accept any u32 id and return 0 for ids never handed out; stats of a live
//   flow only grow until it is removed.
// Threading: one WASM instance is one datapath thread; nothing is shared.

import { Counter, count } from "../counters/counters";
import {
  R_BYTES,
  R_CLASSIFIER_HITS,
  R_PACKETS,
  R_STAMP,
  R_SUBTABLE,
  R_TCP_FLAGS,
  R_USED,
  flowAnyRec,
  flowHighWater,
  flowLiveRec,
  flowRec,
} from "./flow-table";
import { megaflowNoteClock, megaflowRemove } from "./megaflow";

export function megaflowPackets(id: u32): u64 {
  const r = flowAnyRec(id);
  return r == 0 ? 0 : load<u64>(r + R_PACKETS);
}

/** Packets the classifier found for the flow (the rest of its packets were EMC hits). */
export function megaflowClassifierHits(id: u32): u64 {
  const r = flowAnyRec(id);
  return r == 0 ? 0 : load<u64>(r + R_CLASSIFIER_HITS);
}

/** Counts one classifier hit on live flow id (batch.ts, classifier path only). */
@inline export function megaflowCountClassifierHit(id: u32): void {
  const r = flowAnyRec(id);
  if (r != 0) store<u64>(r + R_CLASSIFIER_HITS, load<u64>(r + R_CLASSIFIER_HITS) + 1);
}

export function megaflowBytes(id: u32): u64 {
  const r = flowAnyRec(id);
  return r == 0 ? 0 : load<u64>(r + R_BYTES);
}

export function megaflowUsed(id: u32): u32 {
  const r = flowAnyRec(id);
  return r == 0 ? 0 : load<u32>(r + R_USED);
}

export function megaflowTcpFlags(id: u32): u32 {
  const r = flowAnyRec(id);
  return r == 0 ? 0 : <u32>load<u16>(r + R_TCP_FLAGS);
}

export function megaflowIsLive(id: u32): bool {
  return flowLiveRec(id) != 0;
}

/** Address of the flow's masked key (112 bytes); live or removed-not-reused ids, else 0. */
export function megaflowKeyPtr(id: u32): usize {
  return flowAnyRec(id);
}

/** Address of the flow's mask (112 bytes, shared by its subtable); live ids only, else 0. */
export function megaflowMaskPtr(id: u32): usize {
  const r = flowLiveRec(id);
  return r == 0 ? 0 : <usize>load<u32>(r + R_SUBTABLE);
}

/** The smallest live id ≥ from, or -1. Dump: for (id = next(0); id >= 0; id = next(id + 1)). */
export function megaflowNext(from: u32): i32 {
  const hw = flowHighWater();
  for (let id = from; id < hw; id++) {
    if (load<u32>(flowRec(id) + R_STAMP) != 0) return <i32>id;
  }
  return -1;
}

/** Removes up to max live flows idle for more than idleMs at time now and writes their ids
 *  to outIds (u32[max], owned by the caller). Returns how many were removed. */
export function megaflowExpireIdle(now: u32, idleMs: u32, outIds: usize, max: u32): u32 {
  megaflowNoteClock(now);
  const hw = flowHighWater();
  let n: u32 = 0;
  for (let id: u32 = 0; id < hw && n < max; id++) {
    const r = flowRec(id);
    if (load<u32>(r + R_STAMP) == 0) continue;
    if (now - load<u32>(r + R_USED) > idleMs) {
      megaflowRemove(id);
      store<u32>(outIds + (<usize>n << 2), id);
      n++;
    }
  }
  count(Counter.MEGAFLOW_EXPIRED, n);
  return n;
}
