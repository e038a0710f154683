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

/** Hash of the full 112-byte key at `key`.
 *  The fourteen words are folded with distinct rotations (independent operations the CPU runs
 *  in parallel, unlike a multiply chain), then one strong finaliser avalanches the result. */
@inline export function keyHash(key: usize): u32 {
  const a = load<u64>(key, 0) ^ rotl<u64>(load<u64>(key, 8), 5) ^ rotl<u64>(load<u64>(key, 16), 11);
  const b = load<u64>(key, 24) ^ rotl<u64>(load<u64>(key, 32), 17) ^ rotl<u64>(load<u64>(key, 40), 23);
  const c = load<u64>(key, 48) ^ rotl<u64>(load<u64>(key, 56), 29) ^ rotl<u64>(load<u64>(key, 64), 37);
  const d = load<u64>(key, 72) ^ rotl<u64>(load<u64>(key, 80), 41) ^ rotl<u64>(load<u64>(key, 88), 47);
  const e = rotl<u64>(load<u64>(key, 96), 53) ^ rotl<u64>(load<u64>(key, 104), 59);
  let h = (a ^ rotl<u64>(b, 3)) + (c ^ rotl<u64>(d, 7)) + e;
  h ^= h >>> 33;
  h *= M1;
  return hashFinish(h);
}
