// Samplers: the 1-in-N packet selection behind A_SAMPLE (sFlow), with exact counters.
//
// What: `samplerHit(sampler, rate)` is called once for every packet that reaches an A_SAMPLE
//   record; it counts the packet in the sampler's pool and returns whether to take it.
//   Per sampler: pool (packets seen) and samples (packets taken), both u64, for the sFlow
//   agent's sample_pool / sequence fields.
// Design: one xorshift32 stream per datapath instance (Marsaglia, shifts 13/17/5), seeded
//   with a fixed constant so runs are reproducible, reseedable for tests. Selection draws
//   once per packet only when 2 <= N: taken iff (draw * N) >> 32 == 0, an unbiased-enough
//   1-in-N (bias < N / 2^32). N = 1 takes every packet, N = 0 none, neither draws.
//   The reference model in test/reference/actions-model.ts implements the same stream.
// Invariants: ids >= SAMPLER_MAX still sample (the selection does not depend on the id), but
//   keep no per-sampler stats; the global counters action.sample_pool / sample_taken count
//   every sampler.
// Threading: one WASM instance is one datapath thread; plain globals.

import { Counter, count } from "../counters/counters";

@inline export const SAMPLER_MAX: u32 = 1024;
@inline export const SAMPLER_SEED: u32 = 0x9e3779b9;

const pools = new StaticArray<u64>(SAMPLER_MAX);
const taken = new StaticArray<u64>(SAMPLER_MAX);
let state: u32 = SAMPLER_SEED;

/** Next value of the xorshift32 stream. */
@inline function draw(): u32 {
  let x = state;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state = x;
  return x;
}

/** Counts one packet at sampler `id` with rate N; true when it is to be sampled. */
@inline export function samplerHit(id: u32, rate: u32): bool {
  count(Counter.ACTION_SAMPLE_POOL);
  if (id < SAMPLER_MAX) unchecked((pools[id] += 1));
  let take: bool;
  if (rate <= 1) take = rate == 1;
  else take = ((<u64>draw() * <u64>rate) >>> 32) == 0;
  if (take) {
    count(Counter.ACTION_SAMPLE_TAKEN);
    if (id < SAMPLER_MAX) unchecked((taken[id] += 1));
  }
  return take;
}

/** Restarts the stream (0 is not a valid xorshift state and selects the default seed). */
export function samplerSeed(seed: u32): void {
  state = seed != 0 ? seed : SAMPLER_SEED;
}

/** Zeroes every sampler's counters and restarts the stream at the default seed. */
export function samplerReset(): void {
  for (let i: u32 = 0; i < SAMPLER_MAX; i++) {
    unchecked((pools[i] = 0));
    unchecked((taken[i] = 0));
  }
  state = SAMPLER_SEED;
}

export function samplerPool(id: u32): u64 {
  return id < SAMPLER_MAX ? unchecked(pools[id]) : 0;
}

export function samplerTaken(id: u32): u64 {
  return id < SAMPLER_MAX ? unchecked(taken[id]) : 0;
}
