import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OxmBasic } from "../../../openflow/match/match.ts";
import { KEY, KeyMask, PRESENT } from "../../../src/datapath/flow-key.ts";
import { fieldMatches } from "../../../src/ofproto/oxm-key-map.ts";
import type { PipelineFlow } from "../../../src/ofproto/pipeline-flow.ts";
import { normalizeMatch } from "../../../src/ofproto/rule-match.ts";
import { N_TABLES, type Rule, RuleTables } from "../../../src/ofproto/rule-table.ts";
import { flowOf, ip4, output } from "./flow-fixtures.ts";
import { flowArb, matchArb, mixOnMask } from "./rule-arbitraries.ts";

function add(t: RuleTables, priority: number, match: OxmBasic[], tableId = 0): Rule {
  return t.insert(
    {
      tableId,
      priority,
      match: normalizeMatch(match),
      instructions: output(priority),
      cookie: 0n,
      flags: 0,
      idleTimeout: 0,
      hardTimeout: 0,
    },
    0,
  );
}

/** The reference: scan every rule, keep the highest priority, earliest added on ties. */
function linearLookup(rules: readonly Rule[], flow: PipelineFlow): Rule | undefined {
  let best: Rule | undefined;
  for (const r of rules) {
    if (!r.match.every((o) => fieldMatches(flow, o))) continue;
    if (!best || r.priority > best.priority || (r.priority === best.priority && r.id < best.id)) best = r;
  }
  return best;
}

const ipFlow = (dst: number, inPort = 1) =>
  flowOf({ inPort, l3: { kind: "ipv4", src: ip4(10, 0, 0, 1), dst, proto: 6 }, l4: { kind: "tcp", src: 1, dst: 80 } });

describe("RuleTables.lookup", () => {
  it("has 254 tables; an empty table misses (the translator drops)", () => {
    const t = new RuleTables();
    expect(t.tables.length).toBe(N_TABLES);
    expect(t.lookup(0, ipFlow(1), new KeyMask())).toBeUndefined();
    expect(t.lookup(253, ipFlow(1), new KeyMask())).toBeUndefined();
    expect(() => t.lookup(254, ipFlow(1), new KeyMask())).toThrow(RangeError);
  });

  it("returns the highest-priority match, a priority-0 catch-all on a miss, and only for its table", () => {
    const t = new RuleTables();
    const miss = add(t, 0, []);
    const net = add(t, 10, [
      { name: "eth_type", value: 0x0800 },
      { name: "ipv4_dst", value: ip4(10, 1, 0, 0), mask: 0xffff0000 },
    ]);
    const host = add(t, 20, [
      { name: "eth_type", value: 0x0800 },
      { name: "ipv4_dst", value: ip4(10, 1, 2, 3) },
    ]);
    add(t, 99, [], 1);
    expect(t.lookup(0, ipFlow(ip4(10, 1, 2, 3)), new KeyMask())).toBe(host);
    expect(t.lookup(0, ipFlow(ip4(10, 1, 9, 9)), new KeyMask())).toBe(net);
    expect(t.lookup(0, ipFlow(ip4(10, 2, 0, 0)), new KeyMask())).toBe(miss);
  });

  it("breaks ties between overlapping equal-priority rules by insertion order, across subtables", () => {
    const t = new RuleTables();
    const first = add(t, 5, [{ name: "in_port", value: 1 }]);
    add(t, 5, [{ name: "eth_type", value: 0x0800 }]);
    expect(t.lookup(0, ipFlow(1), new KeyMask())).toBe(first);
    const t2 = new RuleTables();
    const early = add(t2, 5, [{ name: "eth_type", value: 0x0800 }]);
    add(t2, 5, [{ name: "in_port", value: 1 }]);
    expect(t2.lookup(0, ipFlow(1), new KeyMask())).toBe(early);
  });

  it("never returns a rule on fields the datapath cannot see (PBB)", () => {
    const t = new RuleTables();
    const r = add(t, 9, [
      { name: "eth_type", value: 0x88e7 },
      { name: "pbb_isid", value: 5 },
    ]);
    expect(r.matchable).toBe(false);
    expect(t.table(0).size).toBe(1);
    expect(t.lookup(0, flowOf({ l3: { kind: "other", ethType: 0x88e7 } }), new KeyMask())).toBeUndefined();
  });

  it("matches MPLS rules on the top label stack entry", () => {
    const t = new RuleTables();
    const r = add(t, 9, [
      { name: "eth_type", value: 0x8847 },
      { name: "mpls_label", value: 5 },
    ]);
    expect(r.matchable).toBe(true);
    expect(t.lookup(0, flowOf({ l3: { kind: "mpls", label: 5 } }), new KeyMask())).toBe(r);
    expect(t.lookup(0, flowOf({ l3: { kind: "mpls", label: 6 } }), new KeyMask())).toBeUndefined();
  });

  it("un-wildcards the fields of the subtables it visited: in_port as the datapath port", () => {
    const t = new RuleTables();
    add(t, 10, [{ name: "in_port", value: 2 }]);
    add(t, 5, [{ name: "metadata", value: 7n }]);
    const wc = new KeyMask();
    t.lookup(0, ipFlow(1), wc);
    const want = new KeyMask().inPort();
    expect(Array.from(wc.bytes)).toEqual(Array.from(want.bytes)); // metadata: nothing in the key
    const wc2 = new KeyMask();
    t.lookup(0, flowOf({ vlan: { vid: 5 } }), wc2);
    expect(wc2.bytes[KEY.ETH_DST]).toBe(0);
    expect(wc2.bytes[KEY.PRESENT] & PRESENT.VLAN).toBe(0);
  });

  it("stops at subtables that cannot beat the best match (their masks stay wildcarded)", () => {
    const t = new RuleTables();
    add(t, 100, [{ name: "in_port", value: 1 }]);
    add(t, 1, [{ name: "eth_dst", value: new Uint8Array([2, 0, 0, 0, 0, 1]) }]);
    const wc = new KeyMask();
    t.lookup(0, ipFlow(1, 1), wc);
    expect(wc.bytes[KEY.ETH_DST]).toBe(0);
    const wc2 = new KeyMask();
    t.lookup(0, ipFlow(1, 2), wc2); // in_port misses: the eth_dst subtable must be consulted
    expect(wc2.bytes[KEY.ETH_DST]).toBe(0xff);
  });

  it("keeps working after removals (subtable priorities recomputed)", () => {
    const t = new RuleTables();
    const hi = add(t, 50, [{ name: "in_port", value: 1 }]);
    const lo = add(t, 10, [
      { name: "in_port", value: 1 },
      { name: "eth_type", value: 0x0800 },
    ]);
    const mid = add(t, 30, [
      { name: "in_port", value: 1 },
      { name: "eth_type", value: 0x0806 },
    ]);
    expect(t.lookup(0, ipFlow(1), new KeyMask())).toBe(hi);
    t.remove(hi);
    expect(t.lookup(0, ipFlow(1), new KeyMask())).toBe(lo);
    t.remove(mid);
    t.remove(lo);
    expect(t.lookup(0, ipFlow(1), new KeyMask())).toBeUndefined();
    expect(t.table(0).classifier.subtableCount).toBe(0);
  });
});

const rulesArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), matchArb), { minLength: 1, maxLength: 40 });

describe("classifier properties", () => {
  it("lookup agrees with a linear scan of the rules (same rule)", () => {
    fc.assert(
      fc.property(rulesArb, fc.array(flowArb, { minLength: 1, maxLength: 20 }), fc.nat(), (specs, flows, k) => {
        const t = new RuleTables();
        const rules = specs.map(([p, m]) => add(t, p, m));
        // Remove a few to exercise deletions too.
        const live = rules.filter((r, i) => (i + k) % 5 !== 0 || !t.remove(r));
        for (const f of flows) expect(t.lookup(0, f, new KeyMask())).toBe(linearLookup(live, f));
      }),
      { numRuns: 400 },
    );
  });

  it("megaflow soundness: any flow agreeing on the recorded mask gets the same rule", () => {
    fc.assert(
      fc.property(rulesArb, flowArb, fc.array(flowArb, { minLength: 1, maxLength: 10 }), (specs, f, others) => {
        const t = new RuleTables();
        for (const [p, m] of specs) add(t, p, m);
        const wc = new KeyMask();
        const hit = t.lookup(0, f, wc);
        for (const o of others) {
          const g = mixOnMask(f, o, wc);
          expect(t.lookup(0, g, new KeyMask())).toBe(hit);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("scale", () => {
  it("adds 100k rules and looks them up correctly", () => {
    const t = new RuleTables();
    const N = 100_000;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) {
      add(t, 100 + (i % 3), [
        { name: "eth_type", value: 0x0800 },
        { name: "ipv4_dst", value: (ip4(10, 0, 0, 0) + i) >>> 0 },
      ]);
    }
    const subnet = add(t, 50, [
      { name: "eth_type", value: 0x0800 },
      { name: "ipv4_dst", value: ip4(10, 0, 0, 0), mask: 0xff000000 },
    ]);
    const byPort = add(t, 200, [{ name: "in_port", value: 9 }]);
    const miss = add(t, 0, []);
    const addMs = performance.now() - t0;
    expect(t.table(0).size).toBe(N + 3);
    const M = 20_000;
    const idx = Array.from({ length: M }, (_, j) => (j * 7919) % (N + 1000));
    const flows = idx.map((i) => ipFlow((ip4(10, 0, 0, 0) + i) >>> 0));
    const wc = new KeyMask();
    t0 = performance.now();
    const hits = flows.map((f) => t.lookup(0, f, wc));
    const lookupUs = ((performance.now() - t0) / M) * 1000;
    idx.forEach((i, j) => {
      const hit = hits[j];
      if (i < N) {
        expect(hit?.priority).toBe(100 + (i % 3));
        expect(hit?.match[1].value).toBe((ip4(10, 0, 0, 0) + i) >>> 0);
      } else expect(hit).toBe(subnet);
    });
    expect(t.lookup(0, ipFlow(ip4(10, 0, 0, 1), 9), new KeyMask())).toBe(byPort);
    expect(t.lookup(0, ipFlow(ip4(11, 0, 0, 1)), new KeyMask())).toBe(miss);
    console.log(`rule-table scale: ${N} adds in ${addMs.toFixed(0)} ms; lookup ${lookupUs.toFixed(2)} µs`);
  });
});
