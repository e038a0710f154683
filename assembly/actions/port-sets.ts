// Port sets: precomputed lists of datapath ports that A_OUTPUT_SET sends to (flood, all,
// a VLAN's member ports...), named by a small id.
//
// What: PORT_SET_MAX sets; set s is an array of u16 ports, defined or replaced whole by the
//   control plane (`portSetDefine`), read by the executor (`portSetCount`, `portSetPort`).
// Design: each set owns one heap block (u16[n]); a replace allocates the new block, fills it,
//   then swaps it in and frees the old one. Ports are checked once, at definition: a port
//   >= MAX_PORTS rejects the whole definition (the old set stays), and duplicates are dropped
//   (first occurrence kept), so the executor never re-checks and never sends twice.
//   Order is kept as given: the last port of a set is the one that may get the original
//   buffer instead of a copy.
// Invariants: an undefined set, or one defined empty, has count 0 (outputs nothing).
// Threading: one WASM instance is one datapath thread; the control plane redefines sets
//   between batches, never while actionsExecute runs.

import { MAX_PORTS } from "../datapath/tx-batches";

@inline export const PORT_SET_MAX: u32 = 4096;

/** Per set: u32 block address, u32 count. */
const sets = new StaticArray<u64>(PORT_SET_MAX);
/** Scratch bitmap for duplicate detection, one bit per port. */
const seen = new StaticArray<u32>(MAX_PORTS >> 5);

@inline export function portSetCount(set: u32): u32 {
  return set < PORT_SET_MAX ? <u32>(unchecked(sets[set]) >>> 32) : 0;
}

/** Port i of a set (i < portSetCount(set)). */
@inline export function portSetPort(set: u32, i: u32): u32 {
  return load<u16>(<usize>(<u32>unchecked(sets[set])) + (<usize>i << 1));
}

/** Defines or replaces set `set` with the n u32 ports at `ports`. Returns the number of
 *  distinct ports stored, or -1 (set id out of range, or a port >= MAX_PORTS: nothing
 *  changes). n = 0 empties the set. */
export function portSetDefine(set: u32, ports: usize, n: u32): i32 {
  if (set >= PORT_SET_MAX) return -1;
  for (let i: u32 = 0; i < n; i++) {
    if (load<u32>(ports + (<usize>i << 2)) >= MAX_PORTS) return -1;
  }
  for (let w: u32 = 0; w < MAX_PORTS >> 5; w++) unchecked((seen[w] = 0));
  const block: usize = n != 0 ? heap.alloc(<usize>n << 1) : 0;
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const p = load<u32>(ports + (<usize>i << 2));
    const bit: u32 = 1 << (p & 31);
    const w = unchecked(seen[p >> 5]);
    if ((w & bit) != 0) continue;
    unchecked((seen[p >> 5] = w | bit));
    store<u16>(block + (<usize>m << 1), <u16>p);
    m++;
  }
  const old = <usize>(<u32>unchecked(sets[set]));
  unchecked((sets[set] = (<u64>m << 32) | <u64>(<u32>block)));
  if (old != 0) heap.free(old);
  return <i32>m;
}

/** Forgets every set (datapath reset). */
export function portSetsClear(): void {
  for (let s: u32 = 0; s < PORT_SET_MAX; s++) {
    const old = <usize>(<u32>unchecked(sets[s]));
    if (old != 0) heap.free(old);
    unchecked((sets[s] = 0));
  }
}
