import { describe, expect, it } from "vitest";
import { ClassifyHarness, keyFrom, maskOf, outputAction } from "./classify-harness.ts";

// Key offsets (assembly/key/flow-key.ts).
const IN_PORT = 0;
const ETH_DST = 8;
const VLAN_TCI = 22;
const NW_SRC = 32;
const TP_DST = 66;

const M_PORT = maskOf([IN_PORT, 4]);
const M_PORT_DST = maskOf([IN_PORT, 4], [ETH_DST, 6]);
const M_L4 = maskOf([NW_SRC, 4], [TP_DST, 2]);

function l2Key(port: number, dstLast: number, extra: Record<number, number> = {}): Uint8Array {
  return keyFrom({ [IN_PORT]: port, [ETH_DST]: 0x02, [ETH_DST + 5]: dstLast, ...extra });
}

describe("megaflow insert / lookup / remove", () => {
  it("finds a flow by its masked fields and ignores the rest of the key", async () => {
    const h = await ClassifyHarness.create(64);
    const id = h.insert(l2Key(3, 0x10), M_PORT_DST, outputAction(7));
    expect(id).toBeGreaterThanOrEqual(0);
    expect(h.lookup(l2Key(3, 0x10))).toBe(id);
    expect(h.lookup(l2Key(3, 0x10, { [NW_SRC]: 10, [TP_DST]: 80, [VLAN_TCI]: 5 }))).toBe(id);
    expect(h.lookup(l2Key(4, 0x10))).toBe(-1);
    expect(h.lookup(l2Key(3, 0x11))).toBe(-1);
    expect(h.fp.megaflowCount()).toBe(1);
    expect(h.fp.megaflowSubtableCount()).toBe(1);
    expect(Array.from(h.actionsOf(id))).toEqual(Array.from(outputAction(7)));
  });

  it("stores the key masked and reports the mask", async () => {
    const h = await ClassifyHarness.create(64);
    const key = l2Key(3, 0x10, { [NW_SRC]: 10, [TP_DST]: 80 });
    const id = h.insert(key, M_PORT_DST);
    const stored = h.keyOf(id);
    expect(stored[IN_PORT]).toBe(3);
    expect(stored[ETH_DST + 5]).toBe(0x10);
    expect(stored[NW_SRC]).toBe(0);
    expect(stored[TP_DST]).toBe(0);
    expect(Array.from(h.maskOf(id))).toEqual(Array.from(M_PORT_DST));
    expect(h.fp.megaflowMatches(id, h.scratch)).toBe(true);
  });

  it("rejects an identical (mask, masked key) with -1, even when unmasked bytes differ", async () => {
    const h = await ClassifyHarness.create(64);
    expect(h.insert(l2Key(3, 0x10), M_PORT)).toBeGreaterThanOrEqual(0);
    expect(h.insert(l2Key(3, 0x99, { [NW_SRC]: 1 }), M_PORT)).toBe(-1);
    // Same masked key under a different mask is a different megaflow.
    expect(h.insert(l2Key(3, 0x10), M_PORT_DST)).toBeGreaterThanOrEqual(0);
    expect(h.fp.megaflowCount()).toBe(2);
    expect(h.fp.megaflowSubtableCount()).toBe(2);
    expect(h.counter("megaflow.insert_exists")).toBe(1n);
  });

  it("rejects invalid action lists with -3 and accepts empty (drop) and long ones", async () => {
    const h = await ClassifyHarness.create(64);
    expect(h.insert(l2Key(1, 1), M_PORT_DST, new Uint8Array([1, 0, 6, 0, 1, 0]))).toBe(-3);
    expect(h.insert(l2Key(1, 1), M_PORT_DST, new Uint8Array([0xee, 0, 8, 0, 0, 0, 0, 0]))).toBe(-3);
    expect(h.insert(l2Key(1, 1), M_PORT_DST, new Uint8Array([1, 0, 8, 0]))).toBe(-3);
    expect(h.fp.megaflowCount()).toBe(0);
    expect(h.fp.megaflowSubtableCount()).toBe(0);
    const drop = h.insert(l2Key(1, 1), M_PORT_DST, new Uint8Array(0));
    expect(drop).toBeGreaterThanOrEqual(0);
    expect(h.fp.megaflowActionsLen(drop)).toBe(0);
    // 12 outputs = 96 bytes: stored out of line.
    const long = new Uint8Array(96);
    for (let i = 0; i < 12; i++) long.set(outputAction(i + 1), i * 8);
    const id = h.insert(l2Key(1, 2), M_PORT_DST, long);
    expect(Array.from(h.actionsOf(id))).toEqual(Array.from(long));
    expect(h.counter("megaflow.insert_bad_actions")).toBe(3n);
  });

  it("returns -2 when maxFlows flows are live, and accepts again after a remove", async () => {
    const h = await ClassifyHarness.create(5);
    const ids = [1, 2, 3, 4, 5].map((i) => h.insert(l2Key(i, i), M_PORT_DST));
    expect(ids.every((id) => id >= 0)).toBe(true);
    expect(new Set(ids).size).toBe(5);
    expect(h.insert(l2Key(9, 9), M_PORT_DST)).toBe(-2);
    expect(h.fp.megaflowRemove(ids[2])).toBe(true);
    expect(h.insert(l2Key(9, 9), M_PORT_DST)).toBe(ids[2]);
    expect(h.counter("megaflow.insert_full")).toBe(1n);
  });

  it("removes flows, destroys empty subtables and refuses a second remove", async () => {
    const h = await ClassifyHarness.create(64);
    const a = h.insert(l2Key(1, 1), M_PORT_DST);
    const b = h.insert(l2Key(1, 2), M_PORT_DST);
    const c = h.insert(keyFrom({ [NW_SRC]: 10, [TP_DST]: 80 }), M_L4);
    expect(h.fp.megaflowSubtableCount()).toBe(2);
    expect(h.fp.megaflowRemove(c)).toBe(true);
    expect(h.fp.megaflowRemove(c)).toBe(false);
    expect(h.fp.megaflowRemove(12345)).toBe(false);
    expect(h.fp.megaflowSubtableCount()).toBe(1);
    expect(h.lookup(keyFrom({ [NW_SRC]: 10, [TP_DST]: 80 }))).toBe(-1);
    expect(h.fp.megaflowRemove(a)).toBe(true);
    expect(h.lookup(l2Key(1, 1))).toBe(-1);
    expect(h.lookup(l2Key(1, 2))).toBe(b);
    expect(h.fp.megaflowMaskPtr(a)).toBe(0);
    expect(h.liveIds()).toEqual([b]);
  });

  it("keeps every flow reachable while a subtable grows and shrinks (rehash, backward shift)", async () => {
    const h = await ClassifyHarness.create(4096);
    const key = (i: number) => keyFrom({ [IN_PORT]: i & 0xff, [IN_PORT + 1]: i >> 8, [ETH_DST]: 2 });
    const ids: number[] = [];
    for (let i = 0; i < 3000; i++) ids.push(h.insert(key(i), M_PORT_DST));
    expect(h.fp.megaflowCount()).toBe(3000);
    for (let i = 0; i < 3000; i++) expect(h.lookup(key(i))).toBe(ids[i]);
    for (let i = 0; i < 3000; i += 2) expect(h.fp.megaflowRemove(ids[i])).toBe(true);
    for (let i = 0; i < 3000; i++) expect(h.lookup(key(i))).toBe(i % 2 ? ids[i] : -1);
    expect(h.fp.megaflowCount()).toBe(1500);
    expect(h.fp.megaflowAudit()).toBe(0);
  });

  it("survives insert/remove churn in one small subtable (no tombstones pile up)", async () => {
    const h = await ClassifyHarness.create(64);
    const key = (i: number) => keyFrom({ [IN_PORT]: i & 0xff, [IN_PORT + 1]: i >> 8, [ETH_DST]: 2 });
    h.insert(key(100000), M_PORT_DST); // keeps the subtable alive
    for (let round = 0; round < 200; round++) {
      const ids = [0, 1, 2, 3, 4].map((j) => h.insert(key(round * 5 + j), M_PORT_DST));
      expect(h.fp.megaflowAudit()).toBe(0);
      for (const id of ids) expect(h.fp.megaflowRemove(id)).toBe(true);
      expect(h.fp.megaflowAudit()).toBe(0);
    }
    expect(h.lookup(key(7))).toBe(-1);
    expect(h.fp.megaflowCount()).toBe(1);
  });

  it("flush removes everything and ids restart", async () => {
    const h = await ClassifyHarness.create(64);
    for (let i = 0; i < 10; i++) h.insert(l2Key(i, i), i % 2 ? M_PORT : M_PORT_DST);
    h.fp.megaflowFlush();
    expect(h.fp.megaflowCount()).toBe(0);
    expect(h.fp.megaflowSubtableCount()).toBe(0);
    expect(h.fp.megaflowNext(0)).toBe(-1);
    expect(h.lookup(l2Key(1, 1))).toBe(-1);
    expect(h.insert(l2Key(1, 1), M_PORT)).toBe(0);
  });

  it("compares every masked word: a 32-bit slot-hash collision is not a match", async () => {
    const h = await ClassifyHarness.create(64);
    const mask = maskOf([ETH_DST, 6], [NW_SRC, 4]); // words 1 and 4
    const keyWith = (nw: number) =>
      keyFrom({
        [ETH_DST]: 2,
        [NW_SRC]: nw >>> 24,
        [NW_SRC + 1]: (nw >>> 16) & 0xff,
        [NW_SRC + 2]: (nw >>> 8) & 0xff,
        [NW_SRC + 3]: nw & 0xff,
      });
    const anchor = h.insert(keyWith(0), mask);
    const st = h.fp.megaflowMaskPtr(anchor);
    // Birthday search for two nw_src values whose masked keys hash alike in this subtable.
    const seen = new Map<number, number>();
    const p = h.scratch + 2048;
    let pair: [number, number] | undefined;
    for (let v = 1; v < 1_000_000 && !pair; v++) {
      new Uint8Array(h.fp.memory.buffer, p, 112).set(keyWith(v));
      const hash = h.fp.classifySubtableHash(st, p);
      const other = seen.get(hash);
      if (other !== undefined) pair = [other, v];
      else seen.set(hash, v);
    }
    expect(pair).toBeDefined();
    const [a, b] = pair as [number, number];
    const idA = h.insert(keyWith(a), mask);
    expect(idA).toBeGreaterThanOrEqual(0);
    expect(h.lookup(keyWith(b))).toBe(-1);
    const idB = h.insert(keyWith(b), mask); // not "exists"
    expect(idB).toBeGreaterThanOrEqual(0);
    expect(h.lookup(keyWith(a))).toBe(idA);
    expect(h.lookup(keyWith(b))).toBe(idB);
    expect(h.lookupBatch([keyWith(a), keyWith(b)]).out).toEqual([idA, idB]);
    h.fp.megaflowRemove(idA);
    expect(h.lookup(keyWith(a))).toBe(-1);
    expect(h.lookup(keyWith(b))).toBe(idB);
  });

  it("an all-wildcard mask matches every key", async () => {
    const h = await ClassifyHarness.create(64);
    const id = h.insert(l2Key(1, 1), new Uint8Array(112));
    expect(h.lookup(l2Key(200, 7, { [TP_DST]: 9 }))).toBe(id);
    expect(h.insert(l2Key(5, 5), new Uint8Array(112))).toBe(-1);
  });

  it("matches partial (bit) masks exactly", async () => {
    const h = await ClassifyHarness.create(64);
    const m = new Uint8Array(112);
    m.set([0xff, 0xff, 0xf0], NW_SRC); // 10.1.16.0/20
    const id = h.insert(keyFrom({ [NW_SRC]: 10, [NW_SRC + 1]: 1, [NW_SRC + 2]: 0x1f }), m);
    expect(h.lookup(keyFrom({ [NW_SRC]: 10, [NW_SRC + 1]: 1, [NW_SRC + 2]: 0x10, [NW_SRC + 3]: 9 }))).toBe(id);
    expect(h.lookup(keyFrom({ [NW_SRC]: 10, [NW_SRC + 1]: 1, [NW_SRC + 2]: 0x20 }))).toBe(-1);
  });
});

