// Differential property test: the WASM classifier (EMC + megaflow table) against the linear-scan
// reference model (test/reference/classifier-model.ts) over random sequences of inserts,
// removes, lookups (single, batched, through the EMC), credits, idle expiry and flushes.
//
// Keys and masks are drawn from small domains so flows overlap and share subtables: masks come
// from a per-sequence pool of a few masks built from flow-key fields (whole or partial bytes),
// and most lookup keys are an installed flow's key with a few bytes changed (inside or outside
// the mask), so both hits and near-misses are common.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ClassifierModel, KEY_SIZE, maskKey } from "../../reference/classifier-model.ts";
import { ClassifyHarness, outputAction } from "./classify-harness.ts";

// Two instances: a small table that fills up often, a larger one whose subtables grow.
const SMALL_FLOWS = 6;
const LARGE_FLOWS = 48;

// [offset, length] of flow-key fields (assembly/key/flow-key.ts).
const FIELDS: Array<[number, number]> = [
  [0, 4], // in_port
  [8, 6], // eth_dst
  [14, 6], // eth_src
  [20, 2], // eth_type
  [22, 2], // vlan_tci
  [28, 1], // ip_proto
  [32, 4], // nw_src (v4)
  [44, 4], // nw_src (v6 tail)
  [48, 4], // nw_dst
  [64, 2], // tp_src
  [66, 2], // tp_dst
  [96, 16], // nd_target
];

const BYTE_VALUES = [0x00, 0x01, 0x02, 0x80, 0xff];

const maskArb = fc
  .array(
    fc.record({
      field: fc.integer({ min: 0, max: FIELDS.length - 1 }),
      partial: fc.oneof(fc.constant(0xff), fc.constant(0xff), fc.constantFrom(0xf0, 0x0f, 0x80, 0x01)),
    }),
    { minLength: 0, maxLength: 4 },
  )
  .map((parts) => {
    const m = new Uint8Array(KEY_SIZE);
    for (const { field, partial } of parts) {
      const [off, len] = FIELDS[field];
      m.fill(0xff, off, off + len);
      m[off + len - 1] = partial; // the last byte may be a bit mask (prefixes, ports)
    }
    return m;
  });

const bytePatchArb = fc.array(
  fc.record({ off: fc.integer({ min: 0, max: KEY_SIZE - 1 }), value: fc.constantFrom(...BYTE_VALUES) }),
  { maxLength: 3 },
);

/** A key: a few bytes of a few fields set to small values, the rest zero. */
const keyArb = fc
  .array(
    fc.record({
      field: fc.integer({ min: 0, max: FIELDS.length - 1 }),
      at: fc.nat(),
      value: fc.constantFrom(...BYTE_VALUES),
    }),
    { minLength: 2, maxLength: 10, size: "max" },
  )
  .map((parts) => {
    const k = new Uint8Array(KEY_SIZE);
    for (const { field, at, value } of parts) {
      const [off, len] = FIELDS[field];
      k[off + (at % len)] = value;
    }
    return k;
  });

