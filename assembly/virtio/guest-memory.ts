// Guest memory: where a guest-physical address lives in this WebAssembly memory.
//
// What: per vhost device, a table of up to MAX_REGIONS regions (from vhost-user
//   SET_MEM_TABLE). `gmTranslate(table, gpa, len)` turns a guest-physical range into an address
//   in linear memory, or 0 (counted virtio.bad_address) when the range is not wholly inside one
//   region.
// Design: the control plane mmaps each region inside the WebAssembly.Memory and registers it
//   here with its host address. Translation is a linear scan (a VM has 1–8 regions, most
//   traffic hits the first). A range that straddles two regions is rejected rather than split:
//   QEMU lays RAM out in few large regions, so this fails closed on a case real drivers do not
//   produce.
// Invariants: a registered region lies inside [__heap_base, memory.size) and its guest range
//   does not wrap u64, so every address gmTranslate returns can be read or written for `len`
//   bytes without trapping (memory only grows). Host address 0 means "not translated".
//   Changing a table disables the queues that use it (their cached ring addresses may be
//   stale); the control plane sets them up again.
// Threading: one datapath thread owns its tables; the control plane changes them between
//   batches through the exports.
//
//  region record (32 bytes at gmTable(t) + slot * 32):
//   0 u64 guest-physical base     8 u64 size (0 = slot empty)
//  16 u64 front-end user address (QEMU virtual address, for ring addresses)
//  24 u32 host address in this linear memory    28 u32 (zero)

import { Counter, count } from "../counters/counters";

@inline export const MEM_TABLES: u32 = 64;
@inline export const MAX_REGIONS: u32 = 8;
@inline const REGION_SIZE: u32 = 32;
@inline const TABLE_SIZE: u32 = MAX_REGIONS * REGION_SIZE;

const regions: usize = memory.data(<i32>(MEM_TABLES * TABLE_SIZE), 16);

@inline function region(table: u32, slot: u32): usize {
  return regions + <usize>table * TABLE_SIZE + <usize>slot * REGION_SIZE;
}

/** Registers region `slot` of memory table `table`. Returns false (and registers nothing) if
 *  the table or slot is out of range, the size is zero, the guest range wraps, or the host range
 *  is not inside this memory above the static data. */
export function gmSetRegion(
  table: u32,
  slot: u32,
  guestAddr: u64,
  size: u64,
  userAddr: u64,
  hostAddr: usize,
): bool {
  if (table >= MEM_TABLES || slot >= MAX_REGIONS || size == 0) return false;
  if (guestAddr + size < guestAddr || userAddr + size < userAddr) return false;
  const memBytes = <u64>memory.size() << 16;
  if (<u64>hostAddr < <u64>__heap_base || <u64>hostAddr + size > memBytes) return false;
  const r = region(table, slot);
  store<u64>(r, guestAddr, 0);
  store<u64>(r, size, 8);
  store<u64>(r, userAddr, 16);
  store<u32>(r, <u32>hostAddr, 24);
  return true;
}

/** Forgets every region of `table`. */
export function gmClear(table: u32): void {
  if (table >= MEM_TABLES) return;
  memory.fill(region(table, 0), 0, TABLE_SIZE);
}

/** Host address of guest-physical [gpa, gpa + len) in `table`, or 0 (counted
 *  virtio.bad_address) if no single region holds all of it. `table` must be < MEM_TABLES. */
export function gmTranslate(table: u32, gpa: u64, len: u32): usize {
  let r = region(table, 0);
  const end = r + TABLE_SIZE;
  for (; r < end; r += REGION_SIZE) {
    const size = load<u64>(r, 8);
    const off = gpa - load<u64>(r, 0); // wraps to a huge value when gpa < base
    if (off < size && <u64>len <= size - off) return <usize>(load<u32>(r, 24) + <u32>off);
  }
  count(Counter.VIRTIO_BAD_ADDRESS);
  return 0;
}

/** Guest-physical address of front-end user address [uaddr, uaddr + len), or u64 max if no
 *  region holds it (vhost-user gives ring addresses as front-end virtual addresses). */
export function gmUserToGuest(table: u32, uaddr: u64, len: u32): u64 {
  if (table >= MEM_TABLES) return U64.MAX_VALUE;
  for (let slot: u32 = 0; slot < MAX_REGIONS; slot++) {
    const r = region(table, slot);
    const size = load<u64>(r, 8);
    const off = uaddr - load<u64>(r, 16);
    if (off < size && <u64>len <= size - off) return load<u64>(r, 0) + off;
  }
  return U64.MAX_VALUE;
}
