// rule-compact.ts: what a rule keeps is equal to what it was given, in exact-size arrays, and
// identical instruction lists are one shared list.
//
// What it proves: compactMatch copies element for element; compactInstructions returns equal
// content, the same array for lists with the same wire encoding (decoded separately, so no
// object is shared on the way in), and different arrays for lists that differ in any action
// field; and a rule table's rules really share their lists.

import { describe, expect, it } from "vitest";
import type { Instruction } from "../../../openflow/instructions.ts";
import type { OxmBasic } from "../../../openflow/match/match.ts";
import { compactInstructions, compactMatch } from "../../../src/ofproto/rule-compact.ts";
import { RuleTables } from "../../../src/ofproto/rule-table.ts";

const out = (port: number): Instruction[] => [
  { type: "apply_actions", actions: [{ type: "output", port, maxLen: 0 }] },
];

describe("compactMatch", () => {
  it("copies the match element for element into a new array", () => {
    const m: OxmBasic[] = [
      { name: "in_port", value: 1 },
      { name: "eth_dst", value: new Uint8Array([2, 0, 0, 0, 0, 1]) },
    ];
    const c = compactMatch(m);
    expect(c).not.toBe(m);
    expect(c).toEqual(m);
  });
  it("shares one object per unmasked in_port/eth_type value, never a masked or byte-valued one", () => {
    const m = (): OxmBasic[] => [
      { name: "in_port", value: 1 },
      { name: "eth_type", value: 0x0800 },
      { name: "ipv4_dst", value: 0x0a000001 },
      { name: "vlan_vid", value: 0x1000, mask: 0x1000 },
      { name: "eth_dst", value: new Uint8Array([2, 0, 0, 0, 0, 1]) },
    ];
    const a = compactMatch(m());
    const b = compactMatch(m());
    expect(b).toEqual(m());
    expect(b[0]).toBe(a[0]);
    expect(b[1]).toBe(a[1]);
    expect(b[2]).not.toBe(a[2]);
    expect(b[3]).not.toBe(a[3]);
    expect(b[4]).not.toBe(a[4]);
    expect(compactMatch([{ name: "in_port", value: 2 }])[0]).not.toBe(a[0]);
  });
  it("keeps byte values (MACs, IPv6) as copies: later changes to the input do not reach the rule", () => {
    const mac = new Uint8Array([2, 0, 0, 0, 0, 1]);
    const mask = new Uint8Array([0xff, 0xff, 0xff, 0, 0, 0]);
    const m: OxmBasic[] = [
      { name: "eth_dst", value: mac },
      { name: "eth_src", value: mac.slice(), mask },
    ];
    const c = compactMatch(m);
    expect(c).toEqual(m);
    expect("mask" in c[0]).toBe(false);
    mac[5] = 9;
    mask[0] = 0;
    expect(c[0].value).toEqual(new Uint8Array([2, 0, 0, 0, 0, 1]));
    expect(c[1].mask).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0, 0, 0]));
    // Many of them: slabs roll over without mixing values.
    const many = Array.from({ length: 5000 }, (_, i) =>
      compactMatch([{ name: "eth_dst", value: Uint8Array.from([2, 0, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255]) }]),
    );
    many.forEach((r, i) => {
      expect(r[0].value).toEqual(Uint8Array.from([2, 0, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255]));
    });
  });
});

describe("compactInstructions", () => {
  it("returns one shared list for equal lists and separate lists for different ones", () => {
    const a = compactInstructions(out(2));
    const b = compactInstructions(out(2));
    const c = compactInstructions(out(3));
    const d = compactInstructions([{ type: "goto_table", tableId: 1 }, ...out(2)]);
    expect(a).toEqual(out(2));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(c).toEqual(out(3));
    expect(d).not.toBe(a);
    expect(d).toEqual([{ type: "goto_table", tableId: 1 }, ...out(2)]);
  });

  it("is what a rule table keeps: two rules with the same actions hold one list", () => {
    const tables = new RuleTables();
    const spec = (port: number) => ({
      tableId: 0,
      priority: 10,
      match: [{ name: "in_port", value: port } as OxmBasic],
      instructions: out(9),
      cookie: 0n,
      flags: 0,
      idleTimeout: 0,
      hardTimeout: 0,
    });
    const r1 = tables.insert(spec(1), 0);
    const r2 = tables.insert(spec(2), 0);
    expect(r1.instructions).toBe(r2.instructions);
    expect(r1.instructions).toEqual(out(9));
  });
});
