// Megaflow classifier: tuple-space search over subtables, one subtable per distinct mask.
//
// What: the datapath's wildcarded flow table. A megaflow is (mask, key & mask, actions).
//   Lookup returns a megaflow whose masked key equals the packet key under its mask, or -1.
// Design: as OVS's dpcls. Flows with the same mask share a subtable (subtable.ts); a lookup
//   tries subtables in rank order until one has a match. Megaflows do not overlap in a correct
//   datapath (priority-free), so any match is the answer and the first one found wins: the
//   result equals a linear scan over (mask, masked key) whenever exactly one flow matches, and
//   is some matching flow whenever several do. Rank order is by hits: every RANK_INTERVAL
//   lookups (or on megaflowRerank) the order is re-sorted by hits since the last ranking,
//   and hits are halved (decay), so the search order follows the traffic mix. Records, ids and
//   stamps live in flow-table.ts.
// Invariants: no subtable is empty (the last removal destroys it); no two subtables have the
//   same mask; within a subtable masked keys are unique (insert returns MF_EXISTS).
// Threading: one WASM instance is one datapath thread; the control plane reaches these
//   functions only through exports that run on that thread between batches.
//
//  order (u32 subtable addresses, nSub used, best first)
//  ┌──────┬──────┬──────┬─────┐        each subtable: mask + slots → ids → records
//  │ st_a │ st_b │ st_c │ …   │ ─────► (subtable.ts)              (flow-table.ts)
//  └──────┴──────┴──────┴─────┘

import { Counter, count } from "../counters/counters";
import { KEY_SIZE, keyEquals, keyMaskInto } from "../key/flow-key";
import { actionsValidate } from "../actions/action-format";
import {
  NO_FLOW,
  R_ACT_LEN,
  R_ACT_PTR,
  R_HASH,
  R_PACKETS,
  R_STAMP,
  R_SUBTABLE,
  flowAlloc,
  flowAnyRec,
  flowCredit,
  flowLiveCount,
  flowLiveRec,
  flowRec,
  flowRelease,
  flowSetActions,
  flowTableInit,
  flowTableRelease,
} from "./flow-table";
import {
  ST_COUNT,
  ST_HITS,
  ST_SLOTS,
  ST_SLOT_MASK,
  subtableAdd,
  subtableAudit,
  subtableCreate,
  subtableDestroy,
  subtableFind,
  subtableHash,
  subtableMatches,
  subtableRemove,
  slotTags,
  tagOf,
} from "./subtable";

/** megaflowInsert results (ids are ≥ 0). */
@inline export const MF_EXISTS: i32 = -1; // same mask and masked key already installed
@inline export const MF_FULL: i32 = -2; // maxFlows flows are live
@inline export const MF_BAD_ACTIONS: i32 = -3; // actionsValidate rejected the list (or > 65535 bytes)

@inline const RANK_INTERVAL: u32 = 1 << 16;
@inline const LOOKUP_BATCH: u32 = 32;

let order: usize = 0; // u32[orderCap]
let orderCap: u32 = 0;
let nSub: u32 = 0;
let lookupsSinceRank: u32 = 0;
let batchHashes: usize = 0; // u32[LOOKUP_BATCH]
let batchTags: usize = 0; // u8[LOOKUP_BATCH]: each key's home tag in the current subtable
/** Where pass 2b's loads land, so the optimiser cannot drop them. */
let touchSink: u64 = 0;
let clockSeen: u32 = 0; // latest datapath clock seen (credit, expiry): insert's idle start
let insertKey: usize = 0; // one masked key

export function megaflowInit(maxFlows: u32): void {
  megaflowFlush();
  flowTableInit(maxFlows);
  if (order == 0) {
    orderCap = 16;
    order = heap.alloc(<usize>orderCap << 2);
    batchHashes = heap.alloc(LOOKUP_BATCH << 2);
    batchTags = heap.alloc(LOOKUP_BATCH);
    insertKey = heap.alloc(KEY_SIZE);
  }
}

/** Removes every megaflow and subtable. Ids, stamps and record memory are released. */
export function megaflowFlush(): void {
  for (let i: u32 = 0; i < nSub; i++) subtableDestroy(<usize>load<u32>(order + (<usize>i << 2)));
  nSub = 0;
  lookupsSinceRank = 0;
  flowTableRelease();
}

