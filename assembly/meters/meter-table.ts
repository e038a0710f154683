// The fast path's meter table: per-meter configuration, token buckets and counters, and the
// clock the buckets refill from.
//
// What: MAX_METERS slots, each one meter (OpenFlow 1.3.5 §5.7): flags (KBPS or PKTPS, BURST,
//   STATS), up to MAX_BANDS bands (DROP, DSCP_REMARK with a precedence level), one token
//   bucket per band, packet/byte "in" counters and per-band packet/byte counters. The control
//   plane picks slots (one per OpenFlow meter of any bridge) and configures them with
//   meterSet / meterDelete; A_METER records (action-format.ts) name a slot. meter-run.ts is
//   the per-packet side.
// Design: one unit for both kinds of meter so the bucket code has no branches on it: a bucket
//   holds rate × µs, i.e. millionths of a packet (PKTPS: rate in packets/s) or thousandths of a
//   bit (KBPS: rate in kbit/s, 1 kbit/s × 1 µs = 1/1000 bit). A packet costs 1,000,000 units
//   (PKTPS) or bytes × 8000 (KBPS); a bucket holds at most burst × 1,000,000 (burst in
//   packets or kbits). Burst: OFPMF_BURST → the band's burst_size; otherwise, or when it is 0,
//   the band's rate, i.e. one second of traffic at the band rate — what Open vSwitch's
//   userspace datapath (dpif-netdev, dpif_netdev_meter_set) does when no burst is given. A
//   bucket starts full, as there.
//   WASM has no clock: the worker sets one (meterSetClock, µs, monotonic) per batch; every
//   packet of a batch hits the meter at the same time, as in dp_netdev_run_meter.
//
//   slot (METER_SIZE = 48 + MAX_BANDS × 48 bytes):
//    0 defined u32 │ 4 flags u32 │ 8 nBands u32 │ 12 pad │ 16 last µs u64 │ 24 packets u64
//    │ 32 bytes u64 │ 40 pad │ 48 band[0] │ 96 band[1] ...
//   band (48 bytes):
//    0 type u32 │ 4 rate u32 │ 8 precLevel u32 │ 12 pad │ 16 capacity u64 │ 24 bucket u64
//    │ 32 packets u64 │ 40 bytes u64
//
// Invariants: a slot that is not defined is all zeros; 0 ≤ bucket ≤ capacity; a band's rate
//   is > 0 (meterSet refuses 0: the control plane answers BAD_RATE before it gets here).
// Threading: one WASM instance is one datapath thread; the table is plain memory.

@inline export const MAX_METERS: u32 = 4096;
@inline export const MAX_BANDS: u32 = 8;

@inline export const MF_KBPS: u32 = 1;
@inline export const MF_PKTPS: u32 = 2;
@inline export const MF_BURST: u32 = 4;
@inline export const MF_STATS: u32 = 8;

@inline export const BAND_DROP: u32 = 1;
@inline export const BAND_DSCP_REMARK: u32 = 2;

/** Bucket units per packet (PKTPS) and per burst unit (packet or kbit). */
@inline export const UNITS_PER_PACKET: u64 = 1_000_000;
/** Bucket units per byte (KBPS): 8 bits × 1000. */
@inline export const UNITS_PER_BYTE: u64 = 8000;

@inline export const M_DEFINED: usize = 0;
@inline export const M_FLAGS: usize = 4;
@inline export const M_NBANDS: usize = 8;
@inline export const M_LAST: usize = 16;
@inline export const M_PACKETS: usize = 24;
@inline export const M_BYTES: usize = 32;
@inline export const M_BANDS: usize = 48;

@inline export const B_TYPE: usize = 0;
@inline export const B_RATE: usize = 4;
@inline export const B_PREC: usize = 8;
@inline export const B_CAP: usize = 16;
@inline export const B_BUCKET: usize = 24;
@inline export const B_PACKETS: usize = 32;
@inline export const B_BYTES: usize = 40;
@inline export const BAND_SIZE: usize = 48;
@inline export const METER_SIZE: usize = M_BANDS + <usize>MAX_BANDS * BAND_SIZE;

/** The configuration record meterSet reads, per band (16 bytes). */
@inline export const CFG_BAND_SIZE: u32 = 16;

let table: usize = 0;
let nowUs: u64 = 0;

export function meterInit(): void {
  if (table == 0) table = heap.alloc(<usize>MAX_METERS * METER_SIZE);
  memory.fill(table, 0, <usize>MAX_METERS * METER_SIZE);
  nowUs = 0;
}

@inline export function meterAt(slot: u32): usize {
  return table + <usize>slot * METER_SIZE;
}

@inline export function meterBandAt(m: usize, b: u32): usize {
  return m + M_BANDS + <usize>b * BAND_SIZE;
}

/** The datapath clock in µs (monotonic; set by the worker before each batch). */
export function meterSetClock(us: u64): void {
  nowUs = us;
}

@inline export function meterNow(): u64 {
  return nowUs;
}

/** Defines or replaces meter `slot`: flags (MF_*) and nBands bands at cfg, each
 *  { u32 type, u32 rate, u32 burst_size, u32 prec_level }. Buckets start full at the current
 *  clock. Replacing keeps the in counters and the counters of bands that stay (by index).
 *  Returns 0, or -1 (bad slot, too many bands, unknown band type, rate 0; nothing changes). */
export function meterSet(slot: u32, flags: u32, nBands: u32, cfg: usize): i32 {
  if (slot >= MAX_METERS || nBands > MAX_BANDS) return -1;
  for (let i: u32 = 0; i < nBands; i++) {
    const c = cfg + <usize>i * CFG_BAND_SIZE;
    const type = load<u32>(c);
    if ((type != BAND_DROP && type != BAND_DSCP_REMARK) || load<u32>(c, 4) == 0) return -1;
  }
  const m = meterAt(slot);
  const old = load<u32>(m, M_DEFINED) != 0 ? load<u32>(m, M_NBANDS) : 0;
  for (let i: u32 = nBands; i < old; i++) memory.fill(meterBandAt(m, i), 0, BAND_SIZE);
  store<u32>(m, 1, M_DEFINED);
  store<u32>(m, flags, M_FLAGS);
  store<u32>(m, nBands, M_NBANDS);
  store<u64>(m, nowUs, M_LAST);
  for (let i: u32 = 0; i < nBands; i++) {
    const c = cfg + <usize>i * CFG_BAND_SIZE;
    const b = meterBandAt(m, i);
    const rate = load<u32>(c, 4);
    const burst = (flags & MF_BURST) != 0 && load<u32>(c, 8) != 0 ? load<u32>(c, 8) : rate;
    const cap = <u64>burst * UNITS_PER_PACKET;
    if (i >= old) {
      store<u64>(b, 0, B_PACKETS);
      store<u64>(b, 0, B_BYTES);
    }
    store<u32>(b, load<u32>(c), B_TYPE);
    store<u32>(b, rate, B_RATE);
    store<u32>(b, load<u32>(c, 12), B_PREC);
    store<u64>(b, cap, B_CAP);
    store<u64>(b, cap, B_BUCKET);
  }
  return 0;
}

/** Forgets meter `slot` (its counters too). False when it was not defined. */
export function meterDelete(slot: u32): bool {
  if (slot >= MAX_METERS) return false;
  const m = meterAt(slot);
  const was = load<u32>(m, M_DEFINED) != 0;
  memory.fill(m, 0, METER_SIZE);
  return was;
}

export function meterDefined(slot: u32): bool {
  return slot < MAX_METERS && load<u32>(meterAt(slot), M_DEFINED) != 0;
}
