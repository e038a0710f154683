// Benchmark drivers that run inside the module, so a timing covers the fast path and not the
// JS↔WASM call boundary (bench/ times them; tests only check they account correctly).
//
// What: template frames at benchTemplates(n, stride); benchParse parses them in a loop;
//   benchForward feeds them through the whole batch pipeline as a port backend would: take
//   BATCH_SIZE buffers, copy a template into each (the "receive"), dpProcessBatch, free the
//   misses at the upcall boundary, drain every tx batch (the "transmit").
// Invariants: every buffer taken is given back, so the pool is whole after each call.

import { KEY_SIZE } from "../key/flow-key";
import { HEADROOM, bufBase, bufSetLen, poolAlloc, poolFree } from "../buffers/pool";
import { parseFrame } from "../parse/parser";
import { BATCH_SIZE, dpProcessBatch, dpRxIds } from "./batch";
import { txDrainAll } from "./tx-batches";
import { upcallClear } from "./upcall-queue";

let templates: usize = 0;
let templateCount: u32 = 0;
let templateStride: u32 = 0;
let templateLens: usize = 0; // u32 per template
let benchKey: usize = 0;

/** Allocates room for n template frames of at most stride bytes; returns the address of the
 *  first (template i at + i*stride). Lengths are set with benchTemplateSetLength. */
export function benchTemplates(n: u32, stride: u32): usize {
  if (templates != 0) {
    heap.free(templates);
    heap.free(templateLens);
  }
  templates = heap.alloc(<usize>n * stride);
  templateLens = heap.alloc(<usize>n << 2);
  templateCount = n;
  templateStride = stride;
  if (benchKey == 0) benchKey = heap.alloc(KEY_SIZE);
  return templates;
}

export function benchTemplateSetLength(i: u32, len: u32): void {
  if (i < templateCount) store<u32>(templateLens + (<usize>i << 2), len < templateStride ? len : templateStride);
}

/** Parses `packets` frames cycling through the templates; returns a value derived from the
 *  results so the work cannot be optimised away. */
export function benchParse(packets: u32): u32 {
  let acc: u32 = 0;
  let t: u32 = 0;
  for (let i: u32 = 0; i < packets; i++) {
    acc += parseFrame(templates + <usize>t * templateStride, load<u32>(templateLens + (<usize>t << 2)), 1, benchKey);
    acc ^= load<u32>(benchKey, 4);
    if (++t == templateCount) t = 0;
  }
  return acc;
}

/** Forwards `packets` frames received on inPort, cycling through the templates (start at
 *  template `first`). With varyFlows > 0, every frame is template 0 with its IPv4 source set to
 *  10.0.0.0 + (t mod varyFlows), as a generator would write it, instead of streaming a
 *  template per flow through the cache (a 1M-flow template array is 128 MB). Returns the
 *  number of misses. */
export function benchForward(inPort: u32, packets: u32, first: u32, now: u32, varyFlows: u32): u32 {
  const ids = dpRxIds();
  let t: u32 = varyFlows > 0 ? first % varyFlows : first % templateCount;
  let misses: u32 = 0;
  let left = packets;
  while (left > 0) {
    const n = left < BATCH_SIZE ? left : BATCH_SIZE;
    let got: u32 = 0;
    for (; got < n; got++) {
      const id = poolAlloc();
      if (id < 0) break;
      const dst = bufBase(<u32>id) + HEADROOM;
      if (varyFlows > 0) {
        const len = load<u32>(templateLens);
        memory.copy(dst, templates, len);
        store<u32>(dst + 26, bswap<u32>(0x0a000000 | (t & 0xffffff)));
        bufSetLen(<u32>id, len);
        if (++t == varyFlows) t = 0;
      } else {
        const len = load<u32>(templateLens + (<usize>t << 2));
        memory.copy(dst, templates + <usize>t * templateStride, len);
        bufSetLen(<u32>id, len);
        if (++t == templateCount) t = 0;
      }
      store<u32>(ids + (<usize>got << 2), <u32>id);
    }
    if (got == 0) break;
    const m = dpProcessBatch(inPort, got, now);
    for (let i: u32 = 0; i < m; i++) poolFree(load<u32>(ids + (<usize>i << 2)));
    misses += m;
    txDrainAll();
    upcallClear();
    left -= got;
  }
  return misses;
}