describe("megaflow batched lookup", () => {
  it("agrees with single lookups and leaves non -1 entries alone", async () => {
    const h = await ClassifyHarness.create(256);
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push(h.insert(l2Key(i, i), M_PORT_DST));
    for (let i = 0; i < 8; i++) ids.push(h.insert(keyFrom({ [NW_SRC]: i, [TP_DST]: 80 }), M_L4));
    const keys = [
      ...[0, 3, 7, 9].map((i) => l2Key(i, i)),
      ...[0, 5, 11].map((i) => keyFrom({ [NW_SRC]: i, [TP_DST]: 80 })),
      l2Key(2, 2),
      l2Key(4, 4),
    ];
    const preset = keys.map(() => -1);
    preset[7] = -2; // a skipped slot
    preset[8] = 1234; // an EMC hit
    const { out, hits } = h.lookupBatch(keys, preset);
    const single = keys.map((k) => h.lookup(k));
    expect(out.slice(0, 7)).toEqual(single.slice(0, 7));
    expect(out[7]).toBe(-2);
    expect(out[8]).toBe(1234);
    expect(hits).toBe(single.slice(0, 7).filter((x) => x >= 0).length);
    expect(single.slice(0, 7)).toEqual([ids[0], ids[3], ids[7], -1, ids[8], ids[13], -1]);
  });
});

