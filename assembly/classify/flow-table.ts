// Megaflow records: the per-flow storage behind the classifier (key, stats, actions, stamp).
//
// What: megaflow ids 0..maxFlows-1 name fixed-size 192-byte records. A record holds the
//   masked key, the flow's subtable, its stats, its action list and a stamp that says which
//   incarnation of the id is live.
// Design: records live in chunks of CHUNK_FLOWS, allocated on first use and reached through a
//   small directory (id >> CHUNK_BITS), so memory follows the number of flows ever live at once
//   and a record never moves (pointers into it stay valid while the flow lives). Free ids form
//   a LIFO list threaded through the records; fresh ids come from a high-water mark, so ids stay
//   dense. Each insert takes a new non-zero stamp from a module-wide counter that is never
//   reset (not even by megaflowInit); removal zeroes the record's stamp. A cache entry that
//   remembers (id, stamp) is therefore stale as soon as the flow is removed, flushed, or its id
//   reused — the exact-match cache relies on this and is never walked on delete.
// Invariants: stamp != 0 ⇔ the record is live ⇔ subtable != 0. A never-used record (chunk
//   zeroed at allocation) has stamp 0. actPtr points at the inline area when actLen ≤ INLINE.
//   Stamps wrap after 2^32 inserts (0 is skipped); a stale cache entry would have to survive
//   that many inserts untouched and land on the same id to be served — accepted.
// Threading: one WASM instance is one datapath thread; nothing is shared.
//
//  directory (u32 per chunk)        chunk: CHUNK_FLOWS records, 64-byte aligned
//  ┌────┬────┬────┬───┐            ┌──────────┬──────────┬─────
//  │ c0 │ c1 │ 0  │ … │ ─────────► │ record 0 │ record 1 │ …
//  └────┴────┴────┴───┘            └──────────┴──────────┴─────
//
//  record (REC_SIZE = 192 = 3 cache lines):
//    0 .. 112  masked key (key & mask)       lines 0-1: touched by megaflow compares
//  112 u32     hash of the masked key in its subtable; next free id while free
//  116 u32     subtable address (0 while free)
//  120 u64     classifier hits: packets the megaflow classifier (not the EMC) found for it;
//              counted on the classifier path only, where lines 0-1 were just compared
//  128 u64     packets                         line 2: touched by every executed packet
//  136 u64     bytes                           (EMC stamp check, credit, actions)
//  144 u32     used: datapath ms clock of the last credit (wrapping)
//  148 u32     stamp (0 = not live)
//  152 u16     tcp flags, OR of every credit
//  154 u16     action list length
//  156 u32     action list address (→ 160 when inline, else heap.alloc'd)
//  160 .. 192  inline action list (≤ 32 bytes)

@inline export const REC_SIZE: u32 = 192;
@inline export const CHUNK_BITS: u32 = 10;
@inline export const CHUNK_FLOWS: u32 = 1 << CHUNK_BITS;
@inline export const ACT_INLINE: u32 = 32;
@inline export const NO_FLOW: u32 = 0xffffffff;

@inline export const R_HASH: u32 = 112;
@inline export const R_NEXT_FREE: u32 = 112;
@inline export const R_SUBTABLE: u32 = 116;
@inline export const R_CLASSIFIER_HITS: u32 = 120;
@inline export const R_PACKETS: u32 = 128;
@inline export const R_BYTES: u32 = 136;
@inline export const R_USED: u32 = 144;
@inline export const R_STAMP: u32 = 148;
@inline export const R_TCP_FLAGS: u32 = 152;
@inline export const R_ACT_LEN: u32 = 154;
@inline export const R_ACT_PTR: u32 = 156;
@inline export const R_ACT_INLINE: u32 = 160;

let dir: usize = 0; // u32[dirLen]: aligned chunk addresses (0 = not allocated)
let dirRaw: usize = 0; // u32[dirLen]: the heap blocks behind them, for heap.free
let dirLen: u32 = 0;
let maxFlows: u32 = 0;
let liveFlows: u32 = 0;
let highWater: u32 = 0; // ids >= highWater were never handed out
let freeHead: u32 = NO_FLOW;
let nextStamp: u32 = 1; // never reset: see Design
let bytesAllocated: usize = 0;

/** Bytes held by records, directory and out-of-line action lists (for memory reports). */
export function flowTableBytes(): usize {
  return bytesAllocated;
}

@inline export function flowCapacity(): u32 {
  return maxFlows;
}

@inline export function flowLiveCount(): u32 {
  return liveFlows;
}

@inline export function flowHighWater(): u32 {
  return highWater;
}

/** Address of record id; the caller guarantees id < highWater (its chunk exists). */
@inline export function flowRec(id: u32): usize {
  return <usize>load<u32>(dir + (<usize>(id >>> CHUNK_BITS) << 2)) + <usize>(id & (CHUNK_FLOWS - 1)) * REC_SIZE;
}

/** Record address of a live flow id, or 0 (any u32 is accepted). */
export function flowLiveRec(id: u32): usize {
  if (id >= highWater) return 0;
  const r = flowRec(id);
  return load<u32>(r + R_STAMP) != 0 ? r : 0;
}

/** Record address of an id that was ever handed out (live or removed), or 0. */
@inline export function flowAnyRec(id: u32): usize {
  return id < highWater ? flowRec(id) : 0;
}

