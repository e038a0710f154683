// The classifier's WASM ABI: exact-match cache and megaflow table, for the control plane and
// tests. Everything here takes and returns numbers (ids, addresses in this memory).
//
// Ownership: megaflow ids are allocated by megaflowInsert and stay valid until megaflowRemove,
//   megaflowExpireIdle, megaflowFlush or dpInit ends them; an ended id may be handed out again
//   by the next insert. Key/mask/action arguments are read during the call only (the caller
//   keeps them; classifyScratch() is a caller-owned area to write them into). Returned
//   addresses point into classifier storage, are read-only for the caller, and stay valid:
//   - key and action list: while the flow lives, and after its removal until the next
//     megaflowInsert, megaflowFlush or dpInit (so final stats/keys can be read after expiry);
//   - mask: while the flow lives (the mask belongs to the subtable, freed with its last flow).
// Stats: packets/bytes are u64 (BigInt in JS); used is the datapath ms clock (wrapping u32).
// Threading: call between batches, on the datapath's thread.

import { KEY_SIZE } from "../key/flow-key";
import { keyHash } from "../key/hash";
import { emcBytes, emcEntries, emcFlush, emcInsert, emcLookup, emcTally } from "./emc";
import { flowHighWater, flowTableBytes } from "./flow-table";
import { megaflowOwnBytes } from "./megaflow";
import { subtableBytes, subtableHash } from "./subtable";

export const classifyAbiVersion: i32 = 1;

/** megaflowInsert(key, mask, actions, actionsLen): i32 — installs (mask, key & mask) with a
 *  copy of the action list (validated by actionsValidate). Returns the new id (≥ 0) or
 *  -1 exists (same mask and masked key), -2 full (maxFlows live), -3 bad action list.
 *  megaflowInsertAt(..., now) is the same with an explicit idle-clock start.
 *  megaflowRemove(id): bool — false when id is not live.
 *  megaflowLookup(key): i32 — id of a live megaflow matching the (unmasked) key, or -1.
 *  megaflowLookupBatch(keys, n, out): u32 — keys at keys + 112*i, i < n; for each out[i]
 *    (i32) that is -1 on entry, writes the matching id or leaves -1; returns hits.
 *  megaflowFlush(), megaflowCount(), megaflowSubtableCount(), megaflowRerank() (forces the
 *    periodic re-sort of subtables by hits), megaflowSubtableAt(rank): subtable (= its mask)
 *    address or 0, megaflowAudit(): 0 or the first broken invariant (tests; O(slots)).
 *  megaflowActions(id)/megaflowActionsLen(id), megaflowKeyPtr(id), megaflowMaskPtr(id),
 *  megaflowPackets(id): u64, megaflowClassifierHits(id): u64 (packets the classifier, not
 *  the EMC, found), megaflowBytes(id): u64, megaflowUsed(id): u32,
 *  megaflowTcpFlags(id): u32 (OR of the tcpFlags values passed to megaflowCredit),
 *  megaflowIsLive(id), megaflowMatches(id, key), megaflowCredit(id, packets, bytes, flags, now).
 *  megaflowNext(from): i32 — smallest live id ≥ from, or -1 (dump iterator).
 *  megaflowExpireIdle(now, idleMs, outIds, max): u32 — removes up to max flows with
 *    now - used > idleMs (wrapping), writes their ids to outIds (u32[max], caller's), returns
 *    the count; call again while it returns max. Read final stats of the ids right after. */
export {
  megaflowInsert,
  megaflowInsertAt,
  megaflowRemove,
  megaflowLookup,
  megaflowLookupBatch,
  megaflowFlush,
  megaflowCount,
  megaflowSubtableCount,
  megaflowRerank,
  megaflowSubtableAt,
  megaflowAudit,
  megaflowActions,
  megaflowActionsLen,
  megaflowMatches,
  megaflowCredit,
  megaflowClock,
} from "./megaflow";
export {
  megaflowPackets,
  megaflowClassifierHits,
  megaflowBytes,
  megaflowUsed,
  megaflowTcpFlags,
  megaflowIsLive,
  megaflowKeyPtr,
  megaflowMaskPtr,
  megaflowNext,
  megaflowExpireIdle,
} from "./megaflow-stats";

/** emcLookup(key, hash): i32 and emcInsert(key, hash, flow) as batch.ts calls them, with
 *  hash = classifyKeyHash(key); emcFlush() empties the cache; emcEntries() its size. */
export { emcLookup, emcInsert, emcFlush, emcEntries };

/** emcTally(n): per megaflow id < n, how many cache entries serve it now (u32[n] at the
 *  returned address, the cache's own, valid until the next call). megaflowHighWater(): one past the largest id handed out so far. */
export { emcTally };
export function megaflowHighWater(): u32 {
  return flowHighWater();
}

/** The full-key hash batch.ts uses to index the EMC. */
export function classifyKeyHash(key: usize): u32 {
  return keyHash(key);
}

/** The slot hash of key in the subtable at address st (= megaflowSubtableAt(rank) or
 *  megaflowMaskPtr(id)); for tests that need hash collisions. */
export function classifySubtableHash(st: usize, key: usize): u32 {
  return subtableHash(st, key);
}

/** Bytes held by the classifier: records + subtables/slots + out-of-line actions + order and
 *  scratch; EMC reported separately by classifyEmcBytes. */
export function classifyMegaflowBytes(): usize {
  return flowTableBytes() + subtableBytes() + megaflowOwnBytes();
}

export function classifyEmcBytes(): usize {
  return emcBytes();
}

let scratch: usize = 0;
@inline const SCRATCH_SIZE: u32 = 4096;

/** A 4 KiB, 16-byte aligned area owned by the caller (control plane, tests) for writing keys,
 *  masks, action lists and id arrays passed to the exports above. Never used by the datapath;
 *  the same address for the life of the instance. */
export function classifyScratch(): usize {
  if (scratch == 0) scratch = heap.alloc(SCRATCH_SIZE);
  return scratch;
}

export function classifyScratchSize(): u32 {
  return SCRATCH_SIZE;
}

export function classifyKeySize(): u32 {
  return KEY_SIZE;
}
