import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../openflow/errors.ts";
import { decodeMessage, encodeMessage } from "../../../openflow/message.ts";
import { tableMod } from "../arbitraries/simple-messages.ts";
import { expectOfpError, fixture, roundTrip, truncations } from "../support/session-codec.ts";

describe("TABLE_MOD", () => {
  it("fixture (os-ken): table id and config", () => {
    expect(roundTrip("table-mod", "table-mod")).toEqual({ kind: "table-mod", xid: 14, tableId: 7, config: 3 });
  });
  it("decode(encode(x)) = x", () => {
    fc.assert(fc.property(tableMod, (m) => void expect(decodeMessage(encodeMessage(m))).toEqual(m)));
  });
  it("every truncation is BAD_REQUEST/BAD_LEN", () => {
    for (const t of truncations(fixture("table-mod"))) {
      expectOfpError(() => decodeMessage(t), OFPET.BAD_REQUEST, BAD_REQUEST.BAD_LEN);
    }
  });
});
