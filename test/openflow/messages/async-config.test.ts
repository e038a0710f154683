import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { asyncConfig } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

describe("GET_ASYNC / SET_ASYNC", () => {
  it("fixtures (os-ken): request, reply, set with the six masks in order", () => {
    expect(roundTrip("async-config-get-request", "get-async-request").xid).toBe(17);
    expect(roundTrip("async-config-get-reply", "get-async-reply")).toMatchObject({
      packetInMask: [7, 1],
      portStatusMask: [7, 2],
      flowRemovedMask: [15, 0],
    });
    expect(roundTrip("async-config-set", "set-async")).toMatchObject({
      packetInMask: [3, 1],
      portStatusMask: [7, 7],
      flowRemovedMask: [1, 0],
    });
  });
  it("decode(encode(x)) = x", () => {
    fc.assert(fc.property(asyncConfig, (m) => void expect(decodeMessage(encodeMessage(m))).toEqual(m)));
  });
  it("every truncation is BAD_REQUEST/BAD_LEN", () => {
    for (const t of truncations(fixture("async-config-set"))) {
      expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });
});
