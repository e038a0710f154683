import { describe, expect, it } from "vitest";
import { createFastPath, type FastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import { drainTx, KEY_SIZE, outputAction, packetBytes, packetIn } from "../../support/fastpath-io.ts";
import { udpFrame } from "../../support/frames.ts";

const IN_PORT = 3;

/** Fills the rx batch with fresh buffers holding `frames`; returns their ids. */
function receive(fp: FastPath, frames: Uint8Array[]): number[] {
  const ids = frames.map((f) => packetIn(fp, f));
  new Uint32Array(fp.memory.buffer, fp.dpRxIds(), ids.length).set(ids);
  return ids;
}

/** Installs a megaflow matching in_port + IPv4 source of `frame` exactly, with `actions`. */
function installFor(fp: FastPath, frame: Uint8Array, actions: Uint8Array): number {
  const s = fp.classifyScratch();
  const id = packetIn(fp, frame);
  const k = fp.dpParse(id);
  const mem = new Uint8Array(fp.memory.buffer);
  mem.copyWithin(s, k, k + KEY_SIZE);
  new DataView(fp.memory.buffer).setUint32(s, IN_PORT, true);
  const mask = new Uint8Array(KEY_SIZE);
  const mv = new DataView(mask.buffer);
  mv.setUint32(0, 0xffffffff, true);
  mv.setUint16(20, 0xffff);
  mv.setUint32(32, 0xffffffff);
  mem.set(mask, s + KEY_SIZE);
  mem.set(actions, s + 2 * KEY_SIZE);
  fp.bufferFree(id);
  return fp.megaflowInsert(s, s + KEY_SIZE, s + 2 * KEY_SIZE, actions.length);
}

function missSource(fp: FastPath, i: number): number {
  return new DataView(fp.memory.buffer).getUint32(fp.dpMissKey(i) + 32);
}

describe("batch pipeline", () => {
  it("returns every packet as a miss, in order, with its key, when no megaflow matches", async () => {
    const fp = await createFastPath({ buffers: 64 });
    const frames = [0, 1, 2, 3, 4].map((i) => udpFrame(i));
    const ids = receive(fp, frames);
    const m = fp.dpProcessBatch(IN_PORT, ids.length, 1);
    expect(m).toBe(5);
    expect(Array.from(new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 5))).toEqual(ids);
    for (let i = 0; i < 5; i++) {
      expect(new DataView(fp.memory.buffer).getUint32(fp.dpMissKey(i), true)).toBe(IN_PORT);
      expect(missSource(fp, i)).toBe((10 << 24) | i);
    }
  });

  it("executes hits, moves misses (ids and keys) to the front, and caches hits", async () => {
    const fp = await createFastPath({ buffers: 64 });
    expect(installFor(fp, udpFrame(1), outputAction(7))).toBeGreaterThanOrEqual(0);
    expect(installFor(fp, udpFrame(3), outputAction(7))).toBeGreaterThanOrEqual(0);
    const frames = [0, 1, 2, 3, 4].map((i) => udpFrame(i));
    const ids = receive(fp, frames);
    const m = fp.dpProcessBatch(IN_PORT, 5, 1);
    expect(m).toBe(3);
    expect(Array.from(new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 3))).toEqual([ids[0], ids[2], ids[4]]);
    expect([0, 1, 2].map((i) => missSource(fp, i))).toEqual([0, 2, 4].map((i) => (10 << 24) | i));
    const tx = drainTx(fp);
    expect([...tx.keys()]).toEqual([7]);
    expect(tx.get(7)).toEqual([frames[1], frames[3]]);
    let c = readCounters(fp);
    expect(c["megaflow.hit"]).toBe(2n);
    expect(c["upcall.miss"]).toBe(3n);

    // The misses are still the caller's: hand one to actions, free the rest.
    const list = outputAction(9);
    const at = fp.classifyScratch();
    new Uint8Array(fp.memory.buffer, at, list.length).set(list);
    fp.dpExecuteMiss(1, at, list.length);
    fp.bufferFree(ids[0]);
    fp.bufferFree(ids[4]);
    expect(drainTx(fp).get(9)).toEqual([frames[2]]);

    // Flow 1 again: served by the exact-match cache this time.
    receive(fp, [udpFrame(1)]);
    expect(fp.dpProcessBatch(IN_PORT, 1, 2)).toBe(0);
    c = readCounters(fp);
    expect(c["emc.hit"]).toBe(1n);
    expect(drainTx(fp).get(7)).toEqual([frames[1]]);
    expect(fp.bufferFreeCount()).toBe(64);
  });

  it("counts per megaflow which cache found each packet: classifier hits, the rest EMC hits", async () => {
    const fp = await createFastPath({ buffers: 64 });
    const a = installFor(fp, udpFrame(1), outputAction(7));
    const b = installFor(fp, udpFrame(3), outputAction(7));
    // Batch 1: both found by the classifier (then cached); batch 2 and 3: a from the cache.
    receive(fp, [udpFrame(1), udpFrame(3)]);
    fp.dpProcessBatch(IN_PORT, 2, 1);
    receive(fp, [udpFrame(1)]);
    fp.dpProcessBatch(IN_PORT, 1, 2);
    receive(fp, [udpFrame(1), udpFrame(1)]);
    fp.dpProcessBatch(IN_PORT, 2, 3);
    drainTx(fp);
    expect([fp.megaflowPackets(a), fp.megaflowClassifierHits(a)]).toEqual([4n, 1n]);
    expect([fp.megaflowPackets(b), fp.megaflowClassifierHits(b)]).toEqual([1n, 1n]);
    // With the cache off every hit is the classifier's.
    fp.dpSetEmcEnabled(false);
    receive(fp, [udpFrame(3), udpFrame(3)]);
    fp.dpProcessBatch(IN_PORT, 2, 4);
    drainTx(fp);
    expect([fp.megaflowPackets(b), fp.megaflowClassifierHits(b)]).toEqual([3n, 3n]);
    // A new flow in a reused record starts from zero.
    fp.megaflowRemove(b);
    const c = installFor(fp, udpFrame(5), outputAction(7));
    expect(c).toBe(b);
    expect(fp.megaflowClassifierHits(c)).toBe(0n);
  });

  it("stops serving a removed megaflow, from the cache too", async () => {
    const fp = await createFastPath({ buffers: 64 });
    const f = installFor(fp, udpFrame(5), outputAction(2));
    for (let round = 0; round < 2; round++) {
      receive(fp, [udpFrame(5)]);
      expect(fp.dpProcessBatch(IN_PORT, 1, 1)).toBe(0);
      drainTx(fp);
    }
    expect(readCounters(fp)["emc.hit"]).toBe(1n);
    expect(fp.megaflowRemove(f)).toBe(true);
    const [id] = receive(fp, [udpFrame(5)]);
    expect(fp.dpProcessBatch(IN_PORT, 1, 1)).toBe(1);
    expect(packetBytes(fp, id)).toEqual(udpFrame(5));
    fp.bufferFree(id);
  });

  it("skips ids that are out of range or not held by the caller, and counts them", async () => {
    const fp = await createFastPath({ buffers: 8 });
    const good = packetIn(fp, udpFrame(1));
    const freed = packetIn(fp, udpFrame(2));
    fp.bufferFree(freed);
    new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 3).set([1000, freed, good]);
    const m = fp.dpProcessBatch(IN_PORT, 3, 1);
    expect(m).toBe(1);
    expect(new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 1)[0]).toBe(good);
    expect(readCounters(fp)["batch.bad_buffer"]).toBe(2n);
    fp.bufferFree(good);
    expect(fp.bufferFreeCount()).toBe(8);
  });

  it("processes at most BATCH_SIZE packets per call", async () => {
    const fp = await createFastPath({ buffers: 64 });
    expect(fp.dpBatchSize()).toBe(32);
    const ids = receive(
      fp,
      Array.from({ length: 32 }, (_, i) => udpFrame(i)),
    );
    expect(fp.dpProcessBatch(IN_PORT, 40, 1)).toBe(32);
    expect(readCounters(fp)["batch.bad_buffer"]).toBe(8n);
    for (const id of ids) fp.bufferFree(id);
  });
});
