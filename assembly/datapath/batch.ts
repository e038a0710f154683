// The batch pipeline: one call processes up to BATCH_SIZE packets received on one port.
//
// What: rx ids → parse (key + layer offsets) → hash → exact-match cache → megaflow classifier
//   → execute actions → per-port tx batches; packets that match no megaflow are misses.
// Design: each stage is a loop over the whole batch (VPP/OVS style), so a stage's code and
//   tables stay hot. Misses are moved to the front of the batch with their keys, as OVS's
//   dp_netdev_input does, and go up to the control plane together; hits are executed in the
//   same pass that compacts the misses (a hit's key slot is only reused after it ran).
// Ownership: the caller fills rx ids (dpRxIds) with APP buffers and calls dpProcessBatch.
//   Afterwards hits belong to tx batches / the upcall queue / the pool; the m misses stay APP,
//   at dpRxIds[0..m) with keys at dpMissKey(i), until the caller hands each to dpExecuteMiss
//   or poolFree. An id that is out of range or not APP is skipped and counted
//   (batch.bad_buffer) and left where it was.
// Threading: a WASM instance is one datapath thread; nothing here is shared.

import { Counter, count } from "../counters/counters";
import { KEY_SIZE, K_TCP_FLAGS, keyCopy } from "../key/flow-key";
import { keyHash } from "../key/hash";
import {
  OWNER_APP,
  bufInPort,
  bufLen,
  bufOwner,
  bufSetInPort,
  poolValid,
} from "../buffers/pool";
import { parsePacket } from "../parse/parser";
import { emcInsert, emcLookup } from "../classify/emc";
import {
  megaflowHit,
  megaflowLookupBatch,
  megaflowRecActions,
  megaflowRecActionsLen,
  megaflowSetClock,
} from "../classify/megaflow";
import { actionsExecute } from "../actions/execute";
import { A_OUTPUT } from "../actions/action-format";
import { MAX_PORTS, txEnqueue } from "./tx-batches";
import { CAPTURE_COMPILED, CAP_IN, captureFlags, captureRxBatch } from "../capture/capture";
import { megaflowCountClassifierHit } from "../classify/megaflow-stats";

/** An A_OUTPUT record's header as one little-endian u32: type 1, length 8. */
@inline const OUTPUT_RECORD: u32 = <u32>A_OUTPUT | (8 << 16);

@inline export const BATCH_SIZE: u32 = 32;
@inline const SKIP: i32 = -2;
@inline const MISS: i32 = -1;

let rxIds: usize = 0; // u32[BATCH_SIZE]
let keys: usize = 0; // KEY_SIZE x BATCH_SIZE, 16-byte aligned
let hashes: usize = 0; // u32[BATCH_SIZE]
let flows: usize = 0; // i32[BATCH_SIZE]: megaflow id, MISS or SKIP
let emcFound: usize = 0; // u8[BATCH_SIZE]: 1 where the exact-match cache served the packet
let scratchKey: usize = 0; // one key for packet-outs
let emcEnabled: bool = true;

/** Turns the exact-match cache on or off (off: every packet goes to the megaflow classifier,
 *  as OVS's emc-insert-inv-prob=0 plus a flushed cache; benchmarks use it to time subtables). */
export function dpSetEmcEnabled(on: bool): void {
  emcEnabled = on;
}

export function batchInit(): void {
  if (rxIds != 0) return;
  rxIds = heap.alloc(BATCH_SIZE << 2);
  keys = heap.alloc(<usize>KEY_SIZE * (BATCH_SIZE + 1));
  scratchKey = keys + <usize>KEY_SIZE * BATCH_SIZE;
  hashes = heap.alloc(BATCH_SIZE << 2);
  flows = heap.alloc(BATCH_SIZE << 2);
  emcFound = heap.alloc(BATCH_SIZE);
}

@inline function keyAt(i: u32): usize {
  return keys + <usize>i * KEY_SIZE;
}
@inline function idAt(i: u32): u32 {
  return load<u32>(rxIds + (<usize>i << 2));
}

export function dpRxIds(): usize {
  return rxIds;
}

export function dpMissKey(i: u32): usize {
  return keyAt(i);
}

/** Processes rx ids [0, n) received on inPort at datapath time now (ms, wrapping).
 *  Returns the number of misses m (at the front of the batch). */
