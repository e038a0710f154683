// The meters area's WASM ABI: configure meter slots, set the clock, read the counters.
// Numbers in, numbers out; counters are u64 (BigInt in JS).
//
// Ownership: meterConfigure reads nBands × 16 bytes at cfg during the call only (the caller
//   owns that memory, e.g. classifyScratch()). Nothing here takes or returns a packet buffer.
// Threading: call between batches, on the datapath's thread.

import { dscpRaisePrecedence } from "./meter-run";
import {
  B_BYTES,
  B_PACKETS,
  MAX_BANDS,
  MAX_METERS,
  M_BYTES,
  M_NBANDS,
  M_PACKETS,
  meterAt,
  meterBandAt,
  meterDefined,
  meterDelete,
  meterSet,
  meterSetClock,
} from "./meter-table";

export const metersAbiVersion: i32 = 1;

/** Number of meter slots (ids 0 .. meterCapacity()-1). */
export function meterCapacity(): u32 {
  return MAX_METERS;
}
/** Most bands one meter can have. */
export function meterMaxBands(): u32 {
  return MAX_BANDS;
}
/** Sets the meters' clock: µs from any fixed origin, never decreasing (f64, exact to 2^53). */
export function meterClock(us: f64): void {
  meterSetClock(<u64>us);
}
/** Defines or replaces a meter: flags (OFPMF_* bits), bands at cfg as
 *  { u32 type (1 DROP, 2 DSCP_REMARK), u32 rate, u32 burst_size, u32 prec_level }.
 *  0 on success, -1 when refused (nothing changed). */
export function meterConfigure(slot: u32, flags: u32, nBands: u32, cfg: usize): i32 {
  return meterSet(slot, flags, nBands, cfg);
}
/** Removes a meter; false when it was not defined. */
export function meterRemove(slot: u32): bool {
  return meterDelete(slot);
}
export function meterIsDefined(slot: u32): bool {
  return meterDefined(slot);
}
export function meterBandCount(slot: u32): u32 {
  return meterDefined(slot) ? load<u32>(meterAt(slot), M_NBANDS) : 0;
}
/** Packets / bytes that ran through the meter. */
export function meterPacketsIn(slot: u32): u64 {
  return meterDefined(slot) ? load<u64>(meterAt(slot), M_PACKETS) : 0;
}
export function meterBytesIn(slot: u32): u64 {
  return meterDefined(slot) ? load<u64>(meterAt(slot), M_BYTES) : 0;
}
/** Packets / bytes band b applied to. */
export function meterBandPackets(slot: u32, b: u32): u64 {
  return meterDefined(slot) && b < MAX_BANDS ? load<u64>(meterBandAt(meterAt(slot), b), B_PACKETS) : 0;
}
export function meterBandBytes(slot: u32, b: u32): u64 {
  return meterDefined(slot) && b < MAX_BANDS ? load<u64>(meterBandAt(meterAt(slot), b), B_BYTES) : 0;
}
/** The DSCP a DSCP_REMARK band with prec_level `levels` turns `dscp` into (tests). */
export function meterRemarkedDscp(dscp: u32, levels: u32): u32 {
  return dscpRaisePrecedence(dscp, levels);
}
