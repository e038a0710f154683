import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OFPP } from "../../../openflow/constants.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import type { PacketOutMessage } from "../../../openflow/messages/packet-out.ts";
import { packetOutArb } from "../arbitraries/flow-messages.ts";
import { expectOfpError, expectTruncationsRejected, fixture, fixtureNames, roundTripFixture } from "./flow-fixtures.ts";

describe("PACKET_OUT from os-ken", () => {
  for (const name of fixtureNames("packet-out-")) it(`${name} re-encodes byte for byte`, () => roundTripFixture(name));

  it("in_port CONTROLLER with output:TABLE and a frame", () => {
    const m = roundTripFixture("packet-out-controller-table") as PacketOutMessage;
    expect(m).toMatchObject({ bufferId: 0xffffffff, inPort: OFPP.CONTROLLER });
    expect(m.actions).toEqual([{ type: "output", port: OFPP.TABLE, maxLen: 0 }]);
    expect(m.data.length).toBe(42);
  });
  it("buffered: actions, no data", () => {
    const m = roundTripFixture("packet-out-buffered") as PacketOutMessage;
    expect(m).toMatchObject({ bufferId: 0x200, inPort: 3, data: new Uint8Array(0) });
    expect(m.actions.map((a) => a.type)).toEqual(["push_vlan", "set_field", "output"]);
    expect((roundTripFixture("packet-out-no-actions") as PacketOutMessage).actions).toEqual([]);
  });
});

describe("PACKET_OUT property and malformed input", () => {
  it("decode(encode(m)) = m", () => {
    fc.assert(
      fc.property(packetOutArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });
  it("every truncation (length patched) is an OfpError or well formed", () =>
    expectTruncationsRejected(fixture("packet-out-buffered")));
  it("actions_len past the message is BAD_REQUEST/BAD_LEN; inside a frame, errors are BAD_ACTION", () => {
    const b = fixture("packet-out-buffered");
    new DataView(b.buffer).setUint16(16, 0x400);
    expectOfpError(() => decodeMessage(b), "BAD_REQUEST/BAD_LEN");
    const c = fixture("packet-out-controller-table");
    new DataView(c.buffer).setUint16(16, 8); // cuts the 16-byte output action in half
    expectOfpError(() => decodeMessage(c), "BAD_ACTION/BAD_LEN");
  });
});
