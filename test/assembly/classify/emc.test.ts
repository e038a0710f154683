import { describe, expect, it } from "vitest";
import { ClassifyHarness, keyFrom, maskOf } from "./classify-harness.ts";

const M_PORT_DST = maskOf([0, 4], [8, 6]);

function key(port: number, dst: number, extra: Record<number, number> = {}): Uint8Array {
  return keyFrom({ 0: port, 8: 2, 13: dst, ...extra });
}

describe("exact-match cache", () => {
  it("serves a cached key after the first megaflow hit, compares all 112 bytes", async () => {
    const h = await ClassifyHarness.create(64, 256);
    const id = h.insert(key(1, 1), M_PORT_DST);
    expect(h.cachedLookup(key(1, 1, { 40: 9 }))).toEqual({ id, fromEmc: false });
    expect(h.cachedLookup(key(1, 1, { 40: 9 }))).toEqual({ id, fromEmc: true });
    // Differs in an unmasked byte (last byte of the key): the EMC misses, the megaflow hits.
    expect(h.emcLookup(key(1, 1, { 40: 9, 111: 1 }))).toBe(-1);
    expect(h.cachedLookup(key(1, 1, { 40: 9, 111: 1 }))).toEqual({ id, fromEmc: false });
    expect(h.counter("emc.insert")).toBe(2n);
  });

  it("misses every entry of a removed megaflow", async () => {
    const h = await ClassifyHarness.create(64, 256);
    const id = h.insert(key(1, 1), M_PORT_DST);
    const variants = [0, 1, 2, 3, 4].map((v) => key(1, 1, { 60: v }));
    for (const k of variants) h.cachedLookup(k);
    for (const k of variants) expect(h.emcLookup(k)).toBe(id);
    h.fp.megaflowRemove(id);
    for (const k of variants) expect(h.emcLookup(k)).toBe(-1);
  });

  it("never serves a reused megaflow id for the old flow's keys", async () => {
    const h = await ClassifyHarness.create(64, 256);
    const a = h.insert(key(1, 1), M_PORT_DST);
    h.cachedLookup(key(1, 1));
    expect(h.emcLookup(key(1, 1))).toBe(a);
    h.fp.megaflowRemove(a);
    const b = h.insert(key(2, 2), M_PORT_DST);
    expect(b).toBe(a); // the id is reused (LIFO free list)
    expect(h.emcLookup(key(1, 1))).toBe(-1);
    expect(h.cachedLookup(key(1, 1)).id).toBe(-1);
    expect(h.cachedLookup(key(2, 2))).toEqual({ id: b, fromEmc: false });
    expect(h.emcLookup(key(2, 2))).toBe(b);
  });

  it("misses after megaflowFlush and after emcFlush", async () => {
    const h = await ClassifyHarness.create(64, 256);
    const id = h.insert(key(1, 1), M_PORT_DST);
    h.cachedLookup(key(1, 1));
    h.fp.emcFlush();
    expect(h.emcLookup(key(1, 1))).toBe(-1);
    h.cachedLookup(key(1, 1));
    expect(h.emcLookup(key(1, 1))).toBe(id);
    h.fp.megaflowFlush();
    expect(h.emcLookup(key(1, 1))).toBe(-1);
    // After the flush ids restart at 0: a new flow with the old id is still a different flow.
    expect(h.insert(key(9, 9), M_PORT_DST)).toBe(id);
    expect(h.emcLookup(key(1, 1))).toBe(-1);
  });

  it("ignores inserts for ids that are not live", async () => {
    const h = await ClassifyHarness.create(64, 256);
    h.emcInsert(key(1, 1), 5);
    h.emcInsert(key(1, 1), 0xffffffff);
    expect(h.emcLookup(key(1, 1))).toBe(-1);
    expect(h.counter("emc.insert")).toBe(0n);
  });

  it("keeps two colliding keys in the two ways and evicts on a third", async () => {
    const h = await ClassifyHarness.create(4096, 2); // two entries: every key maps to both
    expect(h.fp.emcEntries()).toBe(2);
    const ids = [1, 2, 3].map((i) => h.insert(key(i, i), M_PORT_DST));
    h.emcInsert(key(1, 1), ids[0]);
    h.emcInsert(key(2, 2), ids[1]);
    const cached = [1, 2].map((i) => h.emcLookup(key(i, i)));
    // Two different keys fit unless both hash to the same index pair and the same way.
    expect(cached.filter((x) => x >= 0).length).toBeGreaterThanOrEqual(1);
    h.emcInsert(key(3, 3), ids[2]);
    expect(h.emcLookup(key(3, 3))).toBe(ids[2]);
    // Whatever is still cached is still right.
    for (const i of [1, 2]) expect([-1, ids[i - 1]]).toContain(h.emcLookup(key(i, i)));
  });

  it("rounds its size up to a power of two", async () => {
    const h = await ClassifyHarness.create(64, 1000);
    expect(h.fp.emcEntries()).toBe(1024);
    expect(h.fp.classifyEmcBytes()).toBe(1024 * 128 + 64);
  });

  it("a stale entry is replaced in place by the live mapping for the same key", async () => {
    const h = await ClassifyHarness.create(64, 256);
    const a = h.insert(key(1, 1), maskOf([0, 4]));
    h.cachedLookup(key(1, 1));
    h.fp.megaflowRemove(a);
    const b = h.insert(key(1, 1), M_PORT_DST);
    expect(h.cachedLookup(key(1, 1))).toEqual({ id: b, fromEmc: false });
    expect(h.cachedLookup(key(1, 1))).toEqual({ id: b, fromEmc: true });
  });
});
