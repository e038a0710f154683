// Megaflow subtable: all megaflows that share one mask, in an open-addressing hash table.
//
// What: a subtable owns its mask, the list of 64-bit mask words that are not zero, and a
//   power-of-two array of slots. Each slot is (hash of the masked key, megaflow id).
// Design: as OVS's dpcls subtables with miniflows, hashing and comparing touch only the
//   non-zero mask words: a mask on in_port + eth_dst + vlan reads 2-3 words, not 14. The
//   record keeps the key already masked, so a match is `(key[w] & mask[w]) == rec[w]` over
//   those words. Beside the slots sits a tag array, one byte per slot (0 = empty, else 0x80 |
//   7 hash bits), as in Swiss tables: a probe walks the tags, which are 1/8 the size of the
//   slots and stay in L2 even for big tables, so a subtable that does not hold the key — most
//   subtables of every search — usually answers without a DRAM access. A tag match reads the
//   slot, which carries the full 32-bit hash, so the record is touched only on a (likely) hit;
//   growth rehashes from the slots alone. Linear probing with backward-shift deletion: no
//   tombstones, so a long-lived table never degrades.
// Invariants: load ≤ 1/2 (grow doubles before an insert would pass it; a miss — the common
//   case in all but one subtable of a search — then scans ~2.5 slots, not ~8.5 as at 3/4); every live id of the
//   subtable is in exactly one slot, reachable from hash & slotMask without crossing an empty
//   slot; an empty slot has id NO_FLOW (all-ones) and tag 0, an occupied one tag tagOf(hash). Extra 1-bits in a megaflow mask are safe,
//   missing 1-bits are the translator's bugs, not ours: we match exactly the mask given.
// Threading: one WASM instance is one datapath thread; nothing is shared.
//
//  subtable (ST_SIZE = 160, heap.alloc'd)       one block: slots (8 bytes each), then tags
//    0 .. 112  mask                               ┌────────┬────────┐
//  112 u32     slots address ───────────────────► │ hash32 │ id     │ 0
//  116 u32     slot mask (capacity - 1)           ├────────┼────────┤
//  120 u32     flows in this subtable             │ hash32 │ NO_FLOW│ 1 (empty)
//  124 u32     number of non-zero mask words      ├────────┼────────┤
//  128 u32     hits since the last ranking        │  …     │  …     │ capacity - 1
//  132 u32     (zero)                             ├──┬──┬──┼──┬─────┤
//  136 .. 150  u8 byte offset of each non-zero    │t0│t1│… │  │     │ tags: u8[capacity]
//              mask word                          └──┴──┴──┴──┴─────┘ at slots + capacity*8
//  150 .. 160  (zero)

import { KEY_WORDS64 } from "../key/flow-key";
import { hashFinish } from "../key/hash";
import { NO_FLOW, R_HASH, R_SUBTABLE, flowRec } from "./flow-table";

@inline export const ST_SIZE: u32 = 160;
@inline export const ST_SLOTS: u32 = 112;
@inline export const ST_SLOT_MASK: u32 = 116;
@inline export const ST_COUNT: u32 = 120;
@inline export const ST_NWORDS: u32 = 124;
@inline export const ST_HITS: u32 = 128;
@inline export const ST_WORD_OFFS: u32 = 136;
@inline const MIN_SLOTS: u32 = 16;
@inline const HASH_SEED: u64 = 0x2545f4914f6cdd1d;
@inline const HASH_M1: u64 = 0x9e3779b97f4a7c15;

let bytesAllocated: usize = 0;

/** Bytes held by subtables and their slot arrays (for memory reports). */
export function subtableBytes(): usize {
  return bytesAllocated;
}

/** Tag of a hash: 7 bits the slot index does not use (for tables up to 2^25 slots), high bit
 *  set so it is never 0 (empty). */
@inline export function tagOf(h: u32): u8 {
  return <u8>((h >>> 25) | 0x80);
}

