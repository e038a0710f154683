import { beforeEach, describe, expect, it } from "vitest";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import {
  bufferWith,
  counters,
  frame,
  GuestDriver,
  GuestMemory,
  IdList,
  VIRTQ_DESC_F_NEXT,
  VQ_EVENT_IDX,
  VQ_MRG_RXBUF,
  VQ_VERSION_1,
} from "./guest-driver.ts";

const BUFFERS = 16;
const RXQ = 0;
let fp: FastPath;
let mem: GuestMemory;
let drv: GuestDriver;
let ids: IdList;

beforeEach(async () => {
  fp = await createFastPath({ buffers: BUFFERS });
  mem = await GuestMemory.create(fp, 2 << 20);
  drv = new GuestDriver(mem, 0, 16);
  ids = new IdList(fp);
});

/** Hands frames to the device's receive queue; returns how many were delivered. */
function deliver(...frames: Uint8Array[]): number {
  ids.set(frames.map((f) => bufferWith(fp, f)));
  return fp.virtioNetRxBurst(RXQ, ids.ptr, frames.length);
}

/** virtio_net_hdr_mrg_rxbuf the device must write: zeros, then le16 num_buffers. */
function hdr12(numBuffers: number): number[] {
  return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, numBuffers & 0xff, numBuffers >> 8];
}

function writable(...lens: number[]) {
  return lens.map((len) => ({ len, write: true }));
}

describe("virtio-net receive without mergeable buffers", () => {
  beforeEach(() => {
    expect(drv.setup(RXQ, VQ_VERSION_1)).toBe(true);
  });

  it("writes header (num_buffers 1) and frame into one chain; used len covers both", () => {
    const chain = drv.post(writable(12, 1500));
    drv.publish();
    const f = frame(100, 1);
    expect(deliver(f)).toBe(1);
    expect(drv.usedIdx()).toBe(1);
    const [u] = drv.reclaim();
    expect(u.id).toBe(chain?.head);
    expect(u.len).toBe(112);
    expect(Array.from(mem.bytes(chain?.segs[0].off ?? 0, 12))).toEqual(hdr12(1));
    expect(drv.written(u).subarray(12)).toEqual(f);
    expect(counters(fp)["virtio.rx_packets"]).toBe(1);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 1); // the frame's buffer was freed
  });

  it("drops a frame its chain cannot hold, leaving the chain for a smaller one", () => {
    drv.post(writable(12, 50));
    drv.publish();
    expect(deliver(frame(51, 2))).toBe(0);
    expect(counters(fp)["virtio.rx_too_small"]).toBe(1);
    expect(fp.virtioQueueLastAvail(RXQ)).toBe(0);
    expect(drv.usedIdx()).toBe(0);
    const f = frame(50, 3);
    expect(deliver(f)).toBe(1);
    const [u] = drv.reclaim();
    expect(u.len).toBe(62);
    expect(drv.written(u).subarray(12)).toEqual(f);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 1);
  });

  it("counts frames with no chain available", () => {
    expect(deliver(frame(60, 4), frame(60, 5))).toBe(0);
    expect(counters(fp)["virtio.no_rx_buffer"]).toBe(2);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 1);
  });

  it("writes a header split across descriptors and skips readable ones", () => {
    const chain = drv.post([
      { len: 4, write: true },
      { len: 16, write: false },
      { len: 7, write: true },
      { len: 200, write: true },
    ]);
    drv.publish();
    const ro = chain?.segs[1].off ?? 0;
    mem.bytes(ro, 16).fill(0xee);
    const f = frame(150, 6);
    expect(deliver(f)).toBe(1);
    const [u] = drv.reclaim();
    expect(u.len).toBe(162);
    const got = drv.written(u);
    expect(Array.from(got.subarray(0, 12))).toEqual(hdr12(1));
    expect(got.subarray(12)).toEqual(f);
    expect(Array.from(mem.bytes(ro, 16))).toEqual(new Array(16).fill(0xee));
  });

  it("uses a 10-byte header without num_buffers on a legacy queue", () => {
    expect(drv.setup(RXQ, 0)).toBe(true);
    const chain = drv.post(writable(1600));
    drv.publish();
    mem.bytes(chain?.segs[0].off ?? 0, 16).fill(0xaa);
    const f = frame(64, 7);
    expect(deliver(f)).toBe(1);
    const [u] = drv.reclaim();
    expect(u.len).toBe(74);
    const got = mem.bytes(chain?.segs[0].off ?? 0, 74);
    expect(Array.from(got.subarray(0, 10))).toEqual(new Array(10).fill(0));
    expect(got.subarray(10)).toEqual(f);
  });

  it("returns a malformed chain with len 0 and drops the frame", () => {
    const chain = drv.post(writable(1600));
    drv.writeDesc(drv.descOff, chain?.head ?? 0, mem.gpa(mem.size - 100), 1600, 2, 0);
    drv.publish();
    expect(deliver(frame(60, 8))).toBe(0);
    expect(counters(fp)["virtio.bad_address"]).toBe(1);
    expect(drv.reclaim().map((u) => [u.id, u.len])).toEqual([[chain?.head, 0]]);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 1);
  });

  it("frees every frame aimed at a queue that is not set up", () => {
    fp.virtioQueueDisable(RXQ);
    expect(deliver(frame(60, 9), frame(60, 10))).toBe(0);
    expect(counters(fp)["virtio.no_rx_buffer"]).toBe(2);
    expect(counters(fp)["virtio.queue_not_ready"]).toBe(1);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 1);
  });
});

