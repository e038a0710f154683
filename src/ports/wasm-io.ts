// A fast-path instance seen from the port backends: native addresses and views of its memory.
//
// What: `WasmIo` knows the native base address of a FastPath's linear memory, hands out a
//   DataView that follows memory.grow, and turns a tx id array into an offset in that memory.
// Design: backends pass the kernel addresses `base + offset` (iovecs, rings, read/write
//   buffers); the base never changes for the life of an instance (V8 reserves the wasm32
//   range), but memory.buffer is replaced on every grow, so views are re-made lazily.
// Invariants: `view()` is only valid until the next WASM call that may allocate.
// Threading: one per instance, on the instance's thread.

import type { FastPath } from "../datapath/fastpath-module.ts";
import { wasmBase } from "../sys/wasm-memory.ts";

export class WasmIo {
  readonly fp: FastPath;
  readonly base: number;
  private buf: ArrayBuffer;
  private dv: DataView;

  constructor(fp: FastPath) {
    this.fp = fp;
    this.base = wasmBase(fp.memory);
    this.buf = fp.memory.buffer;
    this.dv = new DataView(this.buf);
  }

  /** A DataView over the whole current memory. */
  view(): DataView {
    if (this.fp.memory.buffer !== this.buf) {
      this.buf = this.fp.memory.buffer;
      this.dv = new DataView(this.buf);
    }
    return this.dv;
  }

  /** Reads a u64 little-endian address/length as a number (exact below 2^53). */
  u64(offset: number): number {
    const v = this.view();
    return v.getUint32(offset, true) + v.getUint32(offset + 4, true) * 0x1_0000_0000;
  }

  /** Offset in this memory of ids[0..n): the view's own offset when it is a view of this
   *  memory, else a copy into `staging` (an offset of at least n u32 slots). */
  idsOffset(ids: Uint32Array, n: number, staging: number): number {
    if (ids.buffer === this.fp.memory.buffer) return ids.byteOffset;
    new Uint32Array(this.fp.memory.buffer, staging, n).set(ids.subarray(0, n));
    return staging;
  }
}
