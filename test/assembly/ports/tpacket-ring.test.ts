import { describe, expect, it } from "vitest";
import { createFastPath, readCounters } from "../../../src/datapath/fastpath-module.ts";
import {
  blockStatus,
  hexOf,
  rawFrame,
  TP_STATUS_KERNEL,
  TP_STATUS_VLAN_TPID_VALID,
  TP_STATUS_VLAN_VALID,
  tagged,
  takeRx,
  writeBlock,
} from "./ring-builder.ts";

const BS = 8192;
const STAT_PACKETS = 0;
const STAT_BYTES = 1;
const STAT_DROPS = 2;
const STAT_VLAN = 3;

async function setup(blocks = 4, buffers = 64, dataRoom = 0) {
  const fp = await createFastPath({ buffers, dataRoom });
  const ring = fp.portsRingCreate(BS, blocks);
  expect(ring).toBeGreaterThanOrEqual(0);
  expect(fp.portsRingBase(ring) % 4096).toBe(0);
  expect(fp.portsRingSize(ring)).toBe(BS * blocks);
  return { fp, ring };
}

describe("TPACKET_V3 ring walker", () => {
  it("copies frames into pool buffers, restores stripped tags and hands the block back", async () => {
    const { fp, ring } = await setup();
    const plain = rawFrame(60, 1);
    const vlan = rawFrame(64, 2);
    const qinq = rawFrame(70, 3);
    writeBlock(fp, ring, BS, 0, [
      { bytes: plain },
      { bytes: vlan, status: TP_STATUS_VLAN_VALID, tci: (5 << 13) | 100 },
      { bytes: qinq, status: TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, tci: 300, tpid: 0x88a8 },
    ]);
    const n = fp.portsRingReceive(ring, fp.dpRxIds(), 32);
    expect(n).toBe(3);
    expect(takeRx(fp, n)).toEqual([
      hexOf(plain),
      hexOf(tagged(vlan, 0x8100, (5 << 13) | 100)),
      hexOf(tagged(qinq, 0x88a8, 300)),
    ]);
    expect(blockStatus(fp, ring, BS, 0)).toBe(TP_STATUS_KERNEL);
    expect(fp.portsRingStat(ring, STAT_PACKETS)).toBe(3n);
    expect(fp.portsRingStat(ring, STAT_BYTES)).toBe(BigInt(60 + 68 + 74));
    expect(fp.portsRingStat(ring, STAT_VLAN)).toBe(2n);
    const c = readCounters(fp);
    expect(c["ports.ring_rx"]).toBe(3n);
    expect(c["ports.ring_blocks"]).toBe(1n);
    expect(c["ports.vlan_restored"]).toBe(2n);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 32)).toBe(0);
    expect(fp.bufferFreeCount()).toBe(fp.bufferCount());
  });

  it("stops at maxN inside a block and resumes there, then walks on into the next block", async () => {
    const { fp, ring } = await setup();
    const a = Array.from({ length: 5 }, (_, i) => rawFrame(60 + i, 10 + i));
    const b = Array.from({ length: 2 }, (_, i) => rawFrame(100 + i, 20 + i));
    writeBlock(
      fp,
      ring,
      BS,
      0,
      a.map((bytes) => ({ bytes })),
    );
    writeBlock(
      fp,
      ring,
      BS,
      1,
      b.map((bytes) => ({ bytes })),
    );
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 2)).toBe(2);
    expect(takeRx(fp, 2)).toEqual(a.slice(0, 2).map(hexOf));
    expect(blockStatus(fp, ring, BS, 0)).not.toBe(TP_STATUS_KERNEL);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 32)).toBe(5);
    expect(takeRx(fp, 5)).toEqual([...a.slice(2), ...b].map(hexOf));
    expect(blockStatus(fp, ring, BS, 0)).toBe(TP_STATUS_KERNEL);
    expect(blockStatus(fp, ring, BS, 1)).toBe(TP_STATUS_KERNEL);
  });

  it("wraps from the last block to the first and skips retired empty blocks", async () => {
    const { fp, ring } = await setup(2);
    writeBlock(fp, ring, BS, 0, [{ bytes: rawFrame(60, 1) }]);
    writeBlock(fp, ring, BS, 1, []);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 32)).toBe(1);
    takeRx(fp, 1);
    expect(blockStatus(fp, ring, BS, 1)).toBe(TP_STATUS_KERNEL);
    const again = rawFrame(61, 7);
    writeBlock(fp, ring, BS, 0, [{ bytes: again }]);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 32)).toBe(1);
    expect(takeRx(fp, 1)).toEqual([hexOf(again)]);
  });

  it("drops and counts what it cannot deliver, and never stalls the ring", async () => {
    const { fp, ring } = await setup(4, 2, 256);
    const big = rawFrame(fp.bufferRoom(0) + 1, 1); // one byte more than a buffer holds
    writeBlock(fp, ring, BS, 0, [
      { bytes: rawFrame(60, 1) },
      { bytes: rawFrame(60, 2), wireLen: 1500 }, // truncated by the ring
      { bytes: big },
      { bytes: rawFrame(60, 3) },
      { bytes: rawFrame(60, 4) }, // the pool (2 buffers) is empty by now
    ]);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 32)).toBe(2);
    expect(blockStatus(fp, ring, BS, 0)).toBe(TP_STATUS_KERNEL);
    const c = readCounters(fp);
    expect(c["ports.ring_truncated"]).toBe(1n);
    expect(c["ports.ring_too_big"]).toBe(1n);
    expect(c["ports.ring_no_buffer"]).toBe(1n);
    expect(fp.portsRingStat(ring, STAT_DROPS)).toBe(3n);
    takeRx(fp, 2);
    expect(fp.bufferFreeCount()).toBe(2);
  });

  it("abandons a block whose frame header points outside it, without trapping", async () => {
    const { fp, ring } = await setup();
    writeBlock(fp, ring, BS, 0, [{ bytes: rawFrame(60, 1) }, { bytes: rawFrame(60, 2), mac: BS }]);
    writeBlock(fp, ring, BS, 1, [{ bytes: rawFrame(60, 3) }]);
    expect(fp.portsRingReceive(ring, fp.dpRxIds(), 32)).toBe(2);
    takeRx(fp, 2);
    expect(readCounters(fp)["ports.ring_bad_frame"]).toBe(1n);
    expect(blockStatus(fp, ring, BS, 0)).toBe(TP_STATUS_KERNEL);
  });

  it("rejects bad ring shapes and unknown ring ids", async () => {
    const { fp } = await createFastPath({ buffers: 4 }).then((fp) => ({ fp }));
    expect(fp.portsRingCreate(1000, 4)).toBe(-1);
    expect(fp.portsRingCreate(4096, 0)).toBe(-1);
    expect(fp.portsRingReceive(999, fp.dpRxIds(), 32)).toBe(0);
    expect(fp.portsRingBase(999)).toBe(0);
    const r = fp.portsRingCreate(4096, 1);
    fp.portsRingDestroy(r);
    expect(fp.portsRingBase(r)).toBe(0);
  });
});