type Op =
  | { kind: "insert"; key: Uint8Array; maskIdx: number; actions: "ok" | "long" | "bad" }
  | { kind: "insertCopy"; pick: number; patch: { off: number; value: number }[]; maskIdx: number }
  | { kind: "burst"; base: Uint8Array; maskIdx: number; sel: number; n: number }
  | { kind: "remove"; pick: number; stray: boolean }
  | { kind: "lookup"; pick: number; patch: { off: number; value: number }[]; via: "direct" | "emc" }
  | { kind: "lookupRandom"; key: Uint8Array }
  | { kind: "batch"; picks: { pick: number; patch: { off: number; value: number }[] }[] }
  | { kind: "tick"; ms: number }
  | { kind: "expire"; idleMs: number }
  | { kind: "flush" }
  | { kind: "rerank" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("insert" as const),
      key: keyArb,
      maskIdx: fc.nat(),
      actions: fc.constantFrom("ok" as const, "ok" as const, "long" as const, "bad" as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("insertCopy" as const),
      pick: fc.nat(),
      patch: bytePatchArb,
      maskIdx: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("burst" as const),
      base: keyArb,
      maskIdx: fc.nat(),
      sel: fc.nat(),
      n: fc.integer({ min: 4, max: 24 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat(), stray: fc.boolean() }) },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("lookup" as const),
      pick: fc.nat(),
      patch: bytePatchArb,
      via: fc.constantFrom("direct" as const, "emc" as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("lookupRandom" as const), key: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      picks: fc.array(fc.record({ pick: fc.nat(), patch: bytePatchArb }), { minLength: 1, maxLength: 12 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 3000 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("expire" as const), idleMs: fc.integer({ min: 0, max: 8000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "flush" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "rerank" as const }) },
);

const ACTIONS_OK = outputAction(3);
const ACTIONS_LONG = new Uint8Array([
  ...outputAction(1),
  ...outputAction(2),
  ...outputAction(3),
  ...outputAction(4),
  ...outputAction(5),
]);
const ACTIONS_BAD = new Uint8Array([1, 0, 6, 0, 0, 0]);

// Plain checks inside the property (vitest's expect costs microseconds per call, and the
// property makes about a million checks); a failure throws and fast-check shrinks it.
function same<T>(got: T, want: T, what: string): void {
  if (got !== want) throw new Error(`${what}: got ${String(got)}, want ${String(want)}`);
}

function truth(cond: boolean, what: () => string): void {
  if (!cond) throw new Error(what());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function patched(key: Uint8Array, patch: { off: number; value: number }[]): Uint8Array {
  const k = key.slice();
  for (const { off, value } of patch) k[off] = value;
  return k;
}

describe("classifier vs linear-scan model", () => {
  let small: ClassifyHarness;
  let large: ClassifyHarness;
  beforeAll(async () => {
    small = await ClassifyHarness.create(SMALL_FLOWS, 64);
    large = await ClassifyHarness.create(LARGE_FLOWS, 64);
  });

  it("agrees on inserts, removes, lookups, stats and expiry over random sequences", () => {
    let sequences = 0;
    let hitsSeen = 0;
    let lookupsSeen = 0;
    let grown = 0; // sequences where a subtable passed its initial 8-flow load limit (rehash)
    const outcomes: Record<string, number> = { ok: 0, exists: 0, full: 0, bad: 0 };
    fc.assert(
      fc.property(
        fc.array(maskArb, { minLength: 1, maxLength: 5 }),
        fc.array(opArb, { minLength: 1, maxLength: 80, size: "max" }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        (masks, ops, clock0, useSmall) => {
          sequences++;
          const h = useSmall ? small : large;
          const MAX_FLOWS = useSmall ? SMALL_FLOWS : LARGE_FLOWS;
          const fp = h.fp;
          fp.megaflowFlush();
          fp.emcFlush();
          const model = new ClassifierModel(MAX_FLOWS);
          const keysById = new Map<number, Uint8Array>(); // original (unmasked) key per live id
          const usedById = new Map<number, number>();
          let clock = clock0 >>> 0;
          fp.megaflowCredit(0xffffffff, 0, 0, 0, clock); // note the clock (no flow credited)

          const liveIds = () => [...model.flows.keys()].sort((a, b) => a - b);
          const lookupKey = (pick: number, patch: { off: number; value: number }[]) => {
            const ids = liveIds();
            if (ids.length === 0) return patched(new Uint8Array(KEY_SIZE), patch);
            return patched(keysById.get(ids[pick % ids.length]) as Uint8Array, patch);
          };
          const check = (key: Uint8Array, got: number) => {
            lookupsSeen++;
            const matching = model.matching(key);
            if (matching.length === 0) same(got, -1, "lookup of a key no flow matches");
            else {
              hitsSeen++;
              truth(matching.includes(got), () => `lookup returned ${got}, matching flows are ${matching}`);
              fp.megaflowCredit(got, 1, 60, 0x10, clock);
              usedById.set(got, clock);
            }
          };
          const insert = (key: Uint8Array, mask: Uint8Array, actions: Uint8Array, valid: boolean) => {
            const expected = valid ? model.expectInsert(key, mask) : "bad";
            const id = h.insert(key, mask, actions, clock);
            outcomes[expected]++;
            if (expected === "bad") same(id, -3, "insert with a bad action list");
            else if (expected === "exists") same(id, -1, "insert of an existing megaflow");
            else if (expected === "full") same(id, -2, "insert into a full table");
            else {
              truth(id >= 0 && id < MAX_FLOWS, () => `insert returned ${id}, expected a new id`);
              model.add(id, key, mask, actions);
              keysById.set(id, key);
              usedById.set(id, clock);
              truth(sameBytes(h.keyOf(id), maskKey(key, mask)), () => "stored key is key & mask");
              truth(sameBytes(h.maskOf(id), mask), () => "stored mask");
              truth(sameBytes(h.actionsOf(id), actions), () => "stored actions");
            }
          };

          let grownNow = false;
          for (const op of ops) {
            switch (op.kind) {
              case "insert": {
                const acts = op.actions === "ok" ? ACTIONS_OK : op.actions === "long" ? ACTIONS_LONG : ACTIONS_BAD;
                insert(op.key, masks[op.maskIdx % masks.length], acts, op.actions !== "bad");
                break;
              }
              case "insertCopy":
                insert(lookupKey(op.pick, op.patch), masks[op.maskIdx % masks.length], ACTIONS_OK, true);
                break;
              case "burst": {
                // Many flows in one subtable (so its slots grow and rehash): vary one fully
                // masked byte.
                const mask = masks[op.maskIdx % masks.length];
                const full = [...mask.keys()].filter((i) => mask[i] === 0xff);
                for (let j = 0; j < op.n; j++) {
                  const key = op.base.slice();
                  if (full.length > 0) key[full[op.sel % full.length]] = (j * 37 + 1) & 0xff;
                  insert(key, mask, ACTIONS_OK, true);
                }
                break;
              }
              case "remove": {
                const ids = liveIds();
                if (op.stray || ids.length === 0) {
                  const id = op.pick % (MAX_FLOWS + 4);
                  same(fp.megaflowRemove(id), model.remove(id), `remove of stray id ${id}`);
                } else {
                  const id = ids[op.pick % ids.length];
                  same(fp.megaflowRemove(id), true, `remove of live id ${id}`);
                  model.remove(id);
                }
                break;
              }
              case "lookup": {
                const key = lookupKey(op.pick, op.patch);
                check(key, op.via === "emc" ? h.cachedLookup(key).id : h.lookup(key));
                break;
              }
              case "lookupRandom":
                check(op.key, h.cachedLookup(op.key).id);
                break;
              case "batch": {
                const keys = op.picks.map((p) => lookupKey(p.pick, p.patch));
                const { out, hits } = h.lookupBatch(keys);
                keys.forEach((k, i) => {
                  check(k, out[i]);
                });
                same(hits, out.filter((x) => x >= 0).length, "batch hit count");
                break;
              }
              case "tick":
                clock = (clock + op.ms) >>> 0;
                break;
              case "expire": {
                const want = [...model.flows.keys()]
                  .filter((id) => (clock - (usedById.get(id) as number)) >>> 0 > op.idleMs)
                  .sort((a, b) => a - b);
                const got = h.expireIdle(clock, op.idleMs);
                same(got.join(), want.join(), "expired ids");
                for (const id of got) model.remove(id);
                break;
              }
              case "flush":
                fp.megaflowFlush();
                model.clear();
                break;
              case "rerank":
                fp.megaflowRerank();
                break;
            }
            same(fp.megaflowCount(), model.flows.size, "megaflowCount");
            same(fp.megaflowSubtableCount(), model.distinctMasks(), "megaflowSubtableCount");
            same(fp.megaflowAudit(), 0, `megaflowAudit after ${op.kind}`);
            if (model.flows.size > 12 && model.largestSubtable() > 8) grownNow = true;
          }
          if (grownNow) grown++;
          same(h.liveIds().join(), liveIds().join(), "megaflowNext dump");
          for (const id of liveIds()) {
            same(fp.megaflowUsed(id), usedById.get(id), `megaflowUsed(${id})`);
            truth(h.matches(id, keysById.get(id) as Uint8Array), () => `flow ${id} matches its own key`);
          }
        },
      ),
      { numRuns: 4000 },
    );
    expect(sequences).toBeGreaterThanOrEqual(4000);
    // The generators must exercise hits as well as misses.
    expect(hitsSeen).toBeGreaterThan(lookupsSeen / 5);
    expect(hitsSeen).toBeLessThan(lookupsSeen);
    // ...and every insert outcome.
    for (const n of Object.values(outcomes)) expect(n).toBeGreaterThan(50);
    expect(grown).toBeGreaterThan(20);
  });
});