export function dpProcessBatch(inPort: u32, n: u32, now: u32): u32 {
  if (n > BATCH_SIZE) {
    count(Counter.BATCH_BAD_BUFFER, n - BATCH_SIZE);
    n = BATCH_SIZE;
  }
  count(Counter.BATCH_PACKETS, n);
  // Port capture: one flag load per batch; frames are copied as received, before any action.
  if (CAPTURE_COMPILED && (captureFlags(inPort) & CAP_IN) != 0) captureRxBatch(inPort, rxIds, n);

  // Stage 1: parse and hash.
  let bad: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const id = idAt(i);
    if (!poolValid(id) || bufOwner(id) != OWNER_APP) {
      count(Counter.BATCH_BAD_BUFFER);
      bad++;
      store<i32>(flows + (<usize>i << 2), SKIP);
      continue;
    }
    bufSetInPort(id, inPort);
    const key = keyAt(i);
    parsePacket(id, key);
    store<u32>(hashes + (<usize>i << 2), keyHash(key));
    store<i32>(flows + (<usize>i << 2), MISS);
  }

  // Stage 2: exact-match cache.
  let emcMisses: u32 = n - bad;
  if (emcEnabled) {
    emcMisses = 0;
    for (let i: u32 = 0; i < n; i++) {
      const fp = flows + (<usize>i << 2);
      if (load<i32>(fp) == SKIP) continue;
      const f = emcLookup(keyAt(i), load<u32>(hashes + (<usize>i << 2)));
      store<i32>(fp, f);
      store<u8>(emcFound + i, f >= 0 ? 1 : 0);
      if (f < 0) emcMisses++;
    }
    count(Counter.EMC_HIT, n - bad - emcMisses);
    count(Counter.EMC_MISS, emcMisses);
  }

  // Stage 3: megaflow classifier for what the cache missed, the whole batch in one call so the
  // subtable probes of different packets overlap their cache misses; hits are cached.
  // A classifier hit also counts on its flow (which cache served it, for dpctl); EMC hits
  // cost nothing extra: they are the flow's packets minus these.
  if (emcMisses != 0) {
    const hits = megaflowLookupBatch(keys, n, flows);
    count(Counter.MEGAFLOW_HIT, hits);
    count(Counter.MEGAFLOW_MISS, emcMisses - hits);
    if (hits != 0) {
      for (let i: u32 = 0; i < n; i++) {
        // A flow found by stage 3 is one the cache did not have: flows[] was MISS before.
        const f = load<i32>(flows + (<usize>i << 2));
        if (f < 0 || (emcEnabled && load<u8>(emcFound + i) != 0)) continue;
        megaflowCountClassifierHit(<u32>f);
        if (emcEnabled) emcInsert(keyAt(i), load<u32>(hashes + (<usize>i << 2)), <u32>f);
      }
    }
  }

  // Stage 4: execute hits; move misses (id and key) to the front.
  megaflowSetClock(now);
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const f = load<i32>(flows + (<usize>i << 2));
    const id = idAt(i);
    if (f >= 0) {
      const key = keyAt(i);
      const r = megaflowHit(<u32>f, bufLen(id), bswap<u16>(load<u16>(key + K_TCP_FLAGS)), now);
      const list = megaflowRecActions(r);
      const len = r != 0 ? megaflowRecActionsLen(r) : 0;
      // The commonest megaflow is one output: hand the packet to that port's tx batch here.
      if (len == 8 && load<u32>(list) == OUTPUT_RECORD && load<u32>(list, 4) < MAX_PORTS) {
        txEnqueue(load<u32>(list, 4), id);
      } else {
        actionsExecute(id, key, list, len);
      }
    } else if (f == MISS) {
      if (m != i) {
        store<u32>(rxIds + (<usize>m << 2), id);
        keyCopy(keyAt(m), keyAt(i));
      }
      m++;
    }
    // SKIP: the bad id is not ours; it is dropped from the batch untouched.
  }
  count(Counter.UPCALL_MISS, m);
  return m;
}

/** Runs actions over miss i of the last batch (the caller hands its buffer back). */
export function dpExecuteMiss(i: u32, list: usize, len: u32): void {
  actionsExecute(idAt(i), keyAt(i), list, len);
}

/** Parses packet id as received on inPort and runs actions over it (packet-out, a handled
 *  upcall, a test). The caller hands the buffer over. */
export function dpExecute(id: u32, inPort: u32, list: usize, len: u32): void {
  if (!poolValid(id) || bufOwner(id) != OWNER_APP) {
    count(Counter.BATCH_BAD_BUFFER);
    return;
  }
  bufSetInPort(id, inPort);
  parsePacket(id, scratchKey);
  actionsExecute(id, scratchKey, list, len);
}

/** Parses packet id into the scratch key and returns its address (trace, tests). */
export function dpParse(id: u32): usize {
  parsePacket(id, scratchKey);
  return scratchKey;
}

/** Copies miss i's key to dst (the control plane's own copy). */
export function dpCopyMissKey(i: u32, dst: usize): void {
  keyCopy(dst, keyAt(i));
}

export function dpInPortOf(id: u32): u32 {
  return bufInPort(id);
}
