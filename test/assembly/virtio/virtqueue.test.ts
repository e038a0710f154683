import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { createFastPath, type FastPath } from "../../../src/datapath/fastpath-module.ts";
import {
  counters,
  GPA_BASE,
  GuestDriver,
  GuestMemory,
  needEvent,
  UADDR_BASE,
  VIRTQ_AVAIL_F_NO_INTERRUPT,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
  VQ_EVENT_IDX,
  VQ_VERSION_1,
} from "./guest-driver.ts";

const MEM = 1 << 20;

let fp: FastPath;
let mem: GuestMemory;
let seg: { ptr: number; id: number };

beforeEach(async () => {
  fp = await createFastPath({ buffers: 64 });
  mem = await GuestMemory.create(fp, MEM);
  const id = fp.bufferAlloc();
  seg = { id, ptr: fp.bufferData(id) };
});

/** Pops one chain and reads its segments through virtioChainSegments. */
function popSegments(
  q: number,
  max = 32,
): { head: number; res: number; segs: { addr: number; len: number; w: boolean }[] } {
  const head = fp.virtioQueuePop(q);
  if (head < 0) return { head, res: head, segs: [] };
  const res = fp.virtioChainSegments(q, head, seg.ptr, max);
  const segs = [];
  const dv = new DataView(fp.memory.buffer, seg.ptr, 16 * max);
  for (let i = 0; i < res; i++) {
    segs.push({
      addr: dv.getUint32(16 * i, true),
      len: dv.getUint32(16 * i + 4, true),
      w: dv.getUint32(16 * i + 8, true) === 1,
    });
  }
  return { head, res, segs };
}

describe("queue setup", () => {
  it("accepts power-of-two sizes up to 32768 and rejects the rest", () => {
    const drv = new GuestDriver(mem, 0, 8);
    expect(drv.setup(0, 0)).toBe(true);
    expect(fp.virtioQueueReady(0)).toBe(true);
    for (const size of [0, 3, 12, 65536]) {
      expect(fp.virtioQueueSetup(1, 0, size, mem.gpa(0), mem.gpa(0x1000), mem.gpa(0x2000), 0)).toBe(false);
    }
    expect(counters(fp)["virtio.bad_queue"]).toBe(4);
    expect(fp.virtioQueueReady(1)).toBe(false);
    // 32768 entries: 512 KiB descriptor table, still inside the 1 MiB region.
    expect(fp.virtioQueueSetup(2, 0, 32768, mem.gpa(0), mem.gpa(0x80000), mem.gpa(0x90000), 0)).toBe(true);
    expect(fp.virtioQueueSetup(256, 0, 8, mem.gpa(0), mem.gpa(0x1000), mem.gpa(0x2000), 0)).toBe(false);
    expect(fp.virtioQueueSetup(3, 64, 8, mem.gpa(0), mem.gpa(0x1000), mem.gpa(0x2000), 0)).toBe(false);
  });

  it("rejects rings that are not wholly inside guest memory", () => {
    const q = 5;
    // Used ring (6 + 8*8 = 70 bytes) starting 10 bytes before the end of the region.
    expect(fp.virtioQueueSetup(q, 0, 8, mem.gpa(0), mem.gpa(0x1000), mem.gpa(MEM - 10), 0)).toBe(false);
    // Descriptor table below the region.
    expect(fp.virtioQueueSetup(q, 0, 8, BigInt(GPA_BASE - 16), mem.gpa(0x1000), mem.gpa(0x2000), 0)).toBe(false);
    // Avail ring in another (unregistered) memory table.
    expect(fp.virtioQueueSetup(q, 1, 8, mem.gpa(0), mem.gpa(0x1000), mem.gpa(0x2000), 0)).toBe(false);
    expect(counters(fp)["virtio.bad_address"]).toBe(3);
    expect(fp.virtioQueueReady(q)).toBe(false);
    expect(fp.virtioQueuePop(q)).toBe(-3);
  });

  it("rejects regions outside this memory and translates front-end addresses", () => {
    const pages = fp.memory.buffer.byteLength;
    expect(fp.virtioMemSetRegion(2, 0, 0n, 4096n, 0n, pages - 100)).toBe(false);
    expect(fp.virtioMemSetRegion(2, 0, 0n, 4096n, 0n, 8)).toBe(false); // static data
    expect(fp.virtioMemSetRegion(2, 8, 0n, 4096n, 0n, mem.host)).toBe(false); // slot ≥ 8
    expect(fp.virtioMemSetRegion(2, 0, 0xffff_ffff_ffff_f000n, 0x2000n, 0n, mem.host)).toBe(false); // wraps
    expect(fp.virtioMemUserToGuest(0, UADDR_BASE + 0x123n, 16)).toBe(BigInt(GPA_BASE + 0x123));
    expect(fp.virtioMemUserToGuest(0, UADDR_BASE + BigInt(MEM) - 8n, 16)).toBe(0xffff_ffff_ffff_ffffn);
  });

  it("keeps queues independent and disables them when their memory table changes", () => {
    const a = new GuestDriver(mem, 0, 4);
    const b = new GuestDriver(mem, a.end, 4);
    expect(a.setup(0, 0)).toBe(true);
    expect(b.setup(255, 0)).toBe(true);
    a.post([{ len: 10, write: false }]);
    a.publish();
    expect(fp.virtioQueueAvailCount(0)).toBe(1);
    expect(fp.virtioQueueAvailCount(255)).toBe(0);
    expect(fp.virtioMemSetRegion(0, 1, 0x8000_0000n, 4096n, 0n, mem.host)).toBe(true);
    expect(fp.virtioQueueReady(0)).toBe(false);
    expect(fp.virtioQueueReady(255)).toBe(false);
  });
});

