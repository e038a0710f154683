import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { type MeterModMessage, OFPMC, OFPMF } from "../../../openflow/messages/meter-mod.ts";
import { meterModArb } from "../arbitraries/flow-messages.ts";
import { expectOfpError, expectTruncationsRejected, fixture, fixtureNames, roundTripFixture } from "./flow-fixtures.ts";

describe("METER_MOD from os-ken", () => {
  for (const name of fixtureNames("meter-mod-")) it(`${name} re-encodes byte for byte`, () => roundTripFixture(name));

  it("drop and DSCP-remark bands, kbps/burst/stats flags", () => {
    const m = roundTripFixture("meter-mod-drop-dscp") as MeterModMessage;
    expect(m).toMatchObject({ command: OFPMC.ADD, flags: OFPMF.KBPS | OFPMF.BURST | OFPMF.STATS, meterId: 1 });
    expect(m.bands).toEqual([
      { type: "drop", rate: 1000, burstSize: 100 },
      { type: "dscp-remark", rate: 500, burstSize: 50, precLevel: 1 },
    ]);
    expect((roundTripFixture("meter-mod-pktps") as MeterModMessage).flags).toBe(OFPMF.PKTPS);
    expect(roundTripFixture("meter-mod-delete")).toMatchObject({
      command: OFPMC.DELETE,
      meterId: 0xffffffff,
      bands: [],
    });
  });
});

describe("METER_MOD property and malformed input", () => {
  it("decode(encode(m)) = m", () => {
    fc.assert(
      fc.property(meterModArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });
  it("every truncation (length patched) is an OfpError", () =>
    expectTruncationsRejected(fixture("meter-mod-drop-dscp")));
  it("an unknown band type is METER_MOD_FAILED/BAD_BAND", () => {
    const b = fixture("meter-mod-pktps");
    new DataView(b.buffer).setUint16(16, 7);
    expectOfpError(() => decodeMessage(b), "METER_MOD_FAILED/BAD_BAND");
  });
});