@inline export function slotTags(slots: usize, m: u32): usize {
  return slots + (<usize>(m + 1) << 3);
}

function slotsAlloc(cap: u32): usize {
  const bytes = <usize>cap << 3;
  const s = heap.alloc(bytes + cap);
  memory.fill(s, 0xff, bytes);
  memory.fill(s + bytes, 0, cap);
  bytesAllocated += bytes + cap;
  return s;
}

function slotsFree(s: usize, cap: u32): void {
  heap.free(s);
  bytesAllocated -= (<usize>cap << 3) + cap;
}

/** A new, empty subtable for mask (112 bytes). */
export function subtableCreate(mask: usize): usize {
  const st = heap.alloc(ST_SIZE);
  memory.fill(st, 0, ST_SIZE);
  memory.copy(st, mask, 112);
  let n: u32 = 0;
  for (let w: u32 = 0; w < KEY_WORDS64; w++) {
    if (load<u64>(mask + (<usize>w << 3)) != 0) {
      store<u8>(st + ST_WORD_OFFS + n, <u8>(w << 3));
      n++;
    }
  }
  store<u32>(st + ST_NWORDS, n);
  store<u32>(st + ST_SLOTS, <u32>slotsAlloc(MIN_SLOTS));
  store<u32>(st + ST_SLOT_MASK, MIN_SLOTS - 1);
  bytesAllocated += ST_SIZE;
  return st;
}

export function subtableDestroy(st: usize): void {
  slotsFree(<usize>load<u32>(st + ST_SLOTS), load<u32>(st + ST_SLOT_MASK) + 1);
  heap.free(st);
  bytesAllocated -= ST_SIZE;
}

/** Hash of (key & mask) over the subtable's non-zero mask words (key need not be masked).
 *  Each word is rotated by an amount fixed by its position and folded in with xor: the words
 *  are independent operations the CPU overlaps (a multiply chain per word cost ~5 cycles each,
 *  serialised); one finaliser then avalanches the result. */
@inline export function subtableHash(st: usize, key: usize): u32 {
  const n = load<u32>(st + ST_NWORDS);
  let h: u64 = HASH_SEED;
  for (let i: u32 = 0; i < n; i++) {
    const off = <usize>load<u8>(st + ST_WORD_OFFS + i);
    h ^= rotl<u64>(load<u64>(key + off) & load<u64>(st + off), <u64>((off >> 3) * 5 + 1));
  }
  h ^= h >>> 33;
  h *= HASH_M1;
  return hashFinish(h);
}

/** True when key & mask equals the masked key of record r, over the non-zero mask words. */
@inline export function subtableMatches(st: usize, key: usize, r: usize): bool {
  const n = load<u32>(st + ST_NWORDS);
  let diff: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const off = <usize>load<u8>(st + ST_WORD_OFFS + i);
    diff |= (load<u64>(key + off) & load<u64>(st + off)) ^ load<u64>(r + off);
  }
  return diff == 0;
}

/** The id of the flow in st matching key (hash h = subtableHash(st, key)), or -1. */
@inline export function subtableFind(st: usize, key: usize, h: u32): i32 {
  const slots = <usize>load<u32>(st + ST_SLOTS);
  const m = load<u32>(st + ST_SLOT_MASK);
  const tags = slotTags(slots, m);
  const tag = tagOf(h);
  let i = h & m;
  while (true) {
    const t = load<u8>(tags + i);
    if (t == 0) return -1;
    if (t == tag) {
      const v = load<u64>(slots + (<usize>i << 3));
      if (<u32>v == h) {
        const id = <u32>(v >>> 32);
        if (subtableMatches(st, key, flowRec(id))) return <i32>id;
      }
    }
    i = (i + 1) & m;
  }
  return -1;
}

function slotsPut(slots: usize, m: u32, h: u32, id: u32): void {
  const tags = slotTags(slots, m);
  let i = h & m;
  while (load<u8>(tags + i) != 0) i = (i + 1) & m;
  store<u64>(slots + (<usize>i << 3), (<u64>id << 32) | <u64>h);
  store<u8>(tags + i, tagOf(h));
}