describe("walking chains", () => {
  it("gathers chained descriptors with their direction, skipping zero-length ones", () => {
    const drv = new GuestDriver(mem, 0, 8);
    drv.setup(0, 0);
    const chain = drv.post([
      { len: 20, write: false },
      { len: 0, write: false },
      { len: 30, write: false },
      { len: 40, write: true },
    ]);
    drv.publish();
    const { head, res, segs } = popSegments(0);
    expect(head).toBe(chain?.head);
    expect(res).toBe(3);
    expect(segs).toEqual([
      { addr: mem.host + (chain?.segs[0].off ?? 0), len: 20, w: false },
      { addr: mem.host + (chain?.segs[2].off ?? 0), len: 30, w: false },
      { addr: mem.host + (chain?.segs[3].off ?? 0), len: 40, w: true },
    ]);
    expect(fp.virtioQueueLastAvail(0)).toBe(1);
    expect(fp.virtioQueuePop(0)).toBe(-1);
  });

  it("follows normal descriptors into one indirect table", () => {
    const drv = new GuestDriver(mem, 0, 8);
    drv.setup(0, 0);
    // desc 3 (readable, 14 B) → desc 5 (INDIRECT → table of 2: readable 100, writable 50)
    const table = drv.indOff;
    drv.writeDesc(drv.descOff, 3, mem.gpa(drv.dataOff), 14, VIRTQ_DESC_F_NEXT, 5);
    drv.writeDesc(drv.descOff, 5, mem.gpa(table), 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
    drv.writeDesc(table, 0, mem.gpa(drv.dataOff + 4096), 100, VIRTQ_DESC_F_NEXT, 1);
    drv.writeDesc(table, 1, mem.gpa(drv.dataOff + 8192), 50, VIRTQ_DESC_F_WRITE, 0);
    drv.offerHead(3);
    drv.publish();
    const { head, res, segs } = popSegments(0);
    expect(head).toBe(3);
    expect(res).toBe(3);
    expect(segs.map((s) => [s.addr - mem.host, s.len, s.w])).toEqual([
      [drv.dataOff, 14, false],
      [drv.dataOff + 4096, 100, false],
      [drv.dataOff + 8192, 50, true],
    ]);
  });

  // Each case lays out a malformed chain at head 0 and names the counter it must bump.
  const errorCases: [string, number, string, (d: GuestDriver) => void][] = [
    [
      "buffer outside guest memory",
      -2,
      "virtio.bad_address",
      (d) => d.writeDesc(d.descOff, 0, BigInt(GPA_BASE + MEM), 64, 0, 0),
    ],
    [
      "buffer straddling the end of the region",
      -2,
      "virtio.bad_address",
      (d) => d.writeDesc(d.descOff, 0, BigInt(GPA_BASE + MEM - 32), 64, 0, 0),
    ],
    ["buffer below the region", -2, "virtio.bad_address", (d) => d.writeDesc(d.descOff, 0, 0n, 64, 0, 0)],
    [
      "next index beyond the queue",
      -1,
      "virtio.bad_descriptor",
      (d) => d.writeDesc(d.descOff, 0, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 8),
    ],
    [
      "a loop 0 → 1 → 0",
      -3,
      "virtio.chain_loop",
      (d) => {
        d.writeDesc(d.descOff, 0, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 1);
        d.writeDesc(d.descOff, 1, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 0);
      },
    ],
    [
      "a descriptor chained to itself",
      -3,
      "virtio.chain_loop",
      (d) => d.writeDesc(d.descOff, 0, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 0),
    ],
    [
      "an indirect table inside an indirect table",
      -1,
      "virtio.bad_descriptor",
      (d) => {
        d.writeDesc(d.descOff, 0, d.mem.gpa(d.indOff), 32, VIRTQ_DESC_F_INDIRECT, 0);
        d.writeDesc(d.indOff, 0, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 1);
        d.writeDesc(d.indOff, 1, d.mem.gpa(d.indOff + 256), 16, VIRTQ_DESC_F_INDIRECT, 0);
      },
    ],
    [
      "a loop inside an indirect table",
      -3,
      "virtio.chain_loop",
      (d) => {
        d.writeDesc(d.descOff, 0, d.mem.gpa(d.indOff), 32, VIRTQ_DESC_F_INDIRECT, 0);
        d.writeDesc(d.indOff, 0, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 1);
        d.writeDesc(d.indOff, 1, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 0);
      },
    ],
    [
      "an indirect next index beyond its table",
      -1,
      "virtio.bad_descriptor",
      (d) => {
        d.writeDesc(d.descOff, 0, d.mem.gpa(d.indOff), 32, VIRTQ_DESC_F_INDIRECT, 0);
        d.writeDesc(d.indOff, 0, d.mem.gpa(d.dataOff), 64, VIRTQ_DESC_F_NEXT, 2);
      },
    ],
    [
      "a zero-length indirect table",
      -1,
      "virtio.bad_descriptor",
      (d) => d.writeDesc(d.descOff, 0, d.mem.gpa(d.indOff), 0, VIRTQ_DESC_F_INDIRECT, 0),
    ],
    [
      "an indirect table length not a multiple of 16",
      -1,
      "virtio.bad_descriptor",
      (d) => d.writeDesc(d.descOff, 0, d.mem.gpa(d.indOff), 24, VIRTQ_DESC_F_INDIRECT, 0),
    ],
    [
      "INDIRECT together with NEXT",
      -1,
      "virtio.bad_descriptor",
      (d) => d.writeDesc(d.descOff, 0, d.mem.gpa(d.indOff), 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1),
    ],
    [
      "an indirect table outside guest memory",
      -2,
      "virtio.bad_address",
      (d) => d.writeDesc(d.descOff, 0, BigInt(GPA_BASE + MEM - 16), 32, VIRTQ_DESC_F_INDIRECT, 0),
    ],
  ];

  for (const [name, code, counter, layout] of errorCases) {
    it(`rejects ${name} (${counter})`, () => {
      const drv = new GuestDriver(mem, 0, 8);
      drv.setup(0, 0);
      layout(drv);
      drv.offerHead(0);
      drv.publish();
      const before = counters(fp);
      const { head, res } = popSegments(0);
      expect(head).toBe(0);
      expect(res).toBe(code);
      const after = counters(fp);
      expect(after[counter] - before[counter]).toBe(1);
      // Nothing else was counted.
      const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
      expect(changed).toEqual([counter]);
    });
  }

  it("reports a chain with more segments than the caller can take", () => {
    const drv = new GuestDriver(mem, 0, 8);
    drv.setup(0, 0);
    drv.post([
      { len: 1, write: false },
      { len: 2, write: false },
      { len: 3, write: false },
    ]);
    drv.publish();
    expect(popSegments(0, 2).res).toBe(-4);
  });

  it("consumes and counts an available entry naming a descriptor beyond the queue", () => {
    const drv = new GuestDriver(mem, 0, 8);
    drv.setup(0, 0);
    drv.offerHead(8);
    drv.publish();
    expect(fp.virtioQueuePop(0)).toBe(-2);
    expect(counters(fp)["virtio.bad_descriptor"]).toBe(1);
    expect(fp.virtioQueueLastAvail(0)).toBe(1);
  });

  it("refuses an available index more than the queue size ahead", () => {
    const drv = new GuestDriver(mem, 0, 8);
    drv.setup(0, 0);
    drv.availIdx = 9;
    drv.publish();
    expect(fp.virtioQueueAvailCount(0)).toBe(0);
    expect(fp.virtioQueuePop(0)).toBe(-1);
    expect(counters(fp)["virtio.bad_avail_idx"]).toBe(2);
  });
});

describe("used ring", () => {
  it("writes {le32 id, le32 len} elements and the index only when published", () => {
    const drv = new GuestDriver(mem, 0, 4);
    drv.setup(0, 0);
    fp.virtioQueuePush(0, 3, 0x01020304);
    fp.virtioQueuePush(0, 1, 7);
    expect(drv.usedIdx()).toBe(0);
    fp.virtioQueuePublish(0);
    const raw = Array.from(mem.bytes(drv.usedOff, 4 + 16));
    expect(raw).toEqual([0, 0, 2, 0, 3, 0, 0, 0, 4, 3, 2, 1, 1, 0, 0, 0, 7, 0, 0, 0]);
    expect(fp.virtioQueueUsedIdx(0)).toBe(2);
  });

  it("wraps the free-running indices at 65536 (SET_VRING_BASE near the top)", () => {
    const drv = new GuestDriver(mem, 0, 4);
    drv.setup(0, 0);
    drv.setBase(65534);
    fp.virtioQueueSetBase(0, 65534);
    const heads: number[] = [];
    for (let i = 0; i < 4; i++) heads.push(drv.post([{ len: 8, write: true }])?.head ?? -1);
    drv.publish();
    expect(drv.availIdx).toBe(2);
    expect(fp.virtioQueueAvailCount(0)).toBe(4);
    for (const h of heads) {
      const got = fp.virtioQueuePop(0);
      expect(got).toBe(h);
      fp.virtioQueuePush(0, got, 8);
    }
    fp.virtioQueuePublish(0);
    expect(fp.virtioQueueLastAvail(0)).toBe(2);
    expect(drv.usedIdx()).toBe(2);
    expect(drv.reclaim().map((u) => u.id)).toEqual(heads);
  });
});

describe("notifications", () => {
  it("follows avail->flags without event idx, and sets used->flags NO_NOTIFY", () => {
    const drv = new GuestDriver(mem, 0, 4);
    drv.setup(0, 0);
    expect(fp.virtioQueueShouldNotify(0)).toBe(false); // nothing used yet
    fp.virtioQueuePush(0, 0, 0);
    fp.virtioQueuePublish(0);
    expect(fp.virtioQueueShouldNotify(0)).toBe(true);
    expect(fp.virtioQueueShouldNotify(0)).toBe(false); // nothing new since
    drv.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT);
    fp.virtioQueuePush(0, 1, 0);
    fp.virtioQueuePublish(0);
    expect(fp.virtioQueueShouldNotify(0)).toBe(false);
    fp.virtioQueueSetNoNotify(0, true);
    expect(drv.usedFlags()).toBe(1);
    fp.virtioQueueSetNoNotify(0, false);
    expect(drv.usedFlags()).toBe(0);
  });

  it("with used_event 0 notifies after the first buffer only (spec example)", () => {
    const drv = new GuestDriver(mem, 0, 4);
    drv.setup(0, VQ_EVENT_IDX);
    drv.setUsedEvent(0);
    drv.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT); // must be ignored with event idx
    fp.virtioQueuePush(0, 0, 0);
    fp.virtioQueuePublish(0);
    expect(fp.virtioQueueShouldNotify(0)).toBe(true);
    fp.virtioQueuePush(0, 1, 0);
    fp.virtioQueuePublish(0);
    expect(fp.virtioQueueShouldNotify(0)).toBe(false);
    fp.virtioQueueSetNoNotify(0, true); // flags stay 0 with event idx
    expect(drv.usedFlags()).toBe(0);
  });

  it("writes avail_event = last_avail_idx when publishing with event idx", () => {
    const drv = new GuestDriver(mem, 0, 4);
    drv.setup(0, VQ_EVENT_IDX | VQ_VERSION_1);
    drv.post([{ len: 8, write: true }]);
    drv.post([{ len: 8, write: true }]);
    drv.publish();
    fp.virtioQueuePop(0);
    fp.virtioQueuePop(0);
    fp.virtioQueuePublish(0);
    expect(drv.availEvent()).toBe(2);
  });

  it("decides like vring_need_event across u16 wrap-around", () => {
    const drv = new GuestDriver(mem, 0, 8);
    drv.setup(0, VQ_EVENT_IDX);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: -10, max: 10 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (base, steps) => {
          fp.virtioQueueSetBase(0, base);
          let used = base;
          // The first decision after SET_VRING_BASE has no old index to compare: prime it.
          fp.virtioQueueShouldNotify(0);
          for (const [n, eventDelta] of steps) {
            const old = used;
            for (let i = 0; i < n; i++) fp.virtioQueuePush(0, i, 0);
            fp.virtioQueuePublish(0);
            used = (used + n) & 0xffff;
            const event = (old + eventDelta) & 0xffff;
            drv.setUsedEvent(event);
            if (fp.virtioQueueShouldNotify(0) !== needEvent(event, used, old)) return false;
            if (drv.usedIdx() !== used) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
