// Port capture (mirror to the control plane): copies of the frames a port receives and
// transmits, for `wasmvs capture`.
//
// What: a per-port flag byte (CAP_IN | CAP_OUT) and one linear capture area. dpProcessBatch
//   asks captureRxBatch for its whole batch before parsing (frames as received); txDrain asks
//   captureTxBatch for a port's batch before freeing it (frames as transmitted, after every
//   action). The worker drains the area after each batch it processes (captureUsed /
//   captureArea / captureReset) and streams the records up its ring.
// Design: "costs nothing when nobody captures": the hot path pays one byte load and one branch
//   per batch (rx) or per port batch (tx), never per packet, and a build with
//   `--use WASMVS_NO_CAPTURE=1` compiles even that out (bench/ compares the two). Copies are
//   made only for a port whose flag is set. A record that does not fit is counted
//   (capture.dropped) and skipped; it never throws and never slows forwarding further.
// Invariants: records are whole and 4-byte aligned; the area holds only records written since
//   the last captureReset.
// Threading: one WASM instance is one datapath thread; nothing is shared.
//
//  area: records back to back, `used` bytes
//  ┌──────────┬──────────┬─────────────┬──────────┬──────────────────────────┐
//  │ u32 port │ u32 dir  │ u32 origLen │ u32 len  │ frame[len], padded to 4  │ …
//  └──────────┴──────────┴─────────────┴──────────┴──────────────────────────┘
//   dir: CAP_IN (1) received on port, CAP_OUT (2) transmitted on port

import { Counter, count } from "../counters/counters";
import { OWNER_APP, bufData, bufLen, bufOwner, poolValid } from "../buffers/pool";

// @ts-ignore: a compile-time constant given by `asc --use WASMVS_NO_CAPTURE=1`
@inline export const CAPTURE_COMPILED: bool = !isDefined(WASMVS_NO_CAPTURE);

@inline export const CAP_IN: u8 = 1;
@inline export const CAP_OUT: u8 = 2;
@inline export const CAPTURE_PORTS: u32 = 1024; // = tx-batches MAX_PORTS
@inline const AREA_SIZE: u32 = 512 << 10;
@inline const RECORD_HEADER: u32 = 16;

let flags: usize = 0; // u8[CAPTURE_PORTS]
let area: usize = 0;
let used: u32 = 0;

export function captureInit(): void {
  if (flags == 0) {
    flags = heap.alloc(CAPTURE_PORTS);
    area = heap.alloc(AREA_SIZE);
  }
  memory.fill(flags, 0, CAPTURE_PORTS);
  used = 0;
}

/** The flag byte of port (callers on the hot path: one load, then a branch). */
@inline export function captureFlags(port: u32): u8 {
  return load<u8>(flags + (<usize>port & (CAPTURE_PORTS - 1)));
}

/** Sets which directions of port are captured (0 = none). Returns false for a port out of range. */
export function captureSet(port: u32, dirs: u32): bool {
  if (port >= CAPTURE_PORTS) return false;
  store<u8>(flags + port, <u8>(dirs & (CAP_IN | CAP_OUT)));
  return true;
}

function captureOne(port: u32, dir: u32, id: u32): void {
  if (!poolValid(id)) return;
  const len = bufLen(id);
  const need = RECORD_HEADER + ((len + 3) & ~3);
  if (used + need > AREA_SIZE) {
    count(Counter.CAPTURE_DROPPED);
    return;
  }
  const r = area + used;
  store<u32>(r, port);
  store<u32>(r, dir, 4);
  store<u32>(r, len, 8);
  store<u32>(r, len, 12);
  memory.copy(r + RECORD_HEADER, bufData(id), len);
  used += need;
  count(Counter.CAPTURE_FRAMES);
}

/** Records the n received buffers at ids (u32[n]) of inPort, if inPort captures CAP_IN. */
export function captureRxBatch(inPort: u32, ids: usize, n: u32): void {
  if (inPort >= CAPTURE_PORTS) return;
  for (let i: u32 = 0; i < n; i++) {
    const id = load<u32>(ids + (<usize>i << 2));
    if (poolValid(id) && bufOwner(id) == OWNER_APP) captureOne(inPort, CAP_IN, id);
  }
}

/** Records the n buffers at ids (u32[n]) about to be transmitted on port. */
export function captureTxBatch(port: u32, ids: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) captureOne(port, CAP_OUT, load<u32>(ids + (<usize>i << 2)));
}

/** Bytes of records waiting in the area. */
export function captureUsed(): u32 {
  return used;
}

/** Address of the area (records from offset 0 to captureUsed()); read-only for the caller. */
export function captureArea(): usize {
  return area;
}

/** Empties the area (after the caller copied its records out). */
export function captureReset(): void {
  used = 0;
}

/** 1 when this build has the capture hooks (0: built with WASMVS_NO_CAPTURE, bench only). */
export function captureCompiled(): u32 {
  return CAPTURE_COMPILED ? 1 : 0;
}