describe("megaflow stats, expiry and dump", () => {
  it("credits packets, bytes, last use and ORs TCP flags", async () => {
    const h = await ClassifyHarness.create(64);
    const id = h.insert(l2Key(1, 1), M_PORT_DST, outputAction(1), 1000);
    expect(h.fp.megaflowUsed(id)).toBe(1000);
    h.fp.megaflowCredit(id, 1, 64, 0x02, 1500);
    h.fp.megaflowCredit(id, 3, 4000, 0x10, 1600);
    expect(h.fp.megaflowPackets(id)).toBe(4n);
    expect(h.fp.megaflowBytes(id)).toBe(4064n);
    expect(h.fp.megaflowUsed(id)).toBe(1600);
    expect(h.fp.megaflowTcpFlags(id)).toBe(0x12);
    // Credit of a removed id is ignored; the final stats stay readable until the id is reused.
    h.fp.megaflowRemove(id);
    h.fp.megaflowCredit(id, 1, 1, 0x01, 1700);
    expect(h.fp.megaflowPackets(id)).toBe(4n);
    expect(h.fp.megaflowTcpFlags(id)).toBe(0x12);
    const again = h.insert(l2Key(2, 2), M_PORT_DST, outputAction(1), 2000);
    expect(again).toBe(id);
    expect(h.fp.megaflowPackets(id)).toBe(0n);
    expect(h.fp.megaflowTcpFlags(id)).toBe(0);
  });

  it("counts bytes past 2^32 (u64 stats)", async () => {
    const h = await ClassifyHarness.create(8);
    const id = h.insert(l2Key(1, 1), M_PORT_DST);
    for (let i = 0; i < 3; i++) h.fp.megaflowCredit(id, 0xffffffff, 0xffffffff, 0, 1);
    expect(h.fp.megaflowPackets(id)).toBe(3n * 0xffffffffn);
    expect(h.fp.megaflowBytes(id)).toBe(3n * 0xffffffffn);
  });

  it("expires flows idle longer than idleMs, returns their ids, keeps final stats readable", async () => {
    const h = await ClassifyHarness.create(64);
    const a = h.insert(l2Key(1, 1), M_PORT_DST, outputAction(1), 0);
    const b = h.insert(l2Key(1, 2), M_PORT_DST, outputAction(1), 0);
    const c = h.insert(keyFrom({ [NW_SRC]: 1 }), M_L4, outputAction(1), 0);
    h.fp.megaflowCredit(a, 5, 500, 0, 9000);
    h.fp.megaflowCredit(c, 1, 100, 0, 4000);
    // At 10000 with idle 5000: b (used 0) and c (used 4000) are idle > 5000; a is not.
    expect(h.expireIdle(10000, 5000).sort()).toEqual([b, c].sort());
    expect(h.fp.megaflowCount()).toBe(1);
    expect(h.fp.megaflowSubtableCount()).toBe(1);
    expect(h.fp.megaflowPackets(c)).toBe(1n);
    expect(h.fp.megaflowUsed(c)).toBe(4000);
    expect(h.keyOf(c)[NW_SRC]).toBe(1);
    expect(h.lookup(l2Key(1, 2))).toBe(-1);
    // Exactly idleMs is not "longer than".
    expect(h.expireIdle(14000, 5000)).toEqual([]);
    expect(h.expireIdle(14001, 5000)).toEqual([a]);
    expect(h.counter("megaflow.expired")).toBe(3n);
  });

  it("uses wrapping clock arithmetic and honours max", async () => {
    const h = await ClassifyHarness.create(64);
    const ids = [1, 2, 3, 4].map((i) => h.insert(l2Key(i, i), M_PORT_DST, outputAction(1), 0xffffff00));
    // now wrapped past 0: 0x100 - 0xffffff00 = 0x200 ms idle.
    expect(h.expireIdle(0x100, 0x200)).toEqual([]);
    expect(h.expireIdle(0x101, 0x200, 3)).toEqual(ids.slice(0, 3));
    expect(h.expireIdle(0x101, 0x200, 3)).toEqual(ids.slice(3));
    expect(h.fp.megaflowCount()).toBe(0);
  });

  it("dumps live ids in order with megaflowNext", async () => {
    const h = await ClassifyHarness.create(64);
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(h.insert(l2Key(i, i), M_PORT_DST));
    h.fp.megaflowRemove(ids[0]);
    h.fp.megaflowRemove(ids[4]);
    expect(h.liveIds()).toEqual([ids[1], ids[2], ids[3], ids[5]]);
  });
});

