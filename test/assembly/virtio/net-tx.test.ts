import { beforeEach, describe, expect, it } from "vitest";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import {
  bufferBytes,
  counters,
  frame,
  GuestDriver,
  GuestMemory,
  IdList,
  VIRTQ_DESC_F_NEXT,
  VQ_VERSION_1,
} from "./guest-driver.ts";

const BUFFERS = 16;
let fp: FastPath;
let mem: GuestMemory;
let drv: GuestDriver;
let ids: IdList;
const TXQ = 1;

/** virtio_net_hdr_mrg_rxbuf as a driver sends it: all zero (no offloads), num_buffers 0. */
const HDR12 = new Uint8Array(12);

function withHeader(f: Uint8Array, hdr = HDR12): Uint8Array {
  const out = new Uint8Array(hdr.length + f.length);
  out.set(hdr);
  out.set(f, hdr.length);
  return out;
}

beforeEach(async () => {
  fp = await createFastPath({ buffers: BUFFERS });
  mem = await GuestMemory.create(fp, 2 << 20);
  drv = new GuestDriver(mem, 0, 16);
  expect(drv.setup(TXQ, VQ_VERSION_1)).toBe(true);
  ids = new IdList(fp);
});

function txBurst(max = 32, inPort = 7): number[] {
  const n = fp.virtioNetTxBurst(TXQ, ids.ptr, max, inPort);
  return ids.get(n);
}

