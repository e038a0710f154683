// The actions area's WASM ABI: port sets for A_OUTPUT_SET, sampler statistics and seed, drop
// reasons, list validation, and the checksum primitives (exported so tests can hold the
// incremental updates against a full recomputation). Numbers in, numbers out.
//
// Ownership: nothing here takes or returns a packet buffer. Pointer arguments name scratch
// memory the caller owns (e.g. a buffer's data area); it is only read during the call.

import { actionsValidate } from "./action-format";
import { crc32c, csumFull } from "./checksum";
import { portSetCount, portSetDefine, portSetPort, portSetsClear } from "./port-sets";
import { samplerPool, samplerReset, samplerSeed, samplerTaken } from "./sampler";
import { actionsDropReasonCount } from "./execute";

export const actionsAbiVersion: i32 = 2;

/** Checks an action list with the executor's rules: -1 when valid, else the offset of the
 *  first bad record. */
export function actionsListCheck(list: usize, len: u32): i32 {
  return actionsValidate(list, len);
}

/** Defines or replaces port set `set` with the n u32 ports at `ports`. Returns the number of
 *  distinct ports kept, or -1 (bad set id or a port >= MAX_PORTS; the old set stays). */
export function actionsPortSetDefine(set: u32, ports: usize, n: u32): i32 {
  return portSetDefine(set, ports, n);
}
/** Number of ports in a set (0 when undefined). */
export function actionsPortSetSize(set: u32): u32 {
  return portSetCount(set);
}
/** Port i of a set, or 0xffffffff when i is out of range. */
export function actionsPortSetPort(set: u32, i: u32): u32 {
  return i < portSetCount(set) ? portSetPort(set, i) : 0xffffffff;
}
/** Forgets every port set. */
export function actionsPortSetsClear(): void {
  portSetsClear();
}

/** Packets that reached sampler id (its sample pool). */
export function actionsSamplerPool(id: u32): u64 {
  return samplerPool(id);
}
/** Packets sampler id took. */
export function actionsSamplerTaken(id: u32): u64 {
  return samplerTaken(id);
}
/** Restarts the sampling PRNG at seed (0: the default seed). */
export function actionsSamplerSeed(seed: u32): void {
  samplerSeed(seed);
}
/** Zeroes all sampler statistics and restarts the PRNG at the default seed. */
export function actionsSamplerReset(): void {
  samplerReset();
}

/** A_DROP records executed with this reason (reasons >= 63 share slot 63). */
export function actionsDropCount(reason: u32): u64 {
  return actionsDropReasonCount(reason);
}

/** Internet checksum of [p, p+len) with a pre-summed 16-bit pseudo-header `initial` (raw
 *  little-endian word sums, as in checksum.ts). */
export function actionsInetChecksum(p: usize, len: u32, initial: u32): u32 {
  return csumFull(p, len, initial);
}
/** CRC32c of [p, p+len). */
export function actionsCrc32c(p: usize, len: u32): u32 {
  return crc32c(p, len);
}