describe("subtable ranking", () => {
  it("moves the subtable that gets the hits to the front of the search order", async () => {
    const h = await ClassifyHarness.create(64);
    h.insert(l2Key(1, 1), M_PORT_DST); // subtable A, created first
    const b = h.insert(keyFrom({ [NW_SRC]: 7, [TP_DST]: 53 }), M_L4); // subtable B
    const maskB = h.fp.megaflowMaskPtr(b);
    expect(h.fp.megaflowSubtableAt(1)).toBe(maskB);
    const bKey = keyFrom({ [NW_SRC]: 7, [TP_DST]: 53 });
    const searched = () => h.counter("megaflow.subtables_searched");
    let before = searched();
    expect(h.lookup(bKey)).toBe(b);
    expect(searched() - before).toBe(2n);
    for (let i = 0; i < 100; i++) h.lookup(bKey);
    h.fp.megaflowRerank();
    expect(h.fp.megaflowSubtableAt(0)).toBe(maskB);
    before = searched();
    expect(h.lookup(bKey)).toBe(b);
    expect(searched() - before).toBe(1n);
    expect(h.counter("megaflow.rerank")).toBe(1n);
  });

  it("decays old hits so a change in traffic wins within a few rankings", async () => {
    const h = await ClassifyHarness.create(64);
    const a = h.insert(l2Key(1, 1), M_PORT_DST);
    const b = h.insert(keyFrom({ [NW_SRC]: 7 }), M_L4);
    for (let i = 0; i < 1000; i++) h.lookup(l2Key(1, 1));
    h.fp.megaflowRerank();
    expect(h.fp.megaflowSubtableAt(0)).toBe(h.fp.megaflowMaskPtr(a));
    // Hits halve at each ranking: A 1000 -> 500; B's 400 do not beat 500, but after the next
    // halving (A 250, B 200) another 400 do.
    for (let i = 0; i < 400; i++) h.lookup(keyFrom({ [NW_SRC]: 7 }));
    h.fp.megaflowRerank();
    expect(h.fp.megaflowSubtableAt(0)).toBe(h.fp.megaflowMaskPtr(a)); // 500 > 400
    for (let i = 0; i < 400; i++) h.lookup(keyFrom({ [NW_SRC]: 7 }));
    h.fp.megaflowRerank();
    expect(h.fp.megaflowSubtableAt(0)).toBe(h.fp.megaflowMaskPtr(b)); // 250 < 200 + 400
  });

  it("reranks on its own after enough lookups (batched or not)", async () => {
    const h = await ClassifyHarness.create(64);
    h.insert(l2Key(1, 1), M_PORT_DST);
    const b = h.insert(keyFrom({ [NW_SRC]: 7 }), M_L4);
    const keys = Array.from({ length: 16 }, () => keyFrom({ [NW_SRC]: 7 }));
    for (let i = 0; i < 70000 / 16; i++) h.lookupBatch(keys);
    expect(h.counter("megaflow.rerank")).toBeGreaterThanOrEqual(1n);
    expect(h.fp.megaflowSubtableAt(0)).toBe(h.fp.megaflowMaskPtr(b));
  });
});

describe("classifier memory", () => {
  it("stays within 256 bytes per megaflow with 8-byte action lists", async () => {
    const h = await ClassifyHarness.create(20000);
    const base = h.fp.classifyMegaflowBytes();
    for (let i = 0; i < 20000; i++) {
      h.insert(keyFrom({ [IN_PORT]: i & 0xff, [IN_PORT + 1]: i >> 8, [NW_SRC]: i % 4 }), i % 4 ? M_PORT_DST : M_PORT);
    }
    expect(h.fp.megaflowCount()).toBe(20000);
    const perFlow = (h.fp.classifyMegaflowBytes() - base) / 20000;
    expect(perFlow).toBeLessThanOrEqual(256);
    h.fp.megaflowFlush();
    expect(h.fp.classifyMegaflowBytes()).toBeLessThan(base + 4096);
  });
});
