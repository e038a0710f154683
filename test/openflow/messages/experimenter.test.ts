import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { experimenterMessage } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

describe("EXPERIMENTER", () => {
  it("fixture (os-ken): experimenter id, exp_type, data", () => {
    const m = roundTrip("experimenter", "experimenter");
    expect(m).toMatchObject({ experimenter: 0xabcdef, expType: 18 });
    expect([...m.data]).toEqual([0xde, 0xad, 0xbe, 0xef]);
  });

  it("decode(encode(x)) = x", () => {
    fc.assert(fc.property(experimenterMessage, (m) => void expect(decodeMessage(encodeMessage(m))).toEqual(m)));
  });

  it("a body shorter than 8 bytes is BAD_REQUEST/BAD_LEN; longer ones are shorter data", () => {
    for (const t of truncations(fixture("experimenter"))) {
      if (t.length >= 16) expect(decodeMessage(t).kind).toBe("experimenter");
      else expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });
});
