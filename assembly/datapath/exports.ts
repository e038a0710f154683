// The datapath's WASM ABI: set-up, buffers, the batch entry point, tx batches, upcalls,
// counters. Everything here takes and returns numbers (ids, addresses in this memory).
//
// Ownership at each export is stated on it; the rules are those of buffers/pool.ts.

import { Counter, counterGet, counterNameOf, countersReset } from "../counters/counters";
import {
  DEFAULT_DATA_ROOM,
  HEADROOM,
  OWNER_APP,
  bufData,
  bufL3,
  bufL4,
  bufLen,
  bufOff,
  bufOwner,
  bufRoom,
  bufSetLen,
  poolAlloc,
  poolAuditBegin,
  poolAuditFinish,
  poolAuditMark,
  poolFree,
  poolFreeCount,
  poolInit,
  poolSize,
  poolValid,
} from "../buffers/pool";
import { emcInit } from "../classify/emc";
import { megaflowInit } from "../classify/megaflow";
import { txAudit, txBatchIds, txCount, txDrain, txDrainAll, txInit, txNextPort } from "./tx-batches";
import { upcallAudit, upcallClear, upcallCount, upcallInit, upcallRecord } from "./upcall-queue";
import { BATCH_SIZE, batchInit } from "./batch";
import { portSetsClear } from "../actions/port-sets";
import { samplerReset } from "../actions/sampler";
import { meterInit } from "../meters/meter-table";
import { captureInit } from "../capture/capture";

export { dpProcessBatch, dpRxIds, dpMissKey, dpExecuteMiss, dpExecute, dpParse, dpCopyMissKey } from "./batch";

/** Sets up a datapath instance: nBufs packet buffers of dataRoom bytes (0 = 2048), an
 *  exact-match cache of emcEntries (power of two), room for maxFlows megaflows. Call once
 *  before anything else; calling again resets everything. */
export function dpInit(nBufs: u32, dataRoom: u32, emcEntries: u32, maxFlows: u32): void {
  poolInit(nBufs, dataRoom == 0 ? DEFAULT_DATA_ROOM : dataRoom);
  txInit();
  upcallInit();
  batchInit();
  emcInit(emcEntries);
  megaflowInit(maxFlows);
  portSetsClear();
  samplerReset();
  meterInit();
  captureInit();
  countersReset();
}

export function dpBatchSize(): u32 {
  return BATCH_SIZE;
}
export function dpHeadroom(): u32 {
  return HEADROOM;
}

// Buffers. bufferAlloc hands an APP buffer to the caller (-1 when none is free); bufferFree
// takes any buffer back.
export { poolAlloc as bufferAlloc, poolFree as bufferFree, poolFreeCount as bufferFreeCount };
export { poolSize as bufferCount, bufRoom as bufferRoom, bufOff as bufferOffset };
export function bufferData(id: u32): usize {
  return poolValid(id) ? bufData(id) : 0;
}
export function bufferLength(id: u32): u32 {
  return poolValid(id) ? bufLen(id) : 0;
}
/** Sets the packet length after the caller wrote bytes at bufferData(id); clamped to room. */
export function bufferSetLength(id: u32, len: u32): void {
  if (!poolValid(id)) return;
  const room = bufRoom(id);
  bufSetLen(id, len > room ? room : len);
}
export function bufferOwner(id: u32): u32 {
  return poolValid(id) ? bufOwner(id) : 0xff;
}
export function bufferL3(id: u32): u32 {
  return bufL3(id);
}
export function bufferL4(id: u32): u32 {
  return bufL4(id);
}

/** Ownership audit: the caller lists the APP buffers it holds in appIds[0..n); returns the
 *  number of buffers not held by exactly one place (0 = exact accounting). */
export function bufferAudit(appIds: usize, n: u32): u32 {
  poolAuditBegin();
  txAudit();
  upcallAudit();
  for (let i: u32 = 0; i < n; i++) poolAuditMark(load<u32>(appIds + (<usize>i << 2)), OWNER_APP);
  return poolAuditFinish();
}

// Transmit batches: after a batch, for each port p from txNextPort, send txCount(p) buffers
// whose ids are at txBatchIds(p), then txDrain(p) gives them back to the pool.
export { txCount, txBatchIds, txNextPort, txDrain, txDrainAll };

// Upcall queue (userspace / sample / TTL): records at upcallRecord(i); upcallClear frees them.
export { upcallCount, upcallRecord, upcallClear };

// Counters by name.
export function counterCount(): i32 {
  return Counter.COUNT;
}
export function counterName(i: i32): string {
  return counterNameOf(i);
}
export function counterValue(i: i32): u64 {
  return counterGet(i);
}

export { dpSetEmcEnabled } from "./batch";

// Port capture (capture/capture.ts): captureSet(port, dirs) turns a port's mirror on (1 in,
// 2 out, 3 both) or off; after a batch, records at captureArea() [0, captureUsed()) belong to
// the caller until captureReset().
export { captureSet, captureUsed, captureArea, captureReset, captureCompiled } from "../capture/capture";
// In-module benchmark drivers (bench/ times them).
export { benchTemplates, benchTemplateSetLength, benchParse, benchForward } from "./bench-loop";
