// The fast path's port capture (assembly/capture/capture.ts): frames of a captured port are
// copied as received (before any action) and as transmitted (after every action), only in the
// directions asked for, and nothing is copied for a port whose flag is clear.

import { describe, expect, it } from "vitest";
import { ActionList } from "../../../src/datapath/datapath-actions.ts";
import { createFastPath, type FastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import { CAP_BOTH, CAP_IN, CAP_OUT, parseCaptureRecords } from "../../../src/observe/capture-hub.ts";
import { KEY_SIZE, packetIn } from "../../support/fastpath-io.ts";
import { udpFrame } from "../../support/frames.ts";

const IN = 3;
const OUT = 5;

/** A megaflow for in_port IN (any packet) with `actions`. */
function installAll(fp: FastPath, actions: Uint8Array): void {
  const s = fp.classifyScratch();
  const mem = new Uint8Array(fp.memory.buffer);
  mem.fill(0, s, s + 2 * KEY_SIZE);
  const v = new DataView(fp.memory.buffer);
  v.setUint32(s, IN, true);
  v.setUint32(s + KEY_SIZE, 0xffffffff, true);
  mem.set(actions, s + 2 * KEY_SIZE);
  expect(fp.megaflowInsert(s, s + KEY_SIZE, s + 2 * KEY_SIZE, actions.length)).toBeGreaterThanOrEqual(0);
}

/** Runs frames through one batch on IN and drains tx; returns the capture records. */
function pass(fp: FastPath, frames: Uint8Array[]) {
  const ids = frames.map((f) => packetIn(fp, f));
  new Uint32Array(fp.memory.buffer, fp.dpRxIds(), ids.length).set(ids);
  const misses = fp.dpProcessBatch(IN, ids.length, 1);
  expect(misses).toBe(0);
  fp.txDrainAll();
  const used = fp.captureUsed();
  const records = new Uint8Array(fp.memory.buffer, fp.captureArea(), used).slice();
  fp.captureReset();
  return parseCaptureRecords(0, records);
}

describe("port capture in the fast path", () => {
  it("copies nothing while no port is captured", async () => {
    const fp = await createFastPath({ buffers: 64 });
    installAll(fp, new ActionList().output(OUT).bytes());
    expect(pass(fp, [udpFrame(1), udpFrame(2)])).toEqual([]);
    expect(readCounters(fp)["capture.frames"]).toBe(0n);
  });

  it("copies received frames before actions change them and transmitted frames after", async () => {
    const fp = await createFastPath({ buffers: 64 });
    installAll(fp, new ActionList().pushVlan(0x8100, 10).output(OUT).bytes());
    expect(fp.captureSet(IN, CAP_IN)).toBe(true);
    expect(fp.captureSet(OUT, CAP_OUT)).toBe(true);
    const frames = [udpFrame(1), udpFrame(2, { len: 200 })];
    const got = pass(fp, frames);
    const rx = got.filter((f) => f.dir === CAP_IN);
    const tx = got.filter((f) => f.dir === CAP_OUT);
    expect(rx.map((f) => [f.dpPort, Array.from(f.data)])).toEqual(frames.map((f) => [IN, Array.from(f)]));
    expect(tx).toHaveLength(2);
    for (const [i, f] of tx.entries()) {
      expect(f.dpPort).toBe(OUT);
      expect(f.data.length).toBe(frames[i].length + 4);
      expect(f.origLen).toBe(f.data.length);
      expect(new DataView(f.data.buffer, f.data.byteOffset).getUint16(12)).toBe(0x8100);
      expect(new DataView(f.data.buffer, f.data.byteOffset).getUint16(14) & 0xfff).toBe(10);
    }
    expect(readCounters(fp)["capture.frames"]).toBe(4n);
  });

  it("captures only the directions asked for, and stops when the flag is cleared", async () => {
    const fp = await createFastPath({ buffers: 64 });
    installAll(fp, new ActionList().output(OUT).bytes());
    fp.captureSet(IN, CAP_OUT); // IN transmits nothing here
    expect(pass(fp, [udpFrame(1)])).toEqual([]);
    fp.captureSet(OUT, CAP_BOTH);
    expect(pass(fp, [udpFrame(1)]).map((f) => [f.dpPort, f.dir])).toEqual([[OUT, CAP_OUT]]);
    fp.captureSet(OUT, 0);
    fp.captureSet(IN, 0);
    expect(pass(fp, [udpFrame(1)])).toEqual([]);
    expect(fp.captureSet(1024, CAP_IN)).toBe(false);
  });

  it("counts and skips frames that do not fit the capture area, never corrupting it", async () => {
    const fp = await createFastPath({ buffers: 1024 });
    installAll(fp, new ActionList().output(OUT).bytes());
    fp.captureSet(IN, CAP_IN);
    let captured = 0;
    // 512 KiB area: 1000-byte frames, 32 per batch, no reset between batches.
    for (let b = 0; b < 20; b++) {
      const ids = Array.from({ length: 32 }, (_, i) => packetIn(fp, udpFrame(i, { len: 1000 })));
      new Uint32Array(fp.memory.buffer, fp.dpRxIds(), 32).set(ids);
      fp.dpProcessBatch(IN, 32, 1);
      fp.txDrainAll();
    }
    const records = new Uint8Array(fp.memory.buffer, fp.captureArea(), fp.captureUsed()).slice();
    for (const f of parseCaptureRecords(0, records)) {
      expect(f.data.length).toBe(1000);
      captured++;
    }
    const c = readCounters(fp);
    expect(BigInt(captured)).toBe(c["capture.frames"]);
    expect(c["capture.dropped"]).toBe(BigInt(640 - captured));
    expect(c["capture.dropped"]).toBeGreaterThan(0n);
  });
});

describe("EMC tally", () => {
  it("counts the cache entries serving each megaflow, and none after it is removed", async () => {
    const fp = await createFastPath({ buffers: 64 });
    installAll(fp, new ActionList().output(OUT).bytes());
    pass(fp, [udpFrame(1), udpFrame(2), udpFrame(3)]); // three keys, one megaflow (id 0)
    const hw = fp.megaflowHighWater();
    expect(hw).toBe(1);
    expect(new Uint32Array(fp.memory.buffer, fp.emcTally(hw), hw)[0]).toBe(3);
    fp.megaflowRemove(0);
    expect(new Uint32Array(fp.memory.buffer, fp.emcTally(hw), hw)[0]).toBe(0);
  });
});