describe("virtio-net transmit (guest → switch)", () => {
  it("copies the frame after the 12-byte header into a pool buffer and returns the chain with len 0", () => {
    const f = frame(60, 1);
    const chain = drv.post(
      [
        { len: 12, write: false },
        { len: 60, write: false },
      ],
      { data: withHeader(f) },
    );
    drv.publish();
    const got = txBurst();
    expect(got).toHaveLength(1);
    expect(bufferBytes(fp, got[0])).toEqual(f);
    expect(fp.bufferOwner(got[0])).toBe(1); // APP
    expect(drv.usedIdx()).toBe(1);
    expect(drv.usedElem(0)).toEqual({ id: chain?.head, len: 0 });
    expect(counters(fp)["virtio.tx_packets"]).toBe(1);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 2);
  });

  it("handles header and frame in one buffer, a header split over descriptors, and indirect tables", () => {
    const f1 = frame(100, 2);
    const f2 = frame(300, 3);
    const f3 = frame(1514, 4);
    drv.post([{ len: 112, write: false }], { data: withHeader(f1) });
    drv.post(
      [
        { len: 5, write: false },
        { len: 7, write: false },
        { len: 1, write: false },
        { len: 299, write: false },
      ],
      { data: withHeader(f2) },
    );
    drv.post(
      [
        { len: 12, write: false },
        { len: 1000, write: false },
        { len: 514, write: false },
      ],
      { data: withHeader(f3), indirect: true },
    );
    drv.publish();
    const got = txBurst();
    expect(got.map((id) => bufferBytes(fp, id))).toEqual([f1, f2, f3]);
    expect(got.map((id) => fp.bufferOffset(id))).toEqual([128, 128, 128]); // HEADROOM kept
    expect(drv.reclaim().map((u) => u.len)).toEqual([0, 0, 0]);
  });

  it("skips a 10-byte header on a legacy queue without VERSION_1 or MRG_RXBUF", () => {
    expect(drv.setup(TXQ, 0)).toBe(true);
    const f = frame(64, 5);
    drv.post([{ len: 74, write: false }], { data: withHeader(f, new Uint8Array(10)) });
    drv.publish();
    expect(bufferBytes(fp, txBurst()[0])).toEqual(f);
  });

  it("ignores device-writable buffers in a transmit chain", () => {
    const f = frame(80, 6);
    drv.post(
      [
        { len: 92, write: false },
        { len: 64, write: true },
      ],
      { data: withHeader(f) },
    );
    drv.publish();
    expect(bufferBytes(fp, txBurst()[0])).toEqual(f);
  });

  it("sets the in-port and honours max", () => {
    for (let i = 0; i < 3; i++) drv.post([{ len: 72, write: false }], { data: withHeader(frame(60, i)) });
    drv.publish();
    const first = txBurst(2, 42);
    expect(first).toHaveLength(2);
    expect(fp.virtioQueueAvailCount(TXQ)).toBe(1);
    expect(txBurst(2, 42)).toHaveLength(1);
    expect(bufferBytes(fp, first[1])).toEqual(frame(60, 1));
  });

  it("drops (and returns) a chain with no bytes after the header: virtio.tx_empty", () => {
    drv.post([{ len: 12, write: false }], { data: HDR12 });
    drv.post([{ len: 8, write: false }], { data: HDR12 });
    drv.publish();
    expect(txBurst()).toHaveLength(0);
    expect(counters(fp)["virtio.tx_empty"]).toBe(2);
    expect(drv.reclaim()).toHaveLength(2);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 1);
  });

  it("drops a frame longer than a buffer's room: virtio.tx_too_big", () => {
    const room = fp.bufferRoom(ids.id);
    const big = frame(room + 1, 7);
    const lens = [];
    for (let left = big.length + 12; left > 0; left -= 2048) lens.push({ len: Math.min(2048, left), write: false });
    drv.post(lens, { data: withHeader(big) });
    const ok = frame(room, 8); // exactly fits
    const lens2 = [];
    for (let left = ok.length + 12; left > 0; left -= 2048) lens2.push({ len: Math.min(2048, left), write: false });
    drv.post(lens2, { data: withHeader(ok) });
    drv.publish();
    const got = txBurst();
    expect(got).toHaveLength(1);
    expect(bufferBytes(fp, got[0])).toEqual(ok);
    expect(counters(fp)["virtio.tx_too_big"]).toBe(1);
    expect(drv.reclaim()).toHaveLength(2);
  });

  it("leaves chains in the ring when the pool runs dry", () => {
    const held: number[] = [];
    while (fp.bufferFreeCount() > 2) held.push(fp.bufferAlloc());
    for (let i = 0; i < 4; i++) drv.post([{ len: 72, write: false }], { data: withHeader(frame(60, 10 + i)) });
    drv.publish();
    const a = txBurst();
    expect(a).toHaveLength(2);
    expect(counters(fp)["pool.exhausted"]).toBe(1);
    expect(fp.virtioQueueLastAvail(TXQ)).toBe(2);
    expect(drv.usedIdx()).toBe(2);
    for (const id of [...a, ...held]) fp.bufferFree(id);
    const b = txBurst();
    expect(b.map((id) => bufferBytes(fp, id))).toEqual([frame(60, 12), frame(60, 13)]);
  });

  it("returns a malformed chain with len 0 and keeps the pool exact", () => {
    const f = frame(60, 9);
    const chain = drv.post(
      [
        { len: 12, write: false },
        { len: 60, write: false },
      ],
      { data: withHeader(f) },
    );
    // Point the second descriptor outside guest memory.
    const d1 = chain?.descs[1] ?? 0;
    drv.writeDesc(drv.descOff, d1, mem.gpa(mem.size), 60, 0, 0);
    drv.writeDesc(drv.descOff, chain?.descs[0] ?? 0, mem.gpa(chain?.segs[0].off ?? 0), 12, VIRTQ_DESC_F_NEXT, d1);
    drv.post([{ len: 72, write: false }], { data: withHeader(f) });
    drv.publish();
    const got = txBurst();
    expect(got).toHaveLength(1);
    expect(counters(fp)["virtio.bad_address"]).toBe(1);
    expect(drv.reclaim().map((u) => [u.id, u.len])).toEqual([
      [chain?.head, 0],
      [chain ? chain.head + 2 : -1, 0],
    ]);
    ids.set([ids.id, got[0]]);
    expect(fp.bufferAudit(ids.ptr, 2)).toBe(0);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 2);
  });

  it("counts a burst on a queue that is not set up", () => {
    fp.virtioQueueDisable(TXQ);
    expect(txBurst()).toHaveLength(0);
    expect(counters(fp)["virtio.queue_not_ready"]).toBe(1);
  });
});
