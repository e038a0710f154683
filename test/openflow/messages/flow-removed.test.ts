import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { type FlowRemovedMessage, OFPRR } from "../../../openflow/messages/flow-removed.ts";
import { flowRemovedArb } from "../arbitraries/flow-messages.ts";
import { expectOfpError, expectTruncationsRejected, fixture, fixtureNames, roundTripFixture } from "./flow-fixtures.ts";

describe("FLOW_REMOVED (packed with os-ken's structs, parsed back by os-ken)", () => {
  for (const name of fixtureNames("flow-removed-"))
    it(`${name} re-encodes byte for byte`, () => roundTripFixture(name));

  it("every reason, counters and timeouts", () => {
    const idle = roundTripFixture("flow-removed-idle") as FlowRemovedMessage;
    expect(idle).toMatchObject({
      cookie: 0xc0ffeen,
      priority: 100,
      reason: OFPRR.IDLE_TIMEOUT,
      tableId: 2,
      durationSec: 3600,
      durationNsec: 999999999,
      idleTimeout: 10,
      hardTimeout: 20,
      packetCount: 12345678901n,
      byteCount: 98765432109876n,
    });
    expect(idle.match).toEqual([
      { name: "in_port", value: 1 },
      { name: "eth_type", value: 0x0800 },
      { name: "ipv4_dst", value: 0x0a000002 },
    ]);
    expect(roundTripFixture("flow-removed-hard")).toMatchObject({ reason: OFPRR.HARD_TIMEOUT });
    expect(roundTripFixture("flow-removed-delete")).toMatchObject({ reason: OFPRR.DELETE, match: [] });
    expect(roundTripFixture("flow-removed-group-delete")).toMatchObject({ reason: OFPRR.GROUP_DELETE });
  });
});

describe("FLOW_REMOVED property and malformed input", () => {
  it("decode(encode(m)) = m", () => {
    fc.assert(
      fc.property(flowRemovedArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });
  it("every truncation (length patched) is an OfpError", () => expectTruncationsRejected(fixture("flow-removed-idle")));
  it("bytes after the match are BAD_REQUEST/BAD_LEN", () => {
    const b = fixture("flow-removed-delete");
    const longer = new Uint8Array(b.length + 8);
    longer.set(b);
    new DataView(longer.buffer).setUint16(2, longer.length);
    expectOfpError(() => decodeMessage(longer), "BAD_REQUEST/BAD_LEN");
  });
});
