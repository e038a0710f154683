import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { type GroupModMessage, OFPGC, OFPGT_TYPES } from "../../../openflow/messages/group-mod.ts";
import { groupModArb } from "../arbitraries/flow-messages.ts";
import { expectOfpError, expectTruncationsRejected, fixture, fixtureNames, roundTripFixture } from "./flow-fixtures.ts";

describe("GROUP_MOD from os-ken", () => {
  for (const name of fixtureNames("group-mod-")) it(`${name} re-encodes byte for byte`, () => roundTripFixture(name));

  it("each group type with its buckets", () => {
    const all = roundTripFixture("group-mod-all") as GroupModMessage;
    expect(all).toMatchObject({ command: OFPGC.ADD, groupType: OFPGT_TYPES.ALL, groupId: 10 });
    expect(all.buckets).toHaveLength(2);
    const sel = roundTripFixture("group-mod-select") as GroupModMessage;
    expect(sel.groupType).toBe(OFPGT_TYPES.SELECT);
    expect(sel.buckets.map((b) => b.weight)).toEqual([3, 7]);
    expect(sel.buckets[1].actions[0]).toEqual({
      type: "set_field",
      field: { name: "eth_dst", value: Uint8Array.of(2, 0, 0, 0, 0, 9) },
    });
    const ind = roundTripFixture("group-mod-indirect") as GroupModMessage;
    expect(ind.buckets[0].actions.map((a) => a.type)).toEqual(["push_vlan", "set_field", "output"]);
    const ff = roundTripFixture("group-mod-ff") as GroupModMessage;
    expect(ff.groupType).toBe(OFPGT_TYPES.FF);
    expect(ff.buckets.map((b) => [b.watchPort, b.watchGroup])).toEqual([
      [1, 0xffffffff],
      [2, 4],
    ]);
    const del = roundTripFixture("group-mod-delete") as GroupModMessage;
    expect(del).toMatchObject({ command: OFPGC.DELETE, groupId: 0xfffffffc, buckets: [] });
  });
});

describe("GROUP_MOD property and malformed input", () => {
  it("decode(encode(m)) = m", () => {
    fc.assert(
      fc.property(groupModArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });
  it("every truncation (length patched) is an OfpError", () => expectTruncationsRejected(fixture("group-mod-select")));
  it("a bucket length lie is GROUP_MOD_FAILED/BAD_BUCKET", () => {
    const b = fixture("group-mod-all");
    new DataView(b.buffer).setUint16(16, 0x100);
    expectOfpError(() => decodeMessage(b), "GROUP_MOD_FAILED/BAD_BUCKET");
  });
});
