// Property: frames sent by a guest (tx) and delivered back to a guest (rx) keep every byte, the
// used rings say exactly what a plain model of the spec predicts, and the buffer pool balances.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFastPath } from "../../../src/datapath/fastpath-module.ts";
import {
  bufferBytes,
  frame,
  GuestDriver,
  GuestMemory,
  IdList,
  SLOT,
  VQ_EVENT_IDX,
  VQ_MRG_RXBUF,
  VQ_VERSION_1,
} from "./guest-driver.ts";

const RXQ = 0;
const TXQ = 1;
const BUFFERS = 64;
const HDR = 12;

/** Splits n bytes at the given fractions into consecutive lengths (some may be 0). */
function split(n: number, cuts: number[]): number[] {
  const points = cuts.map((c) => Math.floor(c * n)).sort((a, b) => a - b);
  const out: number[] = [];
  let prev = 0;
  for (const p of [...points, n]) {
    out.push(p - prev);
    prev = p;
  }
  return out;
}

const frameArb = fc.record({
  // fast-check keeps generated arrays short by default; draw the length explicitly instead.
  bytes: fc
    .tuple(fc.integer({ min: 1, max: 1514 }), fc.integer({ min: 0, max: 255 }))
    .map(([len, seed]) => frame(len, seed)),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
  indirect: fc.boolean(),
});
const rxChainArb = fc.record({
  // Small, medium and large buffers, so frames spread over one to many chains.
  lens: fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 128 }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 600 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1600 }) },
    ),
    { minLength: 1, maxLength: 3 },
  ),
  indirect: fc.boolean(),
});
const stepArb = fc.record({
  frames: fc.array(frameArb, { minLength: 1, maxLength: 3 }),
  rxChains: fc.array(rxChainArb, { maxLength: 24 }),
});

describe("virtio-net tx → rx round trip (property)", () => {
  it("preserves bytes, keeps used rings consistent and the pool exact", async () => {
    const fp = await createFastPath({ buffers: BUFFERS });
    const mem = await GuestMemory.create(fp, 8 << 20);
    const ids = new IdList(fp);

    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.boolean(),
        fc.array(stepArb, { minLength: 1, maxLength: 8 }),
        async (mergeable, eventIdx, steps) => {
          const tx = new GuestDriver(mem, 0, 32);
          const rx = new GuestDriver(mem, tx.end, 64);
          const rxFeatures = VQ_VERSION_1 | (mergeable ? VQ_MRG_RXBUF : 0) | (eventIdx ? VQ_EVENT_IDX : 0);
          expect(tx.setup(TXQ, VQ_VERSION_1)).toBe(true);
          expect(rx.setup(RXQ, rxFeatures)).toBe(true);
          // The model: rx chains the device has not used yet, in ring order, with their capacity.
          const pending: { head: number; cap: number }[] = [];

          for (const step of steps) {
            // Guest → switch.
            const tails: number[] = [];
            for (const f of step.frames) {
              const data = new Uint8Array(HDR + f.bytes.length);
              data.set(f.bytes, HDR);
              const lens = split(data.length, f.cuts).map((len) => ({ len, write: false }));
              const c = tx.post(lens, { data, indirect: f.indirect });
              if (!c) throw new Error("tx ring full");
              tails.push(c.head);
            }
            tx.publish();
            const n = fp.virtioNetTxBurst(TXQ, ids.ptr, 32, 3);
            expect(n).toBe(step.frames.length);
            const bufs = ids.get(n);
            bufs.forEach((id, i) => {
              expect(bufferBytes(fp, id)).toEqual(step.frames[i].bytes);
            });
            expect(tx.reclaim().map((u) => [u.id, u.len])).toEqual(tails.map((h) => [h, 0]));

            // Guest posts receive buffers.
            for (const c of step.rxChains) {
              if (c.lens.some((l) => l > SLOT)) continue;
              const chain = rx.post(
                c.lens.map((len) => ({ len, write: true })),
                { indirect: c.indirect },
              );
              if (chain) pending.push({ head: chain.head, cap: c.lens.reduce((a, b) => a + b, 0) });
            }
            rx.publish();

            // Model the device's choice for each frame.
            const expected: { frame: Uint8Array; chains: { head: number; cap: number }[] }[] = [];
            for (const f of step.frames) {
              const total = HDR + f.bytes.length;
              if (pending.length === 0) continue; // no_rx_buffer
              if (!mergeable) {
                if (pending[0].cap >= total) expected.push({ frame: f.bytes, chains: pending.splice(0, 1) });
                continue; // else rx_too_small, chain stays
              }
              if (pending[0].cap < HDR) continue; // rx_too_small
              let sum = 0;
              let k = 0;
              while (k < pending.length && sum < total) sum += pending[k++].cap;
              if (sum >= total) expected.push({ frame: f.bytes, chains: pending.splice(0, k) });
            }

            // Switch → guest.
            ids.set(bufs);
            const delivered = fp.virtioNetRxBurst(RXQ, ids.ptr, bufs.length);
            expect(delivered).toBe(expected.length);
            const used = rx.reclaim();
            expect(used.map((u) => u.id)).toEqual(expected.flatMap((e) => e.chains.map((c) => c.head)));
            let at = 0;
            for (const e of expected) {
              const mine = used.slice(at, at + e.chains.length);
              at += e.chains.length;
              const bytes = new Uint8Array(mine.reduce((a, u) => a + u.len, 0));
              let pos = 0;
              for (const u of mine) {
                bytes.set(rx.written(u), pos);
                pos += u.len;
              }
              expect(bytes.length).toBe(HDR + e.frame.length);
              // All chains but the last are filled to their full length.
              mine.slice(0, -1).forEach((u, i) => {
                expect(u.len).toBe(e.chains[i].cap);
              });
              expect(bytes[10] | (bytes[11] << 8)).toBe(e.chains.length);
              expect(Array.from(bytes.subarray(0, 10))).toEqual(new Array(10).fill(0));
              expect(bytes.subarray(HDR)).toEqual(e.frame);
            }
            if (eventIdx) expect(rx.availEvent()).toBe(fp.virtioQueueLastAvail(RXQ));
            expect(fp.virtioQueueUsedIdx(RXQ)).toBe(rx.usedIdx());

            // Every buffer went back to the pool; only the id list is held.
            expect(fp.bufferFreeCount()).toBe(BUFFERS - 1);
            ids.set([ids.id]);
            expect(fp.bufferAudit(ids.ptr, 1)).toBe(0);
          }
          // The device took exactly the chains the model says it did.
          expect([...rx.outstanding.keys()].sort()).toEqual(pending.map((p) => p.head).sort());
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });
});
