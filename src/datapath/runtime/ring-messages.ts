// Record types and payload layouts of the two rings between the control plane and the
// datapath worker (spsc-ring.ts). All integers little-endian; counts as f64 (exact to 2^53, no
// BigInt on the hot path).
//
// up (worker → main)
//   UP_MISS        u32 inPort │ key[112] │ u32 len │ packet
//   UP_ACTION      u32 reason │ u32 userdata │ key[112] │ u32 len │ packet   (userspace/sample/TTL)
//   UP_FLOW_STATS  u32 n │ n × { u32 handle │ u32 used(ms) │ f64 packets │ f64 bytes }
//   UP_FLOW_GONE   u32 n │ n × { u32 handle │ u32 why │ f64 packets │ f64 bytes }
//   UP_FENCE       u32 id      (every down record written before DOWN_FENCE id has been applied)
//   UP_CAPTURE     f64 time (ms since the epoch) │ capture records (assembly/capture/capture.ts)
// down (main → worker)
//   DOWN_INSTALL   u32 handle │ key[112] │ mask[112] │ u32 alen │ actions │ u32 inPort │ u32 len │ packet
//                  (len 0: nothing to execute; otherwise the packet runs through the actions)
//   DOWN_EXECUTE   u32 inPort │ u32 alen │ actions │ u32 len │ packet
//   DOWN_DELETE    u32 handle
//   DOWN_FLUSH     (empty)
//   DOWN_FENCE     u32 id      (echoed up as UP_FENCE once everything before it is applied)
//   DOWN_METER_SET u32 slot │ u32 flags (OFPMF_*) │ u32 fresh │ u32 n │ n × { u32 type │ u32 rate │
//                  u32 burst │ u32 prec }  (defines or replaces fast-path meter `slot` in place,
//                  assembly/meters/; fresh ≠ 0: a new meter, whatever the slot held is forgotten)
//   DOWN_METER_DEL u32 slot

import { KEY_SIZE } from "../flow-key.ts";

export const UP_MISS = 1;
export const UP_ACTION = 2;
export const UP_FLOW_STATS = 3;
export const UP_FLOW_GONE = 4;
export const UP_FENCE = 5;
export const UP_CAPTURE = 6;

export const DOWN_INSTALL = 1;
export const DOWN_EXECUTE = 2;
export const DOWN_DELETE = 3;
export const DOWN_FLUSH = 4;
export const DOWN_FENCE = 5;
export const DOWN_METER_SET = 6;
export const DOWN_METER_DEL = 7;

export const GONE_IDLE = 1;
export const GONE_REJECTED = 2;
export const GONE_DELETED = 3;

export const FLOW_STATS_RECORD = 24;
export const FLOW_GONE_RECORD = 24;

export function installLength(actions: number, packet: number): number {
  return 4 + 2 * KEY_SIZE + 4 + actions + 8 + packet;
}

export function executeLength(actions: number, packet: number): number {
  return 4 + 4 + actions + 4 + packet;
}

/** Bytes of one band in a DOWN_METER_SET record (the fast path's meterConfigure layout). */
export const METER_BAND_RECORD = 16;

export function meterSetLength(bands: number): number {
  return 16 + bands * METER_BAND_RECORD;
}