export function megaflowSubtableCount(): u32 {
  return nSub;
}

export function megaflowCount(): u32 {
  return flowLiveCount();
}

/** Bytes of the order array and batch scratch (records and subtables count themselves). */
export function megaflowOwnBytes(): usize {
  return (<usize>orderCap << 2) + (LOOKUP_BATCH * 5) + KEY_SIZE;
}

@inline function subAt(i: u32): usize {
  return <usize>load<u32>(order + (<usize>i << 2));
}

/** Latest datapath clock seen by megaflowCredit / megaflowNoteClock (ms, wrapping). */
export function megaflowClock(): u32 {
  return clockSeen;
}

export function megaflowNoteClock(now: u32): void {
  clockSeen = now;
}

/** Installs (mask, key & mask) with a copy of actions[0..actionsLen). Returns the new id or
 *  MF_EXISTS / MF_FULL / MF_BAD_ACTIONS. The flow's idle clock (used) starts at
 *  megaflowClock(), the latest datapath time seen. */
export function megaflowInsert(key: usize, mask: usize, actions: usize, actionsLen: u32): i32 {
  return megaflowInsertAt(key, mask, actions, actionsLen, clockSeen);
}

/** megaflowInsert with an explicit start (now, datapath ms) for the flow's idle clock. */
export function megaflowInsertAt(key: usize, mask: usize, actions: usize, actionsLen: u32, now: u32): i32 {
  if (actionsLen > 0xffff || actionsValidate(actions, actionsLen) != -1) {
    count(Counter.MEGAFLOW_INSERT_BAD_ACTIONS);
    return MF_BAD_ACTIONS;
  }
  let st: usize = 0;
  for (let i: u32 = 0; i < nSub; i++) {
    const s = subAt(i);
    if (keyEquals(s, mask)) {
      st = s;
      break;
    }
  }
  keyMaskInto(insertKey, key, mask);
  let h: u32 = 0;
  if (st != 0) {
    h = subtableHash(st, insertKey);
    if (subtableFind(st, insertKey, h) >= 0) {
      count(Counter.MEGAFLOW_INSERT_EXISTS);
      return MF_EXISTS;
    }
  }
  const id = flowAlloc(now);
  if (id == NO_FLOW) {
    count(Counter.MEGAFLOW_INSERT_FULL);
    return MF_FULL;
  }
  if (st == 0) {
    st = subtableCreate(mask);
    h = subtableHash(st, insertKey);
    if (nSub == orderCap) {
      const cap = orderCap << 1;
      const o = heap.alloc(<usize>cap << 2);
      memory.copy(o, order, <usize>nSub << 2);
      heap.free(order);
      order = o;
      orderCap = cap;
    }
    store<u32>(order + (<usize>nSub << 2), <u32>st); // new subtables start last
    nSub++;
  }
  const r = flowRec(id);
  memory.copy(r, insertKey, KEY_SIZE);
  store<u32>(r + R_HASH, h);
  store<u32>(r + R_SUBTABLE, <u32>st);
  flowSetActions(r, actions, actionsLen);
  subtableAdd(st, id, h);
  count(Counter.MEGAFLOW_INSERT);
  return <i32>id;
}

/** Removes live flow id; false when id is not live. Stats, key and actions stay readable
 *  (megaflowPackets… on the id) until the next insert, flush or init. */
export function megaflowRemove(id: u32): bool {
  const r = flowLiveRec(id);
  if (r == 0) return false;
  const st = <usize>load<u32>(r + R_SUBTABLE);
  if (subtableRemove(st, id) == 0) {
    let i: u32 = 0;
    while (subAt(i) != st) i++;
    memory.copy(order + (<usize>i << 2), order + (<usize>(i + 1) << 2), <usize>(nSub - i - 1) << 2);
    nSub--;
    subtableDestroy(st);
  }
  flowRelease(id);
  count(Counter.MEGAFLOW_REMOVE);
  return true;
}

