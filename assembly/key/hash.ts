// Key hashing: one 32-bit hash for the exact-match cache, over the full 112-byte key.
//
// Design: a multiply-xorshift mix over fourteen u64 words (in the style of wyhash/murmur's
//   finaliser). It is not cryptographic; the tables it feeds are sized by the control plane
//   and a bad distribution only costs speed, never correctness (every hit compares full keys).
// Invariants: equal keys give equal hashes; the function reads exactly 112 bytes.

import { KEY_WORDS64 } from "./flow-key";

@inline const M1: u64 = 0x9e3779b97f4a7c15;
@inline const M2: u64 = 0xbf58476d1ce4e5b9;

/** Final avalanche of a 64-bit accumulator down to 32 bits. */
@inline export function hashFinish(h: u64): u32 {
  h ^= h >>> 31;
  h *= M2;
  h ^= h >>> 29;
  return <u32>(h ^ (h >>> 32));
}

/** Mixes one 64-bit word into the accumulator. */
@inline export function hashMix(h: u64, w: u64): u64 {
  return rotl<u64>(h ^ (w * M1), 27) * M2;
}

/** Hash of the full 112-byte key at `key`. */
@inline export function keyHash(key: usize): u32 {
  let h: u64 = 0x2545f4914f6cdd1d;
  for (let i: u32 = 0; i < KEY_WORDS64; i++) {
    h = hashMix(h, load<u64>(key + (<usize>i << 3)));
  }
  return hashFinish(h);
}
