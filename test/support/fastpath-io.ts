// Moving packets and action lists in and out of a fast-path instance from tests: write a frame
// into a fresh buffer, read back what each port's tx batch and the upcall queue hold.

import type { FastPath } from "../../src/datapath/fastpath-module.ts";

export const KEY_SIZE = 112;

/** A fresh APP buffer holding `frame`. */
export function packetIn(fp: FastPath, frame: Uint8Array): number {
  const id = fp.bufferAlloc();
  if (id < 0) throw new Error("buffer pool exhausted");
  new Uint8Array(fp.memory.buffer, fp.bufferData(id), frame.length).set(frame);
  fp.bufferSetLength(id, frame.length);
  return id;
}

/** Copies `bytes` into the data area of a scratch buffer the caller owns; returns the address. */
export function writeScratch(fp: FastPath, scratchId: number, bytes: Uint8Array): number {
  const at = fp.bufferData(scratchId);
  new Uint8Array(fp.memory.buffer, at, bytes.length).set(bytes);
  return at;
}

/** The bytes of buffer id. */
export function packetBytes(fp: FastPath, id: number): Uint8Array {
  return new Uint8Array(fp.memory.buffer, fp.bufferData(id), fp.bufferLength(id)).slice();
}

/** Every port's tx batch as port → frames, in order; then drains them all. */
export function drainTx(fp: FastPath): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  for (let p = fp.txNextPort(0); p >= 0; p = fp.txNextPort(p + 1)) {
    const ids = new Uint32Array(fp.memory.buffer, fp.txBatchIds(p), fp.txCount(p));
    out.set(
      p,
      Array.from(ids, (id) => packetBytes(fp, id)),
    );
  }
  fp.txDrainAll();
  return out;
}

export interface Upcall {
  reason: number;
  userdata: number;
  frame: Uint8Array;
  key: Uint8Array;
}

/** Every upcall record; then clears the queue. */
export function drainUpcalls(fp: FastPath): Upcall[] {
  const out: Upcall[] = [];
  for (let i = 0; i < fp.upcallCount(); i++) {
    const r = fp.upcallRecord(i);
    const v = new DataView(fp.memory.buffer, r, 128);
    out.push({
      reason: v.getUint32(4, true),
      userdata: v.getUint32(8, true),
      frame: packetBytes(fp, v.getUint32(0, true)),
      key: new Uint8Array(fp.memory.buffer, r + 16, KEY_SIZE).slice(),
    });
  }
  fp.upcallClear();
  return out;
}

/** An A_OUTPUT record. */
export function outputAction(port: number): Uint8Array {
  const a = new Uint8Array(8);
  const v = new DataView(a.buffer);
  v.setUint16(0, 1, true);
  v.setUint16(2, 8, true);
  v.setUint32(4, port, true);
  return a;
}