/** The megaflow matching key (112 bytes, unmasked), or -1. Hot path. */
export function megaflowLookup(key: usize): i32 {
  if (++lookupsSinceRank >= RANK_INTERVAL) megaflowRerank();
  const n = nSub;
  for (let i: u32 = 0; i < n; i++) {
    const st = subAt(i);
    const id = subtableFind(st, key, subtableHash(st, key));
    if (id >= 0) {
      store<u32>(st + ST_HITS, load<u32>(st + ST_HITS) + 1);
      count(Counter.MEGAFLOW_SUBTABLES_SEARCHED, i + 1);
      return id;
    }
  }
  count(Counter.MEGAFLOW_SUBTABLES_SEARCHED, n);
  return -1;
}

/** Batched lookup over n keys at keys + i*112: for each i with out[i] == -1 on entry, writes
 *  the matching megaflow id (or leaves -1); other out[i] are left alone (so batch.ts can pass
 *  its flows array with EMC hits and skipped slots in place). Returns the number of hits.
 *  Subtable-major, 32 keys at a time (as OVS dpcls): per subtable, hash all pending keys,
 *  then load all home tags in a short loop of independent loads (their cache misses are in
 *  flight together), then probe and compare the keys whose home tag is not empty. A pass that
 *  touched candidate records before the compares measured no better on the test VM and was
 *  dropped. */
export function megaflowLookupBatch(keys: usize, n: u32, out: usize): u32 {
  let hits: u32 = 0;
  for (let base: u32 = 0; base < n; base += LOOKUP_BATCH) {
    const m = n - base < LOOKUP_BATCH ? n - base : LOOKUP_BATCH;
    let pending: u32 = 0;
    for (let i: u32 = 0; i < m; i++) {
      if (load<i32>(out + (<usize>(base + i) << 2)) == -1) pending |= 1 << i;
    }
    const want = popcnt(pending);
    lookupsSinceRank += want;
    let searched: u64 = 0;
    for (let s: u32 = 0; s < nSub && pending != 0; s++) {
      const st = subAt(s);
      searched += popcnt(pending);
      const slots = <usize>load<u32>(st + ST_SLOTS);
      const sm = load<u32>(st + ST_SLOT_MASK);
      // Pass 1: hashes (keys are in cache: pure compute).
      let p = pending;
      while (p != 0) {
        const i = ctz(p);
        p &= p - 1;
        store<u32>(batchHashes + (<usize>i << 2), subtableHash(st, keys + <usize>(base + i) * KEY_SIZE));
      }
      // Pass 2: home tags. A tight loop of independent loads, so their misses overlap.
      const tags = slotTags(slots, sm);
      p = pending;
      while (p != 0) {
        const i = ctz(p);
        p &= p - 1;
        const h = load<u32>(batchHashes + (<usize>i << 2));
        store<u8>(batchTags + i, load<u8>(tags + (h & sm)));
      }
      // Pass 2b: where the home tag matches, read the home slot and touch its flow record (the
      // key's first line and the stats line the executor credits next): again independent
      // loads, so the record misses of the batch overlap instead of queueing behind each other.
      p = pending;
      let touched: u64 = 0;
      while (p != 0) {
        const i = ctz(p);
        p &= p - 1;
        const h = load<u32>(batchHashes + (<usize>i << 2));
        if (load<u8>(batchTags + i) != tagOf(h)) continue;
        const v = load<u64>(slots + (<usize>(h & sm) << 3));
        if (<u32>v != h) continue;
        const r = flowRec(<u32>(v >>> 32));
        touched += load<u64>(r) + load<u64>(r, R_PACKETS);
      }
      touchSink ^= touched;
      // Pass 3: an empty home slot is a miss; else probe and compare.
      p = pending;
      let stHits: u32 = 0;
      while (p != 0) {
        const i = ctz(p);
        p &= p - 1;
        if (load<u8>(batchTags + i) == 0) continue;
        const id = subtableFind(st, keys + <usize>(base + i) * KEY_SIZE, load<u32>(batchHashes + (<usize>i << 2)));
        if (id >= 0) {
          store<i32>(out + (<usize>(base + i) << 2), id);
          pending &= ~(1 << i);
          stHits++;
        }
      }
      store<u32>(st + ST_HITS, load<u32>(st + ST_HITS) + stHits);
      hits += stHits;
    }
    count(Counter.MEGAFLOW_SUBTABLES_SEARCHED, searched);
  }
  if (lookupsSinceRank >= RANK_INTERVAL) megaflowRerank();
  return hits;
}

