import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { OFPCR_ROLE } from "../../../openflow/messages/role.ts";
import { roleMessage } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations, withLength } from "../support/session-codec.ts";

describe("ROLE", () => {
  it("request fixture (os-ken): MASTER with a generation id", () => {
    const m = roundTrip("role-request", "role-request");
    expect(m).toMatchObject({ role: OFPCR_ROLE.MASTER, generationId: 0x0102030405060708n });
  });
  it("reply fixture: SLAVE with a generation id near 2^64", () => {
    const m = roundTrip("role-reply", "role-reply");
    expect(m).toMatchObject({ role: OFPCR_ROLE.SLAVE, generationId: 0xfffffffffffffffen });
  });
  it("decode(encode(x)) = x", () => {
    fc.assert(fc.property(roleMessage, (m) => void expect(decodeMessage(encodeMessage(m))).toEqual(m)));
  });
  it("truncations and extra bytes are BAD_REQUEST/BAD_LEN", () => {
    for (const t of truncations(fixture("role-request"))) {
      expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
    const long = withLength(Uint8Array.from([...fixture("role-reply"), 0, 0, 0, 0]));
    expectOfpError(() => decodeMessage(long), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
  });
});
