// Presence bits and error accounting shared by the parser stages.
//
// What: the three ways a parse stage records what it found in the key's PRESENT word:
//   a layer was seen (markPresent), the packet ended early (markTruncated) or a header was
//   invalid (markMalformed). The last two also count why, in the parse counters.
// Design: PRESENT lives in the key itself (keyClear zeroed it), so stages need no shared
//   state besides the key pointer they already hold.
// Threading: one WASM instance is one datapath thread.

import { Counter, count } from "../counters/counters";
import { K_PRESENT, P_MALFORMED, P_TRUNCATED } from "../key/flow-key";

@inline export function markPresent(key: usize, bits: u32): void {
  store<u32>(key + K_PRESENT, load<u32>(key + K_PRESENT) | bits);
}

/** The packet ended before a header it announced: flag it and count `why`. */
@inline export function markTruncated(key: usize, why: Counter): void {
  markPresent(key, P_TRUNCATED);
  count(why);
}

/** A header was present but invalid: flag it and count `why`. */
@inline export function markMalformed(key: usize, why: Counter): void {
  markPresent(key, P_MALFORMED);
  count(why);
}
