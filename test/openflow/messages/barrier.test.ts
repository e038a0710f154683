import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { xid } from "../arbitraries/wire-scalars.ts";
import { expectOfpError, fixture, roundTrip, withLength } from "../support/session-codec.ts";

describe("BARRIER", () => {
  it("fixtures (os-ken): request and reply are bare headers", () => {
    expect(roundTrip("barrier-request", "barrier-request")).toEqual({ kind: "barrier-request", xid: 15 });
    expect(roundTrip("barrier-reply", "barrier-reply")).toEqual({ kind: "barrier-reply", xid: 15 });
  });
  it("decode(encode(x)) = x", () => {
    fc.assert(
      fc.property(fc.constantFrom("barrier-request" as const, "barrier-reply" as const), xid, (kind, x) => {
        expect(decodeMessage(encodeMessage({ kind, xid: x }))).toEqual({ kind, xid: x });
      }),
    );
  });
  it("any body byte is BAD_REQUEST/BAD_LEN", () => {
    for (const extra of [[0], [1, 2, 3, 4, 5, 6, 7, 8]]) {
      const b = withLength(Uint8Array.from([...fixture("barrier-request"), ...extra]));
      expectOfpError(() => decodeMessage(b), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });
});