describe("virtio-net receive with mergeable rx buffers", () => {
  beforeEach(() => {
    expect(drv.setup(RXQ, VQ_MRG_RXBUF | VQ_VERSION_1 | VQ_EVENT_IDX)).toBe(true);
  });

  it("spreads a frame over as many chains as it needs and sets num_buffers", () => {
    const chains = [0, 1, 2, 3, 4].map(() => drv.post(writable(64)));
    drv.publish();
    const f = frame(200, 11); // 212 bytes with the header: 64 + 64 + 64 + 20
    expect(deliver(f)).toBe(1);
    const used = drv.reclaim();
    expect(used.map((u) => u.id)).toEqual(chains.slice(0, 4).map((c) => c?.head));
    expect(used.map((u) => u.len)).toEqual([64, 64, 64, 20]);
    const bytes = used.flatMap((u) => Array.from(drv.written(u)));
    expect(bytes.slice(0, 12)).toEqual(hdr12(4));
    expect(Uint8Array.from(bytes.slice(12))).toEqual(f);
    expect(fp.virtioQueueAvailCount(RXQ)).toBe(1);
    expect(drv.availEvent()).toBe(4);
  });

  it("fits a small frame in one chain with num_buffers 1", () => {
    drv.post(writable(2048));
    drv.post(writable(2048));
    drv.publish();
    const a = frame(60, 12);
    const b = frame(1514, 13);
    expect(deliver(a, b)).toBe(2);
    const used = drv.reclaim();
    expect(used.map((u) => u.len)).toEqual([72, 1526]);
    expect(Array.from(drv.written(used[0]).subarray(0, 12))).toEqual(hdr12(1));
    expect(drv.written(used[1]).subarray(12)).toEqual(b);
  });

  it("rolls back a frame when the ring runs out of chains part-way", () => {
    drv.post(writable(64));
    drv.post(writable(64));
    drv.publish();
    expect(deliver(frame(200, 14))).toBe(0);
    expect(counters(fp)["virtio.no_rx_buffer"]).toBe(1);
    expect(fp.virtioQueueLastAvail(RXQ)).toBe(0);
    expect(fp.virtioQueueUsedIdx(RXQ)).toBe(0);
    expect(drv.usedIdx()).toBe(0);
    // The chains are still there for a frame that fits.
    const f = frame(100, 15);
    expect(deliver(f)).toBe(1);
    const used = drv.reclaim();
    expect(used.map((u) => u.len)).toEqual([64, 48]);
    expect(fp.bufferFreeCount()).toBe(BUFFERS - 1);
  });

  it("drops a frame whose first chain cannot hold the header", () => {
    drv.post(writable(8));
    drv.post(writable(64));
    drv.publish();
    expect(deliver(frame(20, 16))).toBe(0);
    expect(counters(fp)["virtio.rx_too_small"]).toBe(1);
    expect(drv.usedIdx()).toBe(0);
  });

  it("returns every chain of a frame with len 0 when one is malformed", () => {
    const a = drv.post(writable(64));
    const b = drv.post(writable(64));
    // A readable descriptor chained to itself: nothing to write, the walk never ends by itself.
    drv.writeDesc(drv.descOff, b?.head ?? 0, mem.gpa(0), 64, VIRTQ_DESC_F_NEXT, b?.head ?? 0);
    drv.post(writable(2048));
    drv.publish();
    expect(deliver(frame(200, 17), frame(60, 18))).toBe(1);
    expect(counters(fp)["virtio.chain_loop"]).toBe(1);
    const used = drv.reclaim();
    expect(used.map((u) => [u.id, u.len])).toEqual([
      [a?.head, 0],
      [b?.head, 0],
      [used[2].id, 72],
    ]);
    expect(drv.written(used[2]).subarray(12)).toEqual(frame(60, 18));
  });

  it("asks for a notification as used_event says", () => {
    drv.post(writable(2048));
    drv.post(writable(2048));
    drv.publish();
    drv.setUsedEvent(1); // notify once used idx moves past 1, i.e. reaches 2
    expect(deliver(frame(60, 19))).toBe(1);
    expect(fp.virtioQueueShouldNotify(RXQ)).toBe(true); // first decision: something was used
    expect(deliver(frame(60, 20))).toBe(1);
    expect(fp.virtioQueueShouldNotify(RXQ)).toBe(true); // 1 → 2 crosses used_event 1
    drv.post(writable(2048));
    drv.publish();
    expect(deliver(frame(60, 21))).toBe(1);
    expect(fp.virtioQueueShouldNotify(RXQ)).toBe(false); // 2 → 3 does not
  });
});