/** Adds flow id (hash h, stored in its record) to st, growing the slots first if needed.
 *  The caller has checked that no equal masked key is present. */
export function subtableAdd(st: usize, id: u32, h: u32): void {
  const count = load<u32>(st + ST_COUNT) + 1;
  let m = load<u32>(st + ST_SLOT_MASK);
  let slots = <usize>load<u32>(st + ST_SLOTS);
  if (count > (m + 1) >>> 1) {
    const nm = (m << 1) | 1;
    const ns = slotsAlloc(nm + 1);
    for (let i: u32 = 0; i <= m; i++) {
      const v = load<u64>(slots + (<usize>i << 3));
      if (<u32>(v >>> 32) != NO_FLOW) slotsPut(ns, nm, <u32>v, <u32>(v >>> 32));
    }
    slotsFree(slots, m + 1);
    slots = ns;
    m = nm;
    store<u32>(st + ST_SLOTS, <u32>slots);
    store<u32>(st + ST_SLOT_MASK, m);
  }
  slotsPut(slots, m, h, id);
  store<u32>(st + ST_COUNT, count);
}

/** Removes flow id from st (backward-shift deletion). Returns the flows left in st. */
export function subtableRemove(st: usize, id: u32): u32 {
  const slots = <usize>load<u32>(st + ST_SLOTS);
  const m = load<u32>(st + ST_SLOT_MASK);
  const tags = slotTags(slots, m);
  const h = load<u32>(flowRec(id) + R_HASH);
  let i = h & m;
  while (load<u32>(slots + (<usize>i << 3), 4) != id) i = (i + 1) & m;
  // Shift later members of the cluster back over the hole while that keeps them reachable.
  let j = i;
  while (true) {
    j = (j + 1) & m;
    const v = load<u64>(slots + (<usize>j << 3));
    if (<u32>(v >>> 32) == NO_FLOW) break;
    const home = <u32>v & m;
    // v may move to hole i iff its home is not in the cyclic range (i, j].
    const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
    if (!inRange) {
      store<u64>(slots + (<usize>i << 3), v);
      store<u8>(tags + i, load<u8>(tags + j));
      i = j;
    }
  }
  store<u64>(slots + (<usize>i << 3), <u64>-1);
  store<u8>(tags + i, 0);
  const left = load<u32>(st + ST_COUNT) - 1;
  store<u32>(st + ST_COUNT, left);
  return left;
}

/** Checks st's invariants (tests): returns 0, or the first violation:
 *  1 a tag disagrees with its slot (empty/occupied or tagOf(hash)),
 *  2 an occupied slot's flow is not in st or its hash differs from the record's,
 *  3 an occupied slot is not reachable from its home without crossing an empty slot,
 *  4 the number of occupied slots differs from the flow count, 5 load above 1/2. */
export function subtableAudit(st: usize): i32 {
  const slots = <usize>load<u32>(st + ST_SLOTS);
  const m = load<u32>(st + ST_SLOT_MASK);
  const tags = slotTags(slots, m);
  let used: u32 = 0;
  for (let i: u32 = 0; i <= m; i++) {
    const v = load<u64>(slots + (<usize>i << 3));
    const id = <u32>(v >>> 32);
    const t = load<u8>(tags + i);
    if (id == NO_FLOW) {
      if (t != 0) return 1;
      continue;
    }
    if (t != tagOf(<u32>v)) return 1;
    const r = flowRec(id);
    if (<usize>load<u32>(r + R_SUBTABLE) != st || load<u32>(r + R_HASH) != <u32>v) return 2;
    for (let j = <u32>v & m; j != i; j = (j + 1) & m) {
      if (load<u8>(tags + j) == 0) return 3;
    }
    used++;
  }
  if (used != load<u32>(st + ST_COUNT)) return 4;
  if (used > (m + 1) >>> 1) return 5;
  return 0;
}
