// SpscRing's space accounting: free bytes as the producer sees them, and record sizes.
//
// What it proves: free falls by exactly recordBytes(length) per write and comes back when the
// consumer reads; a run of writes whose total plus its largest record is at most free always
// fits, wherever the ring's head is (a record padded to the end included) — the rule the
// datapath worker's backpressure relies on.
// How: a real ring in a SharedArrayBuffer, producer and consumer on this thread.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SpscRing } from "../../../../src/datapath/runtime/spsc-ring.ts";

describe("SpscRing.free", () => {
  it("counts header and padding per record and returns the space once read", () => {
    const ring = SpscRing.create(1024);
    expect(ring.capacity).toBe(1024);
    expect(ring.free).toBe(1024);
    expect(SpscRing.recordBytes(0)).toBe(8);
    expect(SpscRing.recordBytes(1)).toBe(16);
    expect(SpscRing.recordBytes(8)).toBe(16);
    expect(ring.tryWrite(1, 13, () => {})).toBe(true);
    expect(ring.free).toBe(1024 - SpscRing.recordBytes(13));
    expect(ring.tryWrite(1, 100, () => {})).toBe(true);
    expect(ring.free).toBe(1024 - SpscRing.recordBytes(13) - SpscRing.recordBytes(100));
    expect(ring.read(() => {})).toBe(2);
    expect(ring.free).toBe(1024);
  });

  it("is 0 when full, and a write then fails", () => {
    const ring = SpscRing.create(1024);
    for (let i = 0; i < 4; i++) expect(ring.tryWrite(1, 248, () => {})).toBe(true);
    expect(ring.free).toBe(0);
    expect(ring.tryWrite(1, 0, () => {})).toBe(false);
  });

  it("fits any run of writes whose total plus its largest record is at most free", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 20 }),
        (before, run) => {
          const ring = SpscRing.create(1024);
          // Move the head somewhere (wrapping included), leaving some records unread.
          for (const len of before) {
            if (!ring.tryWrite(1, len, () => {})) ring.read(() => {}, 1);
            ring.tryWrite(1, len, () => {});
            if (ring.free < 512) ring.read(() => {}, 2);
          }
          const sizes = run.map(SpscRing.recordBytes);
          const total = sizes.reduce((a, b) => a + b, 0);
          if (total + Math.max(...sizes) > ring.free) return;
          for (const len of run) expect(ring.tryWrite(1, len, () => {})).toBe(true);
        },
      ),
    );
  });
});