/** Re-sorts the search order by hits since the last ranking (most first), then halves every
 *  subtable's hits. Insertion sort: the order is nearly sorted between rankings. */
export function megaflowRerank(): void {
  lookupsSinceRank = 0;
  for (let i: u32 = 1; i < nSub; i++) {
    const st = subAt(i);
    const hits = load<u32>(st + ST_HITS);
    let j = i;
    while (j > 0 && load<u32>(subAt(j - 1) + ST_HITS) < hits) {
      store<u32>(order + (<usize>j << 2), <u32>subAt(j - 1));
      j--;
    }
    store<u32>(order + (<usize>j << 2), <u32>st);
  }
  for (let i: u32 = 0; i < nSub; i++) {
    const st = subAt(i);
    store<u32>(st + ST_HITS, load<u32>(st + ST_HITS) >>> 1);
  }
  count(Counter.MEGAFLOW_RERANK);
}

/** Checks the classifier's invariants (tests): 0, or 10 * subtable rank + subtableAudit code
 *  for a bad subtable, or -1 an empty subtable, -2 two subtables with one mask, -3 the flow
 *  counts of the subtables do not add up to the live flows. */
export function megaflowAudit(): i32 {
  let total: u32 = 0;
  for (let i: u32 = 0; i < nSub; i++) {
    const st = subAt(i);
    const n = load<u32>(st + ST_COUNT);
    if (n == 0) return -1;
    for (let j: u32 = 0; j < i; j++) if (keyEquals(subAt(j), st)) return -2;
    const bad = subtableAudit(st);
    if (bad != 0) return <i32>(i * 10) + bad;
    total += n;
  }
  return total == flowLiveCount() ? 0 : -3;
}

/** Subtable address at rank i (0 = searched first), or 0. */
export function megaflowSubtableAt(i: u32): usize {
  return i < nSub ? subAt(i) : 0;
}

/** True when key matches live flow id under its own mask (tests, revalidation). */
export function megaflowMatches(id: u32, key: usize): bool {
  const r = flowLiveRec(id);
  if (r == 0) return false;
  return subtableMatches(<usize>load<u32>(r + R_SUBTABLE), key, r);
}

/** Action list address of flow id (live, or removed and not yet reused), else 0. */
export function megaflowActions(id: u32): usize {
  const r = flowAnyRec(id);
  return r == 0 ? 0 : <usize>load<u32>(r + R_ACT_PTR);
}

export function megaflowActionsLen(id: u32): u32 {
  const r = flowAnyRec(id);
  return r == 0 ? 0 : <u32>load<u16>(r + R_ACT_LEN);
}

/** Credits a live flow (batch.ts, once per executed packet or per packet group). */
export function megaflowCredit(id: u32, packets: u32, bytes: u32, tcpFlags: u16, now: u32): void {
  const r = flowLiveRec(id);
  clockSeen = now;
  if (r != 0) flowCredit(r, packets, bytes, tcpFlags, now);
}

/** For the batch pipeline: credits live flow id with one packet and returns its record, whose
 *  action list the caller runs (megaflowRecActions/megaflowRecActionsLen); 0 if not live. One
 *  record access instead of three (credit, actions, length). Hot path. */
@inline export function megaflowHit(id: u32, bytes: u32, tcpFlags: u16, now: u32): usize {
  const r = flowAnyRec(id);
  if (r == 0 || load<u32>(r + R_STAMP) == 0) return 0;
  flowCredit(r, 1, bytes, tcpFlags, now);
  return r;
}

@inline export function megaflowRecActions(r: usize): usize {
  return <usize>load<u32>(r + R_ACT_PTR);
}

@inline export function megaflowRecActionsLen(r: usize): u32 {
  return <u32>load<u16>(r + R_ACT_LEN);
}

/** Tells the classifier the datapath clock (batch.ts, once per batch): inserts start their idle
 *  time here. */
@inline export function megaflowSetClock(now: u32): void {
  clockSeen = now;
}
