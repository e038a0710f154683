import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { OFPR, type PacketInMessage } from "../../../openflow/messages/packet-in.ts";
import { packetInArb } from "../arbitraries/flow-messages.ts";
import { expectOfpError, expectTruncationsRejected, fixture, fixtureNames, roundTripFixture } from "./flow-fixtures.ts";

describe("PACKET_IN (packed with os-ken's structs, parsed back by os-ken)", () => {
  for (const name of fixtureNames("packet-in-")) it(`${name} re-encodes byte for byte`, () => roundTripFixture(name));

  it("reasons NO_MATCH / ACTION / INVALID_TTL, buffer, cookie, table, match and data", () => {
    const nm = roundTripFixture("packet-in-no-match") as PacketInMessage;
    expect(nm).toMatchObject({ bufferId: 0xffffffff, totalLen: 42, reason: OFPR.NO_MATCH, tableId: 0, cookie: 0n });
    expect(nm.match).toEqual([{ name: "in_port", value: 1 }]);
    expect(nm.data.length).toBe(42);
    const act = roundTripFixture("packet-in-action") as PacketInMessage;
    expect(act).toMatchObject({ bufferId: 0x100, reason: OFPR.ACTION, tableId: 3, cookie: 0xfeedfacen });
    expect(act.match).toEqual([
      { name: "in_port", value: 2 },
      { name: "metadata", value: 0x55n },
      { name: "tunnel_id", value: 0x99n },
    ]);
    expect(act.data.length).toBe(20); // truncated, total_len keeps 42
    const ttl = roundTripFixture("packet-in-invalid-ttl") as PacketInMessage;
    expect(ttl).toMatchObject({ reason: OFPR.INVALID_TTL, match: [{ name: "in_port", value: 0xfffffffe }] });
  });
});

describe("PACKET_IN property and malformed input", () => {
  it("decode(encode(m)) = m", () => {
    fc.assert(
      fc.property(packetInArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });
  it("every truncation (length patched) is an OfpError or well formed", () =>
    expectTruncationsRejected(fixture("packet-in-action")));
  it("a match running into the data is BAD_MATCH/BAD_LEN", () => {
    const b = fixture("packet-in-no-match");
    new DataView(b.buffer).setUint16(26, 0xff);
    expectOfpError(() => decodeMessage(b), "BAD_MATCH/BAD_LEN");
  });
});
