// Exact-match cache (EMC): full flow key → megaflow id, in front of the megaflow classifier.
//
// What: a per-datapath table of `entries` (power of two) slots, indexed by the full-key hash
//   (keyHash, computed once per packet by batch.ts). A hit costs one or two cache-line pairs
//   and a 112-byte SIMD compare instead of a tuple-space search.
// Design: 2-way set-associative like OVS's EMC: a key may sit at index h & mask or at
//   rotr(h, 16) & mask. Insert overwrites the way that already holds the key, else an empty or
//   stale way, else one way picked by a hash bit. Each entry remembers the megaflow's stamp
//   (flow-table.ts) at insert time; a hit requires the flow's current stamp to be that stamp,
//   so removing, flushing or reusing a megaflow id makes every EMC entry for it miss without
//   walking the cache. The stamp lives in the record's third cache line, which the executed
//   packet touches anyway (stats, actions).
// Invariants: an entry hits only if hash, all 112 key bytes and the live stamp all match; an
//   empty entry has stamp 0 and live stamps are never 0.
// Threading: one WASM instance is one datapath thread; nothing is shared.
//
//  table: entries x 128 bytes, 64-byte aligned (one entry = two cache lines)
//    entry:  0 u32 hash   4 u32 megaflow id   8 u32 stamp   12 (zero)   16 .. 128 full key
//  ┌──────┬────┬───────┬───┬──────────────────────────────┐
//  │ hash │ id │ stamp │ 0 │ key (112 bytes)               │  index h & mask
//  ├──────┼────┼───────┼───┼──────────────────────────────┤
//  │  …   │    │       │   │                               │  index rotr(h,16) & mask
//  └──────┴────┴───────┴───┴──────────────────────────────┘

import { Counter, count } from "../counters/counters";
import { keyCopy, keyEquals } from "../key/flow-key";
import { flowStamp } from "./flow-table";

@inline const ENTRY_SIZE: u32 = 128;
@inline const E_HASH: u32 = 0;
@inline const E_FLOW: u32 = 4;
@inline const E_STAMP: u32 = 8;
@inline const E_KEY: u32 = 16;

let table: usize = 0; // 64-byte aligned
let tableRaw: usize = 0;
let mask: u32 = 0;

/** (Re)creates the cache with `entries` slots (rounded up to a power of two, at least 2). */
export function emcInit(entries: u32): void {
  if (tableRaw != 0) heap.free(tableRaw);
  let n: u32 = 2;
  while (n < entries && n < 0x40000000) n <<= 1;
  mask = n - 1;
  const bytes = <usize>n * ENTRY_SIZE;
  tableRaw = heap.alloc(bytes + 64);
  table = (tableRaw + 63) & ~(<usize>63);
  memory.fill(table, 0, bytes);
}

export function emcEntries(): u32 {
  return mask + 1;
}

export function emcBytes(): usize {
  return <usize>(mask + 1) * ENTRY_SIZE + 64;
}

/** Empties the cache. */
export function emcFlush(): void {
  if (table != 0) memory.fill(table, 0, <usize>(mask + 1) * ENTRY_SIZE);
}

let tallyArea: usize = 0;
let tallyCap: u32 = 0;

/** Counts, for each megaflow id < n, the cache entries that would serve it now (live stamp).
 *  Returns the address of the counts (u32[n]), an area of the cache's own that stays valid
 *  until the next call. For dumps: which flows the cache is serving. */
export function emcTally(n: u32): usize {
  if (n > tallyCap) {
    if (tallyArea != 0) heap.free(tallyArea);
    tallyCap = n < 1024 ? 1024 : n;
    tallyArea = heap.alloc(<usize>tallyCap << 2);
  }
  const out = tallyArea;
  memory.fill(out, 0, <usize>n << 2);
  if (table == 0) return out;
  for (let i: u32 = 0; i <= mask; i++) {
    const e = table + <usize>i * ENTRY_SIZE;
    const stamp = load<u32>(e + E_STAMP);
    const id = load<u32>(e + E_FLOW);
    if (stamp != 0 && id < n && flowStamp(id) == stamp) {
      const p = out + (<usize>id << 2);
      store<u32>(p, load<u32>(p) + 1);
    }
  }
  return out;
}

@inline function way1(hash: u32): usize {
  return table + <usize>(hash & mask) * ENTRY_SIZE;
}
@inline function way2(hash: u32): usize {
  return table + <usize>(rotr<u32>(hash, 16) & mask) * ENTRY_SIZE;
}

/** True when entry e holds key (whose full-key hash is hash) for a live flow. */
@inline function entryHits(e: usize, key: usize, hash: u32): bool {
  if (load<u32>(e + E_HASH) != hash || !keyEquals(e + E_KEY, key)) return false;
  const stamp = load<u32>(e + E_STAMP);
  return stamp != 0 && flowStamp(load<u32>(e + E_FLOW)) == stamp;
}

/** Megaflow id cached for this full key (hash = keyHash(key)), or -1. Hot path: inlined into
 *  the batch loop; exports.ts exports a called copy for tests. */
@inline export function emcLookup(key: usize, hash: u32): i32 {
  let e = way1(hash);
  if (entryHits(e, key, hash)) return <i32>load<u32>(e + E_FLOW);
  e = way2(hash);
  if (entryHits(e, key, hash)) return <i32>load<u32>(e + E_FLOW);
  return -1;
}

/** True when entry e can be overwritten without evicting a live mapping. */
@inline function entryDead(e: usize): bool {
  const stamp = load<u32>(e + E_STAMP);
  return stamp == 0 || flowStamp(load<u32>(e + E_FLOW)) != stamp;
}

/** Caches key → flow (a live megaflow that matches key). A flow that is not live is ignored. */
export function emcInsert(key: usize, hash: u32, flow: u32): void {
  const stamp = flowStamp(flow);
  if (stamp == 0) return;
  const a = way1(hash);
  const b = way2(hash);
  let e: usize;
  if (load<u32>(a + E_HASH) == hash && keyEquals(a + E_KEY, key)) e = a;
  else if (load<u32>(b + E_HASH) == hash && keyEquals(b + E_KEY, key)) e = b;
  else if (entryDead(a)) e = a;
  else if (entryDead(b)) e = b;
  else e = (hash & 0x80000000) != 0 ? b : a;
  store<u32>(e + E_HASH, hash);
  store<u32>(e + E_FLOW, flow);
  store<u32>(e + E_STAMP, stamp);
  keyCopy(e + E_KEY, key);
  count(Counter.EMC_INSERT);
}