/** The live stamp of id, 0 when id is not live (any u32 is accepted; hot: EMC hits). */
@inline export function flowStamp(id: u32): u32 {
  if (id >= highWater) return 0;
  return load<u32>(flowRec(id) + R_STAMP);
}

/** Frees everything and sizes the id space to n flows. */
export function flowTableInit(n: u32): void {
  flowTableRelease();
  if (dir != 0) {
    heap.free(dir);
    heap.free(dirRaw);
  }
  maxFlows = n;
  dirLen = (n + CHUNK_FLOWS - 1) >>> CHUNK_BITS;
  const dirBytes = <usize>(dirLen > 0 ? dirLen : <u32>1) << 2;
  dir = heap.alloc(dirBytes);
  dirRaw = heap.alloc(dirBytes);
  memory.fill(dir, 0, dirBytes);
  memory.fill(dirRaw, 0, dirBytes);
  bytesAllocated = dirBytes << 1;
}

/** Drops every record and chunk (the directory stays); stamps of old ids become 0. */
export function flowTableRelease(): void {
  for (let c: u32 = 0; c < dirLen; c++) {
    const raw = <usize>load<u32>(dirRaw + (<usize>c << 2));
    if (raw == 0) continue;
    const base = <usize>load<u32>(dir + (<usize>c << 2));
    for (let i: u32 = 0; i < CHUNK_FLOWS; i++) flowFreeActions(base + <usize>i * REC_SIZE);
    heap.free(raw);
    store<u32>(dir + (<usize>c << 2), 0);
    store<u32>(dirRaw + (<usize>c << 2), 0);
    bytesAllocated -= <usize>CHUNK_FLOWS * REC_SIZE + 64;
  }
  liveFlows = 0;
  highWater = 0;
  freeHead = NO_FLOW;
}

/** Takes a free id and makes its record live with a fresh stamp; NO_FLOW when full.
 *  The caller fills key, hash, subtable and actions. Stats start at zero, used = now. */
export function flowAlloc(now: u32): u32 {
  let id: u32;
  if (freeHead != NO_FLOW) {
    id = freeHead;
    freeHead = load<u32>(flowRec(id) + R_NEXT_FREE);
  } else {
    if (highWater >= maxFlows) return NO_FLOW;
    id = highWater;
    const c = id >>> CHUNK_BITS;
    if (load<u32>(dir + (<usize>c << 2)) == 0) {
      const bytes = <usize>CHUNK_FLOWS * REC_SIZE;
      const raw = heap.alloc(bytes + 64);
      const base = (raw + 63) & ~(<usize>63);
      memory.fill(base, 0, bytes);
      store<u32>(dir + (<usize>c << 2), <u32>base);
      store<u32>(dirRaw + (<usize>c << 2), <u32>raw);
      bytesAllocated += bytes + 64;
    }
    highWater++;
  }
  const r = flowRec(id);
  flowFreeActions(r); // a removed flow keeps its list readable until its id is reused
  store<u64>(r + R_CLASSIFIER_HITS, 0);
  store<u64>(r + R_PACKETS, 0);
  store<u64>(r + R_BYTES, 0);
  store<u32>(r + R_USED, now);
  store<u16>(r + R_TCP_FLAGS, 0);
  store<u32>(r + R_STAMP, nextStamp);
  nextStamp++;
  if (nextStamp == 0) nextStamp = 1;
  liveFlows++;
  return id;
}

/** Copies an action list into record r (inline when it fits). */
export function flowSetActions(r: usize, list: usize, len: u32): void {
  let dst = r + R_ACT_INLINE;
  if (len > ACT_INLINE) {
    dst = heap.alloc(len);
    bytesAllocated += len;
  }
  memory.copy(dst, list, len);
  store<u16>(r + R_ACT_LEN, <u16>len);
  store<u32>(r + R_ACT_PTR, <u32>dst);
}

/** Frees an out-of-line action list of record r (no-op when inline or empty). */
function flowFreeActions(r: usize): void {
  const p = <usize>load<u32>(r + R_ACT_PTR);
  if (p != 0 && p != r + R_ACT_INLINE) {
    heap.free(p);
    bytesAllocated -= <usize>load<u16>(r + R_ACT_LEN);
  }
  store<u32>(r + R_ACT_PTR, 0);
  store<u16>(r + R_ACT_LEN, 0);
}

/** Ends the life of a live id: zero stamp and subtable, push on the free list. Stats, key and
 *  actions stay readable until the id is handed out again. */
export function flowRelease(id: u32): void {
  const r = flowRec(id);
  store<u32>(r + R_STAMP, 0);
  store<u32>(r + R_SUBTABLE, 0);
  store<u32>(r + R_NEXT_FREE, freeHead);
  freeHead = id;
  liveFlows--;
}

/** Adds one credit to a live record (hot: every executed packet). */
@inline export function flowCredit(r: usize, packets: u32, bytes: u32, tcpFlags: u16, now: u32): void {
  store<u64>(r + R_PACKETS, load<u64>(r + R_PACKETS) + packets);
  store<u64>(r + R_BYTES, load<u64>(r + R_BYTES) + bytes);
  store<u32>(r + R_USED, now);
  store<u16>(r + R_TCP_FLAGS, load<u16>(r + R_TCP_FLAGS) | tcpFlags);
}
