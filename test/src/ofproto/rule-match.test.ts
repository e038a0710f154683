import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Match, OxmBasic } from "../../../openflow/match/match.ts";
import { type OxmValue, oxmFieldByName } from "../../../openflow/match/oxm-fields.ts";
import { fieldMatches } from "../../../src/ofproto/oxm-key-map.ts";
import {
  matchCovers,
  matchesOverlap,
  matchKey,
  normalizeMatch,
  ruleIdentity,
} from "../../../src/ofproto/rule-match.ts";
import { flowArb, matchArb } from "./rule-arbitraries.ts";

const IP: OxmBasic = { name: "eth_type", value: 0x0800 };
const dst = (value: number, mask?: number): OxmBasic =>
  mask === undefined ? { name: "ipv4_dst", value } : { name: "ipv4_dst", value, mask };

describe("normalizeMatch and matchKey", () => {
  it("drops zero masks, unmasks full masks; order does not change identity", () => {
    const m: Match = [IP, dst(0x0a000001, 0xffffffff), { name: "metadata", value: 0n, mask: 0n }];
    expect(normalizeMatch(m)).toEqual([IP, dst(0x0a000001)]);
    expect(matchKey(normalizeMatch(m))).toBe(matchKey([dst(0x0a000001), IP]));
    expect(matchKey([IP, dst(0x0a000000, 0xff000000)])).not.toBe(matchKey([IP, dst(0x0a000000, 0xffff0000)]));
  });
  it("property: equal keys exactly when the normalized matches hold the same fields, values and masks", () => {
    // The reference: each field as readable text, in field order.
    const text = (v: OxmValue) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v.toString(16));
    const reference = (m: OxmBasic[]) =>
      m
        .map((o) => `${oxmFieldByName(o.name).field}=${text(o.value)}${o.mask === undefined ? "" : `/${text(o.mask)}`}`)
        .sort()
        .join(",");
    fc.assert(
      fc.property(matchArb, matchArb, (a, b) => {
        const na = normalizeMatch(a);
        const nb = normalizeMatch(b);
        expect(matchKey(na) === matchKey(nb)).toBe(reference(na) === reference(nb));
        expect(matchKey(na)).toBe(matchKey([...na].reverse()));
        expect(ruleIdentity(na, 7) === ruleIdentity(nb, 7)).toBe(reference(na) === reference(nb));
        expect(ruleIdentity(na, 7)).not.toBe(ruleIdentity(na, 0x107));
      }),
      { numRuns: 500 },
    );
    const m = normalizeMatch([IP, dst(0x0a000001)]);
    expect(matchKey(m)).toBe(matchKey([...m]));
  });
});

describe("matchCovers (non-strict) and matchesOverlap", () => {
  it("a rule is covered when it is at least as specific", () => {
    expect(matchCovers([IP, dst(0x0a000001)], [IP, dst(0x0a000000, 0xff000000)])).toBe(true);
    expect(matchCovers([IP, dst(0x0a000000, 0xff000000)], [IP, dst(0x0a000001)])).toBe(false);
    expect(matchCovers([IP], [])).toBe(true);
    expect(matchCovers([], [IP])).toBe(false);
  });
  it("overlap: fields in both must agree under both masks", () => {
    expect(matchesOverlap([IP, dst(0x0a000001)], [IP, dst(0x0a000000, 0xff000000)])).toBe(true);
    expect(matchesOverlap([IP, dst(0x0b000001)], [IP, dst(0x0a000000, 0xff000000)])).toBe(false);
    expect(matchesOverlap([{ name: "in_port", value: 1 }], [IP])).toBe(true);
  });
  it("property: a flow matching a covered rule matches the covering request; non-overlap means no shared flow", () => {
    fc.assert(
      fc.property(matchArb, matchArb, flowArb, (a, b, f) => {
        const na = normalizeMatch(a);
        const nb = normalizeMatch(b);
        const ma = na.every((o) => fieldMatches(f, o));
        const mb = nb.every((o) => fieldMatches(f, o));
        if (matchCovers(na, nb) && ma) expect(mb).toBe(true);
        if (ma && mb) expect(matchesOverlap(na, nb)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
