// Running a meter over one packet: the A_METER record's work (OpenFlow 1.3.5 §5.7).
//
// What: meterRun(slot, id, key) refills the meter's band buckets from the clock, counts the
//   packet in, and finds the band that applies: among the bands whose bucket cannot pay for
//   the packet (the measured rate is above the band's rate), the one with the highest rate.
//   DROP: the caller frees the packet (METER_DROPPED). DSCP_REMARK: the packet's DSCP drop
//   precedence goes up by prec_level (METER_PASSED). No band applies: METER_PASSED, untouched.
// Design: per packet, as dp_netdev_run_meter does per batch: a band whose bucket can pay is
//   drained, one that cannot is left as it is (an exceeding packet takes no tokens). The refill
//   is saturating and overflow-free: delta × rate is only computed when it stays below the
//   room left in the bucket. The clock never runs backwards for a meter (an older time than
//   the last one refills nothing).
//   DSCP remark: the DSCP is [class 3 | drop precedence 2 | 0], so AF11 (10) → AF12 (12) →
//   AF13 (14); the precedence saturates at 3 (the highest there is), and a DSCP with precedence
//   0 (best effort, CS*) gets precedence min(prec_level, 3) too — the spec asks for "increased
//   drop precedence" and says nothing of non-AF classes. The rewrite is set-field.ts's setDscp
//   (IPv4 header checksum kept right, ECN kept); a non-IP packet is passed unchanged.
// Invariants: every call counts the packet in the meter (if defined); band counters count the
//   packets the band applied to; meter.drop / meter.remark / meter.unknown count the outcomes.
// Threading: datapath thread.

import { bufLen } from "../buffers/pool";
import { Counter, count } from "../counters/counters";
import { getDscp, setDscp } from "../actions/set-field";
import {
  BAND_DROP,
  B_BUCKET,
  B_BYTES,
  B_CAP,
  B_PACKETS,
  B_PREC,
  B_RATE,
  B_TYPE,
  MAX_METERS,
  MF_PKTPS,
  M_BYTES,
  M_DEFINED,
  M_FLAGS,
  M_LAST,
  M_NBANDS,
  M_PACKETS,
  UNITS_PER_BYTE,
  UNITS_PER_PACKET,
  meterAt,
  meterBandAt,
  meterNow,
} from "./meter-table";

@inline export const METER_PASSED: i32 = 0;
@inline export const METER_DROPPED: i32 = 1;

/** The DSCP with its drop precedence raised by `levels` (saturating at 3). */
export function dscpRaisePrecedence(dscp: u32, levels: u32): u32 {
  const prec = (dscp >> 1) & 3;
  const raised = prec + levels > 3 ? 3 : prec + levels;
  return (dscp & 0x39) | (raised << 1);
}

export function meterRun(slot: u32, id: u32, key: usize): i32 {
  if (slot >= MAX_METERS) {
    count(Counter.METER_UNKNOWN);
    return METER_PASSED;
  }
  const m = meterAt(slot);
  if (load<u32>(m, M_DEFINED) == 0) {
    count(Counter.METER_UNKNOWN);
    return METER_PASSED;
  }
  const len = bufLen(id);
  const now = meterNow();
  const last = load<u64>(m, M_LAST);
  let delta: u64 = 0;
  if (now > last) {
    delta = now - last;
    store<u64>(m, now, M_LAST);
  }
  store<u64>(m, load<u64>(m, M_PACKETS) + 1, M_PACKETS);
  store<u64>(m, load<u64>(m, M_BYTES) + len, M_BYTES);

  const cost: u64 = (load<u32>(m, M_FLAGS) & MF_PKTPS) != 0 ? UNITS_PER_PACKET : <u64>len * UNITS_PER_BYTE;
  const n = load<u32>(m, M_NBANDS);
  let hit: usize = 0;
  let hitRate: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const b = meterBandAt(m, i);
    const rate = load<u32>(b, B_RATE);
    const cap = load<u64>(b, B_CAP);
    let bucket = load<u64>(b, B_BUCKET);
    if (delta != 0) {
      const room = cap - bucket;
      bucket = delta >= room / <u64>rate + 1 ? cap : bucket + delta * <u64>rate;
    }
    if (bucket >= cost) {
      bucket -= cost;
    } else if (rate > hitRate) {
      hit = b;
      hitRate = rate;
    }
    store<u64>(b, bucket, B_BUCKET);
  }
  if (hit == 0) return METER_PASSED;
  store<u64>(hit, load<u64>(hit, B_PACKETS) + 1, B_PACKETS);
  store<u64>(hit, load<u64>(hit, B_BYTES) + len, B_BYTES);
  if (load<u32>(hit, B_TYPE) == BAND_DROP) {
    count(Counter.METER_DROP);
    return METER_DROPPED;
  }
  count(Counter.METER_REMARK);
  const dscp = getDscp(id, key);
  if (dscp >= 0) setDscp(id, key, <u8>dscpRaisePrecedence(<u32>dscp, load<u32>(hit, B_PREC)));
  return METER_PASSED;
}
